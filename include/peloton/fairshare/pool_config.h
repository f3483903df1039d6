// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The configuration of one resource pool, field for field Peloton's v0 ResourcePoolConfig
// (respool.proto): per-kind reservation, limit, share and reservation type, scheduling
// policy, controller limit and slack limit. Quantities are in Peloton's configured units
// (cores, MB, MB, GPUs) as doubles, exactly as users write them; PoolTree validates them and
// converts them to fixed point.
//
// Thread-safety: value types.

#ifndef PELOTON_FAIRSHARE_POOL_CONFIG_H_
#define PELOTON_FAIRSHARE_POOL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::fairshare {

// Peloton's ReservationType. ELASTIC (the default behaviour): the reservation is guaranteed
// when there is demand for it and lent to others otherwise. STATIC: the entitlement is always
// at least the reservation, whatever the demand, and others cannot borrow it.
enum class ReservationType : int { kUnknown = 0, kElastic = 1, kStatic = 2 };

// Peloton's SchedulingPolicy; UNKNOWN is normalised to PriorityFIFO on create/update.
enum class SchedulingPolicy : int { kUnknown = 0, kPriorityFifo = 1 };

// Peloton's names: "UNKNOWN_TYPE", "ELASTIC", "STATIC" / "UNKNOWN", "PriorityFIFO".
absl::string_view ReservationTypeName(ReservationType type);
absl::string_view SchedulingPolicyName(SchedulingPolicy policy);
// Accepts the names above in any case or their numbers ("2"). InvalidArgument otherwise.
absl::StatusOr<ReservationType> ParseReservationType(absl::string_view text);
absl::StatusOr<SchedulingPolicy> ParseSchedulingPolicy(absl::string_view text);

// One entry of ResourcePoolConfig.resources.
struct ResourceConfig {
  std::string kind;  // "cpu", "memory", "disk" or "gpu"
  double reservation = 0;
  double limit = 0;
  double share = 0;                                  // a weight; Peloton's proto default is 0
  ReservationType type = ReservationType::kUnknown;  // UNKNOWN behaves as ELASTIC
};

struct PoolConfig {
  // The pool's name; must equal the last element of its path. Empty: taken from the path.
  std::string name;
  std::string owning_team;
  std::vector<std::string> ldap_groups;
  std::string description;
  // Missing kinds are added with reservation 0, limit 0, share 1.
  std::vector<ResourceConfig> resources;
  SchedulingPolicy policy = SchedulingPolicy::kUnknown;
  // controllerLimit.maxPercent: controller tasks may use at most this percentage of the
  // reservation. Unset: unlimited.
  std::optional<double> controller_limit_percent;
  // slackLimit.maxPercent: revocable tasks may use at most this percentage of the memory,
  // disk and gpu reservation (never cpu: revocable cpu comes from the cluster's slack).
  // Unset: kDefaultSlackLimitPercent.
  std::optional<double> slack_limit_percent;
};

inline constexpr double kDefaultSlackLimitPercent = 20;

}  // namespace peloton::fairshare

#endif  // PELOTON_FAIRSHARE_POOL_CONFIG_H_
