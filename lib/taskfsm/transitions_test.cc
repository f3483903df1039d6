// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every (from, to) pair of both views against the tables written out here.

#include "peloton/taskfsm/transitions.h"

#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::taskfsm {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;
using S = TaskState;

void ExpectExactly(TransitionView view, const std::map<S, std::set<S>>& legal) {
  for (int f = 0; f < kNumTaskStates; ++f) {
    for (int t = 0; t < kNumTaskStates; ++t) {
      const S from = static_cast<S>(f), to = static_cast<S>(t);
      auto it = legal.find(from);
      const bool expected = from == to || (it != legal.end() && it->second.contains(to));
      EXPECT_EQ(IsLegalTransition(view, from, to), expected) << Name(from) << " -> " << Name(to);
    }
  }
}

TEST(TransitionsTest, ResourceManagerTableIsExactlyReference28) {
  ExpectExactly(TransitionView::kResourceManager,
                {{S::kInitialized, {S::kPending, S::kRunning, S::kLaunching, S::kLaunched}},
                 {S::kPending, {S::kReady, S::kKilled, S::kPlaced}},
                 {S::kReady, {S::kPlacing, S::kReserved, S::kPlaced, S::kKilled, S::kPending}},
                 {S::kPlacing, {S::kReady, S::kPlaced, S::kKilled, S::kPending}},
                 {S::kReserved, {S::kPlaced, S::kKilled, S::kPending}},
                 {S::kPlaced, {S::kLaunching, S::kKilled}},
                 {S::kLaunching, {S::kRunning, S::kReady, S::kKilled, S::kLaunched}},
                 {S::kLaunched, {S::kRunning, S::kReady, S::kKilled}},
                 {S::kRunning,
                  {S::kSucceeded, S::kLost, S::kPreempting, S::kKilling, S::kFailed, S::kKilled}},
                 {S::kPreempting,
                  {S::kRunning, S::kKilling, S::kSucceeded, S::kFailed, S::kKilled, S::kLost}},
                 {S::kKilling, {S::kSucceeded, S::kFailed, S::kKilled, S::kLost}},
                 {S::kFailed, {S::kReady}},
                 {S::kKilled, {S::kPending}}});
}

TEST(TransitionsTest, JobManagerTable) {
  const std::set<S> ends = {S::kSucceeded, S::kFailed, S::kKilled, S::kLost};
  auto with_ends = [&ends](std::set<S> s) {
    s.insert(ends.begin(), ends.end());
    return s;
  };
  ExpectExactly(
      TransitionView::kJobManager,
      {{S::kInitialized, {S::kPending, S::kKilled, S::kDeleted}},
       {S::kPending, with_ends({S::kLaunched, S::kInitialized, S::kStarting, S::kRunning})},
       {S::kLaunched, with_ends({S::kStarting, S::kRunning, S::kKilling, S::kInitialized})},
       {S::kStarting, with_ends({S::kRunning, S::kKilling, S::kInitialized})},
       {S::kRunning, with_ends({S::kKilling, S::kPreempting})},
       {S::kKilling, ends},
       {S::kPreempting, with_ends({S::kRunning, S::kKilling})},
       {S::kSucceeded, {S::kInitialized, S::kDeleted}},
       {S::kFailed, {S::kInitialized, S::kDeleted}},
       {S::kKilled, {S::kInitialized, S::kDeleted}},
       {S::kLost, {S::kInitialized, S::kDeleted}}});
}

TEST(TransitionsTest, IllegalTransitionIsFailedPreconditionNamingBoth) {
  EXPECT_THAT(CheckTransition(TransitionView::kResourceManager, S::kPending, S::kRunning),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("PENDING -> RUNNING is not allowed by the resource manager")));
  EXPECT_THAT(CheckTransition(TransitionView::kJobManager, S::kDeleted, S::kRunning),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("job manager")));
  EXPECT_THAT(CheckTransition(TransitionView::kJobManager, S::kRunning, S::kSucceeded), IsOk());
  EXPECT_FALSE(IsLegalTransition(TransitionView::kJobManager, static_cast<S>(40), S::kRunning));
}

}  // namespace
}  // namespace peloton::taskfsm
