// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/rpc_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "capnp/rpc.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {
namespace {

// A stream that notes when bytes last went either way (for the idle timeout).
class ActivityStream final : public kj::AsyncIoStream {
 public:
  ActivityStream(kj::Own<kj::AsyncIoStream> inner, kj::Timer& timer)
      : inner_(kj::mv(inner)), timer_(timer), last_(timer.now()) {}

  kj::TimePoint last() const { return last_; }

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_->tryRead(buffer, min_bytes, max_bytes).then([this](size_t n) {
      if (n > 0) last_ = timer_.now();
      return n;
    });
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    last_ = timer_.now();
    return inner_->write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    last_ = timer_.now();
    return inner_->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void abortRead() override { inner_->abortRead(); }
  void getsockopt(int level, int option, void* value, kj::uint* length) override {
    inner_->getsockopt(level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, kj::uint length) override {
    inner_->setsockopt(level, option, value, length);
  }
  void getsockname(struct sockaddr* addr, kj::uint* length) override {
    inner_->getsockname(addr, length);
  }
  void getpeername(struct sockaddr* addr, kj::uint* length) override {
    inner_->getpeername(addr, length);
  }

 private:
  kj::Own<kj::AsyncIoStream> inner_;
  kj::Timer& timer_;
  kj::TimePoint last_;
};

}  // namespace

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
  Connection(kj::Own<kj::AsyncIoStream> stream, kj::Timer& timer, Restorer& restorer)
      : stream_(kj::heap<ActivityStream>(kj::mv(stream), timer)),
        network_(*stream_, capnp::rpc::twoparty::Side::SERVER),
        rpc_(capnp::makeRpcServer(network_, restorer)) {}

  kj::Promise<void> onDisconnect() { return network_.onDisconnect(); }
  kj::TimePoint last_activity() const { return stream_->last(); }

 private:
  // Destroyed in reverse: the RPC system, its network, then the stream.
  kj::Own<ActivityStream> stream_;
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
    : listener_(kj::mv(listener)),
      timer_(timer),
      options_(options),
      restorer_(kj::heap<Restorer>(kj::mv(main))),
      tasks_(*this) {
  AcceptLoop();
}

RpcServer::~RpcServer() = default;

void RpcServer::Export(std::string name, capnp::Capability::Client cap) {
  restorer_->Export(std::move(name), kj::mv(cap));
}

void RpcServer::AcceptLoop() {
  // accept() may fail at once (it tries the syscall before it waits): evalNow makes that a
  // failed promise too, so that both go to the handler below.
  tasks_.add(kj::evalNow([this] { return listener_->accept(); }).then(
      [this](kj::Own<kj::AsyncIoStream>&& stream) -> kj::Promise<void> {
        accept_failures_in_row_ = 0;
        if (counts_.open >= options_.max_connections) {
          ++counts_.refused;
          Warn(last_refusal_log_,
               absl::StrCat(counts_.open, " connections are open (rule: at most ",
                            options_.max_connections, "): another one closed"));
          // `stream` goes out of scope here: closed.
        } else {
          Serve(kj::mv(stream));
        }
        AcceptLoop();
        return kj::READY_NOW;
      },
      [this](kj::Exception&& e) -> kj::Promise<void> {
        // Out of file descriptors (EMFILE, ENFILE) or buffers: wait for some to be freed.
        ++counts_.accept_errors;
        const int shift = std::min(accept_failures_in_row_++, 7);
        const kj::Duration wait =
            std::min<kj::Duration>((10 << shift) * kj::MILLISECONDS, 1 * kj::SECONDS);
        Warn(last_accept_error_log_,
             absl::StrCat("accepting a connection failed, trying again: ",
                          e.getDescription().cStr()));
        return timer_.afterDelay(wait).then([this] { AcceptLoop(); });
      }));
}

void RpcServer::Serve(kj::Own<kj::AsyncIoStream> stream) {
  ++counts_.accepted;
  ++counts_.open;
  auto connection = kj::heap<Connection>(kj::mv(stream), timer_, *restorer_);
  Connection& c = *connection;
  tasks_.add(c.onDisconnect()
                 .exclusiveJoin(CloseWhenIdle(c))
                 .attach(kj::mv(connection), kj::defer([this] { --counts_.open; })));
}

kj::Promise<void> RpcServer::CloseWhenIdle(Connection& c) {
  return timer_.atTime(c.last_activity() + options_.idle_timeout).then([this, &c]() {
    if (timer_.now() - c.last_activity() >= options_.idle_timeout) {
      ++counts_.idle;
      return kj::Promise<void>(kj::READY_NOW);  // the join ends: the connection is closed
    }
    return CloseWhenIdle(c);
  });
}

void RpcServer::Warn(kj::TimePoint& last, const std::string& what) {
  const kj::TimePoint now = timer_.now();
  if (last != kj::origin<kj::TimePoint>() && now - last < 1 * kj::SECONDS) return;
  last = now;
  spdlog::warn("{}", what);
}

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("raising the open-files limit: {}", std::strerror(errno));
  }
}

void RpcServer::taskFailed(kj::Exception&& exception) {
  spdlog::warn("a connection failed: {}", exception.getDescription().cStr());
}

}  // namespace peloton::rpc
