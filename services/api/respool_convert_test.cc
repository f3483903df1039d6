// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The wire forms of a resource pool config: Peloton's JSON/protobuf (as its integration tests
// write test_respool.yaml) into a PoolTree, and a Cap'n Proto round trip.

#include "services/api/respool_convert.h"

#include "capnp/message.h"
#include "capnp/serialize.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::api {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// tests/integration/test_configs/test_respool_controller_limit.yaml in protobuf JSON form.
constexpr absl::string_view kPelotonJson = R"json({
  "name": "test_respool",
  "owningTeam": "team6",
  "ldapGroups": ["money", "team6", "otto"],
  "description": "A dummy test respool for peloton",
  "resources": [
    {"kind": "cpu", "reservation": 5, "limit": 10, "share": 1},
    {"kind": "memory", "reservation": 1000, "limit": 2000, "share": 2},
    {"kind": "disk", "reservation": 20000, "limit": 30000, "share": 1},
    {"kind": "gpu", "reservation": 0, "limit": 0, "share": 1}
  ],
  "parent": {"value": "root"},
  "policy": "PriorityFIFO",
  "controllerLimit": {"maxPercent": 10}
})json";

TEST(RespoolConvertTest, PelotonJsonIntoAPoolTree) {
  auto proto = ResourcePoolConfigFromJson(kPelotonJson);
  ASSERT_THAT(proto, IsOk());
  EXPECT_EQ(proto->parent().value(), "root");
  auto config = PoolConfigFromProto(*proto);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->owning_team, "team6");
  EXPECT_THAT(config->ldap_groups, ElementsAre("money", "team6", "otto"));
  EXPECT_EQ(config->policy, fairshare::SchedulingPolicy::kPriorityFifo);
  EXPECT_EQ(config->controller_limit_percent, 10);
  EXPECT_FALSE(config->slack_limit_percent.has_value());

  fairshare::PoolTree tree;
  auto pool = tree.Create("/test_respool", *config);
  ASSERT_THAT(pool, IsOk());
  EXPECT_EQ(tree.pool(*pool).reservation(), Resources::Of(5000, 1000, 20000, 0));
  EXPECT_EQ(tree.pool(*pool).controller_limit(), Resources::Of(500, 100, 2000, 0));
  EXPECT_EQ(tree.pool(*pool).share(ResourceKind::kMemory), 2);
}

TEST(RespoolConvertTest, BadJsonIsAClearError) {
  EXPECT_THAT(ResourcePoolConfigFromJson(R"({"name": "x", "resources": [{"kind": 5}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind")));
  EXPECT_THAT(ResourcePoolConfigFromJson(R"({"nmae": "x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nmae")));
  EXPECT_THAT(ResourcePoolConfigFromJson("{"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("JSON")));
}

TEST(RespoolConvertTest, UnknownEnumNumbersAreRejected) {
  respool_pb::ResourcePoolConfig proto;
  proto.add_resources()->set_type(static_cast<respool_pb::ReservationType>(7));
  EXPECT_THAT(PoolConfigFromProto(proto),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resources[0].type")));
  proto.Clear();
  proto.set_policy(static_cast<respool_pb::SchedulingPolicy>(3));
  EXPECT_THAT(PoolConfigFromProto(proto),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("policy")));
}

fairshare::PoolConfig Sample() {
  fairshare::PoolConfig c;
  c.name = "batch";
  c.owning_team = "infra";
  c.ldap_groups = {"a", "b"};
  c.description = "d";
  c.resources = {{"cpu", 1.5, 3, 2, fairshare::ReservationType::kStatic},
                 {"memory", 100, 200, 1, fairshare::ReservationType::kElastic}};
  c.policy = fairshare::SchedulingPolicy::kPriorityFifo;
  c.slack_limit_percent = 30;
  return c;
}

void ExpectSame(const fairshare::PoolConfig& a, const fairshare::PoolConfig& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.owning_team, b.owning_team);
  EXPECT_EQ(a.ldap_groups, b.ldap_groups);
  EXPECT_EQ(a.description, b.description);
  ASSERT_EQ(a.resources.size(), b.resources.size());
  for (size_t i = 0; i < a.resources.size(); ++i) {
    EXPECT_EQ(a.resources[i].kind, b.resources[i].kind);
    EXPECT_EQ(a.resources[i].reservation, b.resources[i].reservation);
    EXPECT_EQ(a.resources[i].limit, b.resources[i].limit);
    EXPECT_EQ(a.resources[i].share, b.resources[i].share);
    EXPECT_EQ(a.resources[i].type, b.resources[i].type);
  }
  EXPECT_EQ(a.policy, b.policy);
  EXPECT_EQ(a.controller_limit_percent, b.controller_limit_percent);
  EXPECT_EQ(a.slack_limit_percent, b.slack_limit_percent);
}

TEST(RespoolConvertTest, ProtoRoundTrip) {
  std::string wire = PoolConfigToProto(Sample()).SerializeAsString();
  respool_pb::ResourcePoolConfig parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  auto back = PoolConfigFromProto(parsed);
  ASSERT_THAT(back, IsOk());
  ExpectSame(*back, Sample());
}

TEST(RespoolConvertTest, CapnpRoundTripThroughTheWire) {
  capnp::MallocMessageBuilder builder;
  PoolConfigToCapnp(Sample(), builder.initRoot<ResourcePoolConfig>());
  kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  capnp::FlatArrayMessageReader reader(words);
  auto back = PoolConfigFromCapnp(reader.getRoot<ResourcePoolConfig>());
  ASSERT_THAT(back, IsOk());
  ExpectSame(*back, Sample());
  EXPECT_FALSE(back->controller_limit_percent.has_value());  // NaN on the wire means unset
}

}  // namespace
}  // namespace peloton::api
