// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Serverset members against a real ZooKeeper server (Debian's zookeeper package, started on a
// free port), read back with the ZooKeeper client as Finagle would read them.

#include "services/discovery/announcer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "google/protobuf/util/json_util.h"
#include "services/backend/mesos/testing/zk_server.h"
#include "services/discovery/serverset.pb.h"

namespace peloton::discovery {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ZkTestServer = ::peloton::backend::mesos::testing::ZkTestServer;

Member Web(uint32_t shard, uint32_t http, uint32_t admin = 9000) {
  return {shard, "host-" + std::to_string(shard), {{"admin", admin}, {"http", http}}};
}

class AnnouncerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    zk_ = new ZkTestServer(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/zk-", getpid()));
  }
  static void TearDownTestSuite() { delete zk_; }
  void SetUp() override { ASSERT_TRUE(zk_->connected()) << "ZooKeeper did not start"; }

  static std::unique_ptr<Announcer> Connect() {
    absl::StatusOr<std::unique_ptr<Announcer>> a = Announcer::Connect({.servers = zk_->servers()});
    EXPECT_THAT(a.status(), IsOk());
    return a.ok() ? *std::move(a) : nullptr;
  }
  // The members under the path, by node name: their JSON.
  static std::map<std::string, std::string> Members(const std::string& path) {
    return zk_->Children("/peloton/discovery/" + path);
  }
  static std::vector<std::string> Json(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& [node, json] : Members(path)) out.push_back(json);
    return out;
  }

  static inline ZkTestServer* zk_ = nullptr;
};

TEST(MemberJsonTest, AurorasServiceInstance) {
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string json, MemberJson(Web(0, 31000), "http"));
  // Aurora's field names, and the shard even when it is 0.
  for (const char* key : {R"("serviceEndpoint":{"host":"host-0","port":31000})",
                          R"("admin":{"host":"host-0","port":9000})",
                          R"("http":{"host":"host-0","port":31000})", R"("status":"ALIVE")",
                          R"("shard":0)", R"("additionalEndpoints":{)"}) {
    EXPECT_THAT(json, HasSubstr(key));
  }
  ServersetMember member;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &member).ok()) << json;
  EXPECT_EQ(member.additional_endpoints().size(), 2u);
  EXPECT_THAT(MemberJson(Web(1, 31000), "grpc").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no port named 'grpc'")));
  EXPECT_THAT(MemberJson({2, "h", {}}, "").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no port")));
  EXPECT_TRUE(IsServersetPath("web/prod/frontend"));
  for (const char* bad : {"", "/web", "web/", "web//x", "../x", "a b", "x/./y"}) {
    EXPECT_FALSE(IsServersetPath(bad)) << bad;
  }
}

TEST_F(AnnouncerTest, MembersFollowTheInstances) {
  std::unique_ptr<Announcer> a = Connect();
  ASSERT_NE(a, nullptr);
  ASSERT_THAT(a->Sync("web/prod/follow", "http", {Web(0, 31000), Web(1, 31001)}), IsOk());
  std::map<std::string, std::string> first = Members("web/prod/follow");
  ASSERT_EQ(first.size(), 2u);
  for (const auto& [node, json] : first) EXPECT_THAT(node, ::testing::StartsWith("member_"));
  EXPECT_THAT(Json("web/prod/follow"),
              ElementsAre(HasSubstr(R"("port":31000},"additionalEndpoints")"),
                          HasSubstr(R"("port":31001},"additionalEndpoints")")));

  // The same again: nothing is touched (the nodes keep their names).
  ASSERT_THAT(a->Sync("web/prod/follow", "http", {Web(1, 31001), Web(0, 31000)}), IsOk());
  EXPECT_EQ(Members("web/prod/follow"), first);

  // Instance 1 moves to another port, instance 0 goes: one member, the new one.
  ASSERT_THAT(a->Sync("web/prod/follow", "http", {Web(1, 31005)}), IsOk());
  EXPECT_THAT(Json("web/prod/follow"), ElementsAre(HasSubstr(R"("port":31005},"add)")));
  EXPECT_THAT(a->paths(), ElementsAre("web/prod/follow"));

  ASSERT_THAT(a->Withdraw("web/prod/follow"), IsOk());
  EXPECT_TRUE(Members("web/prod/follow").empty());
  EXPECT_TRUE(a->paths().empty());
}

TEST_F(AnnouncerTest, ARestartLeavesNoStaleMembersAndAClosedSessionTakesItsOwn) {
  // What an earlier job manager left: members of other sessions.
  std::unique_ptr<Announcer> before = Connect();
  ASSERT_NE(before, nullptr);
  ASSERT_THAT(before->Sync("web/prod/restart", "http", {Web(0, 31000)}), IsOk());
  // The test's own session writes one too, as a killed process's would still be there.
  char created[256] = {};
  ASSERT_EQ(zoo_create(zk_->session(), "/peloton/discovery/web/prod/restart/member_", "{}", 2,
                       &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, created,
                       sizeof created),
            ZOK);
  EXPECT_EQ(Members("web/prod/restart").size(), 2u);

  // A new announcer's first Sync of the path removes both, and announces its own once.
  std::unique_ptr<Announcer> after = Connect();
  ASSERT_NE(after, nullptr);
  ASSERT_THAT(after->Sync("web/prod/restart", "http", {Web(0, 31002)}), IsOk());
  EXPECT_THAT(Json("web/prod/restart"), ElementsAre(HasSubstr(R"("port":31002},"add)")));

  // Closing its session takes its members with it.
  after.reset();
  EXPECT_TRUE(Members("web/prod/restart").empty());
}

TEST_F(AnnouncerTest, BadPathsAndUnreachableServersAreRefused) {
  std::unique_ptr<Announcer> a = Connect();
  ASSERT_NE(a, nullptr);
  EXPECT_THAT(a->Sync("../etc", "http", {Web(0, 1)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path '../etc'")));
  absl::StatusOr<std::unique_ptr<Announcer>> none = Announcer::Connect(
      {.servers = absl::StrCat("127.0.0.1:", ::peloton::testing::FreePort()),
       .connect_timeout = absl::Milliseconds(300)});
  EXPECT_THAT(none.status(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("not reached")));
}

}  // namespace
}  // namespace peloton::discovery
