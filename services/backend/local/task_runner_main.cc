// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-task-runner: runs one task of the local backend and outlives the master, so that a
// master restarted after a crash finds its tasks still running, or finds how they ended.
//
//   peloton-task-runner --sandbox=DIR --grace-ms=30000 [--shell] -- COMMAND [ARGS...]
//
// In the sandbox it writes task.pid (the task's process group) and, when the task ends,
// exit_status, atomically: "exited <code> <requested>" or "signaled <signal> <requested>",
// `requested` 1 when the task was killed on request. (runner.pid is the backend's, written
// before the runner runs; see sandbox.h.) The task runs in the sandbox in a process group of its
// own, with stdout and stderr in the sandbox's files. SIGTERM to the runner is passed to the
// group, followed by SIGKILL after the grace period; whatever is left of the group when the task
// ends is killed.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "services/backend/local/sandbox.h"

namespace {

using peloton::backend::local::WriteFileAtomically;

[[noreturn]] void RunTask(const std::string& sandbox, bool shell,
                          const std::vector<std::string>& command, const sigset_t& old_mask) {
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  setpgid(0, 0);
  const std::string out = sandbox + "/stdout", err = sandbox + "/stderr";
  const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 ||
      chdir(sandbox.c_str()) != 0) {
    _exit(127);
  }
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  std::vector<char*> argv;
  if (shell) {
    argv = {const_cast<char*>("sh"), const_cast<char*>("-c"),
            const_cast<char*>(command[0].c_str())};
  } else {
    for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  execvp(shell ? "/bin/sh" : argv[0], argv.data());
  std::fprintf(stderr, "peloton-task-runner: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs one task of Peloton's local backend (started by the master)"};
  std::string sandbox;
  int64_t grace_ms = 30'000;
  bool shell = false;
  std::vector<std::string> command;
  app.add_option("--sandbox", sandbox, "the task's sandbox directory")->required();
  app.add_option("--grace-ms", grace_ms, "SIGTERM to SIGKILL, in milliseconds");
  app.add_flag("--shell", shell, "run the command with sh -c");
  app.add_option("command", command, "the command and its arguments")->required();
  CLI11_PARSE(app, argc, argv);

  // Signals are taken synchronously with sigtimedwait.
  sigset_t wanted, old_mask;
  sigemptyset(&wanted);
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&wanted, s);
  sigprocmask(SIG_BLOCK, &wanted, &old_mask);

  const pid_t child = fork();
  if (child < 0) return 4;
  if (child == 0) RunTask(sandbox, shell, command, old_mask);
  setpgid(child, child);  // also done by the child; whichever runs first
  // The task runs either way; without task.pid a backend that finds this runner dead cannot
  // kill what is left of the task's group.
  if (absl::Status s = WriteFileAtomically(sandbox + "/task.pid", std::to_string(child) + "\n");
      !s.ok()) {
    std::fprintf(stderr, "peloton-task-runner: cannot write task.pid in %s: %s\n", sandbox.c_str(),
                 std::string(s.message()).c_str());
  }

  bool requested = false;
  struct timespec deadline {};
  int status = 0;
  while (true) {
    struct timespec wait = {1, 0};
    if (requested) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      int64_t left_ns =
          (deadline.tv_sec - now.tv_sec) * 1'000'000'000LL + (deadline.tv_nsec - now.tv_nsec);
      if (left_ns <= 0) {
        kill(-child, SIGKILL);
        left_ns = 1'000'000'000LL;
      }
      wait = {static_cast<time_t>(left_ns / 1'000'000'000LL),
              static_cast<long>(left_ns % 1'000'000'000LL)};
    }
    const int sig = sigtimedwait(&wanted, nullptr, &wait);
    if ((sig == SIGTERM || sig == SIGINT) && !requested) {
      requested = true;
      kill(-child, SIGTERM);
      clock_gettime(CLOCK_MONOTONIC, &deadline);
      deadline.tv_sec += grace_ms / 1000;
      deadline.tv_nsec += (grace_ms % 1000) * 1'000'000;
      if (deadline.tv_nsec >= 1'000'000'000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1'000'000'000;
      }
    }
    // SIGCHLD, a timeout, or anything else: see whether the task ended.
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) break;
  }
  kill(-child, SIGKILL);  // what the task left behind in its group
  const std::string line =
      WIFEXITED(status)
          ? "exited " + std::to_string(WEXITSTATUS(status)) + " " + (requested ? "1" : "0") + "\n"
          : "signaled " + std::to_string(WTERMSIG(status)) + " " + (requested ? "1" : "0") + "\n";
  return WriteFileAtomically(sandbox + "/exit_status", line).ok() ? 0 : 5;
}
