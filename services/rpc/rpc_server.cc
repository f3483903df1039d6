// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/rpc_server.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "capnp/rpc.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {

// The named exports, for EzRpcClient::importCap. Cap'n Proto calls this a deprecated way of
// naming capabilities; the peers' EzRpcClients use it, so the server keeps it (as EzRpcServer
// does), with the deprecation warnings off for these two classes.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class RpcServer::Restorer final : public capnp::SturdyRefRestorer<capnp::AnyPointer> {
 public:
  explicit Restorer(capnp::Capability::Client main) : main_(kj::mv(main)) {}

  void Export(std::string name, capnp::Capability::Client cap) {
    exports_.insert_or_assign(std::move(name), kj::mv(cap));
  }

  capnp::Capability::Client restore(capnp::AnyPointer::Reader id) override {
    if (id.isNull()) return main_;
    const capnp::Text::Reader name = id.getAs<capnp::Text>();
    auto it = exports_.find(std::string(name.cStr()));
    if (it == exports_.end()) {
      KJ_FAIL_REQUIRE("the server exports no such capability", name) { break; }
      return nullptr;
    }
    return it->second;
  }

 private:
  capnp::Capability::Client main_;
  std::map<std::string, capnp::Capability::Client> exports_;
};

class RpcServer::Connection {
 public:
  Connection(kj::AsyncIoStream& stream, Restorer& restorer)
      : network_(stream, capnp::rpc::twoparty::Side::SERVER),
        rpc_(capnp::makeRpcServer(network_, restorer)) {}

  kj::Promise<void> onDisconnect() { return network_.onDisconnect(); }

 private:
  // Destroyed in reverse: the RPC system, then its network.
  capnp::TwoPartyVatNetwork network_;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc_;
};
#pragma GCC diagnostic pop

kj::Promise<kj::Own<RpcServer>> RpcServer::Listen(kj::AsyncIoProvider& io, kj::Timer& timer,
                                                  kj::StringPtr address,
                                                  capnp::Capability::Client main,
                                                  RpcServerOptions options) {
  return io.getNetwork().parseAddress(address).then(
      [&timer, main = kj::mv(main), options](kj::Own<kj::NetworkAddress>&& addr) mutable {
        return kj::heap<RpcServer>(addr->listen(), timer, kj::mv(main), options);
      });
}

RpcServer::RpcServer(kj::Own<kj::ConnectionReceiver> listener, kj::Timer& timer,
                     capnp::Capability::Client main, RpcServerOptions options)
    : restorer_(kj::heap<Restorer>(kj::mv(main))),
      listener_(kj::heap<BoundedListener>(
          "rpc", kj::mv(listener), timer, options, [this](kj::AsyncIoStream& stream) {
            auto connection = kj::heap<Connection>(stream, *restorer_);
            return connection->onDisconnect().attach(kj::mv(connection));
          })) {}

RpcServer::~RpcServer() = default;

void RpcServer::Export(std::string name, capnp::Capability::Client cap) {
  restorer_->Export(std::move(name), kj::mv(cap));
}

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("raising the open-files limit: {}", std::strerror(errno));
  }
}

}  // namespace peloton::rpc
