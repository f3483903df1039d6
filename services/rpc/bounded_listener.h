// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The accept loop of every server of the scheduler processes (Cap'n Proto and HTTP), with the
// bounds a bare kj accept loop lacks:
// - at most `max_connections` served at once; one more is closed as soon as it is accepted;
// - a connection that sends and receives nothing for `idle_timeout` is closed;
// - an accept that fails (out of file descriptors: EMFILE, ENFILE; out of buffers) is tried
//   again after a back-off, 10 ms doubling to a second; the process never exits for it;
// - with TLS, a handshake that does not end within request_timeout is dropped;
// - with owner_only, a Unix socket's caller that is not this process's user or root is closed.
// Each of these is logged (at most once a second per kind, naming the server) and counted. A
// connection that fails (a TLS handshake that does not end, ...) is logged too, as rarely.
//
// Thread-compatible: runs on the thread's kj event loop.

#ifndef PELOTON_SERVICES_RPC_BOUNDED_LISTENER_H_
#define PELOTON_SERVICES_RPC_BOUNDED_LISTENER_H_

#include <cstdint>
#include <string>

#include "kj/async-io.h"
#include "kj/compat/tls.h"
#include "kj/function.h"
#include "kj/timer.h"

namespace peloton::rpc {

// A stream that passes everything on to `inner`: the base of the streams that watch what goes
// through a connection (its activity, its messages' framing).
class ForwardingStream : public kj::AsyncIoStream {
 public:
  explicit ForwardingStream(kj::AsyncIoStream& inner) : inner_(inner) {}

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_.tryRead(buffer, min_bytes, max_bytes);
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    return inner_.write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return inner_.write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_.whenWriteDisconnected(); }
  void shutdownWrite() override { inner_.shutdownWrite(); }
  void abortRead() override { inner_.abortRead(); }
  void getsockopt(int level, int option, void* value, kj::uint* length) override {
    inner_.getsockopt(level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, kj::uint length) override {
    inner_.setsockopt(level, option, value, length);
  }
  void getsockname(struct sockaddr* addr, kj::uint* length) override {
    inner_.getsockname(addr, length);
  }
  void getpeername(struct sockaddr* addr, kj::uint* length) override {
    inner_.getpeername(addr, length);
  }

 protected:
  kj::AsyncIoStream& inner_;
};

struct ListenerOptions {
  size_t max_connections = 1000;
  kj::Duration idle_timeout = 10 * kj::MINUTES;
  // A request begun must arrive whole within this (a Cap'n Proto message; an HTTP request's
  // headers), however slowly its bytes trickle in. Enforced by the servers, not the listener.
  kj::Duration request_timeout = 1 * kj::MINUTES;
  // Not null: each connection is TLS (tls.h), its handshake within request_timeout, before it
  // is served. Outlives the listener.
  kj::TlsContext* tls = nullptr;
  // A Unix socket's connections only from this process's user and root (SO_PEERCRED); any
  // other is closed as soon as it is accepted, counted as refused.
  bool owner_only = false;
};

struct ConnectionCounts {
  size_t open = 0;        // connections served now
  uint64_t accepted = 0;  // served, in all
  uint64_t refused = 0;   // closed at once: max_connections were open, or not the owner's
  uint64_t idle = 0;      // closed after idle_timeout
  uint64_t slow = 0;      // closed after request_timeout (counted by the servers)
  uint64_t accept_errors = 0;
};

class BoundedListener final : private kj::TaskSet::ErrorHandler {
 public:
  // Serves one connection; the promise resolves when the connection is done (it is then
  // closed). The stream outlives the promise.
  using Serve = kj::Function<kj::Promise<void>(kj::AsyncIoStream& stream)>;

  // `name` says whose connections the log lines are about ("rpc", "http").
  BoundedListener(std::string name, kj::Own<kj::ConnectionReceiver> listener, kj::Timer& timer,
                  ListenerOptions options, Serve serve);
  ~BoundedListener();

  unsigned port() { return listener_->getPort(); }
  const ConnectionCounts& counts() const { return counts_; }
  // A server closed a connection for a request slower than request_timeout: counted, and
  // `what` logged (at most once a second).
  void CountSlow(const std::string& what);

 private:
  class ActivityStream;

  void AcceptLoop();
  void Take(kj::Own<kj::AsyncIoStream> stream);
  // With owner_only: whether the peer of `stream` is this process's user or root (logged when
  // not).
  bool FromOwner(kj::AsyncIoStream& stream);
  // Resolves when `s` has been idle for idle_timeout.
  kj::Promise<void> CloseWhenIdle(ActivityStream& s);
  // Logs `what` unless it was logged less than a second ago (`last`).
  void Warn(kj::TimePoint& last, const std::string& what);
  void taskFailed(kj::Exception&& exception) override;

  std::string name_;
  kj::Own<kj::ConnectionReceiver> listener_;
  kj::Timer& timer_;
  ListenerOptions options_;
  Serve serve_;
  ConnectionCounts counts_;
  int accept_failures_in_row_ = 0;
  kj::TimePoint last_refusal_log_ = kj::origin<kj::TimePoint>();
  kj::TimePoint last_stranger_log_ = kj::origin<kj::TimePoint>();
  kj::TimePoint last_failure_log_ = kj::origin<kj::TimePoint>();
  kj::TimePoint last_accept_error_log_ = kj::origin<kj::TimePoint>();
  kj::TimePoint last_slow_log_ = kj::origin<kj::TimePoint>();
  kj::TaskSet tasks_;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_BOUNDED_LISTENER_H_
