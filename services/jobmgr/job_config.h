// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What a Peloton v0 JobConfig means (reference §3.1–§3.4): the task config of each instance
// (its instance config merged over the default), the validation rules a job manager applies
// before storing anything, the rules for v0 Update, and the placement and admission view of
// each task.
//
//   PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config));
//   TaskConfig task = TaskConfigOf(config, 3);
//   PELOTON_ASSIGN_OR_RETURN(placement::TaskSpec spec, TaskSpecOf(job_id, config, 3));
//
// Errors are InvalidArgument naming the field the way Peloton's API spells it
// (`instanceConfig[3].ports[0].envName`) and the rule.
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_JOBMGR_JOB_CONFIG_H_
#define PELOTON_SERVICES_JOBMGR_JOB_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "peloton/common/ids.h"
#include "peloton/common/resources.h"
#include "peloton/placement/model.h"
#include "peloton/taskfsm/enums.h"
#include "peloton/taskfsm/retry.h"
#include "services/api/job.pb.h"
#include "services/common/remote_file.h"

namespace peloton::jobmgr {

namespace job_pb = ::peloton::api::v0::job;
namespace task_pb = ::peloton::api::v0::task;

struct JobConfigLimits {
  uint32_t max_tasks_per_job = 100'000;  // Peloton's max_tasks_per_job
};

inline constexpr uint32_t kDefaultKillGracePeriodSeconds = 30;
// A task's kill grace period at most: an hour (a stopped task would otherwise stay KILLING for
// as long as the field allows, 136 years).
inline constexpr uint32_t kMaxKillGracePeriodSeconds = 3600;
// A task's constraint at most: this many and/or levels, this many constraints in all.
inline constexpr int kMaxConstraintDepth = 8;
inline constexpr int kMaxConstraints = 1000;
// A job's config at most, encoded (what the store keeps of each version).
inline constexpr size_t kMaxJobConfigBytes = 16 << 20;
// Names (the job's, a task's) and labels (a job's, a task's): at most this long, no control
// characters in names and keys (they are printed in tables and logs), at most this many labels.
inline constexpr size_t kMaxNameBytes = 1024;
inline constexpr int kMaxLabels = 1000;
inline constexpr size_t kMaxLabelKeyBytes = 256;
inline constexpr size_t kMaxLabelValueBytes = 4096;
// A command's environment at most; names without '=', nothing with a NUL (exec's rules).
inline constexpr int kMaxEnvironmentVariables = 10'000;

// The instance's config: each field the instance config sets replaces the default's whole
// field (Peloton's merge); fields it leaves unset come from the default.
task_pb::TaskConfig TaskConfigOf(const job_pb::JobConfig& config, uint32_t instance);
// The same without a copy when the instance has no config of its own (the usual case): the
// default config itself; otherwise the merge, made in `merged`. Valid while both live.
const task_pb::TaskConfig& TaskConfigRef(const job_pb::JobConfig& config, uint32_t instance,
                                         task_pb::TaskConfig& merged);

// Peloton's normalisations, applied before validation and storage: restartPolicy.maxFailures
// clamped to taskfsm::kMaxRestartPolicyFailures, 100 (default and every instance config).
void NormalizeJobConfig(job_pb::JobConfig& config);

// Reference §3.4 plus the shape rules the rest of the system relies on: instanceCount in
// [1, max_tasks_per_job]; instance configs only for instances < instanceCount; every instance
// has a command; only instance 0 may be a controller; ports named, dynamic ports with an
// envName, no port name twice; resources >= 0, GPUs a share below 1 or whole GPUs;
// maximumRunningInstances <= instanceCount; minimumRunningInstances <= maximumRunningInstances
// (or instanceCount when unlimited); revocable needs preemptible; a per-task preemption
// override only for instances >= minimumRunningInstances; batch: no health check, no custom
// executor; service: no killOnPreempt, no maximum/minimumRunningInstances or maxRunningTime;
// constraints well formed, at most kMaxConstraintDepth deep and kMaxConstraints in all;
// killGracePeriodSeconds at most kMaxKillGracePeriodSeconds; placementStrategy a known value;
// names, labels and environments within the bounds above; cpu and memory above 0; a static
// port once per task; the whole config at most kMaxJobConfigBytes encoded.
absl::Status ValidateJobConfig(const job_pb::JobConfig& config, const JobConfigLimits& limits = {});

// v0 JobManager.Update may only add instances (reference §3.4): name, labels, owningTeam,
// respoolID, type, ldapGroups and defaultConfig unchanged, instanceCount not decreased, the
// existing instances' configs unchanged. `updated` must also pass ValidateJobConfig.
absl::Status ValidateJobUpdate(const job_pb::JobConfig& current, const job_pb::JobConfig& updated,
                               const JobConfigLimits& limits = {});

// The job's type (v0 JobType and taskfsm::JobType share Peloton's numbers).
inline taskfsm::JobType JobTypeOf(const job_pb::JobConfig& config) {
  return static_cast<taskfsm::JobType>(config.type());
}

// The resmgr task type: a task with a volume is STATEFUL, a SERVICE job's task STATELESS, a
// DAEMON job's DAEMON, else BATCH.
taskfsm::TaskType TaskTypeOf(const job_pb::JobConfig& config, uint32_t instance);

// The task's demand in fixed point (cores -> milli-cpu, MB, MB, GPUs -> milli-gpu). A task's
// persistent volume (`volume`) is disk it holds on its host: its size is in the disk.
Resources DemandOf(const task_pb::TaskConfig& task);

// A stateful task's persistent volume: a directory of `sizeMB` on its host at `containerPath`
// (relative to the sandbox), the same for every run of the instance, named by job and instance.
// The first run's host keeps it: later runs are pinned there (desired host). Deleting the job
// destroys it.
inline constexpr size_t kMaxVolumePathSize = 1024;
inline constexpr uint32_t kMaxVolumeSizeMb = 16u << 20;  // 16 TiB
std::string VolumeIdOf(const JobId& job, uint32_t instance);
// Whether any instance of the job has a volume.
bool HasVolumes(const job_pb::JobConfig& config);

// How long a running instance is kept from traffic (not routable) before its kill is sent:
// discovery/routing.h's kDrainLabel, or its default for a routed job.
absl::Duration DrainOf(const job_pb::JobConfig& config);

// The task's immutable remote files (read-only volumes by URL): its command.uris. A URI's
// `cache` is not read (every URL is cached, being immutable).
std::vector<files::RemoteFile> RemoteFilesOf(const task_pb::TaskConfig& task);

// Whether the task runs on slack (revocable cpu): sla.revocable, or its own `revocable`.
bool IsRevocable(const job_pb::JobConfig& config, const task_pb::TaskConfig& task);

// Whether the task may be preempted: its preemptionPolicy.type when set, else sla.preemptible.
bool IsPreemptible(const job_pb::JobConfig& config, uint32_t instance);
// The same for a task config already merged (TaskConfigOf).
bool IsPreemptible(const job_pb::JobConfig& config, const task_pb::TaskConfig& task);

// The placement view of one task of a valid config: id "<job>-<instance>", demand, dynamic port
// count, constraint, labels, the job's strategy, revocable.
absl::StatusOr<placement::TaskSpec> TaskSpecOf(const std::string& job_id,
                                               const job_pb::JobConfig& config, uint32_t instance);

}  // namespace peloton::jobmgr

#endif  // PELOTON_SERVICES_JOBMGR_JOB_CONFIG_H_
