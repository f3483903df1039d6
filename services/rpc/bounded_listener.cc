// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/bounded_listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {

// A stream that notes when bytes last went either way (for the idle timeout).
class BoundedListener::ActivityStream final : public ForwardingStream {
 public:
  ActivityStream(kj::Own<kj::AsyncIoStream> inner, kj::Timer& timer)
      : ForwardingStream(*inner), owned_(kj::mv(inner)), timer_(timer), last_(timer.now()) {}

  kj::TimePoint last() const { return last_; }

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_.tryRead(buffer, min_bytes, max_bytes).then([this](size_t n) {
      if (n > 0) last_ = timer_.now();
      return n;
    });
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    last_ = timer_.now();
    return inner_.write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    last_ = timer_.now();
    return inner_.write(pieces);
  }

 private:
  kj::Own<kj::AsyncIoStream> owned_;
  kj::Timer& timer_;
  kj::TimePoint last_;
};

BoundedListener::BoundedListener(std::string name, kj::Own<kj::ConnectionReceiver> listener,
                                 kj::Timer& timer, ListenerOptions options, Serve serve)
    : name_(std::move(name)),
      listener_(kj::mv(listener)),
      timer_(timer),
      options_(options),
      serve_(kj::mv(serve)),
      tasks_(*this) {
  AcceptLoop();
}

BoundedListener::~BoundedListener() = default;

void BoundedListener::AcceptLoop() {
  // accept() may fail at once (it tries the syscall before it waits): evalNow makes that a
  // failed promise too, so that both go to the handler below.
  tasks_.add(kj::evalNow([this] { return listener_->accept(); })
                 .then(
                     [this](kj::Own<kj::AsyncIoStream>&& stream) -> kj::Promise<void> {
                       accept_failures_in_row_ = 0;
                       if (counts_.open >= options_.max_connections) {
                         ++counts_.refused;
                         Warn(last_refusal_log_,
                              absl::StrCat(name_, ": ", counts_.open,
                                           " connections are open (rule: at most ",
                                           options_.max_connections, "): another one closed"));
                         // `stream` goes out of scope here: closed.
                       } else if (!options_.owner_only || FromOwner(*stream)) {
                         Take(kj::mv(stream));
                       }
                       AcceptLoop();
                       return kj::READY_NOW;
                     },
                     [this](kj::Exception&& e) -> kj::Promise<void> {
                       // Out of file descriptors (EMFILE, ENFILE) or buffers: wait for some
                       // to be freed.
                       ++counts_.accept_errors;
                       const int shift = std::min(accept_failures_in_row_++, 7);
                       const kj::Duration wait = std::min<kj::Duration>(
                           (10 << shift) * kj::MILLISECONDS, 1 * kj::SECONDS);
                       Warn(last_accept_error_log_,
                            absl::StrCat(name_, ": accepting a connection failed, trying again: ",
                                         e.getDescription().cStr()));
                       return timer_.afterDelay(wait).then([this] { AcceptLoop(); });
                     }));
}

bool BoundedListener::FromOwner(kj::AsyncIoStream& stream) {
  ucred peer{};
  kj::uint length = sizeof(peer);
  const bool known = kj::runCatchingExceptions([&] {
                       stream.getsockopt(SOL_SOCKET, SO_PEERCRED, &peer, &length);
                     }) == nullptr;
  if (known && length == sizeof(peer) && (peer.uid == geteuid() || peer.uid == 0)) return true;
  ++counts_.refused;
  Warn(last_stranger_log_,
       absl::StrCat(name_, ": a connection from ",
                    known ? absl::StrCat("uid ", peer.uid) : std::string("an unknown user"),
                    " closed (rule: without a security file, only this process's user and root "
                    "call over its Unix socket)"));
  return false;
}

void BoundedListener::Take(kj::Own<kj::AsyncIoStream> stream) {
  ++counts_.accepted;
  ++counts_.open;
  auto ready =
      options_.tls == nullptr
          ? kj::Promise<kj::Own<kj::AsyncIoStream>>(kj::mv(stream))
          : timer_.timeoutAfter(options_.request_timeout, options_.tls->wrapServer(kj::mv(stream)));
  tasks_.add(ready
                 .then([this](kj::Own<kj::AsyncIoStream>&& stream) {
                   auto s = kj::heap<ActivityStream>(kj::mv(stream), timer_);
                   ActivityStream& ref = *s;
                   // The served promise and the idle watch go first, then the stream they use.
                   return kj::evalNow([&] { return serve_(ref); })
                       .exclusiveJoin(CloseWhenIdle(ref))
                       .attach(kj::mv(s));
                 })
                 .attach(kj::defer([this] { --counts_.open; })));
}

kj::Promise<void> BoundedListener::CloseWhenIdle(ActivityStream& s) {
  return timer_.atTime(s.last() + options_.idle_timeout).then([this, &s]() {
    if (timer_.now() - s.last() >= options_.idle_timeout) {
      ++counts_.idle;
      return kj::Promise<void>(kj::READY_NOW);  // the join ends: the connection is closed
    }
    return CloseWhenIdle(s);
  });
}

void BoundedListener::CountSlow(const std::string& what) {
  ++counts_.slow;
  Warn(last_slow_log_, what);
}

void BoundedListener::Warn(kj::TimePoint& last, const std::string& what) {
  const kj::TimePoint now = timer_.now();
  if (last != kj::origin<kj::TimePoint>() && now - last < 1 * kj::SECONDS) return;
  last = now;
  spdlog::warn("{}", what);
}

void BoundedListener::taskFailed(kj::Exception&& exception) {
  // At most once a second: a port scanner's failed TLS handshakes would fill the log.
  Warn(last_failure_log_,
       absl::StrCat(name_, ": a connection failed: ", exception.getDescription().cStr()));
}

}  // namespace peloton::rpc
