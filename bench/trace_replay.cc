// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// trace_replay: replays an openb pod list on an openb node list with a placement profile.
//
//   trace_replay --nodes=../shared/data/openb/openb_node_list_all_node.csv
//                --pods=../shared/data/openb/openb_pod_list_default.csv --profile=gpu-frag --json
//   trace_replay ... --protocol=fgd --seeds=10   # FGD's evaluation protocol (FgdReport)

#include <iostream>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/report.h"
#include "bench/trace/replay.h"
#include "bench/trace/simulator_plugins.h"

int main(int argc, char** argv) {
  CLI::App app{"Replay an openb GPU cluster trace with a placement profile"};
  std::string nodes, pods;
  peloton::bench::ReplayOptions options;
  bool json = false;
  app.add_option("--nodes", nodes, "node list CSV (sn,cpu_milli,memory_mib,gpu,model)")->required();
  app.add_option("--pods", pods, "pod list CSV (name,cpu_milli,memory_mib,num_gpu,gpu_milli,...)")
      ->required();
  app.add_option("--profile", options.profile,
                 "placement profile: pack, best-fit, spread, gpu-frag; and FGD's simulator's "
                 "sim-best-fit and fgd");
  app.add_flag("--churn", options.churn, "pods also leave at their deletion_time");
  app.add_flag("--scarce-gpu-hard", options.scarce_gpu_hard,
               "never put CPU-only pods on GPU hosts");
  const std::map<std::string, peloton::bench::MixWeights> weights = {
      {"uniform", peloton::bench::MixWeights::kUniform},
      {"popularity", peloton::bench::MixWeights::kPopularity}};
  app.add_option("--mix-weights", options.mix_weights,
                 "how gpu-frag's workload mix weighs each GPU request size: uniform (default) "
                 "or popularity (FGD's share of the pods)")
      ->transform(CLI::CheckedTransformer(weights, CLI::ignore_case));
  app.add_flag("--json", json, "print the report as one JSON object");
  uint64_t seed = 0;
  CLI::Option* shuffle = app.add_option(
      "--shuffle-seed", seed, "pods arrive in a random order drawn with this seed (no --churn)");
  std::string protocol = "first-failure";
  int seeds = 10;
  app.add_option("--protocol", protocol,
                 "first-failure (trace order, stop at the first pod that fits nowhere) or fgd "
                 "(FGD's: GPU nodes, shuffled arrivals to 130% of the GPUs, unallocated GPU % "
                 "at 100% arrival)")
      ->check(CLI::IsMember({"first-failure", "fgd"}));
  app.add_option("--seeds", seeds, "with --protocol=fgd: seeds 0..N-1")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  if (shuffle->count() > 0) options.shuffle_seed = seed;

  auto node_list = peloton::bench::ReadOpenbNodes(nodes);
  if (!node_list.ok()) {
    std::cerr << "trace_replay: " << node_list.status().message() << "\n";
    return 2;
  }
  auto pod_list = peloton::bench::ReadOpenbPods(pods);
  if (!pod_list.ok()) {
    std::cerr << "trace_replay: " << pod_list.status().message() << "\n";
    return 2;
  }
  peloton::placement::PluginRegistry registry;
  if (auto s = peloton::placement::RegisterBuiltinPlugins(registry); !s.ok()) {
    std::cerr << "trace_replay: " << s.message() << "\n";
    return 1;
  }
  // FGD's simulator's baselines, "sim-best-fit" and "fgd", with this trace's workload.
  if (auto s = peloton::bench::RegisterSimulatorPlugins(registry, *pod_list); !s.ok()) {
    std::cerr << "trace_replay: " << s.message() << "\n";
    return 1;
  }
  if (protocol == "fgd") {
    auto fgd = peloton::bench::ReplayFgd(*node_list, *pod_list, registry, options, seeds);
    if (!fgd.ok()) {
      std::cerr << "trace_replay: " << fgd.status().message() << "\n";
      return 2;
    }
    fgd->set_pods_file(pods);
    if (json) {
      peloton::bench::PrintJson(*fgd, /*one_line=*/true);
    } else {
      std::cout << fgd->DebugString();
    }
    return 0;
  }
  auto report = peloton::bench::Replay(*node_list, *pod_list, registry, options);
  if (!report.ok()) {
    std::cerr << "trace_replay: " << report.status().message() << "\n";
    return 2;
  }
  report->set_pods_file(pods);
  if (json) {
    peloton::bench::PrintJson(*report, /*one_line=*/true);
  } else {
    std::cout << report->DebugString();
  }
  return 0;
}
