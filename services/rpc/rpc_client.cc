// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/rpc_client.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "capnp/message.h"
#include "capnp/rpc.h"

namespace peloton::rpc {

RpcClient::RpcClient(const std::string& address, Tls* tls) {
  if (tls == nullptr || !IsTcpAddress(address)) {
    ez_ = std::make_unique<capnp::EzRpcClient>(address);
    return;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    KJ_FAIL_SYSCALL("socketpair", errno);
  }
  pair_[0] = kj::AutoCloseFd(pair[0]);
  pair_[1] = kj::AutoCloseFd(pair[1]);
  ez_ = std::make_unique<capnp::EzRpcClient>(pair_[0].get());
  kj::WaitScope& wait = ez_->getWaitScope();
  kj::Own<kj::NetworkAddress> addr =
      ez_->getIoProvider().getNetwork().parseAddress(address).wait(wait);
  stream_ = tls->WrapClient(addr->connect().wait(wait), address).wait(wait);
  network_ = kj::heap<capnp::TwoPartyVatNetwork>(*stream_, capnp::rpc::twoparty::Side::CLIENT);
  rpc_ = kj::heap<capnp::RpcSystem<capnp::rpc::twoparty::VatId>>(capnp::makeRpcClient(*network_));
}

capnp::Capability::Client RpcClient::Main() {
  if (rpc_.get() == nullptr) return ez_->getMain();
  capnp::word scratch[4] = {};
  capnp::MallocMessageBuilder message(scratch);
  auto server = message.getRoot<capnp::rpc::twoparty::VatId>();
  server.setSide(capnp::rpc::twoparty::Side::SERVER);
  return rpc_->bootstrap(server);
}

capnp::Capability::Client RpcClient::Import(const std::string& name) {
  if (rpc_.get() == nullptr) return ez_->importCap(name);
  // What EzRpcClient::importCap asks: the named export, by Cap'n Proto's deprecated restore
  // (the server keeps it for its peers, rpc_server.cc).
  capnp::word scratch[64] = {};
  capnp::MallocMessageBuilder message(scratch);
  auto server = message.getOrphanage().newOrphan<capnp::rpc::twoparty::VatId>();
  server.get().setSide(capnp::rpc::twoparty::Side::SERVER);
  auto id = message.getRoot<capnp::AnyPointer>();
  id.setAs<capnp::Text>(name);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return rpc_->restore(server.get(), id);
#pragma GCC diagnostic pop
}

}  // namespace peloton::rpc
