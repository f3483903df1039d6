// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What a job's serverset is (issue 18), without ZooKeeper: the job labels that ask for one,
// the paths they may name, and Aurora's JSON of a member (announcer.h writes them).
//
// Thread-safe: pure functions.

#ifndef PELOTON_SERVICES_DISCOVERY_SERVERSET_H_
#define PELOTON_SERVICES_DISCOVERY_SERVERSET_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace peloton::discovery {

// A job announces its routable instances when its config has the label kPathLabel: the
// serverset's path under the announcer's root ("role/environment/job"); kPortLabel names the
// port of the service endpoint (default: the first by name).
inline constexpr char kPathLabel[] = "peloton.discovery/path";
inline constexpr char kPortLabel[] = "peloton.discovery/port";

// One instance to announce.
struct Member {
  uint32_t shard = 0;  // the instance
  std::string host;
  std::vector<std::pair<std::string, uint32_t>> ports;  // by name
};

// Aurora's JSON of `m`, its service endpoint the port named `primary` (the first port when
// `primary` is empty). InvalidArgument when it has no such port.
absl::StatusOr<std::string> MemberJson(const Member& m, const std::string& primary);

// Whether `path` may name a serverset under the root: one to eight segments of letters,
// digits, '.', '_' and '-' (not "." or ".."), joined by '/' ("role/environment/job").
bool IsServersetPath(const std::string& path);

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_SERVERSET_H_
