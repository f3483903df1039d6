// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/compact_time.h"

#include <sstream>

#include "gtest/gtest.h"

namespace peloton {
namespace {

TEST(CompactTimeTest, KeepsMicrosecondsAndTruncatesTowardThePast) {
  EXPECT_EQ(CompactTime().time(), absl::UnixEpoch());
  const absl::Time t = absl::FromUnixMicros(1'700'000'000'123'456);
  EXPECT_EQ(CompactTime(t).time(), t);
  EXPECT_EQ(CompactTime(t + absl::Nanoseconds(999)).time(), t);
  EXPECT_EQ(CompactTime(absl::UnixEpoch() - absl::Nanoseconds(1)).time(),
            absl::UnixEpoch() - absl::Microseconds(1));
}

TEST(CompactTimeTest, TheInfiniteTimesStayInfinite) {
  EXPECT_EQ(CompactTime(absl::InfiniteFuture()).time(), absl::InfiniteFuture());
  EXPECT_EQ(CompactTime(absl::InfinitePast()).time(), absl::InfinitePast());
}

TEST(CompactTimeTest, ReadsAndIsAssignedAsAnAbslTime) {
  CompactTime start;
  const absl::Time now = absl::FromUnixSeconds(1'000);
  start = now;
  EXPECT_EQ(now - start, absl::ZeroDuration());
  EXPECT_TRUE(start == now);
  EXPECT_TRUE(start < now + absl::Microseconds(1));
  EXPECT_EQ(absl::ToUnixSeconds(start), 1'000);
  std::ostringstream os;
  os << start;
  EXPECT_EQ(os.str(), absl::FormatTime(now));
}

}  // namespace
}  // namespace peloton
