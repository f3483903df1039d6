// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/task_id.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::taskfsm {
namespace {

using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::string_view kJob = "7ac74273-4e3a-4c1c-a2ee-b3ff3bfd8ee5";

TEST(TaskIdTest, FormatAndParseRoundTrip) {
  const std::string id = FormatMesosTaskId(kJob, 12, 3);
  EXPECT_EQ(id, "7ac74273-4e3a-4c1c-a2ee-b3ff3bfd8ee5-12-3");
  EXPECT_THAT(ParseMesosTaskId(id), IsOkAndHolds(MesosTaskId{std::string(kJob), 12, 3}));
  EXPECT_EQ((MesosTaskId{"job", 0, 1}).ToString(), "job-0-1");
  EXPECT_THAT(ParseMesosTaskId("a-4294967295-18446744073709551615"),
              IsOkAndHolds(MesosTaskId{"a", 4294967295u, 18446744073709551615ull}));
}

TEST(TaskIdTest, MalformedIdsAreClearErrors) {
  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseMesosTaskId(""), StatusIs(bad, HasSubstr("-<instance>-<run>")));
  EXPECT_THAT(ParseMesosTaskId("job"), StatusIs(bad, HasSubstr("-<instance>-<run>")));
  EXPECT_THAT(ParseMesosTaskId("job-1"), StatusIs(bad, HasSubstr("-<instance>-<run>")));
  EXPECT_THAT(ParseMesosTaskId("-1-2"), StatusIs(bad, HasSubstr("job id is empty")));
  EXPECT_THAT(ParseMesosTaskId("job-x-2"), StatusIs(bad, HasSubstr("instance 'x'")));
  EXPECT_THAT(ParseMesosTaskId("job--2"), StatusIs(bad, HasSubstr("instance ''")));
  EXPECT_THAT(ParseMesosTaskId("job-+1-2"), StatusIs(bad, HasSubstr("instance '+1'")));
  EXPECT_THAT(ParseMesosTaskId("job-4294967296-2"), StatusIs(bad, HasSubstr("uint32")));
  EXPECT_THAT(ParseMesosTaskId("job-1-0"), StatusIs(bad, HasSubstr("run '0'")));
  EXPECT_THAT(ParseMesosTaskId("job-1-"), StatusIs(bad, HasSubstr("run ''")));
  EXPECT_THAT(ParseMesosTaskId("job-1-2a"), StatusIs(bad, HasSubstr("run '2a'")));
}

}  // namespace
}  // namespace peloton::taskfsm
