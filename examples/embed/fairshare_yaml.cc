// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fair sharing for your own pool hierarchy: reads pools (Peloton's respool fields, by path)
// and their demand from a YAML file, computes the entitlements and prints them.
//
//   fairshare_yaml examples/embed/pools.yaml
//
// The library does no I/O: this program reads the file (with yaml-cpp) and hands the library
// plain values. Every rule violation is reported with the pool, the field and the rule, and
// the program stops there.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/pool_config.h"
#include "peloton/fairshare/pool_tree.h"

namespace fs = peloton::fairshare;
using peloton::Resources;

namespace {

absl::StatusOr<fs::PoolConfig> ConfigOf(const std::string& path, const YAML::Node& node) {
  fs::PoolConfig config;
  config.policy = fs::SchedulingPolicy::kPriorityFifo;
  for (const YAML::Node& r : node["resources"]) {
    fs::ResourceConfig rc;
    rc.kind = r["kind"].as<std::string>("");
    rc.reservation = r["reservation"].as<double>(0);
    rc.limit = r["limit"].as<double>(0);
    rc.share = r["share"].as<double>(1);
    if (r["type"]) {
      absl::StatusOr<fs::ReservationType> type =
          fs::ParseReservationType(r["type"].as<std::string>());
      if (!type.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("pool ", path, ": resources[", rc.kind,
                                                       "].type: ", type.status().message()));
      }
      rc.type = *type;
    }
    config.resources.push_back(rc);
  }
  return config;
}

Resources ResourcesOf(const YAML::Node& node) {
  absl::StatusOr<Resources> r =
      Resources::FromUnits(node["cpu"].as<double>(0), node["memory"].as<double>(0),
                           node["disk"].as<double>(0), node["gpu"].as<double>(0));
  if (!r.ok()) throw YAML::Exception(node.Mark(), std::string(r.status().message()));
  return *r;
}

int Fail(const std::string& file, absl::string_view message) {
  std::fprintf(stderr, "fairshare_yaml: %s: %s\n", file.c_str(), std::string(message).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fairshare_yaml POOLS.yaml\n");
    return 2;
  }
  const std::string file = argv[1];
  try {
    const YAML::Node doc = YAML::LoadFile(file);
    fs::PoolTree tree;
    // Parents first: sort the paths by depth. (Paths, not YAML::Nodes: assigning a Node
    // writes through to the document.)
    std::vector<std::string> paths;
    for (const auto& entry : doc["pools"]) paths.push_back(entry.first.as<std::string>());
    std::stable_sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
      return std::count(a.begin(), a.end(), '/') < std::count(b.begin(), b.end(), '/');
    });
    for (const std::string& path : paths) {
      const YAML::Node node = doc["pools"][path];
      absl::StatusOr<fs::PoolConfig> config = ConfigOf(path, node);
      if (!config.ok()) return Fail(file, config.status().message());
      if (absl::Status s = tree.Create(path, *config).status(); !s.ok()) {
        return Fail(file, s.message());
      }
    }
    for (const std::string& path : paths) {
      const YAML::Node node = doc["pools"][path];
      if (!node["demand"]) continue;
      if (absl::Status s = tree.SetDemand(*tree.Lookup(path), ResourcesOf(node["demand"]), {});
          !s.ok()) {
        return Fail(file, s.message());
      }
    }
    tree.ComputeEntitlements({.total = ResourcesOf(doc["capacity"])});

    std::printf("%-16s %8s %8s %12s %6s %6s %12s\n", "pool", "cpu res", "demand", "entitlement",
                "gpu", "demand", "entitlement");
    for (fs::PoolHandle h : tree.Pools()) {
      const fs::Pool& p = tree.pool(h);
      if (p.is_root()) continue;  // entitled to the whole cluster
      std::printf("%-16s %8.1f %8.1f %12.1f %6.1f %6.1f %12.1f\n", p.path().c_str(),
                  p.reservation().milli_cpu() / 1000.0, p.demand().milli_cpu() / 1000.0,
                  p.entitlement().total.milli_cpu() / 1000.0, p.reservation().milli_gpu() / 1000.0,
                  p.demand().milli_gpu() / 1000.0, p.entitlement().total.milli_gpu() / 1000.0);
    }
  } catch (const YAML::Exception& e) {
    return Fail(file, e.what());
  }
  return 0;
}
