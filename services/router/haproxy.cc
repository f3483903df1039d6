// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/haproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/files.h"

namespace peloton::router {
namespace {

constexpr size_t kMaxAnswer = 16 << 20;

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

}  // namespace

absl::StatusOr<std::string> UnixRequest(const std::string& path, const std::string& line,
                                        absl::Duration timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": longer than a socket path may be"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat(path, ": ", strerror(errno)));
  }
  const std::string request = line + "\n";
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR) return Errno(absl::StrCat(path, ": send"));
    if (n > 0) sent += static_cast<size_t>(n);
  }
  // The end of the request: HAProxy answers, then closes (the master's CLI waits for it).
  shutdown(fd, SHUT_WR);
  std::string answer;
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[8192];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(path, ": no whole answer to '", line,
                                                      "' within ", absl::FormatDuration(timeout)));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) return Errno(absl::StrCat(path, ": poll"));
    if (ready <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(absl::StrCat(path, ": recv"));
    if (n == 0) return answer;
    if (answer.size() + static_cast<size_t>(n) > kMaxAnswer) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": an answer over ", kMaxAnswer, " bytes"));
    }
    answer.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::unique_ptr<Haproxy>> Haproxy::Start(Options options,
                                                        const std::string& config) {
  if (mkdir(options.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno(absl::StrCat("state directory ", options.dir));
  }
  std::unique_ptr<Haproxy> h(new Haproxy(std::move(options)));
  if (absl::Status s = h->WriteConfig(config); !s.ok()) return s;
  // A socket left by an HAProxy that is gone would answer nothing: each start binds anew.
  unlink(h->master_socket().c_str());
  unlink(h->admin_socket().c_str());
  const std::string master = h->master_socket() + ",mode,600";
  std::vector<std::string> args = {h->options_.binary, "-W", "-db", "-f",
                                   h->config_path(),   "-S", master};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    // Soft-stopped when the router's thread ends, even by SIGKILL; at once if it already has.
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    if (getppid() != parent) _exit(0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  h->pid_ = pid;
  if (absl::Status s = h->WaitFor([](const Proc& p) { return p.worker; }, "start"); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("HAProxy (", h->options_.binary, ") did not start: ", s.message()));
  }
  return h;
}

Haproxy::~Haproxy() { Stop(); }

absl::Status Haproxy::WriteConfig(const std::string& config) const {
  return files::WriteFileAtomically(config_path(), config);
}

absl::StatusOr<Haproxy::Proc> Haproxy::ShowProc() const {
  absl::StatusOr<std::string> answer = UnixRequest(master_socket(), "show proc", options_.timeout);
  if (!answer.ok()) return answer.status();
  // #<PID>  <type>  <reloads>  <uptime>  <version>
  // 30575   master  1 [failed: 0]  ...
  // # workers
  // 30631   worker  0  ...
  // # old workers    (finishing their connections)
  Proc proc;
  bool current = false;
  for (absl::string_view line : absl::StrSplit(*answer, '\n')) {
    if (absl::StartsWith(line, "# workers")) {
      current = true;
      continue;
    }
    if (absl::StartsWith(line, "#")) {
      current = false;
      continue;
    }
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (f.size() >= 3 && f[1] == "master") {
      if (!absl::SimpleAtoi(f[2], &proc.reloads)) continue;
      const size_t failed = line.find("[failed: ");
      if (failed != absl::string_view::npos) {
        absl::string_view n = line.substr(failed + 9);
        n = n.substr(0, n.find(']'));
        if (!absl::SimpleAtoi(n, &proc.failed)) proc.failed = 0;
      }
    } else if (current && f.size() >= 2 && f[1] == "worker") {
      proc.worker = true;
    }
  }
  if (proc.reloads < 0) {
    return absl::InternalError(absl::StrCat(master_socket(), ": 'show proc' lists no master"));
  }
  return proc;
}

template <typename Done>
absl::Status Haproxy::WaitFor(Done done, const char* what) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  absl::Status last = absl::UnavailableError("not asked yet");
  while (absl::Now() < deadline) {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(absl::StrCat(
          "HAProxy exited (", WIFEXITED(status) ? "status " : "signal ",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), ") during its ", what));
    }
    absl::StatusOr<Proc> proc = ShowProc();
    if (proc.ok() && done(*proc)) {
      reloads_ = proc->reloads;
      failed_ = proc->failed;
      return absl::OkStatus();
    }
    if (!proc.ok()) last = proc.status();
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::DeadlineExceededError(absl::StrCat("HAProxy's ", what, " not done within ",
                                                  absl::FormatDuration(options_.timeout), ": ",
                                                  last.message()));
}

absl::Status Haproxy::Reload(const std::string& config) {
  if (pid_ < 0) return absl::FailedPreconditionError("HAProxy is not running");
  if (absl::Status s = WriteConfig(config); !s.ok()) return s;
  const int before = reloads_, failed_before = failed_;
  // The master answers once it has re-read the configuration; show proc then says whether the
  // new worker started (reloads counts up) or the configuration was refused (failed counts up;
  // the old worker serves on).
  absl::StatusOr<std::string> answer = UnixRequest(master_socket(), "reload", options_.timeout);
  if (!answer.ok()) return answer.status();
  if (absl::Status s = WaitFor(
          [&](const Proc& p) {
            return p.reloads > before && (p.worker || p.failed > failed_before);
          },
          "reload");
      !s.ok()) {
    return s;
  }
  if (failed_ > failed_before) {
    return absl::FailedPreconditionError(
        absl::StrCat("HAProxy refused the configuration ", config_path(),
                     " (its messages are in the router's log); the last one serves on"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Haproxy::Ask(const std::string& command) {
  return UnixRequest(admin_socket(), command, options_.timeout);
}

absl::Status Haproxy::Commands(const std::vector<std::string>& commands) {
  // A line of HAProxy's CLI holds a few kilobytes (its buffer is 16 KiB).
  constexpr size_t kPerLine = 64;
  for (size_t from = 0; from < commands.size(); from += kPerLine) {
    const size_t to = std::min(commands.size(), from + kPerLine);
    const std::string line = absl::StrJoin(commands.begin() + from, commands.begin() + to, "; ");
    absl::StatusOr<std::string> answer = Ask(line);
    if (!answer.ok()) return answer.status();
    const absl::string_view said = absl::StripAsciiWhitespace(*answer);
    if (!said.empty()) {
      return absl::InternalError(absl::StrCat("HAProxy: '", line.substr(0, 200), "': ", said));
    }
  }
  return absl::OkStatus();
}

void Haproxy::Stop() {
  if (pid_ < 0) return;
  kill(pid_, SIGUSR1);
  int status = 0;
  const absl::Time deadline = absl::Now() + options_.timeout;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() >= deadline) {
      kill(pid_, SIGKILL);  // connections that outlived the timeout end with it
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

}  // namespace peloton::router
