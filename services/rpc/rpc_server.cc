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

// The stream of a Cap'n Proto connection, with the time its current message began to arrive:
// it follows the framing (a segment count, the segments' sizes padded to 8 bytes, the
// segments) through what is read.
class MessageClock final : public ForwardingStream {
 public:
  MessageClock(kj::AsyncIoStream& inner, kj::Timer& timer)
      : ForwardingStream(inner), timer_(timer) {}

  // When the message arriving now began; none between messages.
  kj::Maybe<kj::TimePoint> message_started() const {
    if (consumed_ == 0) return nullptr;
    return started_;
  }

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_.tryRead(buffer, min_bytes, max_bytes).then([this, buffer](size_t n) {
      Feed(static_cast<const kj::byte*>(buffer), n);
      return n;
    });
  }

 private:
  // Follows the framing through `n` bytes read.
  void Feed(const kj::byte* data, size_t n) {
    for (size_t i = 0; i < n;) {
      if (consumed_ == 0) started_ = timer_.now();
      if (consumed_ < header_) {  // the segment table: a count, the sizes, padding
        const uint64_t at = consumed_++;
        const kj::byte b = data[i++];
        if (at < 4) {
          word_ |= static_cast<uint32_t>(b) << (8 * at);
          if (at == 3) {  // the count, less one
            segments_ = uint64_t{word_} + 1;
            header_ = (4 + 4 * segments_ + 7) / 8 * 8;
            word_ = 0;
          }
        } else if (at < 4 + 4 * segments_) {
          const uint64_t in_word = (at - 4) % 4;
          word_ |= static_cast<uint32_t>(b) << (8 * in_word);
          if (in_word == 3) {
            body_ += uint64_t{word_} * 8;
            word_ = 0;
          }
        }
        if (consumed_ == header_ && body_ == 0) Reset();
        continue;
      }
      const uint64_t take = std::min<uint64_t>(n - i, header_ + body_ - consumed_);
      consumed_ += take;
      i += take;
      if (consumed_ == header_ + body_) Reset();
    }
  }
  void Reset() {
    consumed_ = 0;
    header_ = 4;
    segments_ = 0;
    body_ = 0;
    word_ = 0;
  }

  kj::Timer& timer_;
  kj::TimePoint started_ = kj::origin<kj::TimePoint>();
  uint64_t consumed_ = 0;  // bytes of the current message read
  uint64_t header_ = 4;    // its segment table's size (4 until the count is known)
  uint64_t segments_ = 0;  // its segments (once known)
  uint64_t body_ = 0;      // its segments' size (known as the table is read)
  uint32_t word_ = 0;      // the little-endian number being read
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
  Connection(kj::AsyncIoStream& stream, kj::Timer& timer, Restorer& restorer)
      : stream_(stream, timer),
        network_(stream_, capnp::rpc::twoparty::Side::SERVER),
        rpc_(capnp::makeRpcServer(network_, restorer)) {}

  kj::Promise<void> onDisconnect() { return network_.onDisconnect(); }
  // Resolves when a message has been arriving for longer than `timeout`.
  kj::Promise<void> WhenSlow(kj::Timer& timer, kj::Duration timeout) {
    return timer.afterDelay(std::max(timeout / 4, 1 * kj::MILLISECONDS))
        .then([this, &timer, timeout]() -> kj::Promise<void> {
          if (stream_.message_started().map([&](kj::TimePoint t) {
                return timer.now() - t >= timeout;
              }).orDefault(false)) {
            return kj::READY_NOW;
          }
          return WhenSlow(timer, timeout);
        });
  }

 private:
  // Destroyed in reverse: the RPC system, its network, then the stream.
  MessageClock stream_;
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
          "rpc", kj::mv(listener), timer, options,
          [this, &timer, timeout = options.request_timeout](kj::AsyncIoStream& stream) {
            auto connection = kj::heap<Connection>(stream, timer, *restorer_);
            auto slow = connection->WhenSlow(timer, timeout).then([this, timeout] {
              listener_->CountSlow(absl::StrCat(
                  "rpc: a message took over ", timeout / kj::MILLISECONDS,
                  " ms to arrive (rule: request_timeout_seconds): connection closed"));
            });
            return connection->onDisconnect().exclusiveJoin(kj::mv(slow)).attach(
                kj::mv(connection));
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
