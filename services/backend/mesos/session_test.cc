// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/session.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;
using Event = SchedulerSession::Event;
using Call = SchedulerSession::Call;

Event Subscribed(const std::string& id, double heartbeat) {
  Event e;
  e.set_type(Event::SUBSCRIBED);
  e.mutable_subscribed()->mutable_framework_id()->set_value(id);
  e.mutable_subscribed()->set_heartbeat_interval_seconds(heartbeat);
  return e;
}

Event Offers(std::vector<std::pair<std::string, std::string>> offer_agent) {
  Event e;
  e.set_type(Event::OFFERS);
  for (const auto& [offer, agent] : offer_agent) {
    auto* o = e.mutable_offers()->add_offers();
    o->mutable_id()->set_value(offer);
    o->mutable_framework_id()->set_value("f");
    o->mutable_agent_id()->set_value(agent);
    o->set_hostname("host-" + agent);
  }
  return e;
}

TEST(SchedulerSessionTest, SubscribeOffersRescindAndHeartbeats) {
  SchedulerSession s({}, "");
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  const Call subscribe = s.Subscribe();
  EXPECT_EQ(subscribe.type(), Call::SUBSCRIBE);
  EXPECT_EQ(subscribe.framework_id().value(), kDefaultFrameworkId);
  EXPECT_EQ(subscribe.subscribe().framework_info().id().value(), kDefaultFrameworkId);
  EXPECT_TRUE(subscribe.IsInitialized());

  EXPECT_THAT(s.OnEvent(Offers({{"o1", "a1"}}), t0),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("before SUBSCRIBED")));
  ASSERT_THAT(s.OnEvent(Subscribed("f-42", 10), t0), IsOk());
  EXPECT_TRUE(s.subscribed());
  EXPECT_EQ(s.framework_id(), "f-42");
  EXPECT_EQ(s.Kill("t", "a1").framework_id().value(), "f-42");

  ASSERT_THAT(s.OnEvent(Offers({{"o1", "a1"}, {"o2", "a2"}, {"o3", "a1"}}), t0), IsOk());
  ASSERT_EQ(s.offers().size(), 2u);
  EXPECT_EQ(s.offers().at("a1").size(), 2u);
  Event rescind;
  rescind.set_type(Event::RESCIND);
  rescind.mutable_rescind()->mutable_offer_id()->set_value("o2");
  ASSERT_THAT(s.OnEvent(rescind, t0), IsOk());
  EXPECT_FALSE(s.offers().contains("a2"));  // its only offer went

  // Silent after five heartbeat intervals without a word; any event counts.
  EXPECT_FALSE(s.Silent(t0 + absl::Seconds(50)));
  EXPECT_TRUE(s.Silent(t0 + absl::Seconds(51)));
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  ASSERT_THAT(s.OnEvent(heartbeat, t0 + absl::Seconds(45)), IsOk());
  EXPECT_FALSE(s.Silent(t0 + absl::Seconds(60)));

  // A disconnect: the offers were the old subscription's; the framework id stays.
  s.Reset();
  EXPECT_FALSE(s.subscribed());
  EXPECT_TRUE(s.offers().empty());
  EXPECT_EQ(s.Subscribe().framework_id().value(), "f-42");

  ASSERT_THAT(s.OnEvent(Subscribed("f-42", 10), t0), IsOk());
  Event error;
  error.set_type(Event::ERROR);
  error.mutable_error()->set_message("Framework has been removed");
  EXPECT_THAT(s.OnEvent(error, t0),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has been removed")));
  EXPECT_FALSE(s.subscribed());
}

TEST(SchedulerSessionTest, UpdatesAndCalls) {
  SchedulerSession s({}, "f-1");
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_THAT(s.OnEvent(Subscribed("f-1", 15), t0), IsOk());
  ASSERT_THAT(s.OnEvent(Offers({{"o1", "a1"}, {"o2", "a1"}}), t0), IsOk());

  Event update;
  update.set_type(Event::UPDATE);
  auto* status = update.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value("job-0-1");
  status->mutable_agent_id()->set_value("a1");
  status->set_state(::mesos::v1::TASK_RUNNING);
  status->set_uuid("\x01\x02");
  ASSERT_THAT(s.OnEvent(update, t0), IsOk());
  status->clear_uuid();  // e.g. a reconciliation answer: nothing to acknowledge
  ASSERT_THAT(s.OnEvent(update, t0), IsOk());
  std::vector<SchedulerSession::Update> updates = s.TakeUpdates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(updates[0].ack);
  EXPECT_FALSE(updates[1].ack);
  EXPECT_TRUE(s.TakeUpdates().empty());
  const Call ack = s.Acknowledge(updates[0].status);
  EXPECT_EQ(ack.type(), Call::ACKNOWLEDGE);
  EXPECT_EQ(ack.acknowledge().uuid(), "\x01\x02");
  EXPECT_EQ(ack.acknowledge().agent_id().value(), "a1");
  EXPECT_TRUE(ack.IsInitialized());

  const std::vector<::mesos::v1::Offer> offers = s.TakeOffers("a1");
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_TRUE(s.TakeOffers("a1").empty());
  LaunchSpec spec{.task_id = "job-1-1",
                  .hostname = "host-a1",
                  .command = "true",
                  .resources = Resources::Of(1000, 64, 0, 0)};
  const Call accept = s.Accept(offers, {TaskInfoOf(spec, "a1", {}, "peloton")});
  EXPECT_EQ(accept.type(), Call::ACCEPT);
  ASSERT_EQ(accept.accept().offer_ids_size(), 2);
  ASSERT_EQ(accept.accept().operations_size(), 1);
  EXPECT_EQ(accept.accept().operations(0).type(), ::mesos::v1::Offer::Operation::LAUNCH);
  EXPECT_EQ(accept.accept().operations(0).launch().task_infos(0).task_id().value(), "job-1-1");
  EXPECT_TRUE(accept.IsInitialized()) << accept.InitializationErrorString();

  const Call decline = s.Decline(offers, absl::Seconds(5));
  EXPECT_EQ(decline.decline().offer_ids_size(), 2);
  EXPECT_EQ(decline.decline().filters().refuse_seconds(), 5);
  const Call implicit = s.Reconcile({});
  EXPECT_EQ(implicit.type(), Call::RECONCILE);
  EXPECT_EQ(implicit.reconcile().tasks_size(), 0);
  const Call explicit_ = s.Reconcile({{"job-0-1", "a1"}, {"job-2-1", ""}});
  ASSERT_EQ(explicit_.reconcile().tasks_size(), 2);
  EXPECT_FALSE(explicit_.reconcile().tasks(1).has_agent_id());
  EXPECT_EQ(s.Revive().type(), Call::REVIVE);
  EXPECT_EQ(s.Kill("job-0-1", "a1").kill().agent_id().value(), "a1");
}

}  // namespace
}  // namespace peloton::backend::mesos
