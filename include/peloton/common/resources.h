// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Resources: a fixed-point vector of the four resource kinds Peloton schedules.
//
// Quantities are integers so that adding and subtracting never drifts: CPU and GPU in
// thousandths of a unit (milli-cpu, milli-gpu), memory and disk in MiB (Peloton calls
// them MB). Conversions from Peloton's floating-point configuration values go through
// `ToFixedPoint`, which rounds to the nearest unit and rejects negative, non-finite and
// absurdly large values.
//
// Thread-safety: a value type; const methods may be called from several threads.

#ifndef PELOTON_COMMON_RESOURCES_H_
#define PELOTON_COMMON_RESOURCES_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton {

// The resource kinds in storage order. Names are Peloton's: "cpu", "memory", "disk", "gpu".
enum class ResourceKind : int { kCpu = 0, kMemory = 1, kDisk = 2, kGpu = 3 };

inline constexpr int kNumResourceKinds = 4;
inline constexpr std::array<ResourceKind, kNumResourceKinds> kAllResourceKinds = {
    ResourceKind::kCpu, ResourceKind::kMemory, ResourceKind::kDisk, ResourceKind::kGpu};

// "cpu", "memory", "disk" or "gpu".
absl::string_view ResourceKindName(ResourceKind kind);

// Parses Peloton's kind names (exactly the four lower-case names). InvalidArgument otherwise.
absl::StatusOr<ResourceKind> ParseResourceKind(absl::string_view name);

// Fixed-point units per configured unit: 1000 for cpu and gpu, 1 for memory and disk (MiB).
int64_t FixedPointScale(ResourceKind kind);

// Largest quantity accepted from configuration (in configured units, e.g. cores or MiB).
inline constexpr double kMaxConfiguredQuantity = 1e12;

// Converts a configured quantity (cores, MiB, GPUs) to fixed point, rounding to the
// nearest unit. InvalidArgument, naming `field`, for negative, NaN, infinite or values
// above kMaxConfiguredQuantity.
absl::StatusOr<int64_t> ToFixedPoint(ResourceKind kind, double value, absl::string_view field);

// The inverse of ToFixedPoint: fixed point back to configured units.
double FromFixedPoint(ResourceKind kind, int64_t value);

class Resources {
 public:
  constexpr Resources() = default;

  // All four quantities in fixed point.
  static constexpr Resources Of(int64_t milli_cpu, int64_t memory_mb, int64_t disk_mb,
                                int64_t milli_gpu) {
    Resources r;
    r.v_ = {milli_cpu, memory_mb, disk_mb, milli_gpu};
    return r;
  }
  // Every kind set to `value` (fixed point).
  static constexpr Resources Uniform(int64_t value) { return Of(value, value, value, value); }

  // From Peloton's configured units (cores, MiB, MiB, GPUs); validated like ToFixedPoint.
  static absl::StatusOr<Resources> FromUnits(double cpus, double memory_mb, double disk_mb,
                                             double gpus);

  constexpr int64_t milli_cpu() const { return v_[0]; }
  constexpr int64_t memory_mb() const { return v_[1]; }
  constexpr int64_t disk_mb() const { return v_[2]; }
  constexpr int64_t milli_gpu() const { return v_[3]; }

  constexpr int64_t operator[](ResourceKind k) const { return v_[static_cast<int>(k)]; }
  constexpr int64_t& operator[](ResourceKind k) { return v_[static_cast<int>(k)]; }
  constexpr int64_t at(int k) const { return v_[k]; }
  constexpr int64_t& at(int k) { return v_[k]; }

  constexpr Resources& operator+=(const Resources& o) {
    for (int i = 0; i < kNumResourceKinds; ++i) v_[i] += o.v_[i];
    return *this;
  }
  // Subtraction clamps every dimension at zero, like Peloton's Resources.Subtract.
  constexpr Resources& operator-=(const Resources& o) {
    for (int i = 0; i < kNumResourceKinds; ++i) v_[i] = std::max<int64_t>(0, v_[i] - o.v_[i]);
    return *this;
  }
  // *this -= o for an `o` that FitsIn(*this), where nothing clamps: a plain subtraction in
  // every dimension (what placement takes from a host's free resources, on every placement).
  constexpr Resources& SubtractFitting(const Resources& o) {
    for (int i = 0; i < kNumResourceKinds; ++i) v_[i] -= o.v_[i];
    return *this;
  }
  friend constexpr Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend constexpr Resources operator-(Resources a, const Resources& b) { return a -= b; }
  friend constexpr bool operator==(const Resources& a, const Resources& b) { return a.v_ == b.v_; }
  friend constexpr bool operator!=(const Resources& a, const Resources& b) { return a.v_ != b.v_; }

  // True when every dimension of *this is <= the same dimension of `o` (Peloton's
  // LessThanOrEqual). Not a total order: neither a <= b nor b <= a may hold.
  constexpr bool FitsIn(const Resources& o) const {
    for (int i = 0; i < kNumResourceKinds; ++i) {
      if (v_[i] > o.v_[i]) return false;
    }
    return true;
  }
  constexpr bool IsZero() const {
    for (int64_t x : v_) {
      if (x != 0) return false;
    }
    return true;
  }
  // True when some dimension is non-zero in both *this and `o`.
  constexpr bool Overlaps(const Resources& o) const {
    for (int i = 0; i < kNumResourceKinds; ++i) {
      if (v_[i] > 0 && o.v_[i] > 0) return true;
    }
    return false;
  }

  static constexpr Resources Min(const Resources& a, const Resources& b) {
    Resources r;
    for (int i = 0; i < kNumResourceKinds; ++i) r.v_[i] = std::min(a.v_[i], b.v_[i]);
    return r;
  }
  static constexpr Resources Max(const Resources& a, const Resources& b) {
    Resources r;
    for (int i = 0; i < kNumResourceKinds; ++i) r.v_[i] = std::max(a.v_[i], b.v_[i]);
    return r;
  }

  // `percent` of every dimension, rounded down (controller and slack limits).
  Resources Percent(double percent) const;

  // "cpu=1.5 memory=1024 disk=0 gpu=0" in configured units.
  std::string ToString() const;

 private:
  std::array<int64_t, kNumResourceKinds> v_{};
};

std::ostream& operator<<(std::ostream& os, const Resources& r);

}  // namespace peloton

#endif  // PELOTON_COMMON_RESOURCES_H_
