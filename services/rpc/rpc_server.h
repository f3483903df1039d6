// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Cap'n Proto server of every scheduler process: its main capability (and named exports,
// what EzRpcClient::importCap asks for) on a TCP or Unix address, with bounds that Cap'n
// Proto's EzRpcServer lacks:
// - at most `max_connections` served at once; one more is closed as soon as it is accepted;
// - a connection that sends and receives nothing for `idle_timeout` is closed;
// - an accept that fails (out of file descriptors: EMFILE, ENFILE; out of buffers) is tried
//   again after a back-off, 10 ms doubling to a second; the process never exits for it.
// Each of these is logged (at most once a second per kind) and counted.
//
// Thread-compatible: runs on the thread's kj event loop.

#ifndef PELOTON_SERVICES_RPC_RPC_SERVER_H_
#define PELOTON_SERVICES_RPC_RPC_SERVER_H_

#include <cstdint>
#include <map>
#include <string>

#include "capnp/capability.h"
#include "capnp/rpc-twoparty.h"
#include "kj/async-io.h"
#include "kj/timer.h"

namespace peloton::rpc {

struct RpcServerOptions {
  size_t max_connections = 1000;
  kj::Duration idle_timeout = 10 * kj::MINUTES;
};

class RpcServer final : private kj::TaskSet::ErrorHandler {
 public:
  // Listens on `address`: host:port (port 0: any) or unix:PATH.
  static kj::Promise<kj::Own<RpcServer>> Listen(kj::AsyncIoProvider& io, kj::Timer& timer,
                                                kj::StringPtr address,
                                                capnp::Capability::Client main,
                                                RpcServerOptions options);

  RpcServer(kj::Own<kj::ConnectionReceiver> listener, kj::Timer& timer,
            capnp::Capability::Client main, RpcServerOptions options);
  ~RpcServer();

  // `cap` for clients that import `name` (EzRpcClient::importCap).
  void Export(std::string name, capnp::Capability::Client cap);

  unsigned port() { return listener_->getPort(); }

  struct Counts {
    size_t open = 0;         // connections served now
    uint64_t accepted = 0;   // served, in all
    uint64_t refused = 0;    // closed at once: max_connections were open
    uint64_t idle = 0;       // closed after idle_timeout
    uint64_t accept_errors = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  class Connection;
  class Restorer;

  void AcceptLoop();
  void Serve(kj::Own<kj::AsyncIoStream> stream);
  // Resolves when `c` has been idle for idle_timeout.
  kj::Promise<void> CloseWhenIdle(Connection& c);
  // Logs `what` unless it was logged less than a second ago (`last`).
  void Warn(kj::TimePoint& last, const std::string& what);
  void taskFailed(kj::Exception&& exception) override;

  kj::Own<kj::ConnectionReceiver> listener_;
  kj::Timer& timer_;
  RpcServerOptions options_;
  kj::Own<Restorer> restorer_;
  Counts counts_;
  int accept_failures_in_row_ = 0;
  kj::TimePoint last_refusal_log_ = kj::origin<kj::TimePoint>();
  kj::TimePoint last_accept_error_log_ = kj::origin<kj::TimePoint>();
  kj::TaskSet tasks_;
};

// Raises this process's open-files limit to its hard limit (every connection takes a
// descriptor; what is still short is waited out by the server, never fatal). Logs a failure.
void RaiseFileLimit();

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_RPC_SERVER_H_
