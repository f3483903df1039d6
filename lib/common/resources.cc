// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/resources.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace peloton {

absl::string_view ResourceKindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kCpu:
      return "cpu";
    case ResourceKind::kMemory:
      return "memory";
    case ResourceKind::kDisk:
      return "disk";
    case ResourceKind::kGpu:
      return "gpu";
  }
  return "unknown";
}

absl::StatusOr<ResourceKind> ParseResourceKind(absl::string_view name) {
  for (ResourceKind k : kAllResourceKinds) {
    if (name == ResourceKindName(k)) return k;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown resource kind '", name, "' (rule: kind must be one of cpu, memory, disk, gpu)"));
}

int64_t FixedPointScale(ResourceKind kind) {
  return kind == ResourceKind::kCpu || kind == ResourceKind::kGpu ? 1000 : 1;
}

absl::StatusOr<int64_t> ToFixedPoint(ResourceKind kind, double value, absl::string_view field) {
  if (!std::isfinite(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is not a finite number (rule: quantities are finite)"));
  }
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is negative (rule: quantities are >= 0)"));
  }
  if (value > kMaxConfiguredQuantity) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", value, " is larger than ",
                                                   kMaxConfiguredQuantity,
                                                   " (rule: quantities are at most 1e12)"));
  }
  return std::llround(value * static_cast<double>(FixedPointScale(kind)));
}

double FromFixedPoint(ResourceKind kind, int64_t value) {
  return static_cast<double>(value) / static_cast<double>(FixedPointScale(kind));
}

absl::StatusOr<Resources> Resources::FromUnits(double cpus, double memory_mb, double disk_mb,
                                               double gpus) {
  const double values[kNumResourceKinds] = {cpus, memory_mb, disk_mb, gpus};
  Resources r;
  for (ResourceKind k : kAllResourceKinds) {
    auto q = ToFixedPoint(k, values[static_cast<int>(k)], ResourceKindName(k));
    if (!q.ok()) return q.status();
    r[k] = *q;
  }
  return r;
}

Resources Resources::Percent(double percent) const {
  Resources r;
  for (int i = 0; i < kNumResourceKinds; ++i) {
    r.v_[i] = static_cast<int64_t>(std::floor(static_cast<double>(v_[i]) * percent / 100.0));
  }
  return r;
}

std::string Resources::ToString() const {
  std::string out;
  for (ResourceKind k : kAllResourceKinds) {
    absl::StrAppend(&out, out.empty() ? "" : " ", ResourceKindName(k), "=",
                    absl::StrFormat("%g", FromFixedPoint(k, (*this)[k])));
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Resources& r) { return os << r.ToString(); }

}  // namespace peloton
