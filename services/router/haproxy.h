// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A real HAProxy (Debian's haproxy 2.6) run by peloton-router: started in master-worker mode
// on a configuration it writes, reloaded gracefully (the master starts a new worker on the new
// configuration; the old one finishes its connections; listening sockets pass between them, so
// no connection is refused), and driven at run time over the worker's admin socket.
//
//   dir/haproxy.cfg    the configuration (replaced atomically before each reload)
//   dir/master.sock    the master CLI (reload, show proc)
//   dir/admin.sock     the worker's stats socket, level admin (set server ...)
//
// HAProxy ends with the process that started it (PR_SET_PDEATHSIG, soft stop: the connections
// it has finish first).
//
// Thread-compatible. Its calls block (each at most a few seconds).

#ifndef PELOTON_SERVICES_ROUTER_HAPROXY_H_
#define PELOTON_SERVICES_ROUTER_HAPROXY_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace peloton::router {

class Haproxy {
 public:
  struct Options {
    std::string binary = "/usr/sbin/haproxy";
    std::string dir;  // created if missing (0700)
    // How long a start or a reload may take before it is reported failed.
    absl::Duration timeout = absl::Seconds(10);
  };

  // Starts HAProxy on `config`, once its first worker serves. The paths above, under dir.
  // FailedPrecondition when it does not start (its own messages are on stderr).
  static absl::StatusOr<std::unique_ptr<Haproxy>> Start(Options options, const std::string& config);
  ~Haproxy();  // Stop()
  Haproxy(const Haproxy&) = delete;
  Haproxy& operator=(const Haproxy&) = delete;

  // Replaces the configuration and reloads, returning once the new worker serves. On failure
  // (a configuration HAProxy refuses, a listen address taken) the old worker goes on serving
  // and the error says so.
  absl::Status Reload(const std::string& config);

  // Runtime API commands on the admin socket, many a connection (`a; b; c`). HAProxy answers
  // nothing but newlines to commands that succeeded; anything else is an error (Internal with
  // HAProxy's words; the commands before it were carried out).
  absl::Status Commands(const std::vector<std::string>& commands);
  // A command whose answer is wanted (`show servers state`).
  absl::StatusOr<std::string> Ask(const std::string& command);

  // Soft stop (SIGUSR1): the listeners close, the connections finish; then waits for it.
  void Stop();

  // The admin socket of an HAProxy run in `dir` (its configuration names it).
  static std::string AdminSocketIn(const std::string& dir) { return dir + "/admin.sock"; }
  std::string admin_socket() const { return AdminSocketIn(options_.dir); }
  std::string master_socket() const { return options_.dir + "/master.sock"; }
  std::string config_path() const { return options_.dir + "/haproxy.cfg"; }
  pid_t pid() const { return pid_; }
  int reloads() const { return reloads_; }

 private:
  explicit Haproxy(Options options) : options_(std::move(options)) {}
  absl::Status WriteConfig(const std::string& config) const;
  // The master's reload count and failed-reload count, and whether a current worker is listed
  // (`show proc`).
  struct Proc {
    int reloads = -1;
    int failed = 0;
    bool worker = false;
  };
  absl::StatusOr<Proc> ShowProc() const;
  // Polls ShowProc until `done` holds, the process ends or the timeout passes.
  template <typename Done>
  absl::Status WaitFor(Done done, const char* what);

  Options options_;
  pid_t pid_ = -1;
  int reloads_ = 0;
  int failed_ = 0;
};

// One request on a Unix stream socket as HAProxy's CLIs take it: `line` and a newline, the
// answer until HAProxy closes the connection. Bounded: 16 MiB, `timeout`.
absl::StatusOr<std::string> UnixRequest(const std::string& path, const std::string& line,
                                        absl::Duration timeout);

}  // namespace peloton::router

#endif  // PELOTON_SERVICES_ROUTER_HAPROXY_H_
