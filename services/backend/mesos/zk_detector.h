// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Finds the leading Mesos master through ZooKeeper, as Mesos's own detector does: the masters of
// a group register as sequential nodes "json.info_<sequence>" under the group's path, each
// holding the master's MasterInfo as JSON, and the leader is the one with the lowest sequence.
//
//   PELOTON_ASSIGN_OR_RETURN(std::string leader,
//                            DetectLeader("zk://zk1:2181,zk2:2181/mesos", absl::Seconds(10)));
//   // leader: "10.0.0.5:5050"
//
// One detection per call (a short ZooKeeper session); the backend asks again before each
// subscription. Uses the ZooKeeper C client (libzookeeper_mt, which runs threads of its own).

#ifndef PELOTON_SERVICES_BACKEND_MESOS_ZK_DETECTOR_H_
#define PELOTON_SERVICES_BACKEND_MESOS_ZK_DETECTOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/discovery/zk_url.h"

namespace peloton::backend::mesos {

// "host:port" of the leading master. Unavailable when ZooKeeper cannot be reached within
// `timeout`; NotFound when the path or a master under it is missing; DataLoss when the leader's
// node is not a MasterInfo.
absl::StatusOr<std::string> DetectLeader(absl::string_view url, absl::Duration timeout);

// The address a MasterInfo in Mesos's JSON names: address.hostname or address.ip (else the
// top-level hostname), with its port. DataLoss for anything else.
absl::StatusOr<std::string> LeaderAddressOf(absl::string_view master_info_json);

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_ZK_DETECTOR_H_
