// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Daemon jobs: one instance on every eligible host. The instance set follows the hosts:
//
// - Eligible hosts are decided by the caller: hosts that are UP (not DRAINING, DRAINED or
//   DOWN) and satisfy the job's constraints. Host maintenance therefore removes a host's
//   daemon instance (after the drain, through the normal kill path) and completing the
//   maintenance brings a new one back.
// - A host without an instance gets a new one, pinned to it (desired host). New instances
//   take the lowest free instance ids, hosts in name order, so the plan is deterministic and
//   ids stay as dense as the hosts allow. A reused id starts a new run history: the job
//   manager must keep its Mesos run ids increasing (they never restart at 1 for an id that
//   ran before).
// - An instance whose host is no longer eligible (left the cluster, in maintenance, no longer
//   matching) is removed; if two instances sit on one host, the lowest id stays.
// - The job's instance count is the number of planned instances; ids may have holes while
//   fewer hosts are eligible than before, so job state derivation counts planned instances.
//
// Thread-safety: stateless.

#ifndef PELOTON_TASKFSM_DAEMON_H_
#define PELOTON_TASKFSM_DAEMON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace peloton::taskfsm {

struct DaemonInstance {
  uint32_t instance = 0;
  std::string host;
  friend bool operator==(const DaemonInstance& a, const DaemonInstance& b) {
    return a.instance == b.instance && a.host == b.host;
  }
};

struct DaemonPlan {
  std::vector<DaemonInstance> add;        // create, pinned to host
  std::vector<uint32_t> remove;           // kill and delete
  std::vector<DaemonInstance> instances;  // the whole set afterwards, by instance id
};

DaemonPlan PlanDaemonInstances(absl::Span<const DaemonInstance> current,
                               absl::Span<const std::string> eligible_hosts);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_DAEMON_H_
