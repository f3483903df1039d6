// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The scheduler client against the FakeMesosMaster test double (not Mesos): subscribe, offers,
// launch, status updates and their acknowledgements, kill, reconcile, a disconnect and a
// resubscription with the same framework id, and a malformed stream.

#include "services/backend/mesos/client.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/testing/fake_master.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using testing::FakeAgent;
using testing::FakeMesosMaster;
using ::testing::HasSubstr;

class MesosClientTest : public ::testing::TestWithParam<Encoding> {
 protected:
  // Held by pointer: kj's destructors may throw, which a test fixture's may not.
  MesosClientTest()
      : io_ptr_(std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo())),
        master_ptr_(std::make_unique<FakeMesosMaster>(
            *io_ptr_, std::vector<FakeAgent>{FakeAgent{.id = "a1",
                                                       .hostname = "host-1",
                                                       .gpus = 2,
                                                       .attributes = {{"gpu_model", "V100"}}},
                                             FakeAgent{.id = "a2", .hostname = "host-2"}})),
        io_(*io_ptr_),
        master_(*master_ptr_) {}

  // Runs the event loop until `done` (or a second).
  template <typename Pred>
  absl::Status PumpUntil(MesosClient& client, Pred done) {
    for (int i = 0; i < 1000; ++i) {
      absl::Status s = client.Pump();
      if (!s.ok() || done()) return s;
      usleep(1000);
    }
    return absl::DeadlineExceededError("not there after a second");
  }

  std::unique_ptr<kj::AsyncIoContext> io_ptr_;
  std::unique_ptr<FakeMesosMaster> master_ptr_;
  kj::AsyncIoContext& io_;
  FakeMesosMaster& master_;
};

TEST_P(MesosClientTest, SubscribeLaunchAcknowledgeAndResubscribe) {
  const std::string address = master_.Listen();
  SchedulerSession session({}, "f-stored");
  MesosClient client(*io_.provider, io_.waitScope, address, session, GetParam());
  ASSERT_THAT(client.Subscribe(absl::Seconds(10)), IsOk());
  ASSERT_THAT(PumpUntil(client, [&] { return session.subscribed(); }), IsOk());
  EXPECT_EQ(master_.framework_id(), "f-stored");

  master_.OfferAll();
  ASSERT_THAT(PumpUntil(client, [&] { return session.offers().size() == 2; }), IsOk());
  std::vector<::mesos::v1::Offer> offers = session.TakeOffers("a1");
  PELOTON_ASSERT_OK_AND_ASSIGN(HostInfo host, HostOfOffers(offers, "peloton"));
  EXPECT_EQ(host.hostname, "host-1");
  EXPECT_EQ(host.gpus.size(), 2u);
  EXPECT_EQ(host.gpus[0].model, "V100");

  LaunchSpec spec{.task_id = "job-0-1",
                  .hostname = "host-1",
                  .command = "sleep 10",
                  .resources = Resources::Of(2000, 512, 0, 1000)};
  const uint32_t ports[] = {31000};
  ASSERT_THAT(client.Send(session.Accept(offers, {TaskInfoOf(spec, "a1", ports, "peloton")})),
              IsOk());
  std::vector<SchedulerSession::Update> updates;
  ASSERT_THAT(PumpUntil(client,
                        [&] {
                          for (auto& u : session.TakeUpdates()) updates.push_back(std::move(u));
                          return !updates.empty();
                        }),
              IsOk());
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status.state(), ::mesos::v1::TASK_RUNNING);
  ASSERT_TRUE(updates[0].ack);
  ASSERT_THAT(client.Send(session.Acknowledge(updates[0].status)), IsOk());
  EXPECT_TRUE(master_.acknowledged().contains("job-0-1"));
  EXPECT_EQ(master_.running().at("job-0-1"), "a1");
  ASSERT_THAT(client.Send(session.Decline(session.TakeOffers("a2"), absl::Seconds(5))), IsOk());

  master_.EndTask("job-0-1", ::mesos::v1::TASK_FINISHED);
  updates.clear();
  ASSERT_THAT(PumpUntil(client,
                        [&] {
                          for (auto& u : session.TakeUpdates()) updates.push_back(std::move(u));
                          return !updates.empty();
                        }),
              IsOk());
  const TaskStatus finished =
      StatusOf(updates[0].status, [&](const std::string&) { return host.hostname; });
  EXPECT_EQ(finished.state, MesosTaskState::kFinished);
  EXPECT_EQ(finished.hostname, "host-1");
  // Acknowledged without waiting: the answer is checked when it comes.
  ASSERT_TRUE(updates[0].ack);
  const size_t acks = master_.acknowledged().size();
  client.SendLater(session.Acknowledge(updates[0].status));
  EXPECT_EQ(client.in_flight(), 1u);
  ASSERT_THAT(PumpUntil(client, [&] { return client.in_flight() == 0; }), IsOk());
  EXPECT_EQ(master_.acknowledged().size(), acks);  // the same task, acknowledged again
  EXPECT_EQ(client.failed_sends(), 0u);

  // A call the master refuses, sent without waiting, is counted as failed.
  SchedulerSession::Call wrong = session.Revive();
  wrong.mutable_framework_id()->set_value("another");
  client.SendLater(wrong);
  ASSERT_THAT(PumpUntil(client, [&] { return client.in_flight() == 0; }), IsOk());
  EXPECT_EQ(client.failed_sends(), 1u);

  // Kill of a task the master does not know, and an explicit reconcile of one: TASK_LOST.
  ASSERT_THAT(client.Send(session.Kill("job-9-1", "a2")), IsOk());
  ASSERT_THAT(client.Send(session.Reconcile({{"job-8-1", "a2"}})), IsOk());
  updates.clear();
  ASSERT_THAT(PumpUntil(client,
                        [&] {
                          for (auto& u : session.TakeUpdates()) updates.push_back(std::move(u));
                          return updates.size() == 2;
                        }),
              IsOk());
  EXPECT_EQ(updates[0].status.state(), ::mesos::v1::TASK_LOST);
  EXPECT_EQ(updates[1].status.task_id().value(), "job-8-1");
  EXPECT_FALSE(updates[1].ack);  // reconciliation answers carry no uuid

  // The master ends the stream: the session is reset and subscribes again as the same framework.
  master_.Disconnect();
  ASSERT_THAT(PumpUntil(client, [&] { return !client.streaming(); }), IsOk());
  EXPECT_FALSE(session.subscribed());
  EXPECT_TRUE(session.offers().empty());
  ASSERT_THAT(client.Subscribe(absl::Seconds(10)), IsOk());
  ASSERT_THAT(PumpUntil(client, [&] { return session.subscribed(); }), IsOk());
  EXPECT_EQ(master_.subscriptions(), 2);
  EXPECT_EQ(master_.framework_id(), "f-stored");
}

TEST_P(MesosClientTest, MalformedStreamsAndRefusedCalls) {
  const std::string address = master_.Listen();
  SchedulerSession session({}, "");
  MesosClient client(*io_.provider, io_.waitScope, address, session, GetParam());
  ASSERT_THAT(client.Subscribe(absl::Seconds(10)), IsOk());
  ASSERT_THAT(PumpUntil(client, [&] { return session.subscribed(); }), IsOk());
  EXPECT_EQ(master_.framework_id(), kDefaultFrameworkId);

  master_.SendRaw("12x\nnot a length");
  EXPECT_THAT(PumpUntil(client, [] { return false; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("recordio")));
  EXPECT_FALSE(client.streaming());
  EXPECT_FALSE(session.subscribed());

  // A call without this subscription's stream id is refused by the master.
  SchedulerSession other({}, "");
  MesosClient stranger(*io_.provider, io_.waitScope, address, other, GetParam());
  EXPECT_THAT(stranger.Send(other.Revive()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("REVIVE answered 400")));

  MesosClient nowhere(*io_.provider, io_.waitScope, "127.0.0.1:1", other, GetParam());
  EXPECT_THAT(nowhere.Subscribe(absl::Seconds(10)), StatusIs(absl::StatusCode::kUnavailable));
}

INSTANTIATE_TEST_SUITE_P(Encodings, MesosClientTest,
                         ::testing::Values(Encoding::kProtobuf, Encoding::kJson));

}  // namespace
}  // namespace peloton::backend::mesos
