// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Serversets from the job manager's tick (issue 18), in peloton-master and peloton-jobmgr with
// `discovery_zk`: each job that asks for it (the label peloton.discovery/path) has its routable
// instances announced under `<discovery_root>/<path>` (services/discovery/announcer.h), kept in
// step every tick; a job that ends, or stops asking, is withdrawn. The tick never waits for
// ZooKeeper to connect: while it cannot be reached, rounds are skipped (said after 10 s); a
// session that expired or failed is replaced, and announcements resume from the endpoints as
// they are then (its first Sync of a path removes what an earlier session left).
//
// Thread-compatible: the loop's.

#ifndef PELOTON_SERVICES_RUNTIME_ANNOUNCE_ROUND_H_
#define PELOTON_SERVICES_RUNTIME_ANNOUNCE_ROUND_H_

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/discovery/announcer.h"
#include "services/jobmgr/job_manager.h"

namespace peloton::runtime {

class AnnounceRound {
 public:
  // `servers`: "host:port[,host:port]"; `root`: the serversets' root path.
  AnnounceRound(std::string servers, std::string root);

  // One round, from the tick.
  void Run(jobmgr::JobManager& jobs, absl::Time now = absl::Now());
  // Whether its ZooKeeper session is connected now (a round announces).
  bool connected() const { return announcer_ != nullptr && announcer_->connected(); }

 private:
  std::string servers_, root_;
  std::unique_ptr<discovery::Announcer> announcer_;
  absl::Time since_ = absl::InfinitePast();  // when announcer_ was made
  bool connected_once_ = false;              // announcer_'s session has been connected
  bool said_unreachable_ = false;
};

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_ANNOUNCE_ROUND_H_
