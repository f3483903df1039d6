// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// CompactTime: an absl::Time in 8 bytes instead of 16, to the microsecond, for times that a
// million records carry (a task's start and completion). The stores keep microseconds, so
// nothing read back from one is finer. It converts to and from absl::Time implicitly, so that
// it reads and is assigned as one:
//
//   runtime.start_time = absl::Now();  // truncated to the microsecond, toward the past
//   if (now - runtime.start_time > timeout) ...
//
// The infinite past and future stay infinite. Two CompactTimes are compared or subtracted as
// absl::Times (time()): absl's operators take absl::Time, and a conversion on each side of one
// would be ambiguous with operators of our own.

#ifndef PELOTON_COMMON_COMPACT_TIME_H_
#define PELOTON_COMMON_COMPACT_TIME_H_

#include <cstdint>
#include <limits>
#include <ostream>

#include "absl/time/time.h"

namespace peloton {

class CompactTime {
 public:
  constexpr CompactTime() = default;                   // the Unix epoch
  CompactTime(absl::Time t) : micros_(MicrosOf(t)) {}  // NOLINT: implicit, as the time it holds

  absl::Time time() const {
    if (micros_ == kFuture) return absl::InfiniteFuture();
    if (micros_ == kPast) return absl::InfinitePast();
    return absl::FromUnixMicros(micros_);
  }
  operator absl::Time() const { return time(); }  // NOLINT: implicit, as absl::Time

  friend std::ostream& operator<<(std::ostream& os, CompactTime t) { return os << t.time(); }

 private:
  static constexpr int64_t kFuture = std::numeric_limits<int64_t>::max();
  static constexpr int64_t kPast = std::numeric_limits<int64_t>::min();
  // absl::ToUnixMicros saturates: the infinite times, and finite ones beyond ±292,000 years
  // (which become infinite here).
  static int64_t MicrosOf(absl::Time t) { return absl::ToUnixMicros(t); }

  int64_t micros_ = 0;
};

static_assert(sizeof(CompactTime) == 8);

}  // namespace peloton

#endif  // PELOTON_COMMON_COMPACT_TIME_H_
