// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-task-runner: runs one task of the local backend and outlives the master, so that a
// master restarted after a crash finds its tasks still running, or finds how they ended.
//
//   peloton-task-runner --sandbox=DIR --state=DIR --grace-ms=30000 [--ready-fd=N] [--shell]
//       [--health=command|http|tcp --health-command=CMD --health-port=P --health-path=/
//        --health-delay-ms=N --health-interval-ms=N --health-timeout-ms=N
//        --health-failures=N --health-unshare-env]
//       [--fetch-cache=DIR --fetch-max-mb=N --fetch-timeout-ms=N
//        --fetch=<x|-><e|-><TAB><output file><TAB><url> ...]
//       [--user=NAME --uid=N --gid=N --groups=N,...] [--hide=DIR ... --show=DIR ...]
//       [--cgroup=DIR ...] [--fd-limit=N] -- COMMAND [ARGS...]
//   peloton-task-runner --serve-fd=N [--notify-fd=M]
//
// The second form is the runner server (runner_server.h): the backend starts it once, and it
// forks the runners, each of which then runs as the first form does.
//
// It starts once per task, so it is lean: linked statically, without the network libraries
// and without glibc's name service (which a static program cannot load safely); the backend
// gives it the user by number. What needs the network, fetching files and HTTP and
// TCP checks, is peloton-task-helper's (task_helper_main.cc), beside the runner, which it runs
// in the child processes that do them.
//
// With --user (a runner started as root), the task and its health checks run as that user
// (--uid, --gid, and --groups with the primary group among them); with --hide, in a
// mount namespace of their own in which each hidden directory is empty but for the shown ones
// (task_user.h). Both happen in the task's own process, before it runs anything of the task's; the
// runner stays as it was, to watch and kill it. With --cgroup, the task and its checks join those
// control groups first (cgroups.h: the backend made them, with the task's limits); when the task
// ends, whatever is left in them (a `setsid` child) is killed, and a task that failed after the
// kernel killed a process of it over its memory limit ends with requested 3. With --fd-limit,
// RLIMIT_NOFILE. A task that cannot be given its user, view, groups or limit does not run: it ends
// with exit code 127 and says why on its stderr.
//
// With --fetch, the task's remote files (fetcher.h; x: executable, e: extract, output file
// empty for the URL's own name) are placed in the sandbox first, by a child process (the
// helper, as the runner's user) that a kill ends at once; the task starts only once all are there,
// which task.pid then tells. A file that cannot be had ends the runner with exit_status "unfetched
// <why>" and the command never runs.
//
// With --ready-fd it first waits for a byte on that descriptor: the backend sends it once it
// has recorded this runner (runner.pid). End of file instead (the master died first) ends the
// runner at once, having run nothing, so that a restarted master may run the task again.
//
// In the state directory (sandbox.h: the backend's, out of the task's reach) it writes
// task.pid (the task's process group) and, when the task ends, exit_status, atomically:
// "exited <code> <requested>" or "signaled <signal> <requested>", `requested` 1 when the task
// was killed on request, 2 when its health checks killed it. (runner.pid is the backend's,
// written before the runner runs.) The task runs in the sandbox in a process group of its own,
// with stdout and stderr in the sandbox's files; nothing it writes there is read as the
// runner's word.
// SIGTERM to the runner is passed to the group, followed by SIGKILL after the grace period;
// whatever is left of the group when the task ends is killed.
//
// With --health, it checks the task the way a Mesos executor does (backend.h, HealthCheckSpec):
// each check in a child process of its own (a command with `sh -c` in the sandbox, with the
// task's environment unless --health-unshare-env; an HTTP GET or a TCP connection to
// 127.0.0.1), killed when it outlasts the timeout; a change of health goes into the state
// directory's `health` file, and too many failures in a row kill the task as a kill on request
// would. Its checks run as the task does (its user, view, groups and limits).

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/backend/health.h"
#include "services/backend/local/cgroups.h"
#include "services/backend/local/command.h"
#include "services/backend/local/runner_server.h"
#include "services/backend/local/sandbox.h"
#include "services/backend/local/task_user.h"
#include "services/common/version.h"

namespace {

using peloton::backend::HealthTracker;
using peloton::backend::local::BecomeUser;
using peloton::backend::local::EnterTaskView;
using peloton::backend::local::FormatHealth;
using peloton::backend::local::HealthReport;
using peloton::backend::local::JoinCgroups;
using peloton::backend::local::KillCgroups;
using peloton::backend::local::MoveIntoCgroups;
using peloton::backend::local::OomKilled;
using peloton::backend::local::TaskUser;
using peloton::backend::local::TaskView;
using peloton::backend::local::WriteFileAtomically;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// The longest a runner waits for its server to move its task's process into its groups.
constexpr int kMoveTimeoutMs = 5'000;

int64_t NowNs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * kNanosPerSecond + now.tv_nsec;
}

// What a check found.
struct ProbeResult {
  bool passed = false;
  std::string message;
};

// peloton-task-helper, opened (as the runner) before a child changes its user or view, and
// run from that descriptor (fexecve): -1 with `helper_error` when it cannot be opened.
int helper_fd = -1;
std::string helper_error;

void OpenHelper() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string path = (self.parent_path() / "peloton-task-helper").string();
  if (ec) {
    helper_error = absl::StrCat("cannot find peloton-task-helper: /proc/self/exe: ", ec.message());
  } else if ((helper_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC)) < 0) {
    helper_error = absl::StrCat("cannot open ", path, ": ", std::strerror(errno));
  }
}

// In a child: runs the helper with `args` (after its name), telling it `message_fd` (kept open
// across the exec). Returns only when it could not, with why in `helper_error`.
void ExecHelper(std::vector<std::string> args, int message_fd) {
  if (helper_fd < 0) return;
  if (fcntl(message_fd, F_SETFD, 0) != 0) {
    helper_error =
        absl::StrCat("cannot pass a pipe to peloton-task-helper: ", std::strerror(errno));
    return;
  }
  args.insert(args.begin(), "peloton-task-helper");
  args.push_back(absl::StrCat("--message-fd=", message_fd));
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  fexecve(helper_fd, argv.data(), environ);
  helper_error = absl::StrCat("cannot run peloton-task-helper: ", std::strerror(errno));
}

struct HealthOptions {
  std::string type;  // "": none; command, http or tcp
  std::string command;
  uint32_t port = 0;
  std::string path = "/";
  int64_t delay_ms = 15'000, interval_ms = 10'000, timeout_ms = 20'000;
  uint32_t max_failures = 3;
  bool unshare_env = false;
};

// Who the task (and its checks) runs as, what it sees, and its limits.
struct Identity {
  std::optional<TaskUser> user;
  TaskView view;
  std::vector<std::string> cgroups;
  uint64_t fd_limit = 0;  // 0: the runner's own
};

// In the task's or a check's child: joins its groups (unless `in_groups`: moved there
// already), enters its view, goes to its sandbox and becomes its user. On failure it says why
// on stderr and ends the child.
void Assume(const Identity& id, const std::string& sandbox, bool in_groups = false) {
  std::string failed;
  int e = 0;
  if (!in_groups && (e = JoinCgroups(id.cgroups, &failed)) != 0) {
    std::fprintf(stderr, "peloton-task-runner: cannot join %s: %s\n", failed.c_str(),
                 std::strerror(e));
    _exit(127);
  }
  const struct rlimit files = {id.fd_limit, id.fd_limit};
  if (id.fd_limit > 0 && setrlimit(RLIMIT_NOFILE, &files) != 0) {
    std::fprintf(stderr, "peloton-task-runner: cannot limit open files to %llu: %s\n",
                 static_cast<unsigned long long>(id.fd_limit), std::strerror(errno));
    _exit(127);
  }
  if (!id.view.hidden.empty() && (e = EnterTaskView(id.view, &failed)) != 0) {
    std::fprintf(stderr, "peloton-task-runner: the task's view: %s: %s\n", failed.c_str(),
                 std::strerror(e));
    _exit(127);
  }
  // Before the user changes: the sandbox is reached even where its parents are closed to it.
  if (chdir(sandbox.c_str()) != 0) {
    std::fprintf(stderr, "peloton-task-runner: cannot enter %s: %s\n", sandbox.c_str(),
                 std::strerror(errno));
    _exit(127);
  }
  if (id.user.has_value() && (e = BecomeUser(*id.user)) != 0) {
    std::fprintf(stderr, "peloton-task-runner: cannot become user %s: %s\n",
                 id.user->name.c_str(), std::strerror(e));
    _exit(127);
  }
}

// One check under way: its process and the pipe it tells its finding on.
struct Check {
  pid_t pid = -1;
  int pipe = -1;
  int64_t deadline_ns = 0;
};

// In the check's child: runs the check and ends with 0 when it passed.
[[noreturn]] void RunCheck(const std::string& sandbox, const Identity& id,
                           const HealthOptions& h, int pipe, const sigset_t& old_mask) {
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  setpgid(0, 0);
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
  }
  Assume(id, sandbox);
  if (h.type == "command") {
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                    const_cast<char*>(h.command.c_str()), nullptr};
    if (h.unshare_env) {
      char* envp[] = {const_cast<char*>("PATH=/usr/local/bin:/usr/bin:/bin"), nullptr};
      execve("/bin/sh", argv, envp);
    } else {
      execv("/bin/sh", argv);
    }
    _exit(127);
  }
  std::vector<std::string> args = {"probe", "--type=" + h.type, absl::StrCat("--port=", h.port)};
  if (h.type == "http") args.push_back("--path=" + h.path);
  ExecHelper(std::move(args), pipe);
  const std::string why = "health check: " + helper_error;
  const ssize_t written = write(pipe, why.data(), why.size());
  _exit(written >= 0 ? 1 : 2);
}

// Starts a check; nullopt when no process could be made (counted as a failed check).
std::optional<Check> StartCheck(const std::string& sandbox, const Identity& id,
                                const HealthOptions& h, const sigset_t& old_mask) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    close(fds[0]);
    RunCheck(sandbox, id, h, fds[1], old_mask);
  }
  close(fds[1]);
  setpgid(pid, pid);
  return Check{pid, fds[0], NowNs() + h.timeout_ms * 1'000'000};
}

// What a check that ended found.
ProbeResult Finding(const HealthOptions& h, const Check& check, int status) {
  char buffer[512];
  const ssize_t n = read(check.pipe, buffer, sizeof buffer);
  const std::string said = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  const bool passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (h.type != "command" && !said.empty()) return {passed, said};
  if (WIFEXITED(status)) {
    return {passed, absl::StrCat("health check command: exit code ", WEXITSTATUS(status))};
  }
  return {false, absl::StrCat("health check: terminated by signal ", WTERMSIG(status))};
}

void EndCheck(Check& check) {
  kill(-check.pid, SIGKILL);
  int status = 0;
  waitpid(check.pid, &status, 0);
  close(check.pipe);
}

// `moved`: where the runner says whether its server moved this process into the task's groups
// (a byte, '1' when it did; -1: no such word comes).
[[noreturn]] void RunTask(const std::string& sandbox, const Identity& id, bool shell,
                          const std::vector<std::string>& command, const sigset_t& old_mask,
                          int moved) {
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  setpgid(0, 0);
  // The output files first (as the runner: it may not be the task's user yet), so that what
  // goes wrong below is said in the task's stderr.
  const std::string out = sandbox + "/stdout", err = sandbox + "/stderr";
  constexpr int kOutput = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
  const int out_fd = open(out.c_str(), kOutput, 0644);
  const int err_fd = open(err.c_str(), kOutput, 0644);
  if (out_fd < 0 || err_fd < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
  // Theirs: the task may truncate or replace them (they stay its own files).
  if (id.user.has_value() && (fchown(out_fd, id.user->uid, id.user->gid) != 0 ||
                              fchown(err_fd, id.user->uid, id.user->gid) != 0)) {
    _exit(127);
  }
  char in_groups = '0';  // end of file: no
  while (moved >= 0 && read(moved, &in_groups, 1) < 0 && errno == EINTR) {
  }
  if (moved >= 0) close(moved);
  Assume(id, sandbox, in_groups == '1');
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  // A shell command that sh would only split into words runs without sh (command.h).
  const std::optional<std::vector<std::string>> direct =
      shell ? peloton::backend::local::DirectCommand(command[0]) : std::nullopt;
  const bool via_sh = shell && !direct.has_value();
  const std::vector<std::string>& words = direct.has_value() ? *direct : command;
  // What sh would give it: PWD, its working directory (the sandbox).
  if (direct.has_value()) setenv("PWD", sandbox.c_str(), 1);
  std::vector<char*> argv;
  if (via_sh) {
    argv = {const_cast<char*>("sh"), const_cast<char*>("-c"),
            const_cast<char*>(command[0].c_str())};
  } else {
    for (const std::string& a : words) argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  execvp(via_sh ? "/bin/sh" : argv[0], argv.data());
  // As sh says it: 127 for a command not found, 126 for one found that cannot run.
  const int error = errno;
  std::fprintf(stderr, "peloton-task-runner: cannot run %s: %s\n", argv[0], std::strerror(error));
  _exit(error == ENOENT ? 127 : 126);
}

// Places the task's remote files in the sandbox, in a child process so that a kill meanwhile
// is heard. True when they are all there; otherwise exit_status is written (unfetched, or
// killed on request) and the runner ends with `*exit_code`.
// `helper_args`: the helper's fetch arguments (its files and options).
bool FetchAll(const std::string& state, const std::vector<std::string>& helper_args,
              const sigset_t& wanted, const sigset_t& old_mask, int* exit_code) {
  const auto finish = [&](const std::string& line) {
    *exit_code = WriteFileAtomically(state + "/exit_status", line).ok() ? 0 : 5;
    return false;
  };
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return finish(peloton::backend::local::FormatUnfetched("cannot make a pipe for the fetcher"));
  }
  const pid_t fetcher = fork();
  if (fetcher < 0) {
    return finish(peloton::backend::local::FormatUnfetched("cannot start the fetcher"));
  }
  if (fetcher == 0) {
    close(fds[0]);
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    setpgid(0, 0);  // with its tar, if it unpacks, ended as one by a kill
    ExecHelper(helper_args, fds[1]);
    const ssize_t written = write(fds[1], helper_error.data(), helper_error.size());
    _exit(written >= 0 ? 1 : 2);
  }
  close(fds[1]);
  setpgid(fetcher, fetcher);  // also done by the child; whichever runs first
  int status = 0;
  while (true) {
    const struct timespec wait = {1, 0};
    const int sig = sigtimedwait(&wanted, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      kill(-fetcher, SIGKILL);
      waitpid(fetcher, &status, 0);
      close(fds[0]);
      return finish("signaled " + std::to_string(SIGKILL) + " 1\n");
    }
    if (waitpid(fetcher, &status, WNOHANG) == fetcher) break;
  }
  std::string why;
  char buffer[1024];
  ssize_t n = 0;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0 && why.size() < 4096) {
    why.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (why.empty()) {
    why = WIFEXITED(status) ? absl::StrCat("the fetcher ended with exit code ", WEXITSTATUS(status))
                            : absl::StrCat("the fetcher was ended by signal ", WTERMSIG(status));
  }
  return finish(peloton::backend::local::FormatUnfetched(why));
}

// One runner's life: exec'd by the backend, or forked by a runner server.
int RunRunner(int argc, char** argv) {
  CLI::App app{"Runs one task of Peloton's local backend (started by the master)"};
  peloton::AddVersionFlag(app);
  std::string sandbox, state;
  int64_t grace_ms = 30'000;
  bool shell = false;
  std::vector<std::string> command;
  app.add_option("--sandbox", sandbox, "the task's sandbox directory")->required();
  app.add_option("--state", state, "where the runner tells the backend (out of the task's reach)")
      ->required();
  app.add_option("--grace-ms", grace_ms, "SIGTERM to SIGKILL, in milliseconds");
  app.add_flag("--shell", shell, "run the command with sh -c");
  int ready_fd = -1;
  app.add_option("--ready-fd", ready_fd, "wait for a byte here before anything else");
  HealthOptions health;
  app.add_option("--health", health.type, "the task's health check")
      ->check(CLI::IsMember({"command", "http", "tcp"}));
  app.add_option("--health-command", health.command, "a command check's command");
  app.add_option("--health-port", health.port, "an HTTP or TCP check's port")
      ->check(CLI::Range(1, 65535));
  app.add_option("--health-path", health.path, "an HTTP check's path");
  app.add_option("--health-delay-ms", health.delay_ms, "before the first check")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--health-interval-ms", health.interval_ms, "between checks")
      ->check(CLI::PositiveNumber);
  app.add_option("--health-timeout-ms", health.timeout_ms, "a check that takes longer fails")
      ->check(CLI::PositiveNumber);
  app.add_option("--health-failures", health.max_failures, "failures in a row that kill it")
      ->check(CLI::PositiveNumber);
  app.add_flag("--health-unshare-env", health.unshare_env,
               "a command check without the task's environment");
  std::vector<std::string> fetch_values;
  std::string fetch_cache;
  int64_t fetch_max_mb = 1024, fetch_timeout_ms = 300'000;
  app.add_option("--fetch", fetch_values, "a remote file: <x|-><e|-><TAB><output><TAB><url>");
  app.add_option("--fetch-cache", fetch_cache, "this host's cache of fetched files");
  app.add_option("--fetch-max-mb", fetch_max_mb, "a larger file fails")
      ->check(CLI::PositiveNumber);
  app.add_option("--fetch-timeout-ms", fetch_timeout_ms, "a longer fetch fails")
      ->check(CLI::PositiveNumber);
  Identity identity;
  TaskUser user;
  CLI::Option* user_flag = app.add_option("--user", user.name,
                                          "run the task and its checks as this user (the "
                                          "runner: root)");
  app.add_option("--uid", user.uid, "the user's id")->needs(user_flag);
  app.add_option("--gid", user.gid, "the user's group id")->needs(user_flag);
  app.add_option("--groups", user.groups, "the user's groups, its own among them")
      ->delimiter(',')
      ->needs(user_flag);
  app.add_option("--hide", identity.view.hidden, "a directory the task sees empty");
  app.add_option("--show", identity.view.shown, "a directory in a hidden one that it sees");
  app.add_option("--cgroup", identity.cgroups, "a control group the task joins");
  app.add_option("--fd-limit", identity.fd_limit, "the task's RLIMIT_NOFILE")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  app.footer("-- COMMAND [ARGS...]: the task's command, after the options");
  // The command is what follows "--", taken here: CLI11 would let a vector option before "--"
  // end there and read the command's own flags as the runner's.
  int options_end = 1;
  while (options_end < argc && std::strcmp(argv[options_end], "--") != 0) ++options_end;
  command.assign(argv + std::min(options_end + 1, argc), argv + argc);
  CLI11_PARSE(app, options_end, argv);
  if (command.empty()) {
    std::fprintf(stderr, "peloton-task-runner: -- COMMAND: missing (rule: the task's command)\n");
    return 2;
  }
  // The runner's files (fetched ones, the task's output) are readable by the task's user; the
  // task itself starts with the usual mask.
  umask(022);
  if (!user.name.empty()) {
    if (app.count("--uid") == 0 || app.count("--gid") == 0 ||
        std::find(user.groups.begin(), user.groups.end(), user.gid) == user.groups.end()) {
      std::fprintf(stderr,
                   "peloton-task-runner: --user %s: needs --uid, --gid and --groups (rule: the "
                   "user by number, its groups with its own)\n",
                   user.name.c_str());
      return 2;
    }
    identity.user = std::move(user);
  }
  if (ready_fd >= 0) {
    char go = 0;
    ssize_t n = 0;
    while ((n = read(ready_fd, &go, 1)) < 0 && errno == EINTR) {
    }
    close(ready_fd);
    if (n != 1) return 6;  // not recorded by the backend: run nothing
  }
  for (size_t i = 0; i < fetch_values.size(); ++i) {
    peloton::files::RemoteFile file;
    if (!peloton::backend::local::ParseFetchArg(fetch_values[i], file)) {
      std::fprintf(stderr,
                   "peloton-task-runner: --fetch: '%s' (rule: <x|-><e|-><TAB><output><TAB><url>)\n",
                   fetch_values[i].c_str());
      return 2;
    }
  }
  if (!fetch_values.empty() && fetch_cache.empty()) {
    std::fprintf(stderr, "peloton-task-runner: --fetch-cache: missing (rule: given with --fetch)\n");
    return 2;
  }
  if (health.type == "command" && health.command.empty()) {
    std::fprintf(stderr,
                 "peloton-task-runner: --health-command: empty (rule: a command check's "
                 "command)\n");
    return 2;
  }
  if ((health.type == "http" || health.type == "tcp") && health.port == 0) {
    std::fprintf(stderr,
                 "peloton-task-runner: --health-port: missing (rule: an %s check's "
                 "port)\n",
                 health.type.c_str());
    return 2;
  }

  // Signals are taken synchronously with sigtimedwait.
  sigset_t wanted, old_mask;
  sigemptyset(&wanted);
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&wanted, s);
  sigprocmask(SIG_BLOCK, &wanted, &old_mask);
  // The backend starts the runner with SIGTERM and SIGINT blocked already (a kill that comes
  // before this line then waits for the loop below instead of killing the runner unheard); the
  // task and its checks get them unblocked.
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigdelset(&old_mask, s);

  if (!fetch_values.empty() || health.type == "http" || health.type == "tcp") OpenHelper();
  if (!fetch_values.empty()) {
    std::vector<std::string> args = {"fetch", "--sandbox=" + sandbox,
                                     "--fetch-cache=" + fetch_cache,
                                     absl::StrCat("--fetch-max-mb=", fetch_max_mb),
                                     absl::StrCat("--fetch-timeout-ms=", fetch_timeout_ms)};
    for (const std::string& v : fetch_values) args.push_back("--fetch=" + v);
    if (int exit_code = 0; !FetchAll(state, args, wanted, old_mask, &exit_code)) return exit_code;
  }

  // The task's groups: its process is moved into them by the server that forked this runner
  // (runner_server.h), or joins them itself where none did.
  int moved[2] = {-1, -1};
  if (!identity.cgroups.empty() && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, moved) != 0) {
    moved[0] = moved[1] = -1;
  }
  const pid_t child = fork();
  if (child < 0) return 4;
  if (child == 0) {
    if (moved[1] >= 0) close(moved[1]);
    RunTask(sandbox, identity, shell, command, old_mask, moved[0]);
  }
  setpgid(child, child);  // also done by the child; whichever runs first
  if (moved[0] >= 0) {
    close(moved[0]);
    const char said = MoveIntoCgroups(child, identity.cgroups, kMoveTimeoutMs) == 0 ? '1' : '0';
    // Best effort: a child that reads end of file joins its groups itself (one that ended
    // already reads nothing, and MSG_NOSIGNAL spares this runner its SIGPIPE).
    (void)!send(moved[1], &said, 1, MSG_NOSIGNAL);
    close(moved[1]);
  }
  // The task runs either way; without task.pid a backend that finds this runner dead cannot
  // kill what is left of the task's group.
  if (absl::Status s = WriteFileAtomically(state + "/task.pid", std::to_string(child) + "\n");
      !s.ok()) {
    std::fprintf(stderr, "peloton-task-runner: cannot write task.pid in %s: %s\n", state.c_str(),
                 std::string(s.message()).c_str());
  }

  // Why the task is being killed: 0 not, 1 on request, 2 by its health checks.
  int killed = 0;
  int64_t kill_deadline_ns = 0;
  const auto kill_task = [&](int why) {
    killed = why;
    kill(-child, SIGTERM);
    kill_deadline_ns = NowNs() + grace_ms * 1'000'000;
  };
  std::optional<HealthTracker> tracker;
  if (!health.type.empty()) tracker.emplace(health.max_failures);
  int64_t next_check_ns = NowNs() + health.delay_ms * 1'000'000;
  std::optional<Check> check;
  const auto checked = [&](const ProbeResult& r) {
    const HealthTracker::Verdict v = tracker->Record(r.passed);
    if (v.report || v.kill) {
      std::string message = r.message;
      if (v.kill) {
        message = absl::StrCat("failed ", tracker->consecutive_failures(),
                               " health checks in a row (last: ", r.message, ")");
      }
      // Without the file the backend misses a change of health; the task goes on either way.
      if (absl::Status s = WriteFileAtomically(state + "/health",
                                               FormatHealth(HealthReport{v.healthy, message}));
          !s.ok()) {
        std::fprintf(stderr, "peloton-task-runner: cannot write health in %s: %s\n",
                     state.c_str(), std::string(s.message()).c_str());
      }
    }
    if (v.kill && killed == 0) kill_task(2);
    next_check_ns = NowNs() + health.interval_ms * 1'000'000;
  };

  int status = 0;
  while (true) {
    const int64_t now = NowNs();
    int64_t wait_ns = kNanosPerSecond;
    if (killed != 0) {
      if (now >= kill_deadline_ns) {
        kill(-child, SIGKILL);
        kill_deadline_ns = now + kNanosPerSecond;
      }
      wait_ns = std::min(wait_ns, kill_deadline_ns - now);
    }
    if (check.has_value()) {
      wait_ns = std::min(wait_ns, check->deadline_ns - now);
    } else if (tracker.has_value() && killed == 0) {
      wait_ns = std::min(wait_ns, next_check_ns - now);
    }
    wait_ns = std::max<int64_t>(wait_ns, 0);
    const struct timespec wait = {static_cast<time_t>(wait_ns / kNanosPerSecond),
                                  static_cast<long>(wait_ns % kNanosPerSecond)};
    const int sig = sigtimedwait(&wanted, nullptr, &wait);
    if ((sig == SIGTERM || sig == SIGINT) && killed == 0) kill_task(1);
    // SIGCHLD, a timeout, or anything else: see whether the task or its check ended.
    if (waitpid(child, &status, WNOHANG) == child) break;
    if (check.has_value()) {
      siginfo_t info{};
      if (waitid(P_PID, check->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == check->pid) {
        kill(-check->pid, SIGKILL);  // what the check left behind, while its group id is held
        int check_status = 0;
        waitpid(check->pid, &check_status, 0);
        const ProbeResult r = Finding(health, *check, check_status);
        close(check->pipe);
        check.reset();
        checked(r);
      } else if (NowNs() >= check->deadline_ns) {
        EndCheck(*check);
        check.reset();
        checked({false,
                 absl::StrCat("health check timed out after ", health.timeout_ms / 1000.0, " s")});
      }
    } else if (tracker.has_value() && killed == 0 && NowNs() >= next_check_ns) {
      check = StartCheck(sandbox, identity, health, old_mask);
      if (!check.has_value()) checked({false, "health check: cannot start a process"});
    }
  }
  if (check.has_value()) EndCheck(*check);
  kill(-child, SIGKILL);  // what the task left behind in its group
  // And what left the group (setsid). Groups that do not empty (a process stuck in the kernel)
  // are the backend's to find: it keeps no such group for another task (Cgroups::Reclaim).
  (void)KillCgroups(identity.cgroups);
  const bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (killed == 0 && failed && OomKilled(identity.cgroups)) killed = 3;
  const std::string why = std::to_string(killed);
  const std::string line = WIFEXITED(status)
                               ? "exited " + std::to_string(WEXITSTATUS(status)) + " " + why + "\n"
                               : "signaled " + std::to_string(WTERMSIG(status)) + " " + why + "\n";
  return WriteFileAtomically(state + "/exit_status", line).ok() ? 0 : 5;
}

}  // namespace

int main(int argc, char** argv) {
  // A runner server (runner_server.h): started once by the backend, it forks the runners.
  // --serve-fd=N [--notify-fd=M], and nothing else.
  constexpr absl::string_view kServe = "--serve-fd=", kNotify = "--notify-fd=";
  if ((argc == 2 || argc == 3) && absl::StartsWith(argv[1], kServe)) {
    int fd = -1, notify = -1;
    if (!absl::SimpleAtoi(absl::string_view(argv[1]).substr(kServe.size()), &fd) || fd < 0) {
      std::fprintf(stderr, "peloton-task-runner: %s (rule: --serve-fd=<descriptor>)\n", argv[1]);
      return 2;
    }
    if (argc == 3 &&
        (!absl::StartsWith(argv[2], kNotify) ||
         !absl::SimpleAtoi(absl::string_view(argv[2]).substr(kNotify.size()), &notify) ||
         notify < 0)) {
      std::fprintf(stderr, "peloton-task-runner: %s (rule: --notify-fd=<descriptor>)\n", argv[2]);
      return 2;
    }
    return peloton::backend::local::ServeRunners(fd, notify, &RunRunner);
  }
  return RunRunner(argc, argv);
}
