// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/daemon.h"

#include <algorithm>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"

namespace peloton::taskfsm {

DaemonPlan PlanDaemonInstances(absl::Span<const DaemonInstance> current,
                               absl::Span<const std::string> eligible_hosts) {
  const absl::btree_set<std::string> eligible(eligible_hosts.begin(), eligible_hosts.end());
  // Keep, per eligible host, its lowest instance; everything else goes.
  std::vector<DaemonInstance> sorted(current.begin(), current.end());
  std::sort(sorted.begin(), sorted.end(), [](const DaemonInstance& a, const DaemonInstance& b) {
    return a.instance < b.instance;
  });
  DaemonPlan plan;
  absl::btree_map<uint32_t, std::string> kept;
  absl::flat_hash_set<std::string> covered;
  for (const DaemonInstance& d : sorted) {
    if (eligible.contains(d.host) && covered.insert(d.host).second) {
      kept[d.instance] = d.host;
    } else {
      plan.remove.push_back(d.instance);
    }
  }
  // New instances on uncovered hosts, lowest free ids first.
  uint32_t next_id = 0;
  for (const std::string& host : eligible) {
    if (covered.contains(host)) continue;
    while (kept.contains(next_id)) ++next_id;
    kept[next_id] = host;
    plan.add.push_back({next_id, host});
  }
  for (const auto& [instance, host] : kept) plan.instances.push_back({instance, host});
  return plan;
}

}  // namespace peloton::taskfsm
