// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PoolTree: configuration, validation and the incremental bookkeeping of demand, allocation,
// claims and usable limits. The entitlement calculation itself is in entitlement.cc.

#include "peloton/fairshare/pool_tree.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/fairshare/water_fill.h"
#include "peloton/common/check.h"
#include "peloton/common/status_macros.h"

namespace peloton::fairshare {
namespace {

using Delta = std::array<int64_t, kNumResourceKinds>;
using Deltas = std::array<Delta, 6>;  // demand, slack demand, 4 allocation buckets

constexpr double kMaxShare = 1e6;
constexpr size_t kMaxPoolNameBytes = 255;
constexpr size_t kMaxPoolPathBytes = 4096;
constexpr int64_t kShareScale = 1000;  // weights are shares in thousandths

Delta Diff(const Resources& after, const Resources& before) {
  Delta d;
  for (int k = 0; k < kNumResourceKinds; ++k) d[k] = after.at(k) - before.at(k);
  return d;
}

void AddSigned(Resources& r, const Delta& d) {
  for (int k = 0; k < kNumResourceKinds; ++k) r.at(k) += d[k];
}

std::string KindField(ResourceKind k, absl::string_view field) {
  return absl::StrCat("resources[", ResourceKindName(k), "].", field);
}

std::string Units(ResourceKind k, int64_t v) { return absl::StrCat(FromFixedPoint(k, v)); }

// "/a/b/" -> {"/a", "b"}; the root is rejected by the callers that need a parent.
struct ParsedPath {
  std::string path;         // normalised, without a trailing '/'
  std::string parent_path;  // "/" for children of the root
  std::string name;         // last element; empty for the root
};

absl::StatusOr<ParsedPath> ParsePath(absl::string_view path) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("path '", path, "' must start with '/' (rule: paths are absolute)"));
  }
  if (path == "/") return ParsedPath{"/", "", ""};
  if (path.size() > kMaxPoolPathBytes) {
    return absl::InvalidArgumentError(absl::StrCat("path of ", path.size(), " bytes (rule: at most ",
                                                   kMaxPoolPathBytes, ")"));
  }
  absl::string_view trimmed = path;
  if (trimmed.back() == '/') trimmed.remove_suffix(1);
  std::vector<absl::string_view> parts = absl::StrSplit(trimmed.substr(1), '/');
  for (absl::string_view part : parts) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "path '", path, "' has an empty, '.' or '..' element (rule: names are non-empty)"));
    }
    // Names go into logs, tables and metric labels: no control characters to forge them.
    if (part.size() > kMaxPoolNameBytes ||
        std::any_of(part.begin(), part.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat("path '", absl::CHexEscape(path), "' has an element of ", part.size(),
                       " bytes or with a control character (rule: names of at most ",
                       kMaxPoolNameBytes, " bytes, no control characters)"));
    }
  }
  ParsedPath out;
  out.path = std::string(trimmed);
  out.name = std::string(parts.back());
  size_t slash = out.path.rfind('/');
  out.parent_path = slash == 0 ? "/" : out.path.substr(0, slash);
  return out;
}

absl::Status PoolError(absl::StatusCode code, absl::string_view path, absl::string_view what) {
  return absl::Status(code, absl::StrCat("pool ", path, ": ", what));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Allocation

Allocation Allocation::Of(const Resources& resources, bool preemptible, bool revocable,
                          bool controller) {
  Allocation a;
  a.total = resources;
  if (!preemptible) a.non_preemptible = resources;
  if (controller) a.controller = resources;
  if (revocable) a.slack = resources;
  return a;
}

Allocation& Allocation::operator+=(const Allocation& o) {
  total += o.total;
  non_preemptible += o.non_preemptible;
  controller += o.controller;
  slack += o.slack;
  return *this;
}

Allocation& Allocation::operator-=(const Allocation& o) {
  total -= o.total;
  non_preemptible -= o.non_preemptible;
  controller -= o.controller;
  slack -= o.slack;
  return *this;
}

bool Allocation::Contains(const Allocation& o) const {
  return o.total.FitsIn(total) && o.non_preemptible.FitsIn(non_preemptible) &&
         o.controller.FitsIn(controller) && o.slack.FitsIn(slack);
}

// ---------------------------------------------------------------------------------------------
// Configuration

struct PoolTree::Normalized {
  ParsedPath path;
  PoolConfig config;
  Resources reservation;
  Resources limit;
  Resources static_floor;
  std::array<double, kNumResourceKinds> share{};
  std::array<int64_t, kNumResourceKinds> weight{};
  std::array<bool, kNumResourceKinds> is_static{};
  std::optional<Resources> controller_limit;
  Resources slack_limit;
};

PoolTree::PoolTree() {
  Pool root;
  root.path_ = "/";
  root.name_ = "root";
  root.handle_ = PoolHandle(0, 1);
  root.live_ = true;
  root.config_.name = "root";
  root.config_.policy = SchedulingPolicy::kPriorityFifo;
  for (ResourceKind k : kAllResourceKinds) {
    root.config_.resources.push_back(
        {std::string(ResourceKindName(k)), 0, 0, 1, ReservationType::kElastic});
    root.share_[static_cast<int>(k)] = 1;
    root.weight_[static_cast<int>(k)] = kShareScale;
  }
  // The root's reservation and limit are the cluster capacity, known only at compute time.
  root.limit_ = Resources::Uniform(internal::kUnboundedCap);
  root.reservation_ = root.limit_;
  pools_.push_back(std::move(root));
  by_path_.emplace("/", 0);
}

absl::StatusOr<PoolTree::Normalized> PoolTree::Normalize(absl::string_view path,
                                                         const PoolConfig& config) const {
  Normalized n;
  PELOTON_ASSIGN_OR_RETURN(n.path, ParsePath(path));
  const std::string& p = n.path.path;
  if (p == "/") {
    return PoolError(absl::StatusCode::kInvalidArgument, p,
                     "the root pool cannot be created, changed or deleted");
  }
  if (!config.name.empty() && config.name != n.path.name) {
    return PoolError(absl::StatusCode::kInvalidArgument, p,
                     absl::StrCat("name '", config.name, "' differs from the last path element '",
                                  n.path.name, "' (rule: name must match the path)"));
  }
  n.config = config;
  n.config.name = n.path.name;
  if (n.config.policy == SchedulingPolicy::kUnknown) {
    n.config.policy = SchedulingPolicy::kPriorityFifo;
  }

  std::array<bool, kNumResourceKinds> seen{};
  for (const ResourceConfig& rc : config.resources) {
    auto kind = ParseResourceKind(rc.kind);
    if (!kind.ok()) {
      return PoolError(absl::StatusCode::kInvalidArgument, p,
                       absl::StrCat("resources[].kind: ", kind.status().message()));
    }
    const ResourceKind k = *kind;
    const int ki = static_cast<int>(k);
    if (seen[ki]) {
      return PoolError(absl::StatusCode::kInvalidArgument, p,
                       absl::StrCat("resources: kind '", rc.kind,
                                    "' appears more than once (rule: each kind at most once)"));
    }
    seen[ki] = true;
    auto reservation = ToFixedPoint(k, rc.reservation, KindField(k, "reservation"));
    if (!reservation.ok()) {
      return PoolError(absl::StatusCode::kInvalidArgument, p, reservation.status().message());
    }
    auto limit = ToFixedPoint(k, rc.limit, KindField(k, "limit"));
    if (!limit.ok()) {
      return PoolError(absl::StatusCode::kInvalidArgument, p, limit.status().message());
    }
    if (!std::isfinite(rc.share) || rc.share < 0 || rc.share > kMaxShare) {
      return PoolError(absl::StatusCode::kInvalidArgument, p,
                       absl::StrCat(KindField(k, "share"), ": ", rc.share,
                                    " is out of range (rule: 0 <= share <= 1e6)"));
    }
    if (*limit < *reservation) {
      return PoolError(
          absl::StatusCode::kInvalidArgument, p,
          absl::StrCat(KindField(k, "limit"), " ", rc.limit, " is less than the reservation ",
                       rc.reservation, " (rule: limit >= reservation)"));
    }
    n.reservation[k] = *reservation;
    n.limit[k] = *limit;
    n.share[ki] = rc.share;
    n.weight[ki] = std::llround(rc.share * kShareScale);
    n.is_static[ki] = rc.type == ReservationType::kStatic;
  }
  // Missing kinds: reservation 0, limit 0, share 1 (Peloton's defaults).
  for (ResourceKind k : kAllResourceKinds) {
    const int ki = static_cast<int>(k);
    if (seen[ki]) continue;
    n.share[ki] = 1;
    n.weight[ki] = kShareScale;
    n.config.resources.push_back(
        {std::string(ResourceKindName(k)), 0, 0, 1, ReservationType::kElastic});
  }
  // The normalised config lists the kinds in a fixed order, types made explicit.
  std::sort(n.config.resources.begin(), n.config.resources.end(),
            [](const ResourceConfig& a, const ResourceConfig& b) {
              return *ParseResourceKind(a.kind) < *ParseResourceKind(b.kind);
            });
  for (ResourceConfig& rc : n.config.resources) {
    if (rc.type == ReservationType::kUnknown) rc.type = ReservationType::kElastic;
  }
  for (ResourceKind k : kAllResourceKinds) {
    if (n.is_static[static_cast<int>(k)]) n.static_floor[k] = n.reservation[k];
  }

  auto check_percent = [&](const std::optional<double>& v, absl::string_view field) {
    if (v.has_value() && (!std::isfinite(*v) || *v < 0 || *v > 100)) {
      return PoolError(
          absl::StatusCode::kInvalidArgument, p,
          absl::StrCat(field, " ", *v, " is out of range (rule: 0 <= ", field, " <= 100)"));
    }
    return absl::OkStatus();
  };
  PELOTON_RETURN_IF_ERROR(
      check_percent(config.controller_limit_percent, "controllerLimit.maxPercent"));
  PELOTON_RETURN_IF_ERROR(check_percent(config.slack_limit_percent, "slackLimit.maxPercent"));
  if (config.controller_limit_percent.has_value()) {
    n.controller_limit = n.reservation.Percent(*config.controller_limit_percent);
  }
  n.slack_limit =
      n.reservation.Percent(config.slack_limit_percent.value_or(kDefaultSlackLimitPercent));
  n.slack_limit[ResourceKind::kCpu] = 0;  // revocable cpu comes from the cluster's slack
  return n;
}

absl::Status PoolTree::CheckAgainstParent(int32_t parent, int32_t self, const Normalized& n) const {
  const Pool& par = pools_[parent];
  const std::string& p = n.path.path;
  if (par.parent_ < 0) return absl::OkStatus();  // the root: capacity, not config, bounds it
  Resources siblings;
  for (int32_t c : par.children_) {
    if (c != self) siblings += pools_[c].reservation_;
  }
  for (ResourceKind k : kAllResourceKinds) {
    if (n.limit[k] > par.limit_[k]) {
      return PoolError(
          absl::StatusCode::kInvalidArgument, p,
          absl::StrCat(KindField(k, "limit"), " ", Units(k, n.limit[k]), " exceeds the parent ",
                       par.path_, "'s limit ", Units(k, par.limit_[k]),
                       " (rule: child limit <= parent limit)"));
    }
    if (siblings[k] + n.reservation[k] > par.reservation_[k]) {
      return PoolError(
          absl::StatusCode::kInvalidArgument, p,
          absl::StrCat(KindField(k, "reservation"), " ", Units(k, n.reservation[k]),
                       " plus the siblings' reservations ", Units(k, siblings[k]),
                       " exceeds the parent ", par.path_, "'s reservation ",
                       Units(k, par.reservation_[k]),
                       " (rule: sum of children's reservations <= parent reservation)"));
    }
  }
  return absl::OkStatus();
}

absl::Status PoolTree::CheckAgainstChildren(int32_t self, const Normalized& n) const {
  const Pool& pool = pools_[self];
  const std::string& p = n.path.path;
  Resources children;
  for (int32_t c : pool.children_) {
    const Pool& child = pools_[c];
    children += child.reservation_;
    for (ResourceKind k : kAllResourceKinds) {
      if (child.limit_[k] > n.limit[k]) {
        return PoolError(
            absl::StatusCode::kInvalidArgument, p,
            absl::StrCat(KindField(k, "limit"), " ", Units(k, n.limit[k]), " is below the child ",
                         child.path_, "'s limit ", Units(k, child.limit_[k]),
                         " (rule: child limit <= parent limit)"));
      }
    }
  }
  for (ResourceKind k : kAllResourceKinds) {
    if (children[k] > n.reservation[k]) {
      return PoolError(
          absl::StatusCode::kInvalidArgument, p,
          absl::StrCat(KindField(k, "reservation"), " ", Units(k, n.reservation[k]),
                       " is below the children's reservations ", Units(k, children[k]),
                       " (rule: sum of children's reservations <= parent reservation)"));
    }
  }
  return absl::OkStatus();
}

void PoolTree::ApplyConfig(int32_t index, Normalized n) {
  Pool& pool = pools_[index];
  pool.config_ = std::move(n.config);
  pool.reservation_ = n.reservation;
  pool.limit_ = n.limit;
  pool.static_floor_ = n.static_floor;
  pool.share_ = n.share;
  pool.weight_ = n.weight;
  pool.static_ = n.is_static;
  pool.controller_limit_ = n.controller_limit;
  pool.slack_limit_ = n.slack_limit;
}

absl::StatusOr<PoolHandle> PoolTree::Create(absl::string_view path, const PoolConfig& config) {
  PELOTON_ASSIGN_OR_RETURN(Normalized n, Normalize(path, config));
  const std::string& p = n.path.path;
  auto parent_it = by_path_.find(n.path.parent_path);
  if (parent_it == by_path_.end()) {
    return PoolError(absl::StatusCode::kNotFound, p,
                     absl::StrCat("parent pool ", n.path.parent_path,
                                  " does not exist (rule: the parent must exist)"));
  }
  const int32_t parent = parent_it->second;
  const Pool& par = pools_[parent];
  if (par.is_leaf() && parent != 0 &&
      !(par.demand_.IsZero() && par.slack_demand_.IsZero() && par.allocation_.total.IsZero())) {
    return PoolError(absl::StatusCode::kFailedPrecondition, p,
                     absl::StrCat("parent pool ", par.path_,
                                  " has demand or allocation of its own (rule: only an idle "
                                  "leaf can become a parent)"));
  }
  PELOTON_RETURN_IF_ERROR(CheckAgainstParent(parent, -1, n));
  if (by_path_.contains(p)) {
    return PoolError(absl::StatusCode::kAlreadyExists, p,
                     "a sibling pool has the same name (rule: names are unique among siblings)");
  }

  int32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<int32_t>(pools_.size());
    pools_.emplace_back();
  }
  Pool& pool = pools_[index];
  const uint32_t generation = pool.handle_.generation_ + 1;
  pool = Pool();
  pool.path_ = p;
  pool.name_ = n.path.name;
  pool.handle_ = PoolHandle(static_cast<uint32_t>(index), generation);
  pool.parent_ = parent;
  pool.live_ = true;
  ApplyConfig(index, std::move(n));
  pools_[index].slot_ = static_cast<int32_t>(pools_[parent].children_.size());
  pools_[parent].children_.push_back(index);
  RebuildPacked(pools_[parent]);
  by_path_.emplace(pools_[index].path_, index);
  Propagate(index, Deltas{});
  return pools_[index].handle_;
}

absl::Status PoolTree::Update(absl::string_view path, const PoolConfig& config,
                              const UpdateOptions& options) {
  PELOTON_ASSIGN_OR_RETURN(Normalized n, Normalize(path, config));
  auto it = by_path_.find(n.path.path);
  if (it == by_path_.end()) {
    return PoolError(absl::StatusCode::kNotFound, n.path.path, "no such pool");
  }
  const int32_t index = it->second;
  if (!options.force) {
    PELOTON_RETURN_IF_ERROR(CheckAgainstParent(pools_[index].parent_, index, n));
    PELOTON_RETURN_IF_ERROR(CheckAgainstChildren(index, n));
  }
  ApplyConfig(index, std::move(n));
  Propagate(index, Deltas{});
  return absl::OkStatus();
}

absl::Status PoolTree::Delete(absl::string_view path) {
  PELOTON_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath(path));
  if (parsed.path == "/") {
    return PoolError(absl::StatusCode::kInvalidArgument, "/",
                     "the root pool cannot be deleted (rule: never the root)");
  }
  auto it = by_path_.find(parsed.path);
  if (it == by_path_.end()) {
    return PoolError(absl::StatusCode::kNotFound, parsed.path, "no such pool");
  }
  const int32_t index = it->second;
  Pool& pool = pools_[index];
  if (!pool.is_leaf()) {
    return PoolError(absl::StatusCode::kFailedPrecondition, parsed.path,
                     "it has child pools (rule: only leaf pools can be deleted)");
  }
  if (!pool.demand_.IsZero() || !pool.slack_demand_.IsZero() || !pool.allocation_.total.IsZero()) {
    return PoolError(
        absl::StatusCode::kFailedPrecondition, parsed.path,
        absl::StrCat("it is busy: demand ", pool.demand_.ToString(), ", allocation ",
                     pool.allocation_.total.ToString(), " (rule: only idle pools can be deleted)"));
  }
  // Take its claim and usable limit out of the ancestors' sums, then detach it.
  pool.limit_ = Resources();
  pool.static_floor_ = Resources();
  Propagate(index, Deltas{});
  const int32_t parent = pool.parent_;
  auto& siblings = pools_[parent].children_;
  siblings.erase(siblings.begin() + pool.slot_);
  for (size_t j = pool.slot_; j < siblings.size(); ++j) {
    pools_[siblings[j]].slot_ = static_cast<int32_t>(j);
  }
  RebuildPacked(pools_[parent]);
  by_path_.erase(it);
  pool.live_ = false;
  pool.children_.clear();
  free_slots_.push_back(index);
  Propagate(parent, Deltas{});  // the parent may have become a leaf
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Lookup

absl::StatusOr<PoolHandle> PoolTree::Lookup(absl::string_view path) const {
  PELOTON_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath(path));
  auto it = by_path_.find(parsed.path);
  if (it == by_path_.end()) {
    return PoolError(absl::StatusCode::kNotFound, parsed.path, "no such pool");
  }
  return pools_[it->second].handle_;
}

absl::StatusOr<int32_t> PoolTree::Index(PoolHandle handle) const {
  if (handle.index_ >= pools_.size() || !pools_[handle.index_].live_ ||
      pools_[handle.index_].handle_.generation_ != handle.generation_) {
    return absl::NotFoundError("pool handle refers to a deleted pool");
  }
  return static_cast<int32_t>(handle.index_);
}

absl::StatusOr<const Pool*> PoolTree::Get(PoolHandle handle) const {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, Index(handle));
  return &pools_[index];
}

const Pool& PoolTree::pool(PoolHandle handle) const {
  auto index = Index(handle);
  PELOTON_CHECK(index.ok());
  return pools_[*index];
}

std::optional<PoolHandle> PoolTree::Parent(PoolHandle handle) const {
  const Pool& p = pool(handle);
  if (p.parent_ < 0) return std::nullopt;
  return pools_[p.parent_].handle_;
}

std::vector<PoolHandle> PoolTree::Children(PoolHandle handle) const {
  std::vector<PoolHandle> out;
  for (int32_t c : pool(handle).children_) out.push_back(pools_[c].handle_);
  return out;
}

std::vector<PoolHandle> PoolTree::Pools() const {
  std::vector<PoolHandle> out;
  out.reserve(size());
  std::deque<int32_t> queue = {0};
  while (!queue.empty()) {
    const Pool& p = pools_[queue.front()];
    queue.pop_front();
    out.push_back(p.handle_);
    queue.insert(queue.end(), p.children_.begin(), p.children_.end());
  }
  return out;
}

std::vector<PoolHandle> PoolTree::Leaves() const {
  std::vector<PoolHandle> out;
  for (PoolHandle h : Pools()) {
    if (pools_[h.index_].is_leaf()) out.push_back(h);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Demand and allocation

absl::StatusOr<int32_t> PoolTree::LeafIndex(PoolHandle leaf) const {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, Index(leaf));
  const Pool& p = pools_[index];
  if (!p.is_leaf() || p.is_root()) {
    return PoolError(absl::StatusCode::kFailedPrecondition, p.path_,
                     "demand and allocation belong to leaf pools (rule: not the root, no "
                     "children)");
  }
  return index;
}

absl::Status PoolTree::SetDemand(PoolHandle leaf, const Resources& demand,
                                 const Resources& slack_demand) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  SetLeafInputs(index, demand, slack_demand, pools_[index].allocation_);
  return absl::OkStatus();
}

absl::Status PoolTree::AddDemand(PoolHandle leaf, const Resources& resources, bool revocable) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  const Pool& p = pools_[index];
  SetLeafInputs(index, revocable ? p.demand_ : p.demand_ + resources,
                revocable ? p.slack_demand_ + resources : p.slack_demand_, p.allocation_);
  return absl::OkStatus();
}

absl::Status PoolTree::RemoveDemand(PoolHandle leaf, const Resources& resources, bool revocable) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  const Pool& p = pools_[index];
  const Resources& current = revocable ? p.slack_demand_ : p.demand_;
  if (!resources.FitsIn(current)) {
    return PoolError(absl::StatusCode::kFailedPrecondition, p.path_,
                     absl::StrCat("cannot remove ", revocable ? "slack demand " : "demand ",
                                  resources.ToString(), " from ", current.ToString(),
                                  " (rule: demand stays >= 0)"));
  }
  SetLeafInputs(index, revocable ? p.demand_ : p.demand_ - resources,
                revocable ? p.slack_demand_ - resources : p.slack_demand_, p.allocation_);
  return absl::OkStatus();
}

absl::Status PoolTree::SetAllocation(PoolHandle leaf, const Allocation& allocation) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  for (const Resources* part :
       {&allocation.non_preemptible, &allocation.controller, &allocation.slack}) {
    if (!part->FitsIn(allocation.total)) {
      return PoolError(absl::StatusCode::kInvalidArgument, pools_[index].path_,
                       "allocation buckets exceed the total (rule: non-preemptible, "
                       "controller and slack allocations are parts of the total)");
    }
  }
  SetLeafInputs(index, pools_[index].demand_, pools_[index].slack_demand_, allocation);
  return absl::OkStatus();
}

absl::Status PoolTree::AddAllocation(PoolHandle leaf, const Allocation& allocation) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  Allocation next = pools_[index].allocation_;
  next += allocation;
  return SetAllocation(leaf, next);
}

absl::Status PoolTree::RemoveAllocation(PoolHandle leaf, const Allocation& allocation) {
  PELOTON_ASSIGN_OR_RETURN(int32_t index, LeafIndex(leaf));
  const Pool& p = pools_[index];
  if (!p.allocation_.Contains(allocation)) {
    return PoolError(absl::StatusCode::kFailedPrecondition, p.path_,
                     absl::StrCat("cannot release ", allocation.total.ToString(),
                                  " from allocation ", p.allocation_.total.ToString(),
                                  " (rule: allocation stays >= 0 in every bucket)"));
  }
  Allocation next = p.allocation_;
  next -= allocation;
  SetLeafInputs(index, p.demand_, p.slack_demand_, next);
  return absl::OkStatus();
}

void PoolTree::SetLeafInputs(int32_t leaf, const Resources& demand, const Resources& slack_demand,
                             const Allocation& allocation) {
  Pool& p = pools_[leaf];
  const Deltas d = {Diff(demand, p.demand_),
                    Diff(slack_demand, p.slack_demand_),
                    Diff(allocation.total, p.allocation_.total),
                    Diff(allocation.non_preemptible, p.allocation_.non_preemptible),
                    Diff(allocation.controller, p.allocation_.controller),
                    Diff(allocation.slack, p.allocation_.slack)};
  p.demand_ = demand;
  p.slack_demand_ = slack_demand;
  p.allocation_ = allocation;
  Propagate(leaf, d);
}

void PoolTree::WritePacked(Pool& parent, const Pool& c) {
  const size_t n = parent.children_.size();
  const size_t j = static_cast<size_t>(c.slot_);
  int64_t* weights = parent.packed_.data();
  int64_t* bases = weights + Pool::kPackedRows * n;
  int64_t* claims = bases + Pool::kPackedRows * n;
  int64_t* usable = claims + Pool::kPackedRows * n;
  for (int k = 0; k < kNumResourceKinds; ++k) {
    weights[k * n + j] = c.weight_[k];
    bases[k * n + j] = c.base_.at(k);
    claims[k * n + j] = c.claim_.at(k);
    usable[k * n + j] = c.usable_limit_.at(k);
  }
  constexpr int kCpu = static_cast<int>(ResourceKind::kCpu);
  const size_t slack = kNumResourceKinds * n + j;
  weights[slack] = c.weight_[kCpu];
  bases[slack] = c.slack_cpu_allocation_;
  claims[slack] = c.slack_want_.at(kCpu);
  usable[slack] = internal::kUnboundedCap;
}

void PoolTree::RebuildPacked(Pool& parent) {
  parent.packed_.assign(4 * Pool::kPackedRows * parent.children_.size(), 0);
  for (int32_t c : parent.children_) WritePacked(parent, pools_[c]);
}

void PoolTree::RefreshDerived(Pool& p) {
  const Resources revocable_use = p.allocation_.slack + p.slack_demand_;
  p.non_revocable_need_ = p.allocation_.non_slack() + p.demand_;
  p.slack_want_ = Resources::Min(p.slack_limit_, revocable_use);
  p.slack_want_[ResourceKind::kCpu] = revocable_use.milli_cpu();
  p.slack_cpu_allocation_ = p.allocation_.slack.milli_cpu();
  Resources raw;
  if (p.is_leaf()) {
    // The slack limit's cpu is 0: revocable cpu never counts against the pool's share.
    raw = p.non_revocable_need_ + Resources::Min(p.slack_limit_, revocable_use);
    p.usable_limit_ = p.limit_;
  } else {
    raw = p.child_claim_sum_;
    p.usable_limit_ = Resources::Min(p.limit_, p.child_usable_limit_sum_);
  }
  p.claim_ = Resources::Min(p.limit_, Resources::Max(p.static_floor_, raw));
  p.base_ = Resources::Max(p.static_floor_, Resources::Min(p.claim_, p.reservation_));
  if (p.parent_ >= 0) WritePacked(pools_[p.parent_], p);
}

void PoolTree::Propagate(int32_t index, const Deltas& d) {
  Pool* p = &pools_[index];
  Resources old_claim = p->claim_;
  Resources old_usable = p->usable_limit_;
  RefreshDerived(*p);
  p->dirty_ = true;
  while (p->parent_ >= 0) {
    const Delta claim_delta = Diff(p->claim_, old_claim);
    const Delta usable_delta = Diff(p->usable_limit_, old_usable);
    p = &pools_[p->parent_];
    AddSigned(p->child_claim_sum_, claim_delta);
    AddSigned(p->child_usable_limit_sum_, usable_delta);
    AddSigned(p->demand_, d[0]);
    AddSigned(p->slack_demand_, d[1]);
    AddSigned(p->allocation_.total, d[2]);
    AddSigned(p->allocation_.non_preemptible, d[3]);
    AddSigned(p->allocation_.controller, d[4]);
    AddSigned(p->allocation_.slack, d[5]);
    old_claim = p->claim_;
    old_usable = p->usable_limit_;
    if (p->parent_ >= 0) RefreshDerived(*p);  // the root's claim is not used
    p->dirty_ = true;
  }
}

}  // namespace peloton::fairshare
