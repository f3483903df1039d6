// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace peloton::backend::mesos {

SchedulerSession::SchedulerSession(FrameworkOptions options, std::string framework_id)
    : options_(std::move(options)),
      framework_id_(framework_id.empty() ? kDefaultFrameworkId : std::move(framework_id)) {}

SchedulerSession::Call SchedulerSession::CallOf(Call::Type type) const {
  Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(framework_id_);
  return call;
}

SchedulerSession::Call SchedulerSession::Subscribe() const {
  Call call = CallOf(Call::SUBSCRIBE);
  *call.mutable_subscribe()->mutable_framework_info() = FrameworkInfoOf(options_, framework_id_);
  return call;
}

void SchedulerSession::Reset() {
  subscribed_ = false;
  offers_.clear();
  last_heard_ = absl::InfinitePast();
}

bool SchedulerSession::Silent(absl::Time now) const {
  return subscribed_ && now - last_heard_ > 5 * heartbeat_interval_;
}

absl::Status SchedulerSession::OnEvent(const Event& e, absl::Time now) {
  if (!subscribed_ && e.type() != Event::SUBSCRIBED && e.type() != Event::ERROR) {
    return absl::FailedPreconditionError(
        absl::StrCat("mesos: event ", Event::Type_Name(e.type()), " before SUBSCRIBED"));
  }
  last_heard_ = now;
  switch (e.type()) {
    case Event::SUBSCRIBED:
      subscribed_ = true;
      framework_id_ = e.subscribed().framework_id().value();
      if (e.subscribed().heartbeat_interval_seconds() > 0) {
        heartbeat_interval_ = absl::Seconds(e.subscribed().heartbeat_interval_seconds());
      }
      return absl::OkStatus();
    case Event::OFFERS:
      for (const ::mesos::v1::Offer& o : e.offers().offers()) {
        offers_[o.agent_id().value()].push_back(o);
      }
      return absl::OkStatus();
    case Event::RESCIND:
      for (auto it = offers_.begin(); it != offers_.end();) {
        auto& list = it->second;
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const ::mesos::v1::Offer& o) {
                                    return o.id().value() == e.rescind().offer_id().value();
                                  }),
                   list.end());
        it = list.empty() ? offers_.erase(it) : std::next(it);
      }
      return absl::OkStatus();
    case Event::UPDATE:
      updates_.push_back({e.update().status(), !e.update().status().uuid().empty()});
      return absl::OkStatus();
    case Event::ERROR:
      Reset();
      return absl::FailedPreconditionError(
          absl::StrCat("mesos: the master ended the subscription: ", e.error().message()));
    case Event::FAILURE:
      // An agent that failed or was removed (an executor's failure names its executor too).
      if (!e.failure().has_executor_id() && e.failure().has_agent_id()) ++agents_lost_;
      return absl::OkStatus();
    default:  // HEARTBEAT, MESSAGE, inverse offers, operation updates
      return absl::OkStatus();
  }
}

std::vector<::mesos::v1::Offer> SchedulerSession::TakeOffers(const std::string& agent_id) {
  auto it = offers_.find(agent_id);
  if (it == offers_.end()) return {};
  std::vector<::mesos::v1::Offer> out = std::move(it->second);
  offers_.erase(it);
  return out;
}

SchedulerSession::Call SchedulerSession::Accept(
    const std::vector<::mesos::v1::Offer>& offers, const std::vector<::mesos::v1::TaskInfo>& tasks,
    std::vector<::mesos::v1::Offer::Operation> before) const {
  Call call = CallOf(Call::ACCEPT);
  auto* accept = call.mutable_accept();
  for (const ::mesos::v1::Offer& o : offers) *accept->add_offer_ids() = o.id();
  for (::mesos::v1::Offer::Operation& op : before) *accept->add_operations() = std::move(op);
  if (tasks.empty()) return call;
  auto* op = accept->add_operations();
  op->set_type(::mesos::v1::Offer::Operation::LAUNCH);
  for (const ::mesos::v1::TaskInfo& t : tasks) *op->mutable_launch()->add_task_infos() = t;
  return call;
}

SchedulerSession::Call SchedulerSession::Decline(const std::vector<::mesos::v1::Offer>& offers,
                                                 absl::Duration refuse) const {
  Call call = CallOf(Call::DECLINE);
  for (const ::mesos::v1::Offer& o : offers) *call.mutable_decline()->add_offer_ids() = o.id();
  call.mutable_decline()->mutable_filters()->set_refuse_seconds(absl::ToDoubleSeconds(refuse));
  return call;
}

SchedulerSession::Call SchedulerSession::Kill(const std::string& task_id,
                                              const std::string& agent_id) const {
  Call call = CallOf(Call::KILL);
  call.mutable_kill()->mutable_task_id()->set_value(task_id);
  if (!agent_id.empty()) call.mutable_kill()->mutable_agent_id()->set_value(agent_id);
  return call;
}

SchedulerSession::Call SchedulerSession::Shutdown(const std::string& executor_id,
                                                  const std::string& agent_id) const {
  Call call = CallOf(Call::SHUTDOWN);
  call.mutable_shutdown()->mutable_executor_id()->set_value(executor_id);
  call.mutable_shutdown()->mutable_agent_id()->set_value(agent_id);
  return call;
}

SchedulerSession::Call SchedulerSession::Acknowledge(const ::mesos::v1::TaskStatus& status) const {
  Call call = CallOf(Call::ACKNOWLEDGE);
  auto* ack = call.mutable_acknowledge();
  *ack->mutable_agent_id() = status.agent_id();
  *ack->mutable_task_id() = status.task_id();
  ack->set_uuid(status.uuid());
  return call;
}

SchedulerSession::Call SchedulerSession::Reconcile(
    const std::vector<std::pair<std::string, std::string>>& tasks) const {
  Call call = CallOf(Call::RECONCILE);
  auto* reconcile = call.mutable_reconcile();
  for (const auto& [task_id, agent_id] : tasks) {
    auto* t = reconcile->add_tasks();
    t->mutable_task_id()->set_value(task_id);
    if (!agent_id.empty()) t->mutable_agent_id()->set_value(agent_id);
  }
  return call;
}

SchedulerSession::Call SchedulerSession::Revive() const { return CallOf(Call::REVIVE); }

}  // namespace peloton::backend::mesos
