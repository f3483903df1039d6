// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Peloton's v1alpha stateless spec (stateless.proto) and the v0 messages the job manager runs
// on, converted as Peloton's own api_converter does (reference §5.2): a JobSpec is a SERVICE
// job's JobConfig; a pod's one container is its task config, with the pod's fields beside it;
// the command is the container's Mesos command when it has one, or else is made of its
// entrypoint, environment and the pod's mesos_spec (uris, shell); liveness_check is the health
// check; sla.revocable, when the spec has an sla, holds for every pod. An UpdateSpec is a v0
// UpdateConfig, a CreateSpec the UpdateConfig of the rolling create.
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_API_STATELESS_CONVERT_H_
#define PELOTON_SERVICES_API_STATELESS_CONVERT_H_

#include "absl/status/statusor.h"
#include "services/api/job.pb.h"
#include "services/api/stateless.pb.h"
#include "services/api/update.pb.h"

namespace peloton::api {

// Unimplemented (Peloton's words) for a pod with more than one container or with init
// containers; the rest of the rules are the job config's (jobmgr::ValidateJobConfig).
absl::StatusOr<v0::job::JobConfig> JobConfigOfSpec(const v1alpha::JobSpec& spec);
// The spec a JobConfig shows as (GetJob): the task config's command as the container's.
v1alpha::JobSpec SpecOfJobConfig(const v0::job::JobConfig& config);

v0::update::UpdateConfig UpdateConfigOf(const v1alpha::UpdateSpec& spec);
v0::update::UpdateConfig UpdateConfigOf(const v1alpha::CreateSpec& spec);

}  // namespace peloton::api

#endif  // PELOTON_SERVICES_API_STATELESS_CONVERT_H_
