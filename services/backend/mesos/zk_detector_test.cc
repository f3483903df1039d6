// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Leader detection against a real ZooKeeper server (Debian's zookeeper package, started here on
// a free port), with master nodes written the way Mesos masters write them.

#include "services/backend/mesos/zk_detector.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/testing/zk_server.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

// One server for the suite.
class ZkDetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    zk_ = new testing::ZkTestServer(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/zk-", getpid()));
  }
  static void TearDownTestSuite() { delete zk_; }
  void SetUp() override { ASSERT_TRUE(zk_->connected()) << "ZooKeeper did not start"; }

  static std::string Url(const std::string& path) { return zk_->url(path); }
  static inline testing::ZkTestServer* zk_ = nullptr;
};

TEST_F(ZkDetectorTest, TheLowestSequenceLeadsAndTheNextTakesOver) {
  const std::string first = zk_->Register(
      "/mesos",
      R"({"id":"m1","ip":16777343,"port":5050,"hostname":"m1.example",)"
      R"("address":{"hostname":"m1.example","ip":"10.0.0.1","port":5050},"version":"1.11.0"})");
  zk_->Register("/mesos",
                R"({"id":"m2","ip":33554442,"port":5051,"address":{"ip":"10.0.0.2","port":5051}})");
  zoo_create(zk_->session(), "/mesos/log_replicas", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr,
             0);  // not a master
  EXPECT_THAT(DetectLeader(Url("/mesos"), absl::Seconds(10)), IsOkAndHolds("m1.example:5050"));
  ASSERT_TRUE(zk_->Remove(first));  // the leader goes
  EXPECT_THAT(DetectLeader(Url("/mesos/"), absl::Seconds(10)), IsOkAndHolds("10.0.0.2:5051"));
}

TEST_F(ZkDetectorTest, MissingGroupsMastersAndBadNodesAreClearErrors) {
  EXPECT_THAT(DetectLeader(Url("/nothing-here"), absl::Seconds(10)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nothing-here")));
  zoo_create(zk_->session(), "/empty", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  EXPECT_THAT(DetectLeader(Url("/empty"), absl::Seconds(10)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no master")));
  zk_->Register("/garbled", "not json");
  EXPECT_THAT(DetectLeader(Url("/garbled"), absl::Seconds(10)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DetectLeader(absl::StrCat("zk://127.0.0.1:", testing::FreePort(), "/mesos"),
                           absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("not reached")));
}

TEST(ZkUrlTest, UrlsAreChecked) {
  EXPECT_THAT(discovery::ParseZkUrl("zk://a:2181,b:2181/mesos", "mesos.zk"), IsOk());
  EXPECT_EQ(discovery::ParseZkUrl("zk://a:2181,b:2181/mesos", "mesos.zk")->servers,
            "a:2181,b:2181");
  for (const char* bad :
       {"a:2181/mesos", "zk://a:2181", "zk:///mesos", "zk://a/mesos", "zk://a:99999/mesos"}) {
    EXPECT_THAT(discovery::ParseZkUrl(bad, "mesos.zk"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.zk")))
        << bad;
  }
  EXPECT_THAT(LeaderAddressOf(R"({"id":"m","ip":1,"port":0})"),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace peloton::backend::mesos
