// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A Cap'n Proto connection from a client (the CLI, a component calling another), plain or over
// TLS (tls.h), on this thread's ez-rpc event loop: the one every capnp::EzRpcClient of the
// thread shares, so that connections of both kinds wait on one loop.
//
// Thread-compatible: one thread's.

#ifndef PELOTON_SERVICES_RPC_RPC_CLIENT_H_
#define PELOTON_SERVICES_RPC_RPC_CLIENT_H_

#include <memory>
#include <string>

#include "capnp/ez-rpc.h"
#include "capnp/rpc-twoparty.h"
#include "kj/async-io.h"
#include "kj/io.h"
#include "services/rpc/tls.h"

namespace peloton::rpc {

class RpcClient {
 public:
  // `address`: host:port or unix:PATH. With `tls` (which must outlive this) and a TCP address,
  // connects and shakes hands before it returns, throwing kj::Exception when either fails;
  // otherwise connects as EzRpcClient does, on first use.
  explicit RpcClient(const std::string& address, Tls* tls = nullptr);
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // The server's main capability.
  capnp::Capability::Client Main();
  // What the server exports as `name` (RpcServer::Export).
  capnp::Capability::Client Import(const std::string& name);
  kj::WaitScope& wait_scope() { return ez_->getWaitScope(); }
  kj::Timer& timer() { return ez_->getIoProvider().getTimer(); }

 private:
  // Destroyed in reverse: the RPC system before its network, the network before its stream,
  // the loop's handle before the socket pair under it (which EzRpcClient does not own).
  kj::AutoCloseFd pair_[2];
  // Plain: the connection. TLS: over one end of the socket pair, which carries nothing, the
  // handle on the thread's loop.
  std::unique_ptr<capnp::EzRpcClient> ez_;
  kj::Own<kj::AsyncIoStream> stream_;  // TLS only, from here down
  kj::Own<capnp::TwoPartyVatNetwork> network_;
  kj::Own<capnp::RpcSystem<capnp::rpc::twoparty::VatId>> rpc_;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_RPC_CLIENT_H_
