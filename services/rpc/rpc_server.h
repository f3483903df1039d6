// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Cap'n Proto server of every scheduler process: its main capability (and named exports,
// what EzRpcClient::importCap asks for) on a TCP or Unix address, with the bounds that Cap'n
// Proto's EzRpcServer lacks (bounded_listener.h): a cap on connections, an idle timeout, and
// accept failures waited out, never fatal.
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
#include "services/rpc/bounded_listener.h"

namespace peloton::rpc {

using RpcServerOptions = ListenerOptions;

class RpcServer final {
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

  unsigned port() { return listener_->port(); }

  using Counts = ConnectionCounts;
  const Counts& counts() const { return listener_->counts(); }

 private:
  class Connection;
  class Restorer;

  kj::Own<Restorer> restorer_;
  kj::Own<BoundedListener> listener_;  // after restorer_, which its connections use
};

// Raises this process's open-files limit to its hard limit (every connection takes a
// descriptor; what is still short is waited out by the server, never fatal). Logs a failure.
void RaiseFileLimit();

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_RPC_SERVER_H_
