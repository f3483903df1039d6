// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A placement plugin of your own, registered next to the built-in ones: the extension point
// to copy. Two plugins:
//   - filter "team-hosts": a host with the attribute `team` only takes tasks labelled with the
//     same team (other hosts take anyone);
//   - scorer "efficient-power": prefers hosts whose `power` attribute is `efficient`.
// The profile "team-aware" runs the built-in filters plus "team-hosts", and scores with the
// built-in "best-fit" (weight 1) and "efficient-power" (weight 2).
//
//   custom_plugin

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "peloton/placement/cluster.h"
#include "peloton/placement/placer.h"
#include "peloton/placement/plugin.h"

namespace pl = peloton::placement;
using peloton::Resources;

namespace {

// The value of the task label `key`, or "" when the task has none.
std::string TaskLabel(const pl::TaskSpec& task, absl::string_view key) {
  for (const pl::Label& l : task.labels) {
    if (l.key == key) return l.value;
  }
  return "";
}

class TeamHostsFilter final : public pl::FilterPlugin {
 public:
  absl::string_view Name() const override { return "team-hosts"; }
  pl::FilterReason Filter(const pl::CycleState& s, const pl::Host& host) const override {
    auto team = host.attributes.find("team");
    if (team == host.attributes.end()) return pl::FilterReason::kMatch;
    return TaskLabel(*s.task, "team") == team->second ? pl::FilterReason::kMatch
                                                      : pl::FilterReason::kMismatchConstraints;
  }
};

class EfficientPowerScorer final : public pl::ScorePlugin {
 public:
  absl::string_view Name() const override { return "efficient-power"; }
  int64_t Score(const pl::CycleState&, const pl::Host& host) const override {
    auto power = host.attributes.find("power");
    return power != host.attributes.end() && power->second == "efficient" ? pl::kMaxNodeScore : 0;
  }
};

void OrDie(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "custom_plugin: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}

pl::TaskSpec Task(std::string id, int64_t milli_cpu, std::string team = "") {
  pl::TaskSpec t;
  t.id = std::move(id);
  t.demand = Resources::Of(milli_cpu, 1024, 0, 0);
  if (!team.empty()) t.labels = {{"team", std::move(team)}};
  return t;
}

}  // namespace

int main() {
  pl::PluginRegistry registry;
  OrDie(pl::RegisterBuiltinPlugins(registry));
  OrDie(registry.RegisterFilter(
      "team-hosts", [](const pl::ProfileOptions&) { return std::make_unique<TeamHostsFilter>(); }));
  OrDie(registry.RegisterScorer("efficient-power", [](const pl::ProfileOptions&) {
    return std::make_unique<EfficientPowerScorer>();
  }));
  OrDie(registry.RegisterProfile(
      "team-aware", {{"host-state", "resources", "gpu", "ports", "exclusive", "constraints",
                      "scarce-gpu", "job-spread", "team-hosts"},
                     {{"best-fit", 1}, {"efficient-power", 2}}}));
  absl::StatusOr<pl::Profile> profile = registry.Build("team-aware");
  OrDie(profile.status());

  pl::Cluster cluster;
  struct H {
    const char* name;
    const char* power;
    const char* team;
  };
  for (const H& h :
       {H{"old-1", "legacy", ""}, H{"new-1", "efficient", ""}, H{"ml-1", "efficient", "ml"}}) {
    pl::HostSpec spec;
    spec.name = h.name;
    spec.capacity = Resources::Of(8000, 32768, 0, 0);
    spec.attributes = {{"power", h.power}};
    if (*h.team != '\0') spec.attributes["team"] = h.team;
    OrDie(cluster.AddHost(spec).status());
  }

  std::vector<pl::Gang> gangs;
  for (int i = 0; i < 3; ++i) gangs.push_back({{Task("web-" + std::to_string(i), 3000)}});
  gangs.push_back({{Task("train-0", 6000, "ml")}});
  // No host has 6 cores left: unplaced, with the reason most hosts gave.
  gangs.push_back({{Task("train-1", 6000, "ml")}});
  absl::StatusOr<pl::PlacementResult> result = pl::Place(gangs, cluster, *profile);
  OrDie(result.status());
  for (const pl::Placed& p : result->placed) {
    std::printf("%-8s -> %s\n", p.task_id.c_str(), cluster.host(p.allocation.host).name.c_str());
  }
  for (const pl::Unplaced& u : result->unplaced) {
    std::printf("%-8s unplaced: %s\n", u.task_id.c_str(), std::string(pl::Name(u.reason)).c_str());
  }
  return 0;
}
