// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement plugin interface (after the Kubernetes scheduling framework): a Profile is an
// ordered list of filters and weighted scorers. Filters say whether a task may go to a host,
// with a reason when not; scorers rank the hosts that passed every filter (0..100, higher is
// better; the total is the weighted sum). A profile without scorers is first fit: the first
// host in cluster order that passes.
//
// Plugins and profiles are registered by name in a PluginRegistry that the caller builds and
// fills explicitly (RegisterBuiltinPlugins adds the built-in ones); there is no global
// registry. To add a plugin: implement FilterPlugin or ScorePlugin, register a factory under
// a new name, and define a profile that uses it (examples/embed shows one).
//
// Plugins are const and must not allocate in Filter/Score; per-task data is computed once in
// the CycleState, or by a scorer's PreScore.

#ifndef PELOTON_PLACEMENT_PLUGIN_H_
#define PELOTON_PLACEMENT_PLUGIN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "peloton/placement/cluster.h"
#include "peloton/placement/model.h"

namespace peloton::placement {

inline constexpr int64_t kMaxNodeScore = 100;

// A task shape and its weight in the expected workload, for the fragmentation-aware scorer.
struct WorkloadShape {
  Resources demand;
  double weight = 1;
  // The GPU models the shape accepts (TaskSpec::gpu_models); empty = any. A host of another
  // model is all fragment to it.
  std::vector<std::string> gpu_models;
};

struct ProfileOptions {
  // Scarce GPUs: a task that needs no GPU never goes to a GPU host (true), or only when no
  // host without GPUs fits (false, the default).
  bool scarce_gpu_hard = false;
  // The workload mix the fragmentation-aware scorer protects (ATC'23 FGD). Empty: a default
  // mix of common GPU task shapes.
  std::vector<WorkloadShape> workload;
};

// Per task, per placement: computed once, read by every plugin.
struct CycleState {
  const Cluster* cluster = nullptr;
  const TaskSpec* task = nullptr;
  bool needs_gpu = false;
  bool constraint_names_exclusive = false;
  uint64_t job_key = 0;  // JobKey(task->job_id), for SPREAD_JOB
  // Relaxations tried in a second pass when nothing fits (soft scarce GPUs, SPREAD_JOB).
  bool allow_gpu_hosts = false;
  bool allow_same_job = false;
  // What the scorer being run wrote in PreScore for this task (empty if it wrote nothing).
  absl::Span<const double> prescore;
};

// What a filter may check beyond the cluster's index (FilterPlugin::Needs), as bits of the
// task being placed and of the search: a filter runs on the hosts of a search when the two
// share a bit.
enum FilterNeed : uint32_t {
  kFilterAlways = 1u << 0,          // every search
  kFilterRevocable = 1u << 1,       // a revocable task (its cpu is not what the index holds)
  kFilterStaticPorts = 1u << 2,     // a task with static ports (the index counts ports only)
  kFilterConstraint = 1u << 3,      // a task with a constraint
  kFilterGpu = 1u << 4,             // a task asking for GPU (the index holds sums, not devices)
  kFilterSpreadJob = 1u << 5,       // a SPREAD_JOB task, its one-per-host rule not relaxed
  kFilterExclusiveHosts = 1u << 6,  // a cluster with exclusive hosts the task does not name
  kFilterGpuHosts = 1u << 7,        // a task without GPU searching the hosts with GPUs, before
                                    // the scarce-GPU relaxation
  kFilterBeyondIndex = 1u << 8,     // a demand the index saturates on (Cluster::SearchIsExact)
};

class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual absl::string_view Name() const = 0;
  // FilterReason::kMatch when the task may go to the host.
  virtual FilterReason Filter(const CycleState& state, const Host& host) const = 0;
  // When Filter must run on the hosts of an index search (Cluster::SearchHosts: UP hosts
  // whose free resources and port count hold the task's): the FilterNeed bits of the tasks
  // and searches for which it may refuse such a host. Placement skips it for the others, so
  // that a filter with nothing to check for a task costs that task nothing per host. It still
  // runs where hosts do not come from the index (a desired host, the scan that explains a
  // failure). The default, kFilterAlways, is always correct. Asked once, when the filter is
  // added to a profile.
  virtual uint32_t Needs() const { return kFilterAlways; }
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual absl::string_view Name() const = 0;
  // Optionally, once per task before Score is called for the hosts that passed: what every
  // Score of this task reads, appended to `out` (empty on entry) and given back to Score as
  // state.prescore. The cluster-wide part of a score belongs here, not in Score.
  virtual void PreScore(const CycleState& state, std::vector<double>& out) const {
    (void)state;
    (void)out;
  }
  // Called only for hosts that passed every filter. 0..kMaxNodeScore, unless Normalize
  // (which then must bring the scores into 0..kMaxNodeScore) is overridden.
  virtual int64_t Score(const CycleState& state, const Host& host) const = 0;
  // Optionally rescales one task's scores over all feasible hosts (in place, to 0..100).
  virtual void Normalize(absl::Span<int64_t> scores) const { (void)scores; }
};

class Profile {
 public:
  Profile(std::string name, ProfileOptions options)
      : name_(std::move(name)), options_(std::move(options)) {}
  Profile(Profile&&) = default;
  Profile& operator=(Profile&&) = default;

  const std::string& name() const { return name_; }
  const ProfileOptions& options() const { return options_; }
  bool first_fit() const { return scorers_.empty(); }
  const std::vector<std::unique_ptr<FilterPlugin>>& filters() const { return filters_; }
  const std::vector<std::pair<std::unique_ptr<ScorePlugin>, int64_t>>& scorers() const {
    return scorers_;
  }

  // Each filter's FilterPlugin::Needs, in order, and all of them together.
  const std::vector<uint32_t>& filter_needs() const { return filter_needs_; }
  uint32_t any_filter_needs() const { return any_filter_needs_; }

  void AddFilter(std::unique_ptr<FilterPlugin> f) {
    filter_needs_.push_back(f->Needs());
    any_filter_needs_ |= filter_needs_.back();
    filters_.push_back(std::move(f));
  }
  void AddScorer(std::unique_ptr<ScorePlugin> s, int64_t weight) {
    scorers_.emplace_back(std::move(s), weight);
  }

 private:
  std::string name_;
  ProfileOptions options_;
  std::vector<uint32_t> filter_needs_;
  uint32_t any_filter_needs_ = 0;
  std::vector<std::unique_ptr<FilterPlugin>> filters_;
  std::vector<std::pair<std::unique_ptr<ScorePlugin>, int64_t>> scorers_;
};

struct ProfileDefinition {
  std::vector<std::string> filters;
  std::vector<std::pair<std::string, int64_t>> scorers;  // name, weight (> 0)
};

class PluginRegistry {
 public:
  using FilterFactory = std::function<std::unique_ptr<FilterPlugin>(const ProfileOptions&)>;
  using ScoreFactory = std::function<std::unique_ptr<ScorePlugin>(const ProfileOptions&)>;

  // AlreadyExists for a name registered before; InvalidArgument for an empty name.
  absl::Status RegisterFilter(std::string name, FilterFactory factory);
  absl::Status RegisterScorer(std::string name, ScoreFactory factory);
  // NotFound for a plugin not registered yet; InvalidArgument for a weight <= 0.
  absl::Status RegisterProfile(std::string name, ProfileDefinition definition);

  // NotFound naming the profile and listing the known ones.
  absl::StatusOr<Profile> Build(absl::string_view profile,
                                const ProfileOptions& options = {}) const;
  std::vector<std::string> ProfileNames() const;

 private:
  absl::btree_map<std::string, FilterFactory> filters_;
  absl::btree_map<std::string, ScoreFactory> scorers_;
  absl::btree_map<std::string, ProfileDefinition> profiles_;
};

// The built-in plugins and the profiles "pack" (first fit, the default), "best-fit",
// "spread" (least loaded) and "gpu-frag" (fragmentation-aware, FGD).
//   filters: "host-state", "resources", "gpu", "ports", "exclusive", "constraints",
//            "scarce-gpu", "job-spread"
//   scorers: "best-fit", "least-allocated", "gpu-frag"
absl::Status RegisterBuiltinPlugins(PluginRegistry& registry);

// Min–max normalisation for a scorer's Normalize: the lowest score becomes 0, the highest
// kMaxNodeScore, the others in proportion; all kMaxNodeScore when they are equal.
void NormalizeMinMax(absl::Span<int64_t> scores);

inline constexpr absl::string_view kDefaultProfile = "pack";

}  // namespace peloton::placement

#endif  // PELOTON_PLACEMENT_PLUGIN_H_
