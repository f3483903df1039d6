// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Job workflows (reference §3.9): the rolling update, and the restart, start and stop
// workflows built on the same machinery, as pure state: a Workflow is created from the job's
// previous and target specs, then stepped with a snapshot of the instances' runtimes; each
// Step says what to do to which instances next. The job manager applies the actions,
// persists the Workflow, and steps again when task events arrive.
//
//   PELOTON_ASSIGN_OR_RETURN(Workflow w, Workflow::Update(previous, target, spec));
//   w.Start();                                     // ROLLING_FORWARD, or PAUSED
//   WorkflowStep step = w.Step(runtimes);         // actions for this round
//
// Rules of the rolling update:
// - Instances are added (ids >= the old count), updated (their config fingerprint differs),
//   removed (ids >= the new count) or unchanged (re-pointed to the new version at once,
//   without a restart).
// - An instance is *done* when it runs the target version (running, config and desired config
//   at the target, health DISABLED or HEALTHY), or ended with a terminal goal at the target
//   (batch); a removed instance when it is gone or ended with goal KILLED/DELETED. It has
//   *failed* when its failure count reached maxInstanceAttempts (> 0).
// - With maxFailureInstances > 0 and that many failed: roll back (rollbackOnFailure, not
//   already a rollback) -> ROLLING_BACKWARD; otherwise FAILED. Versions never go back: the
//   rollback's target is version target+1 holding the previous configs (the job manager
//   writes it), processed instances are moved to it and all others only re-pointed.
// - Otherwise up to batchSize (0 = all) instances are in progress at a time, taken in the
//   order adds, updates, removes; updates ordered unavailable, killed, missing, available,
//   then by instance id. Failed instances do not hold a place in the batch.
// - All done or failed -> SUCCEEDED (ROLLED_BACK after a rollback).
// - Pause from any non-terminal state (the state is remembered), resume restores it; abort
//   or supersede (a newer workflow for the job) -> ABORTED. Terminal: SUCCEEDED, ABORTED,
//   FAILED, ROLLED_BACK.
// - In place: updated instances are asked to stay on their current host.
//
// Thread-compatible value type.

#ifndef PELOTON_TASKFSM_WORKFLOW_H_
#define PELOTON_TASKFSM_WORKFLOW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::taskfsm {

// A job config version as a workflow sees it: one fingerprint per instance of the merged task
// config (default config with the instance's override applied; any stable hash of it).
struct JobSpec {
  uint64_t version = 0;
  std::vector<uint64_t> instance_config;  // size = instance count

  uint32_t instance_count() const { return static_cast<uint32_t>(instance_config.size()); }
};

// Peloton's UpdateConfig.
struct UpdateSpec {
  uint32_t batch_size = 0;      // instances in progress at once; 0 = all (or batch_percentage)
  double batch_percentage = 0;  // when batch_size is 0: this share of the instances, rounded up
  bool start_paused = false;
  bool rollback_on_failure = false;
  uint32_t max_instance_attempts = 0;  // 0 = unlimited
  uint32_t max_failure_instances = 0;  // 0 = never fail
  bool in_place = false;
};

// One instance as the workflow sees it.
struct InstanceRuntime {
  uint32_t instance = 0;
  TaskState state = TaskState::kInitialized;
  TaskState goal = TaskState::kRunning;
  uint64_t config_version = 0;
  uint64_t desired_config_version = 0;
  uint64_t run_id = 1;
  uint64_t desired_run_id = 1;
  HealthState health = HealthState::kDisabled;
  uint32_t failure_count = 0;
  std::string host;  // where the current run is (empty if none)
};

enum class InstanceChange : uint8_t {
  kAdd,        // create the instance at the target version and start it
  kUpdate,     // desired config version := target, failure count reset (KILLED_FOR_UPDATE);
               // an instance that does not exist yet is created
  kRemove,     // kill and delete the instance
  kUnchanged,  // same config: re-point config and desired config version, no restart
  kRestart,    // desired run id := current + 1 (KILLED_FOR_RESTART)
  kStart,      // goal := the job's default goal
  kStop,       // goal := KILLED (KILLED_ON_REQUEST)
};
absl::string_view Name(InstanceChange c);

// What the job manager must do to one instance.
struct InstanceAction {
  uint32_t instance = 0;
  InstanceChange change = InstanceChange::kUpdate;
  uint64_t config_version = 0;  // the version to run (adds, updates, re-points)
  uint64_t desired_run_id = 0;  // restarts: the run to start
  TerminationReason reason = TerminationReason::kInvalid;
  std::optional<std::string> desired_host;  // in-place: stay here (best effort)
};

// What a job manager keeps of a workflow to take it up again after a restart: everything but
// the two job specs, which it keeps as config versions (previous_version and target_version).
// The items are kept by change: an update's adds, updates and removes; a restart's, start's or
// stop's instances are in `updates`. Restart items do not keep the run they wait for: a
// restored restart takes max(run, desired run) of each processed instance as that run, which
// is the one its action asked for once the job manager has written the action (write task
// runtimes before the checkpoint).
struct WorkflowCheckpoint {
  static constexpr uint32_t kMaxInstances = 1u << 24;  // bounds what a checkpoint may name
  WorkflowType type = WorkflowType::kInvalid;
  UpdateState state = UpdateState::kInitialized;
  UpdateState paused_from = UpdateState::kInvalid;
  uint64_t version = 1;
  bool rollback = false;
  bool repointed = false;  // the unchanged instances were re-pointed
  UpdateSpec spec;         // batch_size resolved from batch_percentage
  uint64_t previous_version = 0;
  uint64_t target_version = 0;
  std::vector<uint32_t> adds, updates, removes;  // each ascending
  std::vector<uint32_t> processed;               // handed out so far; ascending
};

struct WorkflowStep {
  std::vector<InstanceAction> actions;
  UpdateState state = UpdateState::kInvalid;
  uint32_t done = 0;
  uint32_t failed = 0;
  uint32_t in_progress = 0;
  uint32_t total = 0;
};

class Workflow {
 public:
  // A rolling update from `previous` to `target`. InvalidArgument: target version not newer.
  // An update that changes nothing still runs (and succeeds at once).
  // InvalidArgument also for batch_percentage outside [0, 100].
  static absl::StatusOr<Workflow> Update(const JobSpec& previous, const JobSpec& target,
                                         const UpdateSpec& spec);
  // Restart the given instances (all when empty), batch by batch.
  // InvalidArgument: an instance outside the job.
  static absl::StatusOr<Workflow> Restart(const JobSpec& job, std::vector<uint32_t> instances,
                                          uint32_t batch_size, bool in_place);
  // Start or stop the given instances (all when empty).
  static absl::StatusOr<Workflow> Start(const JobSpec& job, std::vector<uint32_t> instances,
                                        uint32_t batch_size);
  static absl::StatusOr<Workflow> Stop(const JobSpec& job, std::vector<uint32_t> instances,
                                       uint32_t batch_size);

  WorkflowType type() const { return type_; }
  UpdateState state() const { return state_; }
  // The state a paused workflow resumes to (INVALID unless paused).
  UpdateState paused_from() const { return paused_from_; }
  // Grows with every change of state: clients pass it back to pause/resume/abort so that a
  // stale request is refused (Peloton's entity version).
  uint64_t version() const { return version_; }
  // The version instances are being moved to (target+1 during a rollback).
  uint64_t target_version() const { return current_.version; }
  uint64_t previous_version() const { return previous_.version; }
  bool is_rollback() const { return rollback_; }
  const UpdateSpec& spec() const { return spec_; }

  // INITIALIZED -> ROLLING_FORWARD (PAUSED when start_paused). FailedPrecondition otherwise.
  absl::Status Start();
  // `expected_version`, when given, must equal version() (Aborted otherwise).
  // Pause: any non-terminal state; Resume: only PAUSED; Abort: any non-terminal state.
  // FailedPrecondition for a state that does not allow it.
  absl::Status Pause(std::optional<uint64_t> expected_version = std::nullopt);
  absl::Status Resume(std::optional<uint64_t> expected_version = std::nullopt);
  absl::Status Abort(std::optional<uint64_t> expected_version = std::nullopt);
  // A newer workflow replaces this one: ABORTED (no-op when already terminal).
  void Supersede();

  WorkflowCheckpoint Checkpoint() const;
  // The workflow a checkpoint was taken of. `previous` and `target` are the specs of its
  // previous_version and target_version (for a rollback: the forward update's previous spec
  // and the rollback target's); `runtimes` give processed restarts their target runs.
  // InvalidArgument: versions that do not match, an instance outside both specs, or a
  // processed instance that is not an item.
  static absl::StatusOr<Workflow> FromCheckpoint(const WorkflowCheckpoint& checkpoint,
                                                 const JobSpec& previous, const JobSpec& target,
                                                 absl::Span<const InstanceRuntime> runtimes);

  // Evaluates progress over `runtimes` (one per existing instance; instances not listed are
  // taken as missing) and returns the actions of this round. No actions unless rolling
  // forward or backward. Instances handed out are remembered as processed. The first step
  // re-points the unchanged instances.
  WorkflowStep Step(absl::Span<const InstanceRuntime> runtimes);

 private:
  struct Item {
    uint32_t instance;
    InstanceChange change;
    bool processed = false;
    uint64_t target_run = 0;  // restarts: the run that must be up
  };
  // A restart, start or stop workflow: each instance gets the change of its type (ChangeOf).
  static absl::StatusOr<Workflow> ForInstances(WorkflowType type, const JobSpec& job,
                                               std::vector<uint32_t> instances, uint32_t batch_size,
                                               bool in_place);

  Workflow() = default;
  absl::Status CheckVersion(std::optional<uint64_t> expected) const;
  void SetState(UpdateState s);
  bool IsDone(const Item& item, const InstanceRuntime* rt) const;
  bool IsFailed(const Item& item, const InstanceRuntime* rt) const;
  InstanceAction ActionFor(Item& item, const InstanceRuntime* rt) const;
  void BeginRollback();

  WorkflowType type_ = WorkflowType::kInvalid;
  UpdateState state_ = UpdateState::kInitialized;
  UpdateState paused_from_ = UpdateState::kInvalid;
  uint64_t version_ = 1;
  JobSpec previous_;
  JobSpec current_;
  UpdateSpec spec_;
  bool rollback_ = false;
  std::vector<Item> items_;  // in dispatch order
  std::vector<uint32_t> unchanged_;
  bool repointed_ = false;
};

// Stateless SLA (maximumUnavailableInstances): which of `requested` instances may be killed
// now for host maintenance or an SLA-aware restart so that at most `max_unavailable` instances
// are unavailable (not RUNNING, or RUNNING but UNHEALTHY) at once. 0 means no SLA: all may go.
// Returns a prefix of `requested`, in order.
std::vector<uint32_t> InstancesSafeToKill(absl::Span<const InstanceRuntime> runtimes,
                                          absl::Span<const uint32_t> requested,
                                          uint32_t max_unavailable);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_WORKFLOW_H_
