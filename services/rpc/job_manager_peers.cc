// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/job_manager_peers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {

void JobManagerPeers::Connect(const std::vector<std::string>& members, const std::string& self) {
  broken_ = false;
  for (const std::string& member : members) {
    if (member == self) continue;
    Link& link = links_[member];
    if (link.api_cap.has_value() && link.internal_cap.has_value()) continue;
    if (link.api == nullptr) {
      link.api = std::make_unique<Peer>("jobmgr", member, kOwnedApiExport, options_);
      link.internal = std::make_unique<Peer>("jobmgr", member, kOwnedJobManagerExport, options_);
    }
    try {
      link.api_cap = link.api->Get<api::Peloton>();
      link.internal_cap = link.internal->Get<api::internal::JobManager>();
    } catch (const kj::Exception& e) {
      link.api_cap.reset();
      link.internal_cap.reset();
      // Both connections go; the next Connect makes them again.
      spdlog::warn("job manager {}: {}", member, std::string(link.api->Failed(e).message()));
      (void)link.internal->Failed(e);  // the same failure, said once above
      broken_ = true;
    }
  }
}

absl::StatusOr<api::Peloton::Client> JobManagerPeers::Api(const std::string& member) {
  auto it = links_.find(member);
  if (it == links_.end() || !it->second.api_cap.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("job manager ", member, " is not connected (yet): try again"));
  }
  return *it->second.api_cap;
}

absl::StatusOr<api::internal::JobManager::Client> JobManagerPeers::Internal(
    const std::string& member) {
  auto it = links_.find(member);
  if (it == links_.end() || !it->second.internal_cap.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("job manager ", member, " is not connected (yet): try again"));
  }
  return *it->second.internal_cap;
}

void JobManagerPeers::Failed(const std::string& member, const kj::Exception& e) {
  auto it = links_.find(member);
  if (it == links_.end() || !it->second.api_cap.has_value()) return;  // said already
  Link& link = it->second;
  link.api_cap.reset();
  link.internal_cap.reset();
  spdlog::warn("job manager {}: {}", member, std::string(link.api->Failed(e).message()));
  (void)link.internal->Failed(e);  // the same failure, said once above
  broken_ = true;
}

}  // namespace peloton::rpc
