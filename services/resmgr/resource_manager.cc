// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/resmgr/resource_manager.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/api/respool_convert.h"
#include "spdlog/spdlog.h"

namespace peloton::resmgr {
namespace {

std::string ParentPath(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == 0 || slash == absl::string_view::npos ? "/" : std::string(path.substr(0, slash));
}

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

}  // namespace

absl::Status ValidateResourceManagerOptions(const ResourceManagerOptions& o) {
  constexpr absl::Duration kMax = absl::Hours(24 * 30);
  for (const auto& [field, value] : {std::pair{"placing_timeout", o.placing_timeout},
                                     {"placement_backoff", o.placement_backoff},
                                     {"max_placement_backoff", o.max_placement_backoff},
                                     {"readmission_after", o.readmission_after}}) {
    if (!(value > absl::ZeroDuration() && value <= kMax)) {
      return Invalid(field,
                     absl::StrCat(absl::FormatDuration(value), " (rule: > 0 and at most 30 days)"));
    }
  }
  if (o.max_placement_backoff < o.placement_backoff) {
    return Invalid("max_placement_backoff",
                   absl::StrCat(absl::FormatDuration(o.max_placement_backoff),
                                " (rule: at least placement_backoff, ",
                                absl::FormatDuration(o.placement_backoff), ")"));
  }
  if (o.placement_attempts_per_cycle < 1 || o.placement_attempts_per_cycle > 1000) {
    return Invalid("placement_attempts_per_cycle",
                   absl::StrCat(o.placement_attempts_per_cycle, " (rule: 1 to 1000)"));
  }
  return absl::OkStatus();
}

ResourceManager::ResourceManager(store::Store& store, absl::BitGenRef gen,
                                 ResourceManagerOptions options)
    : store_(store),
      gen_(gen),
      admitter_(tree_),
      preemptor_(options.preemption),
      options_(std::move(options)) {
  id_of_path_.emplace("/", PoolId(std::string(kRootPoolId)));
  path_of_id_.emplace(PoolId(std::string(kRootPoolId)), "/");
}

absl::StatusOr<std::unique_ptr<ResourceManager>> ResourceManager::Create(
    store::Store& store, absl::BitGenRef gen, ResourceManagerOptions options) {
  PELOTON_RETURN_IF_ERROR(ValidateResourceManagerOptions(options));
  std::unique_ptr<ResourceManager> rm(new ResourceManager(store, gen, std::move(options)));
  PELOTON_ASSIGN_OR_RETURN(std::vector<store::PoolRecord> pools, store.ListPools());
  // Parents before children: fewer path elements first.
  std::stable_sort(pools.begin(), pools.end(), [](const auto& a, const auto& b) {
    return std::count(a.path.begin(), a.path.end(), '/') <
           std::count(b.path.begin(), b.path.end(), '/');
  });
  for (const store::PoolRecord& record : pools) {
    const auto corrupt = [&record](absl::string_view why) {
      return absl::DataLossError(
          absl::StrCat("stored pool ", record.id.value(), " (", record.path, "): ", why));
    };
    respool_pb::ResourcePoolConfig config;
    if (!config.ParseFromString(record.config)) return corrupt("its config cannot be decoded");
    absl::StatusOr<fairshare::PoolConfig> parsed = api::PoolConfigFromProto(config);
    if (!parsed.ok()) return corrupt(parsed.status().message());
    if (absl::Status s = rm->tree_.Create(record.path, *parsed).status(); !s.ok()) {
      return corrupt(s.message());
    }
    rm->id_of_path_[record.path] = record.id;
    rm->path_of_id_[record.id] = record.path;
    rm->config_of_path_[record.path] = std::move(config);
  }
  return rm;
}

absl::StatusOr<respool_pb::ResourcePoolConfig> ResourceManager::Stored(
    absl::string_view path, const respool_pb::ResourcePoolConfig& in,
    const fairshare::PoolConfig& parsed) const {
  const std::string parent = ParentPath(path);
  auto parent_id = id_of_path_.find(parent);
  if (parent_id == id_of_path_.end()) {
    return absl::NotFoundError(absl::StrCat("pool ", path, ": parent ", parent, " does not exist"));
  }
  if (!in.parent().value().empty() && in.parent().value() != parent_id->second.value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parent: '", in.parent().value(), "' is not ", parent, " (", parent_id->second.value(),
        "), the parent of ", path, " (rule: a pool's parent is its path's)"));
  }
  respool_pb::ResourcePoolConfig stored = in;
  stored.mutable_parent()->set_value(parent_id->second.value());
  if (stored.name().empty()) {
    stored.set_name(parsed.name.empty() ? std::string(path.substr(path.rfind('/') + 1))
                                        : parsed.name);
  }
  return stored;
}

absl::StatusOr<PoolId> ResourceManager::CreatePool(absl::string_view path,
                                                   const respool_pb::ResourcePoolConfig& config) {
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolConfig parsed, api::PoolConfigFromProto(config));
  PELOTON_RETURN_IF_ERROR(tree_.Create(path, parsed).status());
  absl::StatusOr<respool_pb::ResourcePoolConfig> stored = Stored(path, config, parsed);
  const PoolId id(NewUuid(gen_));
  absl::Status persisted = stored.status();
  if (persisted.ok()) {
    const absl::Time now = Now();
    persisted = store_.CreatePool(
        {id, std::string(path), stored->SerializeAsString(), stored->owningteam(), now, now});
  }
  if (!persisted.ok()) {
    (void)tree_.Delete(path);  // as it was: the pool was just created, a leaf with no demand
    return persisted;
  }
  id_of_path_[std::string(path)] = id;
  path_of_id_[id] = std::string(path);
  config_of_path_[std::string(path)] = *std::move(stored);
  return id;
}

absl::Status ResourceManager::UpdatePool(absl::string_view path,
                                         const respool_pb::ResourcePoolConfig& config) {
  PELOTON_ASSIGN_OR_RETURN(const PoolId id, StoredPoolId(path));
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolConfig parsed, api::PoolConfigFromProto(config));
  PELOTON_ASSIGN_OR_RETURN(respool_pb::ResourcePoolConfig stored, Stored(path, config, parsed));
  const respool_pb::ResourcePoolConfig& before = config_of_path_.at(path);
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolConfig before_parsed, api::PoolConfigFromProto(before));
  PELOTON_RETURN_IF_ERROR(tree_.Update(path, parsed));
  absl::StatusOr<store::PoolRecord> record = store_.GetPool(id);
  absl::Status persisted = record.status();
  if (persisted.ok()) {
    record->config = stored.SerializeAsString();
    record->owner = stored.owningteam();
    record->update_time = Now();
    persisted = store_.UpdatePool(*record);
  }
  if (!persisted.ok()) {
    (void)tree_.Update(path, before_parsed);  // the old config passed these checks before
    return persisted;
  }
  config_of_path_[std::string(path)] = std::move(stored);
  return absl::OkStatus();
}

absl::StatusOr<PoolId> ResourceManager::StoredPoolId(absl::string_view path) const {
  auto id = id_of_path_.find(path);
  if (id == id_of_path_.end() || path == "/") {
    return absl::NotFoundError(absl::StrCat("pool ", path, " does not exist (or is the root)"));
  }
  return id->second;
}

absl::Status ResourceManager::DeletePool(absl::string_view path) {
  PELOTON_ASSIGN_OR_RETURN(const PoolId id, StoredPoolId(path));
  const respool_pb::ResourcePoolConfig before = config_of_path_.at(path);
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolConfig before_parsed, api::PoolConfigFromProto(before));
  PELOTON_RETURN_IF_ERROR(tree_.Delete(path));
  if (absl::Status s = store_.DeletePool(id); !s.ok()) {
    // Cannot fail: the tree is as it was before Delete, when this pool with this config was in it.
    (void)tree_.Create(path, before_parsed);
    return s;
  }
  path_of_id_.erase(id);
  config_of_path_.erase(std::string(path));
  id_of_path_.erase(path);
  return absl::OkStatus();
}

absl::StatusOr<PoolInfo> ResourceManager::InfoOf(fairshare::PoolHandle handle) const {
  PELOTON_ASSIGN_OR_RETURN(const fairshare::Pool* pool, tree_.Get(handle));
  PoolInfo info;
  info.path = pool->path();
  info.id = id_of_path_.at(info.path);
  if (auto it = config_of_path_.find(info.path); it != config_of_path_.end()) {
    info.config = it->second;
  } else {
    info.config.set_name("root");
  }
  for (fairshare::PoolHandle child : tree_.Children(handle)) {
    info.children.push_back(id_of_path_.at(tree_.pool(child).path()));
  }
  info.demand = pool->demand();
  info.allocation = pool->allocation();
  info.entitlement = pool->entitlement().total;
  info.slack_demand = pool->slack_demand();
  info.slack_entitlement = pool->entitlement().slack;
  info.slack_limit = pool->slack_limit();
  return info;
}

absl::StatusOr<PoolInfo> ResourceManager::GetPool(absl::string_view path) const {
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolHandle handle, tree_.Lookup(path));
  return InfoOf(handle);
}

absl::StatusOr<PoolInfo> ResourceManager::GetPoolById(const PoolId& id) const {
  auto it = path_of_id_.find(id);
  if (it == path_of_id_.end()) {
    return absl::NotFoundError(absl::StrCat("pool ", id.value(), " does not exist"));
  }
  return GetPool(it->second);
}

absl::StatusOr<PoolId> ResourceManager::LookupPoolId(absl::string_view path) const {
  auto it = id_of_path_.find(path);
  if (it == id_of_path_.end()) {
    return absl::NotFoundError(absl::StrCat("pool ", path, " does not exist"));
  }
  return it->second;
}

std::vector<PoolInfo> ResourceManager::ListPools() const {
  std::vector<PoolInfo> out;
  for (fairshare::PoolHandle handle : tree_.Pools()) {
    if (absl::StatusOr<PoolInfo> info = InfoOf(handle); info.ok()) out.push_back(*std::move(info));
  }
  return out;
}

absl::Status ResourceManager::EnqueueGang(const PoolId& pool, fairshare::Gang gang) {
  auto path = path_of_id_.find(pool);
  if (path == path_of_id_.end()) {
    return absl::NotFoundError(absl::StrCat("pool ", pool.value(), " does not exist"));
  }
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolHandle leaf, tree_.Lookup(path->second));
  // Sent again (after the job manager restarted): already admitted, or still queued.
  if (!gang.tasks.empty() &&
      std::all_of(gang.tasks.begin(), gang.tasks.end(),
                  [this](const fairshare::GangTask& t) { return held_.contains(t.task_id); })) {
    return absl::OkStatus();
  }
  absl::Status queued = admitter_.Enqueue(leaf, std::move(gang));
  return absl::IsAlreadyExists(queued) ? absl::OkStatus() : queued;
}

absl::Status ResourceManager::RemoveGang(absl::string_view gang_id) {
  absl::Status queued = admitter_.Remove(gang_id).status();
  if (!absl::IsNotFound(queued)) return queued;
  // Admitted and waiting out a backoff: it could wait a minute before placement drops it.
  auto key = backoff_of_gang_.find(gang_id);
  if (key == backoff_of_gang_.end()) return queued;
  auto it = backoff_.find(key->second);
  backoff_of_gang_.erase(key);
  if (it == backoff_.end()) return queued;
  Release(it->second.gang);
  backoff_.erase(it);
  return absl::OkStatus();
}

void ResourceManager::Tick(const Resources& capacity, const Resources& slack) {
  const absl::Time now = Now();
  // Handed out so long ago that the engine will not answer for them any more.
  std::vector<Queued> front;
  while (!placing_.empty() && now - placing_.begin()->second.since >= options_.placing_timeout) {
    Placing p = std::move(placing_.begin()->second);
    placing_.erase(placing_.begin());
    for (const fairshare::GangTask& t : p.queued.gang.tasks) {
      placing_of_task_.erase(t.task_id);
    }
    spdlog::warn("gang {}: placing for {} without an answer; not placed",
                 std::string(p.queued.gang.Id()), absl::FormatDuration(now - p.since));
    NotPlaced(std::move(p.queued), now, front);
  }
  PushFront(std::move(front));

  tree_.ComputeEntitlements({.total = capacity, .slack = slack});
  for (fairshare::AdmittedGang& admitted : admitter_.AdmitReady()) {
    const fairshare::Gang& g = admitted.gang;
    for (const fairshare::GangTask& t : g.tasks) {
      held_[t.task_id] = {.resources = t.resources,
                          .pool = admitted.pool,
                          .priority = g.priority,
                          .preemptible = g.preemptible,
                          .revocable = g.revocable,
                          .controller = g.controller};
    }
    ready_.push_back(Queued{std::move(admitted.gang), admitted.pool, 0, now});
  }
  // Behind the gangs just admitted, which have not been tried yet.
  const bool changed =
      last_capacity_.has_value() && (*last_capacity_ != capacity || last_slack_ != slack);
  last_capacity_ = capacity;
  last_slack_ = slack;
  EndBackoffs(now, changed);
}

void ResourceManager::PushFront(std::vector<Queued> gangs) {
  for (auto g = gangs.rbegin(); g != gangs.rend(); ++g) ready_.push_front(std::move(*g));
}

void ResourceManager::EndBackoffs(absl::Time now, bool all) {
  while (!backoff_.empty() && (all || backoff_.begin()->first.first <= now)) {
    backoff_of_gang_.erase(backoff_.begin()->second.gang.Id());
    ready_.push_back(std::move(backoff_.begin()->second));
    backoff_.erase(backoff_.begin());
  }
}

std::vector<ReadyGang> ResourceManager::DequeueReady(size_t limit) {
  std::vector<ReadyGang> out;
  const absl::Time now = Now();
  while (!ready_.empty() && out.size() < limit) {
    Queued q = std::move(ready_.front());
    ready_.pop_front();
    const auto& tasks = q.gang.tasks;
    if (std::none_of(tasks.begin(), tasks.end(),
                     [this](const fairshare::GangTask& t) { return held_.contains(t.task_id); })) {
      continue;  // every task of it ended while it waited: nobody wants it placed
    }
    const uint64_t seq = next_placing_++;
    for (const fairshare::GangTask& t : tasks) placing_of_task_[t.task_id] = seq;
    out.push_back({id_of_path_.at(tree_.pool(q.pool).path()), q.gang});
    placing_.emplace(seq, Placing{std::move(q), now});
  }
  return out;
}

std::optional<ResourceManager::Placing> ResourceManager::TakePlacing(absl::string_view task_id) {
  auto it = placing_of_task_.find(task_id);
  if (it == placing_of_task_.end()) return std::nullopt;
  auto gang = placing_.find(it->second);
  if (gang == placing_.end()) {
    placing_of_task_.erase(it);
    return std::nullopt;
  }
  for (const fairshare::GangTask& t : gang->second.queued.gang.tasks) {
    placing_of_task_.erase(t.task_id);
  }
  Placing out = std::move(gang->second);
  placing_.erase(gang);
  return out;
}

void ResourceManager::Release(const fairshare::Gang& gang) {
  for (const fairshare::GangTask& t : gang.tasks) {
    auto it = held_.find(t.task_id);
    if (it == held_.end()) continue;
    if (absl::Status s = tree_.RemoveAllocation(it->second.pool, it->second.allocation());
        !s.ok()) {
      spdlog::error("task {}: its allocation not released: {}", t.task_id,
                    std::string(s.message()));
    }
    held_.erase(it);
  }
}

bool ResourceManager::Readmit(const Queued& queued) {
  const fairshare::Gang& gang = queued.gang;
  size_t held = 0;
  fairshare::PoolHandle pool{};
  for (const fairshare::GangTask& t : gang.tasks) {
    if (auto it = held_.find(t.task_id); it != held_.end()) {
      ++held;
      pool = it->second.pool;
    }
  }
  if (held == 0) return true;  // all ended: nothing to place
  if (held != gang.tasks.size()) return false;
  // Queued first (its demand counted), then released: a refusal changes nothing.
  if (absl::Status s = admitter_.Enqueue(pool, gang); !s.ok()) {
    spdlog::error("gang {}: not sent back to its pool's queue: {}", std::string(gang.Id()),
                  std::string(s.message()));
    return false;
  }
  Release(gang);
  ++readmitted_;
  spdlog::info("gang {}: not placed in {} tries over {}; back in its pool's queue",
               std::string(gang.Id()), queued.failures,
               absl::FormatDuration(Now() - queued.admitted));
  return true;
}

void ResourceManager::NotPlaced(Queued queued, absl::Time now, std::vector<Queued>& front) {
  ++queued.failures;
  if (queued.failures == 1) {
    front.push_back(std::move(queued));
    return;
  }
  if (queued.failures >= options_.placement_attempts_per_cycle &&
      now - queued.admitted >= options_.readmission_after && Readmit(queued)) {
    return;
  }
  absl::Duration wait = options_.placement_backoff;
  for (uint32_t k = 2; k < queued.failures && wait < options_.max_placement_backoff; ++k) {
    wait *= 2;
  }
  const BackoffKey key{now + std::min(wait, options_.max_placement_backoff), next_backoff_++};
  backoff_of_gang_[std::string(queued.gang.Id())] = key;
  backoff_.emplace(key, std::move(queued));
}

absl::Status ResourceManager::ReturnGangs(std::vector<ReadyGang> gangs) {
  const absl::Time now = Now();
  std::vector<Queued> front;
  for (const ReadyGang& g : gangs) {
    if (g.gang.tasks.empty()) continue;
    // Not placing any more when one of its tasks was launched or ended meanwhile.
    if (std::optional<Placing> placing = TakePlacing(g.gang.tasks.front().task_id)) {
      NotPlaced(std::move(placing->queued), now, front);
    }
  }
  PushFront(std::move(front));
  return absl::OkStatus();
}

size_t ResourceManager::ResetPlacing() {
  const size_t n = placing_.size();
  for (auto it = placing_.rbegin(); it != placing_.rend(); ++it) {
    ready_.push_front(std::move(it->second.queued));
  }
  placing_.clear();
  placing_of_task_.clear();
  return n;
}

std::vector<std::pair<std::string, std::array<size_t, 4>>> ResourceManager::QueueLengths() const {
  std::vector<std::pair<std::string, std::array<size_t, 4>>> out;
  for (fairshare::PoolHandle handle : tree_.Pools()) {
    if (!tree_.Children(handle).empty()) continue;
    std::array<size_t, 4> lengths{};
    for (int k = 0; k < 4; ++k) {
      lengths[k] = admitter_.QueueLength(handle, static_cast<fairshare::QueueKind>(k));
    }
    out.emplace_back(tree_.pool(handle).path(), lengths);
  }
  return out;
}

ResourceManager::Waiting ResourceManager::waiting() const {
  return {.ready = ready_.size(),
          .placing = placing_.size(),
          .backoff = backoff_.size(),
          .readmitted = readmitted_};
}

absl::Status ResourceManager::AdoptTask(const PoolId& pool, absl::string_view task_id,
                                        const fairshare::Allocation& allocation,
                                        uint32_t priority) {
  if (held_.contains(task_id)) return absl::OkStatus();
  auto path = path_of_id_.find(pool);
  if (path == path_of_id_.end()) {
    return absl::NotFoundError(absl::StrCat("pool ", pool.value(), " does not exist"));
  }
  PELOTON_ASSIGN_OR_RETURN(fairshare::PoolHandle leaf, tree_.Lookup(path->second));
  // One task's allocation is all of one kind: its flags are read back from it.
  const bool preemptible = allocation.non_preemptible.IsZero();
  const bool revocable = !allocation.slack.IsZero();
  const bool controller = !allocation.controller.IsZero();
  if (fairshare::Allocation::Of(allocation.total, preemptible, revocable, controller) !=
      allocation) {
    return absl::InvalidArgumentError(
        absl::StrCat("allocation of task ", task_id,
                     ": not the allocation of one task (rule: all of it "
                     "preemptible or not, slack or not, controller or not)"));
  }
  PELOTON_RETURN_IF_ERROR(tree_.AddAllocation(leaf, allocation));
  held_[CompactString(task_id)] = {.resources = allocation.total,
                                   .pool = leaf,
                                   .priority = priority,
                                   .preemptible = preemptible,
                                   .revocable = revocable,
                                   .controller = controller,
                                   .running = true,
                                   .start_unix_nanos = absl::ToUnixNanos(Now())};
  return absl::OkStatus();
}

void ResourceManager::TaskLaunched(absl::string_view task_id, absl::Time when) {
  (void)TakePlacing(task_id);  // placed now: ReturnGangs must not queue its gang again
  auto it = held_.find(task_id);
  if (it == held_.end()) return;
  it->second.running = true;
  it->second.start_unix_nanos = absl::ToUnixNanos(when);
}

std::vector<std::string> ResourceManager::Preempt() {
  std::vector<std::string> victims;
  const std::vector<fairshare::PoolHandle> over = preemptor_.Observe(tree_);
  if (over.empty()) return victims;
  // One pass over the admitted tasks for all the pools over their entitlement.
  absl::flat_hash_map<fairshare::PoolHandle, std::vector<fairshare::PreemptionCandidate>>
      candidates_of;
  for (fairshare::PoolHandle pool : over) candidates_of[pool];
  for (const auto& [task_id, held] : held_) {
    auto candidates = candidates_of.find(held.pool);
    if (candidates == candidates_of.end()) continue;
    // Admitted but not launched yet: READY, the cheapest to take back.
    candidates->second.push_back(
        {task_id.str(),
         held.running ? fairshare::CandidateState::kRunning : fairshare::CandidateState::kReady,
         held.priority,
         held.running ? absl::FromUnixNanos(held.start_unix_nanos) : absl::InfinitePast(),
         held.resources, held.preemptible, held.revocable});
  }
  for (fairshare::PoolHandle pool : over) {
    std::vector<fairshare::PreemptionCandidate>& candidates = candidates_of[pool];
    // held_ is a hash map: a stable order makes the choice reproducible.
    std::sort(candidates.begin(), candidates.end(),
              [](const auto& a, const auto& b) { return a.task_id < b.task_id; });
    for (std::string& id :
         fairshare::SelectVictims(fairshare::NeedToFree(tree_.pool(pool)), candidates)) {
      victims.push_back(std::move(id));
    }
  }
  // A victim admitted but waiting out a backoff: its gang goes to the front of the ready
  // queue, for the next placement round to find that it no longer waits for a host.
  if (!backoff_.empty() && !victims.empty()) {
    const absl::flat_hash_set<absl::string_view> chosen(victims.begin(), victims.end());
    std::vector<Queued> front;
    for (auto it = backoff_.begin(); it != backoff_.end();) {
      const auto& tasks = it->second.gang.tasks;
      if (std::none_of(tasks.begin(), tasks.end(), [&chosen](const fairshare::GangTask& t) {
            return chosen.contains(t.task_id);
          })) {
        ++it;
        continue;
      }
      backoff_of_gang_.erase(it->second.gang.Id());
      front.push_back(std::move(it->second));
      it = backoff_.erase(it);
    }
    PushFront(std::move(front));
  }
  return victims;
}

void ResourceManager::TaskEnded(absl::string_view task_id) {
  (void)TakePlacing(task_id);  // ended: ReturnGangs must not queue its gang again
  auto it = held_.find(task_id);
  if (it == held_.end()) return;
  if (absl::Status s = tree_.RemoveAllocation(it->second.pool, it->second.allocation()); !s.ok()) {
    spdlog::error("task {}: ended, but its allocation not released: {}", std::string(task_id),
                  std::string(s.message()));
  }
  held_.erase(it);
}

}  // namespace peloton::resmgr
