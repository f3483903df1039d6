// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/serial_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kj/async-io.h"
#include "kj/debug.h"

namespace peloton::rpc {
namespace {

TEST(SerialLoopTest, QueuedWorkRunsInOrderBetweenTicksAndMayWait) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::Timer& timer = io->provider->getTimer();
  SerialLoop loop;
  std::vector<std::string> log;
  int ticks = 0;

  // Work queued from event callbacks, as a Cap'n Proto server method queues it.
  kj::Promise<void> first = loop.Run([&] {
    log.push_back("first");
    // At the top of the loop, waiting is allowed (kj forbids it inside a callback).
    timer.afterDelay(5 * kj::MILLISECONDS).wait(io->waitScope);
    log.push_back("first waited");
  });
  kj::Promise<void> second = loop.Run([&] { log.push_back("second"); });
  kj::Promise<void> failing = loop.Run([] { KJ_FAIL_REQUIRE("refused"); });
  bool first_done = false, failed = false;
  auto done = first.then([&] { first_done = true; }).eagerlyEvaluate(nullptr);
  auto rejected =
      failing.then([] {}, [&](kj::Exception&&) { failed = true; }).eagerlyEvaluate(nullptr);

  loop.Loop(io->waitScope, timer, 2 * kj::MILLISECONDS, [&] {
    log.push_back("tick");
    if (++ticks == 1) {
      // Work queued while the loop runs is taken up before the next tick.
      loop.Run([&] { log.push_back("late"); }).detach([](kj::Exception&&) {});
    }
    if (ticks == 3) loop.Stop();
  });

  ASSERT_GE(log.size(), 6u);
  EXPECT_EQ(log[0], "first");
  EXPECT_EQ(log[1], "first waited");
  EXPECT_EQ(log[2], "second");
  EXPECT_EQ(log[3], "tick");
  EXPECT_EQ(log[4], "late");
  EXPECT_EQ(ticks, 3);
  done.wait(io->waitScope);
  rejected.wait(io->waitScope);
  EXPECT_TRUE(first_done);
  EXPECT_TRUE(failed);
  (void)second;
}

TEST(SerialLoopTest, AfterTickResolvesOnceTheNextTickHasRun) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::Timer& timer = io->provider->getTimer();
  SerialLoop loop;
  int ticks = 0;
  int seen_at = -1;
  // Asked for before the loop runs: it resolves after the first tick, not before.
  auto waited = loop.AfterTick().then([&] { seen_at = ticks; }).eagerlyEvaluate(nullptr);
  loop.Loop(io->waitScope, timer, 2 * kj::MILLISECONDS, [&] {
    if (++ticks == 3) loop.Stop();
  });
  waited.wait(io->waitScope);
  EXPECT_GE(seen_at, 1);  // 1, or later on a machine too slow to run it in between
}

// A backend's ready descriptor brings a tick at once, where the period would not have.
TEST(SerialLoopTest, ASignalledDescriptorBringsATick) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::Timer& timer = io->provider->getTimer();
  const int ready = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(ready, 0);
  SerialLoop loop;
  loop.TickWhenSignalled(*io->lowLevelProvider, ready);
  int ticks = 0;
  bool signalled = false;
  timer.afterDelay(20 * kj::MILLISECONDS)
      .then([&] {
        const uint64_t one = 1;
        signalled = write(ready, &one, sizeof one) == sizeof one;
      })
      .detach([](kj::Exception&&) {});
  // Should the tick not come, the test ends (failing) anyway.
  timer.afterDelay(10 * kj::SECONDS).then([&] { loop.Stop(); }).detach([](kj::Exception&&) {});
  loop.Loop(io->waitScope, timer, 1 * kj::HOURS, [&] {
    ++ticks;
    loop.Stop();
  });
  EXPECT_TRUE(signalled);
  EXPECT_EQ(ticks, 1);
  uint64_t left = 0;
  EXPECT_LT(read(ready, &left, sizeof left), 0);  // read by the loop: nothing left
  close(ready);                                   // the watch ended with the Loop
}

// A call that gives the scheduler work (a new job) asks for a tick: it comes once the queue is
// served, not a period later; but a call right after a tick waits a tenth of the period, so
// that a stream of such calls does not tick without end.
TEST(SerialLoopTest, ACallThatAsksTicksSoonButAtMostTenTimesAPeriod) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::Timer& timer = io->provider->getTimer();
  SerialLoop loop;
  std::vector<std::string> log;
  int ticks = 0;
  const auto create = [&] {
    kj::evalLater([&] {
      loop.Run([&] {
            log.push_back("create");
            loop.TickSoon();
          })
          .detach([](kj::Exception&&) {});
    }).detach([](kj::Exception&&) {});
  };
  create();
  // Should the first tick not come, the test ends (failing) anyway.
  timer.afterDelay(10 * kj::SECONDS).then([&] { loop.Stop(); }).detach([](kj::Exception&&) {});
  // A period no test waits out, nor a tenth of it (six minutes).
  loop.Loop(io->waitScope, timer, 1 * kj::HOURS, [&] {
    ++ticks;
    log.push_back("tick");
    if (ticks == 1) {
      create();
      timer.afterDelay(50 * kj::MILLISECONDS)
          .then([&] { loop.Stop(); })
          .detach([](kj::Exception&&) {});
    }
  });
  EXPECT_EQ(log, (std::vector<std::string>{"create", "tick", "create"}));
}

TEST(SerialLoopTest, TickSoonServesWhatArrivedThenTicksAgainAtOnce) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::Timer& timer = io->provider->getTimer();
  SerialLoop loop;
  std::vector<std::string> log;
  int ticks = 0;
  // A period no test waits out: only TickSoon brings a tick.
  loop.TickSoon();
  loop.Loop(io->waitScope, timer, 1 * kj::HOURS, [&] {
    ++ticks;
    log.push_back("tick");
    if (ticks == 1) {
      // A call arriving during the tick (from an event callback, as the server's are): it is
      // served before the next tick, which comes without waiting for the period.
      kj::evalLater([&] {
        loop.Run([&] { log.push_back("call"); }).detach([](kj::Exception&&) {});
      }).detach([](kj::Exception&&) {});
      loop.TickSoon();
    } else {
      loop.Stop();
    }
  });
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "tick");
  EXPECT_EQ(log[1], "call");
  EXPECT_EQ(log[2], "tick");
}

}  // namespace
}  // namespace peloton::rpc
