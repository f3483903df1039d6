// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Election against a real ZooKeeper (ZkTestServer): the lowest candidate leads, the next one
// takes over when the leader withdraws or its process dies (its session expires), clients find
// the leader, and a leader cut off from ZooKeeper knows it may no longer lead.

#include "services/discovery/election.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/testing/zk_server.h"

namespace peloton::discovery {
namespace {

using ::peloton::backend::mesos::testing::ZkTestServer;
using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(CandidatesInOrderTest, LowestSequenceFirstOthersLeftOut) {
  EXPECT_THAT(CandidatesInOrder({"candidate_0000000010", "member_0000000001",
                                 "candidate_0000000002", "candidate_x", "candidate_0000000009"}),
              ElementsAre("candidate_0000000002", "candidate_0000000009", "candidate_0000000010"));
}

class ElectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { zk_ = new ZkTestServer(TempDir() + "/zk"); }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(zk_->connected()) << "ZooKeeper did not come up"; }

  Election::Options Options(const std::string& role, const std::string& id) {
    return {.servers = zk_->servers(), .path = "/peloton/" + role, .id = id};
  }

  static ZkTestServer* zk_;
};

ZkTestServer* ElectionTest::zk_ = nullptr;

TEST_F(ElectionTest, TheFirstCandidateLeadsAndTheNextTakesOverWhenItWithdraws) {
  PELOTON_ASSERT_OK_AND_ASSIGN(auto first, Election::Join(Options("resmgr", "10.0.0.1:5394")));
  PELOTON_ASSERT_OK_AND_ASSIGN(auto second, Election::Join(Options("resmgr", "10.0.0.2:5394")));
  EXPECT_THAT(first->AwaitLeadership(absl::Seconds(5)), IsOk());
  EXPECT_THAT(second->AwaitLeadership(absl::Milliseconds(200)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("does not lead")));
  EXPECT_THAT(CurrentLeader(zk_->servers(), "/peloton/resmgr", absl::Seconds(5)),
              IsOkAndHolds("10.0.0.1:5394"));
  EXPECT_FALSE(first->Lost());

  first.reset();  // withdraws: its node goes with its session
  EXPECT_THAT(second->AwaitLeadership(absl::Seconds(5)), IsOk());
  EXPECT_THAT(CurrentLeader(zk_->servers(), "/peloton/resmgr", absl::Seconds(5)),
              IsOkAndHolds("10.0.0.2:5394"));
  second.reset();
  EXPECT_THAT(CurrentLeader(zk_->servers(), "/peloton/resmgr", absl::Seconds(5)),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ElectionTest, ALeaderWhoseProcessDiesIsFollowedWhenItsSessionExpires) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    // The leader, in a process of its own: it says when it leads, then waits to be killed.
    absl::StatusOr<std::unique_ptr<Election>> leader =
        Election::Join(Options("hostmgr", "leader:5395"));
    if (!leader.ok() || !(*leader)->AwaitLeadership(absl::Seconds(10)).ok()) _exit(1);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  PELOTON_ASSERT_OK_AND_ASSIGN(auto standby, Election::Join(Options("hostmgr", "standby:5395")));
  EXPECT_THAT(standby->AwaitLeadership(absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  // Its session (2 s) expires; then the standby leads.
  EXPECT_THAT(standby->AwaitLeadership(absl::Seconds(15)), IsOk());
  EXPECT_THAT(CurrentLeader(zk_->servers(), "/peloton/hostmgr", absl::Seconds(5)),
              IsOkAndHolds("standby:5395"));
}

TEST_F(ElectionTest, ALeaderCutOffFromZooKeeperKnowsItMayNoLongerLead) {
  PELOTON_ASSERT_OK_AND_ASSIGN(auto leader, Election::Join(Options("cut", "a:1")));
  ASSERT_THAT(leader->AwaitLeadership(absl::Seconds(5)), IsOk());
  zk_->Pause();
  bool lost = false;
  for (int i = 0; i < 100 && !lost; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    lost = leader->Lost();
  }
  zk_->Resume();
  EXPECT_TRUE(lost) << "still leading 10 s after ZooKeeper stopped answering";
  EXPECT_TRUE(leader->Lost());  // stays lost
  EXPECT_THAT(leader->AwaitLeadership(absl::Seconds(1)), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ElectionTest, AConfirmationAsksZooKeeperUnlessARecentOneStands) {
  PELOTON_ASSERT_OK_AND_ASSIGN(auto leader, Election::Join(Options("confirm", "a:1")));
  ASSERT_THAT(leader->AwaitLeadership(absl::Seconds(5)), IsOk());
  EXPECT_THAT(leader->Confirm(), IsOk());
  // Its node removed behind its back (as an expiry the client has not heard of yet would):
  // a recent confirmation still stands, asking again does not.
  ASSERT_TRUE(zk_->Remove(leader->node()));
  EXPECT_THAT(leader->Confirm(absl::Hours(1)), IsOk());
  EXPECT_FALSE(leader->Lost());
  EXPECT_THAT(leader->Confirm(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("confirmed")));
  EXPECT_TRUE(leader->Lost());
  EXPECT_THAT(leader->Confirm(absl::Hours(1)), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ElectionTest, MembersAreEveryCandidateAndAChangeIsWatched) {
  PELOTON_ASSERT_OK_AND_ASSIGN(auto a, Election::Join(Options("jobmgr", "10.0.0.1:5392")));
  PELOTON_ASSERT_OK_AND_ASSIGN(auto b, Election::Join(Options("jobmgr", "10.0.0.2:5392")));
  EXPECT_TRUE(a->MembersChanged());  // never read
  EXPECT_THAT(a->Members(), IsOkAndHolds(ElementsAre("10.0.0.1:5392", "10.0.0.2:5392")));
  EXPECT_FALSE(a->MembersChanged());

  // A third joins, then the first of them leaves: each change fires the watch.
  PELOTON_ASSERT_OK_AND_ASSIGN(auto c, Election::Join(Options("jobmgr", "10.0.0.3:5392")));
  for (int i = 0; i < 500 && !a->MembersChanged(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(a->MembersChanged());
  EXPECT_THAT(a->Members(),
              IsOkAndHolds(ElementsAre("10.0.0.1:5392", "10.0.0.2:5392", "10.0.0.3:5392")));
  EXPECT_THAT(c->Members(),
              IsOkAndHolds(ElementsAre("10.0.0.1:5392", "10.0.0.2:5392", "10.0.0.3:5392")));
  b.reset();
  for (int i = 0; i < 500 && !a->MembersChanged(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(a->MembersChanged());
  EXPECT_THAT(a->Members(), IsOkAndHolds(ElementsAre("10.0.0.1:5392", "10.0.0.3:5392")));
  EXPECT_FALSE(a->MembersChanged());
}

TEST_F(ElectionTest, BadOptionsNameTheField) {
  EXPECT_THAT(Election::Join({.servers = "", .path = "/p", .id = "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("election.servers")));
  EXPECT_THAT(Election::Join({.servers = zk_->servers(), .path = "p/", .id = "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("election.path")));
  EXPECT_THAT(Election::Join({.servers = zk_->servers(), .path = "/p", .id = ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("election.id")));
}

}  // namespace
}  // namespace peloton::discovery
