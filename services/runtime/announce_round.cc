// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/announce_round.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "spdlog/spdlog.h"

namespace peloton::runtime {

AnnounceRound::AnnounceRound(std::string servers, std::string root)
    : servers_(std::move(servers)), root_(std::move(root)) {}

void AnnounceRound::Run(jobmgr::JobManager& jobs, absl::Time now) {
  if (announcer_ == nullptr) {
    absl::StatusOr<std::unique_ptr<discovery::Announcer>> a = discovery::Announcer::Connect(
        {.servers = servers_, .root = root_, .connect_timeout = absl::ZeroDuration()});
    if (!a.ok()) {  // servers the client cannot use at all: the config's to fix
      if (!said_unreachable_) spdlog::warn("discovery: {}", std::string(a.status().message()));
      said_unreachable_ = true;
      return;
    }
    announcer_ = *std::move(a);
    since_ = now;
    connected_once_ = false;
  }
  if (announcer_->expired()) {
    announcer_.reset();  // a new session next round
    return;
  }
  if (!announcer_->connected()) {
    if (!said_unreachable_ && now - since_ > absl::Seconds(10)) {
      spdlog::warn("discovery: ZooKeeper {} not reached for 10 s: nothing announced until it is",
                   servers_);
      said_unreachable_ = true;
    }
    return;
  }
  if (!connected_once_) {  // said once per session
    spdlog::info("discovery: announcing serversets in ZooKeeper {} under {}", servers_, root_);
    connected_once_ = true;
    said_unreachable_ = false;
  }
  absl::flat_hash_set<std::string> wanted;
  bool failed = false;
  for (const jobmgr::JobManager::Announcement& a : jobs.Announcements()) {
    absl::StatusOr<std::vector<jobmgr::JobManager::Endpoint>> endpoints = jobs.Endpoints(a.job);
    if (!endpoints.ok()) continue;  // gone since: withdrawn below
    wanted.insert(a.path);
    std::vector<discovery::Member> members;
    for (const jobmgr::JobManager::Endpoint& e : *endpoints) {
      if (e.routable && !e.ports.empty()) members.push_back({e.instance, e.host, e.ports});
    }
    if (absl::Status s = announcer_->Sync(a.path, a.port, members); !s.ok()) {
      spdlog::warn("discovery: job {}: {}", a.job.value(), std::string(s.message()));
      failed = failed || absl::IsUnavailable(s);
    }
  }
  for (const std::string& path : announcer_->paths()) {
    if (wanted.contains(path)) continue;
    if (absl::Status s = announcer_->Withdraw(path); !s.ok()) {
      spdlog::warn("discovery: {}", std::string(s.message()));
      failed = failed || absl::IsUnavailable(s);
    }
  }
  // ZooKeeper failed (its session may have expired): a new session next time, whose first
  // Sync of each path clears what this one left.
  if (failed) announcer_.reset();
}

}  // namespace peloton::runtime
