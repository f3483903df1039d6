// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/fairshare/pool_config.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace peloton::fairshare {
namespace {

template <typename Enum, size_t N>
absl::StatusOr<Enum> ParseEnum(absl::string_view text, const Enum (&values)[N],
                               absl::string_view (*name)(Enum), absl::string_view what) {
  int number = 0;
  for (Enum v : values) {
    if (text == name(v)) return v;
    if (absl::SimpleAtoi(text, &number) && number == static_cast<int>(v)) return v;
  }
  std::string accepted;
  for (Enum v : values) {
    absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", name(v), " (",
                    static_cast<int>(v), ")");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", what, " '", text, "' (rule: one of ", accepted, ")"));
}

constexpr ReservationType kReservationTypes[] = {
    ReservationType::kUnknown, ReservationType::kElastic, ReservationType::kStatic};
constexpr SchedulingPolicy kPolicies[] = {SchedulingPolicy::kUnknown,
                                          SchedulingPolicy::kPriorityFifo};

}  // namespace

absl::string_view ReservationTypeName(ReservationType type) {
  switch (type) {
    case ReservationType::kUnknown:
      return "UNKNOWN_TYPE";
    case ReservationType::kElastic:
      return "ELASTIC";
    case ReservationType::kStatic:
      return "STATIC";
  }
  return "UNKNOWN_TYPE";
}

absl::string_view SchedulingPolicyName(SchedulingPolicy policy) {
  switch (policy) {
    case SchedulingPolicy::kUnknown:
      return "UNKNOWN";
    case SchedulingPolicy::kPriorityFifo:
      return "PriorityFIFO";
  }
  return "UNKNOWN";
}

absl::StatusOr<ReservationType> ParseReservationType(absl::string_view text) {
  return ParseEnum(text, kReservationTypes, &ReservationTypeName, "reservation type");
}

absl::StatusOr<SchedulingPolicy> ParseSchedulingPolicy(absl::string_view text) {
  return ParseEnum(text, kPolicies, &SchedulingPolicyName, "scheduling policy");
}

}  // namespace peloton::fairshare
