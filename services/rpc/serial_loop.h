// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// How a component process runs on its one event-loop thread. Calls that arrive over RPC are
// queued and run one at a time at the top of the loop, between scheduling ticks, never inside
// an event callback. There they may wait for calls to other components (kj allows wait()
// only at the top), so a component reads like straight-line code whether its peers are in
// this process or behind a socket, and needs no locks.
//
// Waiting cannot deadlock because the calls between components go one way (internal.capnp:
// jobmgr -> resmgr, hostmgr; placement -> resmgr, hostmgr, jobmgr; resmgr -> hostmgr): a
// component waits only on components below it, which never wait on it.
//
//   SerialLoop loop;
//   // in a Cap'n Proto server method:
//   return loop.Run([this, context]() mutable { ...context.getResults()... });
//   // in main, once the server listens:
//   loop.Loop(wait_scope, timer, 100 * kj::MILLISECONDS, [&] { component.Tick(); });
//
// Thread-compatible: one per event-loop thread.

#ifndef PELOTON_SERVICES_RPC_SERIAL_LOOP_H_
#define PELOTON_SERVICES_RPC_SERIAL_LOOP_H_

#include <deque>
#include <functional>
#include <vector>

#include "kj/async-io.h"
#include "kj/async.h"
#include "kj/function.h"
#include "kj/timer.h"

namespace peloton::rpc {

class SerialLoop {
 public:
  // Queues `work`; the promise resolves when it has run (rejected with what it threw).
  kj::Promise<void> Run(kj::Function<void()> work);

  // Runs queued work, and `tick` every `period` (measured from the end of the last tick), until
  // Stop is called (before or during it); it may be called again after it returns. Waiting
  // inside work or tick is allowed.
  void Loop(kj::WaitScope& wait_scope, kj::Timer& timer, kj::Duration period,
            kj::Function<void()> tick);
  void Stop();
  // From a tick that left work for later (a burst of launches spread over ticks): the next
  // tick runs as soon as what arrived meanwhile (calls, I/O) has been served, not a period
  // later. Once per tick; before Loop, for its first tick. From queued work (a call that gave
  // the scheduler something to do, such as a new job): the next tick runs once the queue is
  // empty, but no sooner than a tenth of the period after the last, so that a stream of such
  // calls ticks at most ten times a period.
  // From an event callback (TickWhenSignalled), it wakes the loop that waits for its period.
  void TickSoon() {
    soon_ = true;
    Wake();
  }
  // Ticks soon (as TickSoon from a call) whenever `eventfd` is signalled, which it reads: a
  // backend's ReadyFd, so that what a backend has ready is taken at once (at most ten ticks a
  // period) rather than at the next period. For the next Loop, which ends the watch when it
  // returns; `io` is the loop thread's, and the eventfd stays the caller's (open until then).
  void TickWhenSignalled(kj::LowLevelAsyncIoProvider& io, int eventfd);
  // Runs `guard` before each queued work and each tick: what must hold for the process to act
  // at all (a leader confirms it still leads; runtime::ExitIfLost ends the process if not).
  void SetGuard(std::function<void()> guard) { guard_ = std::move(guard); }
  // Resolves once the next tick has run: when a long poll looks again.
  kj::Promise<void> AfterTick();

 private:
  struct Item {
    kj::Function<void()> work;
    kj::Own<kj::PromiseFulfiller<void>> done;
  };
  void Wake();

  std::function<void()> guard_;
  std::deque<Item> queue_;
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> after_tick_;
  kj::Own<kj::PromiseFulfiller<void>> wake_;
  bool stop_ = false;
  bool soon_ = false;
  kj::Own<kj::AsyncInputStream> signalled_;  // TickWhenSignalled's eventfd
  uint64_t signal_count_ = 0;
  kj::Promise<void> watch_ = nullptr;
  kj::Promise<void> Watch();
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_SERIAL_LOOP_H_
