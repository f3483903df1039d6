// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/master.h"

#include "peloton/common/status_macros.h"
#include "peloton/placement/plugin.h"
#include "services/runtime/placement_round.h"

namespace peloton::runtime {

absl::StatusOr<std::unique_ptr<Master>> Master::Create(store::Store& store,
                                                       backend::Backend& backend,
                                                       MasterOptions options) {
  placement::PluginRegistry registry;
  PELOTON_RETURN_IF_ERROR(placement::RegisterBuiltinPlugins(registry));
  PELOTON_ASSIGN_OR_RETURN(placement::Profile profile, registry.Build(options.placement_profile));
  if (!options.resources.now) options.resources.now = options.jobs.now;
  std::unique_ptr<Master> m(new Master(std::move(options), std::move(profile)));
  PELOTON_ASSIGN_OR_RETURN(m->pools_,
                           resmgr::ResourceManager::Create(store, m->gen_, m->options_.resources));
  PELOTON_ASSIGN_OR_RETURN(m->hosts_, hostmgr::HostManager::Create(backend, &store));
  m->jobs_ = std::make_unique<jobmgr::JobManager>(store, *m->pools_, *m->hosts_, m->gen_,
                                                  m->options_.jobs);
  return m;
}

absl::Status Master::Tick() {
  for (const backend::TaskStatus& s : hosts_->Poll()) jobs_->OnStatus(s);
  jobs_->LaunchDeferred();  // what the last round left for later goes before new placements
  jobs_->CheckDeadlines();
  jobs_->RunTimers();
  jobs_->FollowHosts();
  jobs_->EvictFromDrainingHosts();
  pools_->Tick(hosts_->Capacity(), hosts_->Slack());
  if (options_.preemption_period_ticks > 0 && ++ticks_ % options_.preemption_period_ticks == 0) {
    jobs_->Preempt(pools_->Preempt());
  }
  placements_.Add(runtime::PlaceRound(
      placement_, *pools_, *jobs_,
      [this](placement::Cluster&) -> absl::StatusOr<placement::Cluster*> {
        return &hosts_->cluster();
      },
      options_.dequeue_limit));
  return jobs_->Flush();
}

}  // namespace peloton::runtime
