// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Serversets from the job manager's endpoints, against a real ZooKeeper server: a job that
// asks for one has its routable instances announced, and each change of a run, its health or
// its goal follows at the next round; a job that does not ask is not announced.

#include "services/runtime/announce_round.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/backend/mesos/testing/zk_server.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using taskfsm::MesosTaskState;
using ZkTestServer = ::peloton::backend::mesos::testing::ZkTestServer;

constexpr char kWeb[] = R"yaml(
type: SERVICE
instancecount: 2
labels:
- {key: peloton.discovery/path, value: web/prod/frontend}
- {key: peloton.discovery/port, value: http}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
  ports: [{name: http, envname: PORT}, {name: admin, envname: ADMIN}]
  healthcheck:
    enabled: true
    type: HTTP
    httpcheck: {portname: http, path: /}
)yaml";

class AnnounceRoundTest : public jobmgr::testing::JobManagerTest {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    zk_ = new ZkTestServer(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/zk-", getpid()));
  }
  static void TearDownTestSuite() { delete zk_; }

  // What the serverset at `path` holds, in node order.
  static std::vector<std::string> Members(const std::string& path) {
    std::vector<std::string> out;
    for (auto& [node, json] : zk_->Children("/peloton/discovery/" + path)) out.push_back(json);
    return out;
  }

  static inline ZkTestServer* zk_ = nullptr;
};

TEST_F(AnnounceRoundTest, RoutableInstancesAreAnnouncedAndFollowed) {
  ASSERT_TRUE(zk_->connected()) << "ZooKeeper did not start";
  AnnounceRound round(zk_->servers(), "/peloton/discovery");
  // The tick never waits for the session: rounds until it is up.
  for (int i = 0; i < 1000 && !round.connected(); ++i) {
    round.Run(*jobs_);
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(round.connected());
  const JobId web = Create(kWeb);
  Create(R"yaml(
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
  ports: [{name: http, envname: PORT}]
)yaml");  // asks for nothing
  Place({31000, 31001});
  round.Run(*jobs_);
  EXPECT_TRUE(Members("web/prod/frontend").empty());  // launched, not running

  for (uint32_t i : {0u, 1u}) {
    Report(TaskId(web, i, 1), MesosTaskState::kRunning, "HTTP 200", true);
  }
  round.Run(*jobs_);
  EXPECT_THAT(Members("web/prod/frontend"),
              ElementsAre(HasSubstr(R"("serviceEndpoint":{"host":"host-0","port":31000})"),
                          HasSubstr(R"("serviceEndpoint":{"host":"host-0","port":31000})")));
  EXPECT_THAT(Members("web/prod/frontend"),
              ElementsAre(HasSubstr(R"("shard":0)"), HasSubstr(R"("shard":1)")));

  // Instance 1 turns unhealthy: it leaves; healthy again: it comes back.
  Report(TaskId(web, 1, 1), MesosTaskState::kRunning, "HTTP 503", false);
  round.Run(*jobs_);
  EXPECT_THAT(Members("web/prod/frontend"), ElementsAre(HasSubstr(R"("shard":0)")));
  Report(TaskId(web, 1, 1), MesosTaskState::kRunning, "HTTP 200", true);
  round.Run(*jobs_);
  EXPECT_EQ(Members("web/prod/frontend").size(), 2u);

  // The job is stopped: its instances leave as their kills are sent, before they end.
  ASSERT_THAT(jobs_->StopJob(web), ::peloton::testing::IsOk());
  round.Run(*jobs_);
  EXPECT_TRUE(Members("web/prod/frontend").empty());
}

}  // namespace
}  // namespace peloton::runtime
