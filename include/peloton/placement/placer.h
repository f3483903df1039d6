// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Place: gangs onto a Cluster with a Profile. For each task, in order:
//   1. a desired host (hint) that passes every filter is taken;
//   2. otherwise the candidate hosts are filtered: hosts with GPUs for a task that needs a GPU,
//      else hosts without GPUs. Candidates come from the cluster's index, which skips hosts
//      whose free resources cannot hold the task (they are not filtered, nor counted). With a
//      first-fit profile the first candidate in cluster order that passes is taken, else the
//      passing candidate with the highest weighted score (each scorer's scores normalised over
//      the passing hosts; ties: lowest host index);
//   3. if none passes: SPREAD_JOB tasks may share a host with their job (if that rule turned
//      some host away); then a task that needs no GPU may use hosts with GPUs, unless the
//      profile's scarce-GPU rule is hard.
// A gang is placed all or nothing: if one task finds no host, the gang's allocations are
// released and every task of the gang is reported unplaced. For a task that finds no host,
// every host is run through the filters once more to say why: the task carries the reason
// most hosts gave (ties: the lowest reason number), its gang mates GANG_INCOMPLETE, and the
// result counts those rejections per reason (Peloton's HostFilterResult counts).
//
// Thread-compatible; the Cluster is changed (allocations), the Profile only read.

#ifndef PELOTON_PLACEMENT_PLACER_H_
#define PELOTON_PLACEMENT_PLACER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "peloton/placement/cluster.h"
#include "peloton/placement/plugin.h"

namespace peloton::placement {

struct Placed {
  std::string task_id;
  Allocation allocation;
};

struct Unplaced {
  std::string task_id;
  FilterReason reason = FilterReason::kUnknown;  // kNoOffer: the cluster has no hosts
};

struct PlacementResult {
  std::vector<Placed> placed;  // gangs placed, each task in its gang's order
  std::vector<Unplaced> unplaced;
  absl::btree_map<FilterReason, int64_t> rejections;  // host rejections by reason
};

// InvalidArgument (and nothing placed) if a task is invalid (ValidateTask).
absl::StatusOr<PlacementResult> Place(absl::Span<const Gang> gangs, Cluster& cluster,
                                      const Profile& profile);
// Place, into `result`: what it held is cleared first, its vectors keeping their capacity, so
// that a caller placing gang after gang reuses one result and allocates nothing per call. On
// an error `result` is left empty.
absl::Status PlaceInto(absl::Span<const Gang> gangs, Cluster& cluster, const Profile& profile,
                       PlacementResult& result);

// "Never" as opposed to "not now" (Kubernetes' unschedulable, Ray's infeasible): whether the
// gang could not be placed even if every host were UP and empty (`empty`: the cluster's
// EmptyTwin, which this leaves as it found it). nullopt when it could be; else the reason most
// hosts gave for the first task that found none (kNoOffer: no hosts at all). A constraint that
// wants other tasks on the host (a TASK label count above 0) cannot hold on an empty host, so
// such a gang reads as never while those tasks are missing. InvalidArgument as Place.
absl::StatusOr<std::optional<FilterReason>> NeverFitReason(const Gang& gang, Cluster& empty,
                                                           const Profile& profile);

}  // namespace peloton::placement

#endif  // PELOTON_PLACEMENT_PLACER_H_
