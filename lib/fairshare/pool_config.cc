// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/fairshare/pool_config.h"

#include "peloton/common/enum_names.h"

namespace peloton::fairshare {
namespace {

constexpr EnumName<ReservationType> kReservationTypeNames[] = {
    {ReservationType::kUnknown, "UNKNOWN_TYPE"},
    {ReservationType::kElastic, "ELASTIC"},
    {ReservationType::kStatic, "STATIC"}};

constexpr EnumName<SchedulingPolicy> kPolicyNames[] = {
    {SchedulingPolicy::kUnknown, "UNKNOWN"}, {SchedulingPolicy::kPriorityFifo, "PriorityFIFO"}};

}  // namespace

absl::string_view ReservationTypeName(ReservationType type) {
  return EnumNameOf(type, kReservationTypeNames);
}

absl::string_view SchedulingPolicyName(SchedulingPolicy policy) {
  return EnumNameOf(policy, kPolicyNames);
}

absl::StatusOr<ReservationType> ParseReservationType(absl::string_view text) {
  return ParseEnumName(text, kReservationTypeNames, "reservation type");
}

absl::StatusOr<SchedulingPolicy> ParseSchedulingPolicy(absl::string_view text) {
  return ParseEnumName(text, kPolicyNames, "scheduling policy");
}

}  // namespace peloton::fairshare
