// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Strongly typed string identifiers, so that a job id cannot be passed where a host id is
// expected. Peloton's ids are strings: UUIDs for jobs and pools (the root pool is the literal
// "root"), host names for hosts, "<job>-<instance>-<run>" for Mesos task ids.
//
// Thread-safety: value types.

#ifndef PELOTON_COMMON_IDS_H_
#define PELOTON_COMMON_IDS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace peloton {

template <typename Tag>
class Id {
 public:
  Id() = default;
  explicit Id(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Id& a, const Id& b) { return a.value_ == b.value_; }
  friend bool operator!=(const Id& a, const Id& b) { return a.value_ != b.value_; }
  friend bool operator<(const Id& a, const Id& b) { return a.value_ < b.value_; }
  friend std::ostream& operator<<(std::ostream& os, const Id& id) { return os << id.value_; }

  template <typename H>
  friend H AbslHashValue(H h, const Id& id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  std::string value_;
};

struct PoolIdTag {};
struct JobIdTag {};
struct HostIdTag {};
struct TaskIdTag {};

using PoolId = Id<PoolIdTag>;  // resource pool; the root pool's id is "root"
using JobId = Id<JobIdTag>;    // job (a UUID)
using HostId = Id<HostIdTag>;  // host (its hostname)
using TaskId = Id<TaskIdTag>;  // one run of one instance: "<job>-<instance>-<run>"

inline constexpr absl::string_view kRootPoolId = "root";

// A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", from the caller's
// generator (the library keeps no randomness of its own).
inline std::string NewUuid(absl::BitGenRef gen) {
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & ~uint64_t{0xF000}) | 0x4000;
  const uint64_t lo =
      (absl::Uniform<uint64_t>(gen) & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  const std::string hex =
      absl::StrCat(absl::Hex(hi, absl::kZeroPad16), absl::Hex(lo, absl::kZeroPad16));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

}  // namespace peloton

#endif  // PELOTON_COMMON_IDS_H_
