// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Strongly typed string identifiers, so that a job id cannot be passed where a host id is
// expected. Peloton's ids are strings: UUIDs for jobs and pools (the root pool is the literal
// "root"), host names for hosts, "<job>-<instance>-<run>" for Mesos task ids.
//
// Thread-safety: value types.

#ifndef PELOTON_COMMON_IDS_H_
#define PELOTON_COMMON_IDS_H_

#include <ostream>
#include <string>
#include <utility>

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

}  // namespace peloton

#endif  // PELOTON_COMMON_IDS_H_
