// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/recordio.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/scheduler.pb.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(RecordIoTest, RecordsSurviveAnySplitOfTheStream) {
  const std::string stream = EncodeRecord("first") + EncodeRecord("") + EncodeRecord("a\nb\n") +
                             EncodeRecord(std::string(300, 'x'));
  EXPECT_EQ(stream.substr(0, 8), "5\nfirst0");
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, stream.size()}) {
    RecordReader reader;
    std::vector<std::string> all;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      auto got = reader.Feed(absl::string_view(stream).substr(i, chunk));
      ASSERT_THAT(got, IsOk()) << "chunk " << chunk;
      all.insert(all.end(), got->begin(), got->end());
    }
    EXPECT_THAT(all, ElementsAre("first", "", "a\nb\n", std::string(300, 'x'))) << chunk;
    EXPECT_EQ(reader.pending(), 0u);
  }
}

TEST(RecordIoTest, MalformedAndTruncatedStreams) {
  RecordReader truncated;
  EXPECT_THAT(truncated.Feed("10\nshort"), IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(truncated.pending(), 8u);  // the stream ended inside a record

  RecordReader letters;
  EXPECT_THAT(letters.Feed(EncodeRecord("ok") + "1x\nab"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at byte 4: length '1x' (rule: decimal digits")));
  EXPECT_THAT(letters.Feed("2\nok"), StatusIs(absl::StatusCode::kFailedPrecondition));

  RecordReader empty;
  EXPECT_THAT(empty.Feed("\nabc"), StatusIs(absl::StatusCode::kInvalidArgument));
  RecordReader huge(/*max_record=*/1000);
  EXPECT_THAT(huge.Feed("1001\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 1000")));
  RecordReader endless;
  EXPECT_THAT(endless.Feed(std::string(21, '9')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no newline")));
  RecordReader overflow;
  EXPECT_THAT(overflow.Feed("99999999999999999999999\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(EncodingTest, CallsAndEventsInBothEncodings) {
  ::mesos::v1::scheduler::Call call;
  call.set_type(::mesos::v1::scheduler::Call::SUBSCRIBE);
  auto* framework = call.mutable_subscribe()->mutable_framework_info();
  framework->set_user("peloton");
  framework->set_name("Peloton");
  framework->add_roles("*");
  framework->add_capabilities()->set_type(::mesos::v1::FrameworkInfo::Capability::GPU_RESOURCES);
  framework->set_failover_timeout(604800);
  for (Encoding e : {Encoding::kProtobuf, Encoding::kJson}) {
    ::mesos::v1::scheduler::Call back;
    ASSERT_THAT(Decode(Encode(call, e), e, &back), IsOk());
    EXPECT_EQ(back.SerializeAsString(), call.SerializeAsString());
  }
  // Mesos's JSON: field names as in the .proto, enums by name.
  const std::string json = Encode(call, Encoding::kJson);
  EXPECT_THAT(json, HasSubstr("\"framework_info\""));
  EXPECT_THAT(json, HasSubstr("\"GPU_RESOURCES\""));
  EXPECT_EQ(ContentType(Encoding::kJson), "application/json");

  // An event as a master sends it (unknown fields of newer masters are ignored).
  ::mesos::v1::scheduler::Event event;
  ASSERT_THAT(Decode(R"({"type": "SUBSCRIBED", "subscribed": {"framework_id": {"value": "f-1"},
                       "heartbeat_interval_seconds": 15, "new_in_some_version": 1}})",
                     Encoding::kJson, &event),
              IsOk());
  EXPECT_EQ(event.type(), ::mesos::v1::scheduler::Event::SUBSCRIBED);
  EXPECT_EQ(event.subscribed().framework_id().value(), "f-1");
  EXPECT_EQ(event.subscribed().heartbeat_interval_seconds(), 15);

  EXPECT_THAT(Decode("{\"type\": ", Encoding::kJson, &event),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.v1.scheduler.Event")));
  // A required field missing (FrameworkID.value).
  EXPECT_THAT(Decode(R"({"subscribed": {"framework_id": {}}})", Encoding::kJson, &event),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value")));
  EXPECT_THAT(Decode("\xff\xff\xff", Encoding::kProtobuf, &event),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace peloton::backend::mesos
