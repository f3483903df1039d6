// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// All-active job managers (issue 19): which jobs this job manager owns, taking them up and
// letting them go as the members change, and claiming each in the store before writing it.

#include "peloton/common/ownership.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peloton/common/status_macros.h"
#include "services/jobmgr/job_manager.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

std::string NamedJobs(absl::Span<const JobId> ids) {
  constexpr size_t kNamed = 10;
  if (ids.size() > kNamed) return "";
  return absl::StrCat(": ", absl::StrJoin(ids, ", ", [](std::string* out, const JobId& id) {
                        out->append(id.value());
                      }));
}

std::string JobManager::OwnerOf(const JobId& id) const {
  if (options_.member.empty() || members_.empty()) return options_.member;
  return members_[*peloton::OwnerOf(id.value(), members_)];
}

bool JobManager::Owns(const JobId& id) const { return OwnerOf(id) == options_.member; }

absl::Status JobManager::Claim(const JobId& id) {
  if (options_.member.empty() || claimed_.contains(id.value())) return absl::OkStatus();
  if (const std::string owner = OwnerOf(id); owner != options_.member) {
    return absl::UnavailableError(absl::StrCat("job ", id.value(), " is owned by job manager ",
                                               owner, ", not ", options_.member,
                                               " (the members changed: try again)"));
  }
  PELOTON_RETURN_IF_ERROR(store_.ClaimJob(id, options_.member).status());
  claimed_.insert(id.value());
  return absl::OkStatus();
}

JobId JobManager::NewJobId() {
  // Each member owns about 1/N of the ids: N draws on average.
  while (true) {
    JobId id(NewUuid(gen_));
    if (Owns(id)) return id;
  }
}

void JobManager::LetGo(const JobId& id) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    for (const store::TaskRuntime& t : it->second.tasks) gang_of_.erase(t.mesos_task_id);
    jobs_.erase(it);  // its timers find no job and go (RunTimers)
  }
  claimed_.erase(id.value());
  store_.ReleaseJob(id);
}

absl::Status JobManager::SetMembers(std::vector<std::string> members) {
  if (options_.member.empty()) {
    return absl::FailedPreconditionError(
        "members: this job manager has no member name (options.member; rule: set for "
        "all-active job managers)");
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  if (!std::binary_search(members.begin(), members.end(), options_.member)) {
    return absl::InvalidArgumentError(absl::StrCat("members: [", absl::StrJoin(members, ", "),
                                                   "] (rule: they include this job manager, ",
                                                   options_.member, ")"));
  }
  if (members != members_) {
    spdlog::info("job managers: {} (this one: {})", absl::StrJoin(members, ", "), options_.member);
  }
  members_ = std::move(members);
  store_.EnforceJobClaims();
  // What this one holds of the jobs it lets go is written first (a job whose new owner took it
  // already is fenced: Flush lets it go without writing).
  if (absl::Status s = Flush(); !s.ok()) {
    spdlog::error("writing before the jobs move: {}", std::string(s.message()));
  }
  std::vector<JobId> leaving;
  for (const std::string& id : claimed_) {
    if (!Owns(JobId(id))) leaving.emplace_back(id);
  }
  for (const JobId& id : leaving) {
    LetGo(id);
  }
  if (!leaving.empty()) {
    spdlog::info("let go of {} jobs (other job managers own them now){}", leaving.size(),
                 NamedJobs(leaving));
  }
  return absl::OkStatus();
}

}  // namespace peloton::jobmgr
