// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// For benchmarks and tests of a server over a socket: the server runs in a forked child, which
// writes a line to `ready` once it listens (e.g. an id the benchmarks need); the parent reads
// it and, at the end, kills the child.
//
//   ForkedServer server = ForkServer([](int ready) { ...listen...; write(ready, ...); serve; });
//   if (!server.ok()) return 1;
//   ...run the benchmarks, with server.ready...
//   server.Stop();

#ifndef PELOTON_BENCH_FORK_SERVER_H_
#define PELOTON_BENCH_FORK_SERVER_H_

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace peloton::bench {

struct ForkedServer {
  pid_t pid = -1;
  std::string ready;  // what the child wrote once it listened; empty if it did not start
  bool ok() const { return !ready.empty(); }
  void Stop() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  // For a child told to end (a pipe closed, say): waits up to `grace_ms` for it to end on its
  // own, then Stop.
  void Stop(int grace_ms) {
    for (int waited = 0; pid > 0 && waited < grace_ms; waited += 10) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = -1;  // ended and reaped: nothing to kill
      } else {
        usleep(10'000);
      }
    }
    Stop();
  }
};

// `serve` runs in the child and never returns.
inline ForkedServer ForkServer(const std::function<void(int ready)>& serve) {
  ForkedServer s;
  int fds[2];
  if (pipe(fds) != 0) return s;
  s.pid = fork();
  if (s.pid == 0) {
    // A parent that dies (a crash, a kill) takes its server with it: nothing is left running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(fds[0]);
    serve(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  char buffer[256] = {};
  const ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
  close(fds[0]);
  if (n > 0) s.ready.assign(buffer, static_cast<size_t>(n));
  if (!s.ok()) s.Stop();
  return s;
}

}  // namespace peloton::bench

#endif  // PELOTON_BENCH_FORK_SERVER_H_
