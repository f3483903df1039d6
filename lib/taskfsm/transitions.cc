// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/transitions.h"

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/strings/str_cat.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;
using Table = std::array<uint32_t, kNumTaskStates>;  // from -> bit set of legal targets

constexpr uint32_t Bits(std::initializer_list<S> states) {
  uint32_t bits = 0;
  for (S s : states) bits |= uint32_t{1} << static_cast<int>(s);
  return bits;
}

constexpr Table ResourceManagerTable() {
  Table t{};
  auto set = [&t](S from, std::initializer_list<S> to) { t[static_cast<int>(from)] = Bits(to); };
  set(S::kInitialized, {S::kPending, S::kRunning, S::kLaunching, S::kLaunched});
  set(S::kPending, {S::kReady, S::kKilled, S::kPlaced});
  set(S::kReady, {S::kPlacing, S::kReserved, S::kPlaced, S::kKilled, S::kPending});
  set(S::kPlacing, {S::kReady, S::kPlaced, S::kKilled, S::kPending});
  set(S::kReserved, {S::kPlaced, S::kKilled, S::kPending});
  set(S::kPlaced, {S::kLaunching, S::kKilled});
  set(S::kLaunching, {S::kRunning, S::kReady, S::kKilled, S::kLaunched});
  set(S::kLaunched, {S::kRunning, S::kReady, S::kKilled, S::kLaunched});
  set(S::kRunning, {S::kSucceeded, S::kLost, S::kPreempting, S::kKilling, S::kFailed, S::kKilled});
  set(S::kPreempting, {S::kRunning, S::kKilling, S::kSucceeded, S::kFailed, S::kKilled, S::kLost});
  set(S::kKilling, {S::kSucceeded, S::kFailed, S::kKilled, S::kLost});
  set(S::kFailed, {S::kReady});
  set(S::kKilled, {S::kPending});
  return t;
}

constexpr Table JobManagerTable() {
  Table t{};
  auto set = [&t](S from, std::initializer_list<S> to) { t[static_cast<int>(from)] = Bits(to); };
  constexpr uint32_t kEnds = Bits({S::kSucceeded, S::kFailed, S::kKilled, S::kLost});
  set(S::kInitialized, {S::kPending, S::kKilled, S::kInitialized, S::kDeleted});
  t[static_cast<int>(S::kPending)] =
      Bits({S::kLaunched, S::kKilled, S::kInitialized, S::kStarting, S::kRunning}) | kEnds;
  for (S s : {S::kLaunched, S::kStarting}) {
    t[static_cast<int>(s)] =
        Bits({S::kStarting, S::kRunning, S::kKilling, S::kInitialized}) | kEnds;
  }
  t[static_cast<int>(S::kRunning)] = Bits({S::kKilling, S::kPreempting}) | kEnds;
  t[static_cast<int>(S::kKilling)] = kEnds;
  t[static_cast<int>(S::kPreempting)] = Bits({S::kRunning, S::kKilling}) | kEnds;
  for (S s : {S::kSucceeded, S::kFailed, S::kKilled, S::kLost}) {
    set(s, {S::kInitialized, S::kDeleted});
  }
  return t;
}

constexpr Table kResourceManager = ResourceManagerTable();
constexpr Table kJobManager = JobManagerTable();

bool InRange(TaskState s) {
  return static_cast<int>(s) >= 0 && static_cast<int>(s) < kNumTaskStates;
}

}  // namespace

bool IsLegalTransition(TransitionView view, TaskState from, TaskState to) {
  if (!InRange(from) || !InRange(to)) return false;
  if (from == to) return true;
  const Table& t = view == TransitionView::kJobManager ? kJobManager : kResourceManager;
  return (t[static_cast<int>(from)] >> static_cast<int>(to)) & 1;
}

absl::Status CheckTransition(TransitionView view, TaskState from, TaskState to) {
  if (IsLegalTransition(view, from, to)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("task state ", Name(from), " -> ", Name(to), " is not allowed by the ",
                   view == TransitionView::kJobManager ? "job manager" : "resource manager",
                   " (rule: legal transitions of reference 2.8 / docs/taskfsm.md)"));
}

}  // namespace peloton::taskfsm
