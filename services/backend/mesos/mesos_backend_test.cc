// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Mesos backend against the FakeMesosMaster test double (not Mesos): agents as hosts, launches
// waiting for offers, acknowledgements one poll later, GPUs, declines, launch timeouts, kills,
// agents coming and going, rescinds, a broken stream and the resubscription, and
// reconciliation after a restart.

#include "services/backend/mesos/mesos_backend.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/testing/fake_master.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using testing::FakeAgent;
using testing::FakeMesosMaster;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Call = ::mesos::v1::scheduler::Call;

class MesosBackendTest : public ::testing::Test {
 protected:
  // Held by pointer: kj's destructors may throw, which a test fixture's may not.
  MesosBackendTest()
      : io_ptr_(std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo())),
        master_ptr_(std::make_unique<FakeMesosMaster>(
            *io_ptr_, std::vector<FakeAgent>{FakeAgent{.id = "a1",
                                                       .hostname = "gpu-1",
                                                       .cpus = 16,
                                                       .gpus = 2,
                                                       .attributes = {{"gpu_model", "V100"}}},
                                             FakeAgent{.id = "a2", .hostname = "cpu-1"}})),
        io_(*io_ptr_),
        master_(*master_ptr_) {
    options_.master = master_.Listen();
    options_.reconcile_wait = absl::Seconds(2);
  }

  std::unique_ptr<MesosBackend> Started(std::string framework_id = "") {
    auto backend = std::make_unique<MesosBackend>(
        options_, std::move(framework_id), [this](const std::string& id) { saved_.push_back(id); });
    EXPECT_THAT(backend->Start(*io_.provider, io_.waitScope), IsOk());
    return backend;
  }

  // Polls until `done` holds of what has been reported (or two seconds), returning it all.
  template <typename Pred>
  std::vector<TaskStatus> PollUntil(MesosBackend& backend, Pred done) {
    std::vector<TaskStatus> all;
    for (int i = 0; i < 400; ++i) {
      for (TaskStatus& s : backend.Poll()) all.push_back(std::move(s));
      if (done(all)) break;
      usleep(5000);
    }
    return all;
  }

  static bool Has(const std::vector<TaskStatus>& all, const std::string& id, MesosTaskState s) {
    return std::any_of(all.begin(), all.end(),
                       [&](const TaskStatus& t) { return t.task_id == id && t.state == s; });
  }

  // The newest call of this type the master got; nullptr when none.
  const Call* LastCall(Call::Type type) const {
    const Call* last = nullptr;
    for (const Call& c : master_.calls()) {
      if (c.type() == type) last = &c;
    }
    return last;
  }

  int CallsOf(Call::Type type) const {
    int n = 0;
    for (const Call& c : master_.calls()) n += c.type() == type;
    return n;
  }

  static LaunchSpec Spec(std::string id, std::string host, int64_t milli_cpu, int64_t gpus = 0) {
    LaunchSpec s;
    s.task_id = std::move(id);
    s.hostname = std::move(host);
    s.command = "true";
    s.resources = Resources::Of(milli_cpu, 128, 0, 1000 * gpus);
    return s;
  }

  std::unique_ptr<kj::AsyncIoContext> io_ptr_;
  std::unique_ptr<FakeMesosMaster> master_ptr_;
  kj::AsyncIoContext& io_;
  FakeMesosMaster& master_;
  MesosBackendOptions options_;
  std::vector<std::string> saved_;
};

TEST_F(MesosBackendTest, AgentsAreHostsWithTheirWholeCapacity) {
  auto backend = Started();
  EXPECT_THAT(saved_, ElementsAre(kDefaultFrameworkId));  // the id to persist
  std::vector<HostInfo> hosts = backend->Hosts();
  ASSERT_THAT(hosts, SizeIs(2));
  EXPECT_EQ(hosts[0].hostname, "gpu-1");
  EXPECT_EQ(hosts[0].agent_id, "a1");
  EXPECT_EQ(hosts[0].capacity, Resources::Of(16000, 8192, 10000, 2000));
  ASSERT_THAT(hosts[0].gpus, SizeIs(2));
  EXPECT_EQ(hosts[0].gpus[0].model, "V100");
  EXPECT_EQ(hosts[1].capacity.milli_gpu(), 0);
  EXPECT_EQ(backend->HostsVersion(), 1u);
  ASSERT_THAT(master_.operator_calls(), SizeIs(1));
  EXPECT_EQ(master_.operator_calls()[0].type(), ::mesos::v1::master::Call::GET_AGENTS);
}

TEST_F(MesosBackendTest, LaunchWaitsForOffersRunsAndIsAcknowledgedAtTheNextPoll) {
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-0-1", "cpu-1", 2000)), IsOk());
  EXPECT_THAT(backend->Launch(Spec("job-0-1", "cpu-1", 2000)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(backend->Launch(Spec("job-0-2", "nowhere", 1000)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a Mesos agent")));
  EXPECT_THAT(backend->Poll(), IsEmpty());
  EXPECT_EQ(CallsOf(Call::ACCEPT), 0);  // no offers yet

  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "job-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "job-0-1", MesosTaskState::kRunning));
  EXPECT_EQ(all.back().hostname, "cpu-1");
  EXPECT_EQ(CallsOf(Call::ACCEPT), 1);
  EXPECT_FALSE(master_.acknowledged().contains("job-0-1"));  // reported, not yet consumed
  (void)backend->Poll();
  EXPECT_TRUE(master_.acknowledged().contains("job-0-1"));

  master_.EndTask("job-0-1", ::mesos::v1::TASK_FINISHED);
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "job-0-1", MesosTaskState::kFinished); });
  EXPECT_TRUE(Has(all, "job-0-1", MesosTaskState::kFinished));
  EXPECT_THAT(backend->Kill("job-0-1"), StatusIs(absl::StatusCode::kNotFound));
}

// The agent runs the checks (the double stands in for its health checker): the launch carries
// the HealthCheck, and the agent's health updates reach the scheduler with their healthy bit.
TEST_F(MesosBackendTest, HealthChecksGoWithTheLaunchAndHealthComesBackInUpdates) {
  auto backend = Started();
  LaunchSpec spec = Spec("svc-0-1", "cpu-1", 1000);
  spec.health_check = HealthCheckSpec{.type = HealthCheckSpec::Type::kTcp, .port = 31000};
  ASSERT_THAT(backend->Launch(spec), IsOk());
  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "svc-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "svc-0-1", MesosTaskState::kRunning));
  const Call* accept = LastCall(Call::ACCEPT);
  ASSERT_NE(accept, nullptr);
  const auto& info = accept->accept().operations(0).launch().task_infos(0);
  EXPECT_EQ(info.health_check().type(), ::mesos::v1::HealthCheck::TCP);
  EXPECT_EQ(info.health_check().tcp().port(), 31000u);
  EXPECT_FALSE(all.back().healthy.has_value());  // the launch's TASK_RUNNING says nothing

  const auto healthy_is = [](bool h) {
    return [h](const std::vector<TaskStatus>& all) {
      return !all.empty() && all.back().healthy == std::optional<bool>(h);
    };
  };
  master_.ReportHealth("svc-0-1", true);
  all = PollUntil(*backend, healthy_is(true));
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].state, MesosTaskState::kRunning);
  EXPECT_THAT(all[0].message, HasSubstr("REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"));
  master_.EndTask("svc-0-1", ::mesos::v1::TASK_KILLED, "failed health checks", false);
  all = PollUntil(*backend, healthy_is(false));
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].state, MesosTaskState::kKilled);
}

// RESERVE, CREATE, then LAUNCH with the volume; the next run names the offered volume; a
// backend that restarted learns of it from the offers; DESTROY and UNRESERVE give the disk back.
TEST_F(MesosBackendTest, APersistentVolumeIsReservedCreatedLaunchedAndDestroyedWithOffers) {
  using Op = ::mesos::v1::Offer::Operation;
  auto backend = Started();
  const auto stateful = [](const std::string& id) {
    LaunchSpec s = Spec(id, "cpu-1", 1000);
    s.persistent_volume = PersistentVolumeSpec{"db-0", "data", 512};
    return s;
  };
  ASSERT_THAT(backend->Launch(stateful("db-0-1")), IsOk());
  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "db-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "db-0-1", MesosTaskState::kRunning));
  const Call* accept = LastCall(Call::ACCEPT);
  ASSERT_NE(accept, nullptr);
  ASSERT_THAT(accept->accept().operations(), SizeIs(3));
  EXPECT_EQ(accept->accept().operations(0).type(), Op::RESERVE);
  EXPECT_EQ(accept->accept().operations(1).type(), Op::CREATE);
  EXPECT_EQ(accept->accept().operations(2).type(), Op::LAUNCH);
  const ::mesos::v1::Resource& volume = accept->accept().operations(1).create().volumes(0);
  EXPECT_EQ(volume.disk().persistence().id(), "db-0");
  EXPECT_EQ(volume.disk().persistence().principal(), "peloton");
  EXPECT_EQ(volume.disk().volume().container_path(), "data");
  EXPECT_EQ(volume.reservations(0).role(), "peloton");
  EXPECT_EQ(volume.scalar().value(), 512);
  EXPECT_THAT(master_.volumes("a2"), ElementsAre("db-0"));
  EXPECT_THAT(master_.refused_operations(), IsEmpty());
  master_.EndTask("db-0-1", ::mesos::v1::TASK_FAILED);
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "db-0-1", MesosTaskState::kFailed); });

  // A new incarnation of the framework knows nothing of the volume until an offer shows it.
  backend.reset();
  backend = Started(kDefaultFrameworkId);
  EXPECT_THAT(backend->Launch([&] {
    LaunchSpec s = stateful("db-0-x");
    s.hostname = "gpu-1";
    return s;
  }()),
              IsOk());  // not known to be elsewhere yet; it makes a second volume on gpu-1
  ASSERT_THAT(backend->Kill("db-0-x"), IsOk());
  ASSERT_THAT(backend->Launch(stateful("db-0-2")), IsOk());
  master_.OfferAll();
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "db-0-2", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "db-0-2", MesosTaskState::kRunning));
  accept = LastCall(Call::ACCEPT);
  ASSERT_THAT(accept->accept().operations(), SizeIs(1));  // the offered volume, not a new one
  bool names_volume = false;
  for (const auto& r : accept->accept().operations(0).launch().task_infos(0).resources()) {
    names_volume |= r.has_disk() && r.disk().persistence().id() == "db-0";
  }
  EXPECT_TRUE(names_volume);
  EXPECT_THAT(backend->Launch([&] {
    LaunchSpec s = stateful("db-0-y");
    s.hostname = "gpu-1";
    return s;
  }()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is on host cpu-1")));
  EXPECT_THAT(backend->Launch(stateful("db-0-z")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use by task db-0-2")));
  EXPECT_THAT(backend->DestroyVolume("cpu-1", "db-0"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("db-0-2 uses it")));
  master_.EndTask("db-0-2", ::mesos::v1::TASK_KILLED);
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "db-0-2", MesosTaskState::kKilled); });

  ASSERT_THAT(backend->DestroyVolume("cpu-1", "db-0"), IsOk());
  master_.OfferAll();
  for (int i = 0; i < 400 && !master_.volumes("a2").empty(); ++i) {
    (void)backend->Poll();
    usleep(5000);
  }
  EXPECT_THAT(master_.volumes("a2"), IsEmpty());
  EXPECT_EQ(master_.reserved_disk("a2"), 0);
  accept = LastCall(Call::ACCEPT);
  ASSERT_THAT(accept->accept().operations(), SizeIs(2));
  EXPECT_EQ(accept->accept().operations(0).type(), Op::DESTROY);
  EXPECT_EQ(accept->accept().operations(1).type(), Op::UNRESERVE);
  EXPECT_THAT(master_.refused_operations(), IsEmpty());
  // The whole disk is offered again.
  EXPECT_EQ(backend->Hosts()[1].capacity.disk_mb(), 10000);
}

// Slack: an agent's revocable cpus (its resource estimator's) are its hosts' revocable cpu for
// a framework that takes revocable offers (none otherwise); a revocable task's cpus are
// revocable in its launch and come from the revocable offers.
TEST_F(MesosBackendTest, RevocableCpusAreSlackAndRevocableTasksLaunchOnThem) {
  master_ptr_ = std::make_unique<FakeMesosMaster>(
      io_, std::vector<FakeAgent>{FakeAgent{.id = "a1", .hostname = "h1", .revocable_cpus = 4}});
  FakeMesosMaster& master = *master_ptr_;
  options_.master = master.Listen();
  {
    auto plain = Started();
    EXPECT_EQ(plain->Hosts()[0].revocable_milli_cpu, 0);  // not asked for: none
  }
  options_.framework.revocable = true;
  auto backend = Started();
  ASSERT_EQ(backend->Hosts()[0].revocable_milli_cpu, 4000);
  LaunchSpec slack = Spec("r-0-1", "h1", 3000);
  slack.revocable = true;
  LaunchSpec more = Spec("r-1-1", "h1", 2000);
  more.revocable = true;
  ASSERT_THAT(backend->Launch(slack), IsOk());
  ASSERT_THAT(backend->Launch(more), IsOk());
  master.OfferAll();
  auto all = PollUntil(*backend,
                       [](const auto& all) { return Has(all, "r-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "r-0-1", MesosTaskState::kRunning));
  EXPECT_FALSE(Has(all, "r-1-1", MesosTaskState::kRunning));  // 1 revocable cpu left, not 2
  const Call* accept = nullptr;
  for (const Call& c : master.calls()) {
    if (c.type() == Call::ACCEPT) accept = &c;
  }
  ASSERT_NE(accept, nullptr);
  const auto& info = accept->accept().operations(0).launch().task_infos(0);
  bool revocable_cpus = false;
  for (const auto& r : info.resources()) {
    if (r.name() == "cpus") revocable_cpus = r.has_revocable() && r.scalar().value() == 3;
  }
  EXPECT_TRUE(revocable_cpus);
  master.EndTask("r-0-1", ::mesos::v1::TASK_FINISHED);
  master.OfferAll();
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "r-1-1", MesosTaskState::kRunning); });
  EXPECT_TRUE(Has(all, "r-1-1", MesosTaskState::kRunning));
}

TEST_F(MesosBackendTest, GpuTasksTakeWholeGpusFromTheGpuAgent) {
  auto backend = Started();
  EXPECT_THAT(backend->Launch([] {
    LaunchSpec s = Spec("job-1-1", "gpu-1", 1000);
    s.resources = Resources::Of(1000, 128, 0, 500);
    return s;
  }()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whole GPUs")));
  ASSERT_THAT(backend->Launch(Spec("job-1-2", "gpu-1", 4000, 2)), IsOk());
  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "job-1-2", MesosTaskState::kRunning); });
  ASSERT_TRUE(Has(all, "job-1-2", MesosTaskState::kRunning));
  const Call* accept = LastCall(Call::ACCEPT);
  ASSERT_NE(accept, nullptr);
  double gpus = 0;
  for (const auto& r : accept->accept().operations(0).launch().task_infos(0).resources()) {
    if (r.name() == "gpus") gpus = r.scalar().value();
  }
  EXPECT_EQ(gpus, 2);
}

TEST_F(MesosBackendTest, OffersNobodyNeedsAreDeclined) {
  options_.offer_hold = absl::ZeroDuration();
  auto backend = Started();
  master_.OfferAll();
  PollUntil(*backend, [this](const auto&) { return master_.outstanding_offers().empty(); });
  EXPECT_THAT(master_.outstanding_offers(), IsEmpty());
  ASSERT_EQ(CallsOf(Call::DECLINE), 1);
  for (const Call& c : master_.calls()) {
    if (c.type() == Call::DECLINE) {
      EXPECT_THAT(c.decline().offer_ids(), SizeIs(2));  // both agents' offers, in one call
      EXPECT_EQ(c.decline().filters().refuse_seconds(), 5);
    }
  }
}

TEST_F(MesosBackendTest, ALaunchWithoutOffersIsLostAfterTheTimeout) {
  options_.launch_timeout = absl::Milliseconds(30);
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-2-1", "cpu-1", 1000)), IsOk());
  auto all = PollUntil(*backend,
                       [](const auto& all) { return Has(all, "job-2-1", MesosTaskState::kLost); });
  ASSERT_TRUE(Has(all, "job-2-1", MesosTaskState::kLost));
  EXPECT_THAT(all.back().message, HasSubstr("no offer from cpu-1"));
  EXPECT_EQ(CallsOf(Call::ACCEPT), 0);
}

TEST_F(MesosBackendTest, AnOfferTooSmallLeavesTheLaunchWaiting) {
  options_.offer_hold = absl::Hours(1);
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-3-1", "cpu-1", 6000)), IsOk());
  ASSERT_THAT(backend->Launch(Spec("job-3-2", "cpu-1", 6000)), IsOk());  // 8 cpus: one fits
  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "job-3-1", MesosTaskState::kRunning); });
  EXPECT_TRUE(Has(all, "job-3-1", MesosTaskState::kRunning));
  EXPECT_FALSE(Has(all, "job-3-2", MesosTaskState::kRunning));
  // When the first ends, the next offer covers the second.
  master_.EndTask("job-3-1", ::mesos::v1::TASK_FINISHED);
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-3-1", MesosTaskState::kFinished); });
  master_.OfferAll();
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "job-3-2", MesosTaskState::kRunning); });
  EXPECT_TRUE(Has(all, "job-3-2", MesosTaskState::kRunning));
}

TEST_F(MesosBackendTest, KillsGoThroughTheMasterOrDropAWaitingLaunch) {
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-4-1", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-4-1", MesosTaskState::kRunning); });
  ASSERT_THAT(backend->Kill("job-4-1"), IsOk());
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "job-4-1", MesosTaskState::kKilled); });
  EXPECT_TRUE(Has(all, "job-4-1", MesosTaskState::kKilled));
  EXPECT_EQ(CallsOf(Call::KILL), 1);

  // A kill the agent does not act on: SHUTDOWN of the executor (which has the task's id).
  master_.set_ignore_kills(true);
  ASSERT_THAT(backend->Launch(Spec("job-4-3", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-4-3", MesosTaskState::kRunning); });
  ASSERT_THAT(backend->Kill("job-4-3"), IsOk());
  ASSERT_THAT(backend->Shutdown("job-4-3"), IsOk());
  all = PollUntil(*backend,
                  [](const auto& all) { return Has(all, "job-4-3", MesosTaskState::kKilled); });
  EXPECT_TRUE(Has(all, "job-4-3", MesosTaskState::kKilled));
  EXPECT_EQ(CallsOf(Call::SHUTDOWN), 1);
  EXPECT_THAT(backend->Shutdown("job-4-3"), StatusIs(absl::StatusCode::kNotFound));
  master_.set_ignore_kills(false);

  ASSERT_THAT(backend->Launch(Spec("job-4-2", "gpu-1", 1000)), IsOk());
  ASSERT_THAT(backend->Kill("job-4-2"), IsOk());  // still waiting for an offer
  all = backend->Poll();
  EXPECT_TRUE(Has(all, "job-4-2", MesosTaskState::kKilled));
  EXPECT_EQ(CallsOf(Call::KILL), 2);  // job-4-1's and job-4-3's: none for the waiting launch
  EXPECT_THAT(backend->Kill("nobody"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MesosBackendTest, AgentsComeAndGo) {
  options_.agents_refresh = absl::Milliseconds(20);
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-5-1", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-5-1", MesosTaskState::kRunning); });
  const uint64_t version = backend->HostsVersion();

  master_.AddAgent(FakeAgent{.id = "a3", .hostname = "cpu-2"});
  master_.OfferAll();  // an offer from an agent not known yet: the agents are read at once
  PollUntil(*backend, [&](const auto&) { return backend->HostsVersion() > version; });
  EXPECT_THAT(backend->Hosts(), SizeIs(3));

  master_.RemoveAgent("a2");
  auto all = PollUntil(*backend, [&](const auto& all) {
    return Has(all, "job-5-1", MesosTaskState::kGoneByOperator) && backend->Hosts().size() == 2;
  });
  EXPECT_TRUE(Has(all, "job-5-1", MesosTaskState::kGoneByOperator));
  EXPECT_THAT(backend->Hosts(), SizeIs(2));
}

TEST_F(MesosBackendTest, RescindedOffersAreNotUsed) {
  options_.offer_hold = absl::Hours(1);
  auto backend = Started();
  master_.OfferAll();  // offer-1 (gpu-1), offer-2 (cpu-1)
  (void)backend->Poll();
  master_.Rescind("offer-2");
  ASSERT_THAT(backend->Launch(Spec("job-6-1", "cpu-1", 1000)), IsOk());
  PollUntil(*backend, [](const auto&) { return false; });  // two seconds: nothing to launch on
  EXPECT_EQ(CallsOf(Call::ACCEPT), 0);
  master_.OfferAll();
  auto all = PollUntil(
      *backend, [](const auto& all) { return Has(all, "job-6-1", MesosTaskState::kRunning); });
  EXPECT_TRUE(Has(all, "job-6-1", MesosTaskState::kRunning));
}

TEST_F(MesosBackendTest, ABrokenStreamIsSubscribedAgainAndTasksInFlightReconciled) {
  options_.reconnect_min = absl::Milliseconds(10);
  auto backend = Started("framework-7");
  EXPECT_THAT(saved_, IsEmpty());  // the stored id was kept
  ASSERT_THAT(backend->Launch(Spec("job-7-1", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-7-1", MesosTaskState::kRunning); });

  master_.SendRaw("12\nnot a record");  // malformed: the backend drops the stream
  PollUntil(*backend, [this](const auto&) { return master_.subscriptions() == 2; });
  EXPECT_EQ(master_.subscriptions(), 2);
  EXPECT_EQ(master_.framework_id(), "framework-7");
  auto all = PollUntil(*backend, [this](const auto&) { return CallsOf(Call::RECONCILE) > 0; });
  ASSERT_EQ(CallsOf(Call::RECONCILE), 1);
  EXPECT_TRUE(Has(all, "job-7-1", MesosTaskState::kRunning));  // the reconciliation's answer

  master_.Disconnect();
  PollUntil(*backend, [this](const auto&) { return master_.subscriptions() == 3; });
  EXPECT_EQ(master_.subscriptions(), 3);
  EXPECT_TRUE(backend->subscribed());
}

// A master that takes its time to answer SUBSCRIBE does not hold up Poll (the host manager's
// event loop): Poll returns while the subscription waits, and the backend is subscribed once
// the master answers. (A Poll that waited would never return: the master answers only after.)
TEST_F(MesosBackendTest, PollDoesNotWaitForAResubscription) {
  options_.reconnect_min = absl::Milliseconds(10);
  auto backend = Started();
  master_.HoldSubscriptions();
  master_.Disconnect();
  PollUntil(*backend, [this](const auto&) { return master_.held_subscriptions() == 1; });
  ASSERT_EQ(master_.held_subscriptions(), 1);
  for (int i = 0; i < 3; ++i) backend->Poll();  // each returns, the SUBSCRIBE unanswered
  EXPECT_FALSE(backend->subscribed());
  EXPECT_EQ(master_.held_subscriptions(), 1);  // one attempt, not one per Poll
  master_.ReleaseSubscriptions();
  PollUntil(*backend, [&](const auto&) { return backend->subscribed(); });
  EXPECT_TRUE(backend->subscribed());
  EXPECT_EQ(master_.subscriptions(), 2);
}

// A master that never answers SUBSCRIBE: the attempt gives up after connect_timeout and is
// tried again after the backoff.
TEST_F(MesosBackendTest, AnUnansweredResubscriptionTimesOutAndIsTriedAgain) {
  options_.reconnect_min = absl::Milliseconds(10);
  options_.connect_timeout = absl::Milliseconds(200);
  auto backend = Started();
  master_.HoldSubscriptions();
  master_.Disconnect();
  PollUntil(*backend, [this](const auto&) { return master_.subscribe_requests() >= 3; });
  EXPECT_GE(master_.subscribe_requests(), 3);  // Start's, then one that timed out, then another
  EXPECT_FALSE(backend->subscribed());
  master_.ReleaseSubscriptions();
  PollUntil(*backend, [&](const auto&) { return backend->subscribed(); });
  EXPECT_TRUE(backend->subscribed());
}

TEST_F(MesosBackendTest, AfterARestartReconcileAdoptsRunningTasksAndLosesUnknownOnes) {
  {
    auto first = Started();
    ASSERT_THAT(first->Launch(Spec("job-8-1", "cpu-1", 1000)), IsOk());
    master_.OfferAll();
    PollUntil(*first,
              [](const auto& all) { return Has(all, "job-8-1", MesosTaskState::kRunning); });
  }
  auto second = Started(saved_.back());
  std::vector<TaskStatus> answers = second->Reconcile({"job-8-1", "job-8-2"});
  ASSERT_THAT(answers, SizeIs(2));
  EXPECT_TRUE(Has(answers, "job-8-1", MesosTaskState::kRunning));
  EXPECT_TRUE(Has(answers, "job-8-2", MesosTaskState::kLost));
  // The adopted task is watched: it can be killed.
  ASSERT_THAT(second->Kill("job-8-1"), IsOk());
  auto all = PollUntil(
      *second, [](const auto& all) { return Has(all, "job-8-1", MesosTaskState::kKilled); });
  EXPECT_TRUE(Has(all, "job-8-1", MesosTaskState::kKilled));
}

TEST_F(MesosBackendTest, SilenceAtReconciliationIsNotLoss) {
  options_.reconcile_wait = absl::Milliseconds(200);
  auto backend = Started();
  master_.set_ignore_reconcile(true);  // a master slower than the wait
  // No answer: no status at all (a master that answers does so even for unknown tasks).
  EXPECT_THAT(backend->Reconcile({"job-11-1"}), IsEmpty());
  // The task stays in flight: it can be killed, and is asked for again later.
  EXPECT_THAT(backend->Kill("job-11-1"), IsOk());
}

TEST_F(MesosBackendTest, ReconciliationRunsOnScheduleExplicitInBatchesThenImplicit) {
  options_.initial_reconcile_delay = absl::Milliseconds(100);
  options_.reconcile_interval = absl::Milliseconds(300);
  options_.reconcile_batch = 1;
  options_.reconcile_batch_gap = absl::Milliseconds(20);
  auto backend = Started();
  for (const char* id : {"job-9-1", "job-9-2"}) {
    ASSERT_THAT(backend->Launch(Spec(id, "cpu-1", 1000)), IsOk());
  }
  master_.OfferAll();
  PollUntil(*backend, [](const auto& all) {
    return Has(all, "job-9-1", MesosTaskState::kRunning) &&
           Has(all, "job-9-2", MesosTaskState::kRunning);
  });
  EXPECT_EQ(CallsOf(Call::RECONCILE), 0);  // not before the initial delay
  PollUntil(*backend, [this](const auto&) { return CallsOf(Call::RECONCILE) >= 3; });
  std::vector<int> sizes;
  for (const Call& c : master_.calls()) {
    if (c.type() == Call::RECONCILE) sizes.push_back(c.reconcile().tasks_size());
  }
  // Two explicit calls of one task each (every task in flight), then an implicit one.
  ASSERT_GE(sizes.size(), 3u);
  EXPECT_EQ(sizes[0], 1);
  EXPECT_EQ(sizes[1], 1);
  EXPECT_EQ(sizes[2], 0);
}

TEST_F(MesosBackendTest, MaintenanceDrainsThenTakesMachinesDownAndUp) {
  options_.offer_hold = absl::Hours(1);
  options_.agents_refresh = absl::Milliseconds(20);
  auto backend = Started();
  ASSERT_THAT(backend->Launch(Spec("job-10-1", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend,
            [](const auto& all) { return Has(all, "job-10-1", MesosTaskState::kRunning); });

  // Drain: a window starting now, for the machine as the agent registered (hostname and IP).
  ASSERT_THAT(backend->Drain({"cpu-1"}), IsOk());
  ASSERT_THAT(backend->Drain({"cpu-1"}), IsOk());  // idempotent: one window
  ASSERT_EQ(master_.schedule().windows_size(), 1);
  ASSERT_EQ(master_.schedule().windows(0).machine_ids_size(), 1);
  EXPECT_EQ(master_.schedule().windows(0).machine_ids(0).hostname(), "cpu-1");
  EXPECT_EQ(master_.schedule().windows(0).machine_ids(0).ip(), "127.0.0.1");
  absl::StatusOr<MaintenanceStatus> status = backend->GetMaintenanceStatus();
  ASSERT_THAT(status, IsOk());
  EXPECT_THAT(status->draining, ElementsAre("cpu-1"));
  EXPECT_THAT(status->down, IsEmpty());

  // A draining machine's offers carry its unavailability: no launch goes there, they go back.
  ASSERT_THAT(backend->Launch(Spec("job-10-2", "cpu-1", 1000)), IsOk());
  master_.OfferAll();
  PollUntil(*backend, [this](const auto&) { return CallsOf(Call::DECLINE) > 0; });
  EXPECT_EQ(CallsOf(Call::ACCEPT), 1);  // only job-10-1's
  EXPECT_GE(CallsOf(Call::DECLINE), 1);

  // Down: the machine leaves, its tasks are gone, the host goes with the next agents read.
  ASSERT_THAT(backend->Down({"cpu-1"}), IsOk());
  auto all = PollUntil(*backend, [&](const auto& all) {
    return Has(all, "job-10-1", MesosTaskState::kGoneByOperator) && backend->Hosts().size() == 1;
  });
  EXPECT_TRUE(Has(all, "job-10-1", MesosTaskState::kGoneByOperator));
  EXPECT_THAT(backend->Hosts(), SizeIs(1));
  status = backend->GetMaintenanceStatus();
  ASSERT_THAT(status, IsOk());
  EXPECT_THAT(status->down, ElementsAre("cpu-1"));

  // Up: back in the cluster, out of the schedule.
  EXPECT_THAT(backend->Up({"cpu-1"}), IsOk());
  PollUntil(*backend, [&](const auto&) { return backend->Hosts().size() == 2; });
  EXPECT_THAT(backend->Hosts(), SizeIs(2));
  EXPECT_EQ(master_.schedule().windows_size(), 0);
  EXPECT_THAT(backend->Drain({"nowhere"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nowhere")));
  EXPECT_THAT(backend->Up({"gpu-1"}), StatusIs(absl::StatusCode::kUnavailable));  // not down
}

TEST_F(MesosBackendTest, AMasterWithAuthenticationTakesTheSecretFile) {
  master_.require_authorization(BasicAuthorization("peloton", "s3cret"));
  {
    MesosBackend without(options_, "", nullptr);
    EXPECT_THAT(without.Start(*io_.provider, io_.waitScope),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("401")));
    without.Stop();
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string file = std::string(tmp != nullptr ? tmp : "/tmp") + "/mesos-secret";
  std::ofstream(file) << "";
  options_.secret_file = file;
  {
    MesosBackend empty(options_, "", nullptr);
    EXPECT_THAT(empty.Start(*io_.provider, io_.waitScope),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is empty")));
  }
  std::ofstream(file) << "s3cret\n";  // a trailing newline is not part of the secret
  auto backend = Started();
  EXPECT_TRUE(backend->subscribed());
  EXPECT_THAT(backend->Hosts(), SizeIs(2));  // the operator API too
  options_.secret_file = "/no/such/secret";
  MesosBackend missing(options_, "", nullptr);
  EXPECT_THAT(missing.Start(*io_.provider, io_.waitScope),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.secret_file")));
}

TEST_F(MesosBackendTest, StartFailsClearlyWithoutAMaster) {
  options_.master = "127.0.0.1:1";
  MesosBackend backend(options_, "", nullptr);
  EXPECT_THAT(backend.Start(*io_.provider, io_.waitScope),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
}

TEST(MesosOptionsTest, BadOptionsNameTheField) {
  MesosBackendOptions o;
  o.master = "nohostport";
  EXPECT_THAT(ValidateMesosOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.master")));
  o.master = "m:5050";
  EXPECT_THAT(ValidateMesosOptions(o), IsOk());
  o.framework.role = "*";
  EXPECT_THAT(ValidateMesosOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.role")));
  o.framework.role = "peloton";
  o.launch_timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateMesosOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.launch_timeout")));
}

}  // namespace
}  // namespace peloton::backend::mesos
