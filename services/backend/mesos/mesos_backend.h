// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// MesosBackend: the cluster backend for a Mesos cluster (reference §6.2), through the v1
// scheduler HTTP API and the operator API.
//
// - Hosts are the agents the operator API's GET_AGENTS reports, each with its whole capacity for
//   the framework's role (the role is assumed to be ours alone: placement works on capacity,
//   and offers only gate launches). They are read at Start, again every `agents_refresh`, and
//   at once when an offer comes from an agent not known yet; HostsVersion changes with them.
// - Offers are held per agent. A launch waits for its agent's offers; each Poll sends, per
//   agent, one ACCEPT with one LAUNCH of every waiting task the held offers cover. A launch
//   still waiting after `launch_timeout` is reported TASK_LOST (the job manager retries it).
//   Offers held longer than `offer_hold` with nothing to launch are declined, refused for
//   `decline_refuse`.
// - Status updates are reported by Poll, and acknowledged at the next Poll: by then the host
//   manager has handed them to the job and resource managers.
// - Reconciliation on Peloton's schedule: first `initial_reconcile_delay` after Start, then every
//   `reconcile_interval`, alternating explicit (every task in flight, `reconcile_batch` tasks per
//   call, one call every `reconcile_batch_gap`) and implicit (the master reports all of ours).
//   The answers are status updates like any other.
// - Host maintenance through the operator API (reference §6.1): Drain adds a window starting
//   now to the master's maintenance schedule, Down starts maintenance (the machines leave),
//   Up stops it. Machines are named by hostname and IP, as the agents registered. Offers whose
//   unavailability starts within `unavailability_margin` are not used for launches.
// - With `zk`, the leading master is looked up in ZooKeeper before every subscription: a master
//   failover is a broken stream, then a subscription to the new leader (same framework id).
// - A broken stream, an ERROR, or a master silent for five heartbeats: Poll subscribes again,
//   with the same framework id, backing off from `reconnect_min` to `reconnect_max`, then asks
//   the master to reconcile the tasks in flight.
// - The framework id the master assigns is handed to `framework_id_changed` (to persist it) and
//   used for every later subscription.
//
// Runs on the caller's kj event loop, given at Start: call it at the top level (it waits on the
// network for its calls, except a resubscription, which Poll takes up as it progresses; the
// ZooKeeper lookup of one runs on a thread of its own). Thread-compatible.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_MESOS_BACKEND_H_
#define PELOTON_SERVICES_BACKEND_MESOS_MESOS_BACKEND_H_

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kj/async-io.h"
#include "services/backend/backend.h"
#include "services/backend/mesos/client.h"
#include "services/backend/mesos/convert.h"
#include "services/backend/mesos/session.h"

namespace peloton::backend::mesos {

struct MesosBackendOptions {
  std::string master;  // host:port of the leading master, or:
  std::string zk;      // zk://host:port[,...]/path: the leader is looked up there each subscription
  // A file holding the principal's secret: every request then carries HTTP basic
  // authentication (principal:secret), as a master with authentication on requires.
  std::string secret_file;
  absl::Duration zk_timeout = absl::Seconds(10);
  FrameworkOptions framework;
  Encoding encoding = Encoding::kProtobuf;
  // For SUBSCRIBED at Start, and for the answer to each resubscription.
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration agents_refresh = absl::Seconds(60);
  absl::Duration offer_hold = absl::Minutes(5);
  absl::Duration decline_refuse = absl::Seconds(5);
  absl::Duration launch_timeout = absl::Minutes(2);
  absl::Duration reconcile_wait = absl::Seconds(10);  // for the answers in Reconcile
  absl::Duration reconnect_min = absl::Seconds(1);
  absl::Duration reconnect_max = absl::Seconds(30);
  absl::Duration initial_reconcile_delay = absl::Seconds(60);
  absl::Duration reconcile_interval = absl::Minutes(30);
  int reconcile_batch = 1000;
  absl::Duration reconcile_batch_gap = absl::Seconds(5);
  absl::Duration unavailability_margin = absl::Hours(3);
};

// What the master's maintenance status says, by hostname.
struct MaintenanceStatus {
  std::vector<std::string> draining;  // scheduled, not down yet
  std::vector<std::string> down;
};

// InvalidArgument naming the field: neither or both of master and zk, master not host:port,
// zk not zk://host:port/path, empty role, durations not positive
// (offer_hold may be 0: decline at once).
absl::Status ValidateMesosOptions(const MesosBackendOptions& options);

class MesosBackend final : public Backend {
 public:
  // `framework_id_changed` (may be empty) is called with each new framework id, to persist.
  MesosBackend(MesosBackendOptions options, std::string stored_framework_id,
               std::function<void(const std::string&)> framework_id_changed);
  ~MesosBackend() override;

  // Subscribes, waits for SUBSCRIBED and reads the agents. Unavailable when the master cannot
  // be reached, refuses the subscription, or says nothing within connect_timeout.
  // On the event loop of `io` and `wait` (which must outlive the backend). Until it succeeds the
  // backend has no hosts and no master.
  absl::Status Start(kj::AsyncIoProvider& io, kj::WaitScope& wait);

  // Lets go of the event loop (the connection to the master): call before the loop ends. The
  // backend is then as before Start.
  void Stop();

  std::vector<HostInfo> Hosts() const override;
  // Each agent's held usable offers (cpu, memory, disk), less its launches still waiting.
  std::optional<absl::flat_hash_map<std::string, Resources>> Offered() const override;
  uint64_t HostsVersion() const override { return hosts_version_; }
  // Queued for the host's offers. InvalidArgument for a host that is not an agent;
  // AlreadyExists for a task id in flight.
  absl::Status Launch(const LaunchSpec& spec) override;
  // KILL through the master (a launch still waiting is dropped and reported TASK_KILLED),
  // sent without waiting for the answer: the task's update is the answer. NotFound for a task
  // not in flight.
  absl::Status Kill(const std::string& task_id) override;
  // SHUTDOWN of the task's executor (a command task's executor has the task's id), sent
  // without waiting, like Kill.
  absl::Status Shutdown(const std::string& task_id) override;
  std::vector<TaskStatus> Poll() override;
  // Explicit reconciliation of `task_ids`, waiting up to reconcile_wait for the master's
  // answers: TASK_RUNNING tasks are watched from now on; a task the master does not know
  // (TASK_UNKNOWN or TASK_LOST) is TASK_LOST. A task the master did not answer for in time (it
  // is away, or slow) gets no status: it stays in flight and is asked for again on the
  // reconciliation schedule (never called lost on silence).
  std::vector<TaskStatus> Reconcile(const std::vector<std::string>& task_ids) override;
  // Queued for the agent's next offer that holds the volume (DESTROY, then UNRESERVE of its
  // disk); OK at once for a host that is not an agent (the volume went with it).
  // FailedPrecondition while a task of this backend uses it, or waits to.
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override;

  // Maintenance of agents by hostname (NotFound for a host that is not an agent; Unavailable
  // when the master cannot be reached or refuses). Drain is idempotent: a host already in the
  // schedule keeps its window.
  absl::Status Drain(const std::vector<std::string>& hostnames);
  absl::Status Down(const std::vector<std::string>& hostnames);
  absl::Status Up(const std::vector<std::string>& hostnames);
  absl::StatusOr<MaintenanceStatus> GetMaintenanceStatus();
  // The Backend's maintenance hooks: Drain, Down and Up.
  absl::Status DrainHosts(const std::vector<std::string>& hostnames) override {
    return Drain(hostnames);
  }
  absl::Status DownHosts(const std::vector<std::string>& hostnames) override {
    return Down(hostnames);
  }
  absl::Status UpHosts(const std::vector<std::string>& hostnames) override { return Up(hostnames); }

  const std::string& framework_id() const { return session_.framework_id(); }
  bool subscribed() const {
    return client_ != nullptr && session_.subscribed() && client_->streaming();
  }

 private:
  struct Pending {
    LaunchSpec spec;
    absl::Time since;
  };

  // The client for `leader` (a new one when the leader changed).
  void UseMaster(const std::string& leader);
  // At Start: finds the leader and subscribes, waiting.
  absl::Status Subscribe();
  // A resubscription under way (Poll): the leader's lookup when with ZooKeeper, then the
  // SUBSCRIBE, each taken when ready, so that Poll never waits on the network for them.
  void ContinueResubscription(absl::Time now);
  void ResubscriptionFailed(absl::Time now, const absl::Status& status);
  // The machine ids of `hostnames` (hostname and IP): NotFound naming an unknown host.
  absl::StatusOr<std::vector<::mesos::v1::MachineID>> MachinesOf(
      const std::vector<std::string>& hostnames) const;
  // START_MAINTENANCE or STOP_MAINTENANCE of the machines of `hostnames`.
  absl::Status MachinesCall(::mesos::v1::master::Call::Type type,
                            const std::vector<std::string>& hostnames);
  // Whether an offer may be used for launches: no unavailability starting within the margin.
  bool Usable(const ::mesos::v1::Offer& offer, absl::Time now) const;
  absl::Status RefreshAgents();
  void KeepSubscribed(absl::Time now);
  void LaunchWaiting(absl::Time now, std::vector<TaskStatus>& out);
  // Notes the volumes held offers show, and destroys those asked to be.
  void TendVolumes(absl::Time now);
  // The task that uses a volume (in flight, or waiting to launch), or empty.
  std::string UserOf(const std::string& volume_id) const;
  void DeclineIdleOffers(absl::Time now);
  void ReconcileOnSchedule(absl::Time now);
  // Updates from the session, as statuses; those to acknowledge are queued for the next Poll.
  void TakeUpdates(std::vector<TaskStatus>& out);
  std::string HostnameOf(const std::string& agent_id) const;
  void Wait(absl::Duration d);

  kj::AsyncIoProvider* io_ = nullptr;  // set by Start
  kj::WaitScope* wait_ = nullptr;
  MesosBackendOptions options_;
  std::function<void(const std::string&)> framework_id_changed_;
  std::string saved_framework_id_;
  SchedulerSession session_;
  std::unique_ptr<MesosClient> client_;
  std::string master_;         // the leader client_ talks to
  std::string authorization_;  // from secret_file, read at Start

  std::map<std::string, HostInfo> agents_;  // by agent id
  std::map<std::string, std::string> agent_of_host_;
  std::map<std::string, ::mesos::v1::MachineID> machine_of_host_;  // by hostname
  uint64_t hosts_version_ = 0;
  absl::Time agents_read_ = absl::InfinitePast();
  uint64_t agents_lost_seen_ = 0;  // SchedulerSession::agents_lost() when last looked

  std::map<std::string, std::vector<Pending>> waiting_;  // by agent id, in launch order
  // The agent of each launch in waiting_, by task id: Launch and Kill find one without
  // scanning every agent's queue (thousands wait in a busy tick).
  absl::flat_hash_map<std::string, std::string> waiting_agent_;
  std::map<std::string, std::string> in_flight_;    // task id -> agent id (launched)
  std::map<std::string, absl::Time> offers_since_;  // agent id -> when its offers came
  // Persistent volumes: the agent each was made on (by this backend, or seen in an offer).
  std::map<std::string, std::string> volumes_;
  std::map<std::string, std::string> volume_of_task_;       // in flight: task id -> volume id
  std::map<std::string, std::set<std::string>> to_destroy_;  // agent id -> volume ids
  std::vector<::mesos::v1::TaskStatus> to_ack_;
  std::vector<TaskStatus> early_;  // reported by Poll next (kills of waiting launches, ...)

  absl::Time next_reconcile_ = absl::InfiniteFuture();
  bool explicit_next_ = true;
  std::vector<std::pair<std::string, std::string>> reconcile_queue_;  // (task, agent) to ask
  absl::Time next_batch_ = absl::InfinitePast();

  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_;
  bool resubscribing_ = false;  // an attempt under way (ContinueResubscription)
  // The leader's lookup in ZooKeeper of the attempt under way. A backend destroyed during one
  // waits for it (at most zk_timeout).
  std::future<absl::StatusOr<std::string>> leader_lookup_;
  bool resubscribed_ = false;
};

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_MESOS_BACKEND_H_
