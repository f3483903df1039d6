// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Between the backend interface and Mesos's v1 messages (reference §1.5, §6.2): the framework
// Peloton subscribes as, the host an agent's offers describe, the TaskInfo of a launch, and
// the task status Mesos reports.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_CONVERT_H_
#define PELOTON_SERVICES_BACKEND_MESOS_CONVERT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/backend/backend.h"
#include "services/backend/mesos/master.pb.h"
#include "services/backend/mesos/mesos.pb.h"

namespace peloton::backend::mesos {

// Peloton's framework id when none is stored yet: a fixed one, so that it stays the same.
inline constexpr char kDefaultFrameworkId[] = "3dcc744f-016c-6579-9b82-6325424502d2-9999";

struct FrameworkOptions {
  std::string user = "root";
  std::string name = "Peloton";
  std::string role = "peloton";
  std::string principal = "peloton";
  std::string hostname;
  double failover_timeout_seconds = 60'000'000;  // about 100 weeks
  bool revocable = false;                        // also take revocable (slack) offers
};

// Checkpointing on; `roles` (with MULTI_ROLE, the current form of Peloton's single role);
// capabilities GPU_RESOURCES, PARTITION_AWARE, TASK_KILLING_STATE and, when asked,
// REVOCABLE_RESOURCES.
::mesos::v1::FrameworkInfo FrameworkInfoOf(const FrameworkOptions& options,
                                           const std::string& framework_id);

// The host that the offers of one agent describe: its hostname and agent id, the scalar
// resources (cpus, mem, disk, gpus) and port ranges offered to `role` or unreserved ("*"), and
// its attributes as Peloton reads them (text as is, scalars with 6 decimals, set items joined by
// ","; ranges are not supported and skipped). GPU devices: one per whole gpu offered, of the
// model in the attribute `gpu_model` if any. Persistent volumes are not counted: their disk is
// their task's. Revocable cpus are the host's revocable_milli_cpu, not capacity.
// InvalidArgument for no offers, or offers of different agents.
absl::StatusOr<HostInfo> HostOfOffers(absl::Span<const ::mesos::v1::Offer> offers,
                                      const std::string& role);

// The same host as the operator API's GET_AGENTS describes it: its whole capacity for `role`
// (total resources reserved for the role or unreserved), whatever is running there. This is
// the host's capacity; offers say only what is free now. Revocable cpus in its total (what its
// resource estimator offers) are its revocable_milli_cpu. InvalidArgument for an agent
// without hostname or id.
absl::StatusOr<HostInfo> HostOfAgent(const ::mesos::v1::master::Response::GetAgents::Agent& agent,
                                     const std::string& role);

// The TaskInfo that launches `spec` on the agent: cpus (revocable for a revocable task), mem,
// disk and gpus scalars and the
// allocated ports as ranges, each allocated to `role` (allocation_info, as a MULTI_ROLE
// framework must), the command (shell or executable with arguments), the environment, the
// labels and the kill grace period.
::mesos::v1::TaskInfo TaskInfoOf(const LaunchSpec& spec, const std::string& agent_id,
                                 absl::Span<const uint32_t> ports, const std::string& role);

// Persistent volumes (a stateful task's, LaunchSpec::persistent_volume), as Mesos makes them:
// disk reserved for the role by the framework's principal (RESERVE, dynamic), then a volume
// made of that disk (CREATE); a LAUNCH names the volume's resource among the task's; DESTROY
// and UNRESERVE undo them.
struct VolumeOperations {
  ::mesos::v1::Offer::Operation reserve, create;
  ::mesos::v1::Resource volume;  // what the LAUNCH names and later offers hold
};
VolumeOperations CreateVolume(const PersistentVolumeSpec& volume, const std::string& role,
                              const std::string& principal);
// The disk of the task itself: the spec's, less its volume's (which the volume's resource is).
int64_t TaskDiskOf(const LaunchSpec& spec);
// DESTROY of an offered volume, then UNRESERVE of its disk.
std::vector<::mesos::v1::Offer::Operation> DestroyVolume(const ::mesos::v1::Resource& volume);
// The persistence id of a persistent volume's resource; empty for any other resource.
std::string PersistenceIdOf(const ::mesos::v1::Resource& resource);

// What Mesos reports, as the backend reports it: the state by Mesos's number, the hostname of
// the agent (by `hostname_of`), the message, and the time.
// The Mesos HealthCheck of a spec that has one: COMMAND (with the task's environment unless
// unshared), HTTP or TCP, with its times and failure limit and no grace period.
::mesos::v1::HealthCheck HealthCheckOf(const LaunchSpec& spec);
// A status update as the backend reports it; `healthy` when the update carries it.
TaskStatus StatusOf(const ::mesos::v1::TaskStatus& status,
                    const std::function<std::string(const std::string& agent_id)>& hostname_of);

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_CONVERT_H_
