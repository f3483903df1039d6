// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/placement/placer.h"

#include <array>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "peloton/common/check.h"
#include "peloton/common/status_macros.h"

namespace peloton::placement {
namespace {

// Reason counts are kept in a small array: Peloton's codes 0..9, then ours from 100.
constexpr int kReasonSlots = 13;
constexpr int Slot(FilterReason r) {
  const int v = static_cast<int>(r);
  return v >= 100 ? 10 + (v - 100) : v;
}
constexpr FilterReason ReasonOfSlot(int slot) {
  return static_cast<FilterReason>(slot >= 10 ? 100 + (slot - 10) : slot);
}
static_assert(Slot(FilterReason::kGangIncomplete) < kReasonSlots);

class TaskPlacer {
 public:
  TaskPlacer(Cluster& cluster, const Profile& profile, PlacementResult& result)
      : cluster_(cluster), profile_(profile), result_(result) {}

  // The host for `task`, or the reason most hosts gave.
  std::optional<uint32_t> FindHost(const TaskSpec& task, FilterReason& reason) {
    CycleState s;
    s.cluster = &cluster_;
    s.task = &task;
    s.needs_gpu = task.gpu_milli() > 0;
    s.constraint_names_exclusive = task.constraint.type != Constraint::Type::kNone &&
                                   task.constraint.NamesHostKey(kExclusiveAttribute);
    s.job_key = task.strategy == PlacementStrategy::kSpreadJob ? JobKey(task.job_id) : 0;
    ClearReasons();

    if (!task.desired_host.empty()) {
      absl::StatusOr<uint32_t> hinted = cluster_.FindHost(task.desired_host);
      if (task.pinned) {
        // That host or none: its filter's reason, or no offer while it is not in the cluster.
        if (!hinted.ok()) {
          reason = FilterReason::kNoOffer;
          ++result_.rejections[reason];
          return std::nullopt;
        }
        counting_ = true;
        reason = Passes(s, cluster_.host(*hinted));
        counting_ = false;
        if (reason != FilterReason::kMatch) return std::nullopt;
        return *hinted;
      }
      if (hinted.ok() && Passes(s, cluster_.host(*hinted)) == FilterReason::kMatch) return *hinted;
    }
    // GPU tasks search the hosts with GPUs; others the hosts without, then (the scarce-GPU
    // relaxation) the hosts with GPUs. SPREAD_JOB tasks may then share a host with their job.
    const HostClass first = s.needs_gpu ? HostClass::kWithGpus : HostClass::kWithoutGpus;
    std::optional<uint32_t> host = Search(s, first);
    if (!host && task.strategy == PlacementStrategy::kSpreadJob &&
        Seen(FilterReason::kMismatchMaxHostLimit)) {
      s.allow_same_job = true;
      host = Search(s, first);
    }
    if (!host && !s.needs_gpu && !profile_.options().scarce_gpu_hard &&
        cluster_.CountOf(HostClass::kWithGpus) > 0) {
      s.allow_gpu_hosts = true;
      host = Search(s, HostClass::kWithGpus);
    }
    if (!host) {
      // Why: every host through the filters (a full scan, on this failure path only).
      ClearReasons();
      counting_ = true;
      for (uint32_t h = 0; h < cluster_.size(); ++h) Passes(s, cluster_.host(h));
      counting_ = false;
      reason = FilterReason::kNoOffer;
      int64_t most = 0;
      for (int r = 0; r < kReasonSlots; ++r) {
        if (Reasons(r) > most) {
          most = Reasons(r);
          reason = ReasonOfSlot(r);
        }
      }
    }
    return host;
  }

 private:
  // How many hosts the filters refused for the reason of `slot` since ClearReasons. The counts
  // are zeroed when a filter first refuses one: most searches of a first-fit profile run none.
  int64_t Reasons(int slot) const { return reasons_counted_ ? reasons_[slot] : 0; }
  bool Seen(FilterReason r) const { return Reasons(Slot(r)) > 0; }
  void ClearReasons() { reasons_counted_ = false; }
  void Count(FilterReason r) {
    if (!reasons_counted_) {
      reasons_.fill(0);
      reasons_counted_ = true;
    }
    ++reasons_[Slot(r)];
  }

  // Every filter of the profile (a host that does not come from the index).
  FilterReason Passes(const CycleState& s, const Host& host) {
    return PassesThrough(profile_.filters(), s, host);
  }
  // Only the filters that may refuse a host of the index's search (Needs).
  FilterReason PassesNarrowing(const CycleState& s, const Host& host) {
    return PassesThrough(narrowing_, s, host);
  }
  template <typename Filters>
  FilterReason PassesThrough(const Filters& filters, const CycleState& s, const Host& host) {
    for (const auto& f : filters) {
      const FilterReason r = f->Filter(s, host);
      if (r != FilterReason::kMatch) {
        Count(r);
        if (counting_) ++result_.rejections[r];
        return r;
      }
    }
    return FilterReason::kMatch;
  }

  // The FilterNeed bits of this task's search of the hosts of class `cls`.
  uint32_t NeedsOf(const CycleState& s, HostClass cls) const {
    const TaskSpec& t = *s.task;
    uint32_t bits = kFilterAlways;
    if (t.revocable) bits |= kFilterRevocable;
    if (!t.static_ports.empty()) bits |= kFilterStaticPorts;
    if (t.constraint.type != Constraint::Type::kNone) bits |= kFilterConstraint;
    if (s.needs_gpu) bits |= kFilterGpu;
    if (t.strategy == PlacementStrategy::kSpreadJob && !t.job_id.empty() && !s.allow_same_job) {
      bits |= kFilterSpreadJob;
    }
    if (!s.constraint_names_exclusive && cluster_.CountExclusive() > 0) {
      bits |= kFilterExclusiveHosts;
    }
    if (cls == HostClass::kWithGpus && !s.needs_gpu && !s.allow_gpu_hosts) {
      bits |= kFilterGpuHosts;
    }
    if (!Cluster::SearchIsExact(t)) bits |= kFilterBeyondIndex;
    return bits;
  }

  // Candidates come from the cluster's index in cluster order: hosts whose free resources
  // cannot hold the task are skipped without running the filters (and are not counted), and
  // the others go through the filters that may still refuse them.
  std::optional<uint32_t> Search(CycleState& s, HostClass cls) {
    narrowing_.clear();
    if (const uint32_t needs = NeedsOf(s, cls); (needs & profile_.any_filter_needs()) != 0) {
      const std::vector<uint32_t>& filter_needs = profile_.filter_needs();
      for (size_t i = 0; i < filter_needs.size(); ++i) {
        if ((filter_needs[i] & needs) != 0) narrowing_.push_back(profile_.filters()[i].get());
      }
    }
    if (profile_.first_fit()) {
      std::optional<uint32_t> found;
      cluster_.SearchHosts(cls, *s.task, [&](uint32_t h) {
        if (!narrowing_.empty() && PassesNarrowing(s, cluster_.host(h)) != FilterReason::kMatch) {
          return false;
        }
        found = h;
        return true;
      });
      return found;
    }
    Scoring& sc = scoring_.has_value() ? *scoring_ : scoring_.emplace();
    sc.feasible.clear();
    cluster_.SearchHosts(cls, *s.task, [&](uint32_t h) {
      if (narrowing_.empty() || PassesNarrowing(s, cluster_.host(h)) == FilterReason::kMatch) {
        sc.feasible.push_back(h);
      }
      return false;
    });
    if (sc.feasible.empty()) return std::nullopt;
    sc.total.assign(sc.feasible.size(), 0);
    for (const auto& [scorer, weight] : profile_.scorers()) {
      sc.prescore.clear();
      scorer->PreScore(s, sc.prescore);
      s.prescore = sc.prescore;
      sc.scores.resize(sc.feasible.size());
      for (size_t i = 0; i < sc.feasible.size(); ++i) {
        sc.scores[i] = scorer->Score(s, cluster_.host(sc.feasible[i]));
      }
      scorer->Normalize(absl::MakeSpan(sc.scores));
      for (size_t i = 0; i < sc.feasible.size(); ++i) sc.total[i] += weight * sc.scores[i];
    }
    size_t best = 0;
    for (size_t i = 1; i < sc.feasible.size(); ++i) {
      if (sc.total[i] > sc.total[best]) best = i;
    }
    return sc.feasible[best];
  }

  Cluster& cluster_;
  const Profile& profile_;
  PlacementResult& result_;
  std::array<int64_t, kReasonSlots> reasons_;  // valid while reasons_counted_ (Reasons)
  bool reasons_counted_ = false;
  bool counting_ = false;  // add rejections to the result (the failure scan)
  // The profile's filters that may refuse a host of the running search (FilterPlugin::Needs).
  absl::InlinedVector<const FilterPlugin*, 8> narrowing_;
  // A profile with scorers': the hosts that passed, their scores, made at its first search.
  struct Scoring {
    std::vector<uint32_t> feasible;
    std::vector<int64_t> scores, total;
    std::vector<double> prescore;  // the running scorer's PreScore
  };
  std::optional<Scoring> scoring_;
};

}  // namespace

absl::StatusOr<PlacementResult> Place(absl::Span<const Gang> gangs, Cluster& cluster,
                                      const Profile& profile) {
  PlacementResult result;
  PELOTON_RETURN_IF_ERROR(PlaceInto(gangs, cluster, profile, result));
  return result;
}

absl::Status PlaceInto(absl::Span<const Gang> gangs, Cluster& cluster, const Profile& profile,
                       PlacementResult& result) {
  result.unplaced.clear();
  if (!result.rejections.empty()) result.rejections.clear();
  for (const Gang& gang : gangs) {
    for (const TaskSpec& task : gang.tasks) {
      if (absl::Status s = ValidateTask(task); !s.ok()) {
        result.placed.clear();
        return s;
      }
    }
  }
  // The first `placed` entries are this call's. Those a reused result holds beyond are
  // overwritten in place (a task id's string keeps its buffer) and cut off at the end.
  size_t placed = 0;
  TaskPlacer placer(cluster, profile, result);
  for (const Gang& gang : gangs) {
    // Allocations go straight into the result and are rolled back if the gang fails.
    const size_t first = placed;
    FilterReason failure = FilterReason::kUnknown;
    size_t failed_at = gang.tasks.size();
    for (size_t i = 0; i < gang.tasks.size(); ++i) {
      std::optional<uint32_t> host = placer.FindHost(gang.tasks[i], failure);
      if (!host) {
        failed_at = i;
        break;
      }
      Placed& p =
          placed < result.placed.size() ? result.placed[placed] : result.placed.emplace_back();
      ++placed;
      p.task_id = gang.tasks[i].id;
      // The filters said it fits.
      PELOTON_CHECK(cluster.AllocateInto(*host, gang.tasks[i], p.allocation).ok());
    }
    if (failed_at == gang.tasks.size()) continue;
    for (size_t i = first; i < placed; ++i) {
      PELOTON_CHECK(cluster.Release(result.placed[i].allocation).ok());
    }
    placed = first;
    for (size_t i = 0; i < gang.tasks.size(); ++i) {
      // The task that found no host carries its reason; the others failed with their gang.
      result.unplaced.push_back(
          {gang.tasks[i].id, i == failed_at ? failure : FilterReason::kGangIncomplete});
    }
  }
  result.placed.resize(placed);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<FilterReason>> NeverFitReason(const Gang& gang, Cluster& empty,
                                                           const Profile& profile) {
  PELOTON_ASSIGN_OR_RETURN(PlacementResult r, Place(absl::MakeConstSpan(&gang, 1), empty, profile));
  for (const Placed& p : r.placed) {
    // Taken on the twin a moment ago: it goes back as it came.
    if (absl::Status s = empty.Release(p.allocation); !s.ok()) return s;
  }
  if (r.unplaced.empty()) return std::nullopt;
  for (const Unplaced& u : r.unplaced) {
    if (u.reason != FilterReason::kGangIncomplete) return u.reason;
  }
  return r.unplaced.front().reason;
}

}  // namespace peloton::placement
