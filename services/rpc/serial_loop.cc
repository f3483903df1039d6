// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/serial_loop.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "kj/debug.h"
#include "kj/exception.h"

namespace peloton::rpc {

kj::Promise<void> SerialLoop::Run(kj::Function<void()> work) {
  auto paf = kj::newPromiseAndFulfiller<void>();
  queue_.push_back({kj::mv(work), kj::mv(paf.fulfiller)});
  Wake();
  return kj::mv(paf.promise);
}

void SerialLoop::Wake() {
  if (wake_.get() != nullptr) {
    wake_->fulfill();
    wake_ = nullptr;
  }
}

void SerialLoop::TickWhenSignalled(kj::LowLevelAsyncIoProvider& io, int eventfd) {
  signalled_ = io.wrapInputFd(eventfd, kj::LowLevelAsyncIoProvider::ALREADY_CLOEXEC |
                                           kj::LowLevelAsyncIoProvider::ALREADY_NONBLOCK);
  watch_ = Watch().eagerlyEvaluate([](kj::Exception&& e) {
    // A descriptor that cannot be read: ticks come on the period alone.
    KJ_LOG(WARNING, "no longer watching a backend's ready descriptor", e);
  });
}

kj::Promise<void> SerialLoop::Watch() {
  return signalled_->tryRead(&signal_count_, sizeof signal_count_, sizeof signal_count_)
      .then([this](size_t n) -> kj::Promise<void> {
        if (n < sizeof signal_count_) return kj::READY_NOW;  // end of file: nothing to watch
        TickSoon();
        return Watch();
      });
}

kj::Promise<void> SerialLoop::AfterTick() {
  auto paf = kj::newPromiseAndFulfiller<void>();
  after_tick_.push_back(kj::mv(paf.fulfiller));
  return kj::mv(paf.promise);
}

void SerialLoop::Stop() {
  stop_ = true;
  Wake();
}

void SerialLoop::Loop(kj::WaitScope& wait_scope, kj::Timer& timer, kj::Duration period,
                      kj::Function<void()> tick) {
  kj::TimePoint next = std::exchange(soon_, false) ? timer.now() : timer.now() + period;
  kj::TimePoint last_tick = timer.now() - period;  // none yet
  while (!stop_) {
    while (!queue_.empty() && !stop_) {
      Item item = kj::mv(queue_.front());
      queue_.pop_front();
      if (guard_) guard_();
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { item.work(); })) {
        item.done->reject(kj::mv(*e));
      } else {
        item.done->fulfill();
      }
    }
    if (stop_) break;
    if (std::exchange(soon_, false)) {
      // Asked for by a call: soon, but a tenth of a period after the last tick at the least.
      next = std::min(next, std::max(timer.now(), last_tick + period / 10));
    }
    if (timer.now() >= next) {
      if (guard_) guard_();
      tick();
      for (auto& waiter : std::exchange(after_tick_, {})) waiter->fulfill();
      last_tick = timer.now();
      next = last_tick + period;
      if (std::exchange(soon_, false)) {
        // Due at once, but first the calls and I/O that came during the tick join the queue,
        // which runs before it.
        next = timer.now();
        wait_scope.poll();
      }
      continue;
    }
    auto paf = kj::newPromiseAndFulfiller<void>();
    wake_ = kj::mv(paf.fulfiller);
    paf.promise.exclusiveJoin(timer.atTime(next)).wait(wait_scope);
    wake_ = nullptr;
  }
  stop_ = false;
  // The watch belongs to this Loop's event loop, which may not outlive it.
  watch_ = nullptr;
  signalled_ = nullptr;
}

}  // namespace peloton::rpc
