// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The scheduler's side of one Mesos subscription, without I/O (reference §6.2). It takes the
// events of the stream, and keeps the offers per agent and the task status updates to report
// and acknowledge. It also builds the calls, each with the framework id. The transport (HTTP,
// RecordIO, the Mesos-Stream-Id header) lives around it.
//
//   SchedulerSession session(options, stored_framework_id);
//   send(session.Subscribe());
//   for each event: PELOTON_RETURN_IF_ERROR(session.OnEvent(event, now));
//   for (auto& u : session.TakeUpdates()) { report(u.status); if (u.ack)
//   send(session.Acknowledge(u.status)); } if (session.Silent(now)) reconnect and subscribe again
//   (same framework id).
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_SESSION_H_
#define PELOTON_SERVICES_BACKEND_MESOS_SESSION_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/backend/mesos/convert.h"
#include "services/backend/mesos/scheduler.pb.h"

namespace peloton::backend::mesos {

class SchedulerSession {
 public:
  using Call = ::mesos::v1::scheduler::Call;
  using Event = ::mesos::v1::scheduler::Event;

  struct Update {
    ::mesos::v1::TaskStatus status;
    bool ack = false;  // carries a uuid: acknowledge once the job and resource managers have it
  };

  // `framework_id`: the stored one, or empty (then Peloton's fixed default).
  SchedulerSession(FrameworkOptions options, std::string framework_id);

  Call Subscribe() const;

  // SUBSCRIBED: the framework id (to persist) and the heartbeat interval. OFFERS, RESCIND:
  // the offers per agent. UPDATE: a status to report. HEARTBEAT: the master is alive. ERROR:
  // the subscription is over (FailedPrecondition with the master's message; subscribe again).
  // FAILURE, MESSAGE, inverse offers, operation updates: logged by the caller, nothing kept.
  // FailedPrecondition for anything but SUBSCRIBED before SUBSCRIBED.
  absl::Status OnEvent(const Event& event, absl::Time now);

  bool subscribed() const { return subscribed_; }
  // How many FAILURE events named an agent (one that failed or was removed) so far.
  uint64_t agents_lost() const { return agents_lost_; }
  const std::string& framework_id() const { return framework_id_; }
  // After a disconnect: nothing is subscribed and the offers are gone (they were the old
  // subscription's), but the framework id is kept.
  void Reset();

  // True when the master has sent nothing for five heartbeat intervals (Mesos sends one every
  // interval; the count allows for a slow network): reconnect.
  bool Silent(absl::Time now) const;

  // The offers held, by agent id (oldest first within an agent).
  const absl::btree_map<std::string, std::vector<::mesos::v1::Offer>>& offers() const {
    return offers_;
  }
  // Removes and returns an agent's offers (to accept or decline).
  std::vector<::mesos::v1::Offer> TakeOffers(const std::string& agent_id);
  std::vector<Update> TakeUpdates() { return std::exchange(updates_, {}); }

  // One ACCEPT of all the given offers (of one agent): the operations `before` (persistent
  // volumes' RESERVE, CREATE, DESTROY, UNRESERVE), in order, then one LAUNCH of `tasks` (none
  // when there are no tasks).
  Call Accept(const std::vector<::mesos::v1::Offer>& offers,
              const std::vector<::mesos::v1::TaskInfo>& tasks,
              std::vector<::mesos::v1::Offer::Operation> before = {}) const;
  // DECLINE, with the offers refused for `refuse` (Mesos's default is 5 s).
  Call Decline(const std::vector<::mesos::v1::Offer>& offers, absl::Duration refuse) const;
  Call Kill(const std::string& task_id, const std::string& agent_id) const;
  // SHUTDOWN of an executor (a command task's executor has the task's id).
  Call Shutdown(const std::string& executor_id, const std::string& agent_id) const;
  // For an update whose ack is true.
  Call Acknowledge(const ::mesos::v1::TaskStatus& status) const;
  // Explicit for the given (task id, agent id) pairs; implicit (every task) when empty.
  Call Reconcile(const std::vector<std::pair<std::string, std::string>>& tasks) const;
  Call Revive() const;

 private:
  Call CallOf(Call::Type type) const;

  FrameworkOptions options_;
  std::string framework_id_;
  uint64_t agents_lost_ = 0;
  bool subscribed_ = false;
  absl::Duration heartbeat_interval_ = absl::Seconds(15);  // Mesos's default
  absl::Time last_heard_ = absl::InfinitePast();
  absl::btree_map<std::string, std::vector<::mesos::v1::Offer>> offers_;  // by agent id
  std::vector<Update> updates_;
};

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_SESSION_H_
