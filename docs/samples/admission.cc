// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
// docs/samples/admission.cc: gangs wait in their pool until its entitlement admits them.
#include "peloton/fairshare/admission.h"

#include <cstdio>

using peloton::Resources;
namespace fs = peloton::fairshare;

int main() {
  fs::PoolTree tree;
  fs::PoolConfig config;
  config.resources = {{.kind = "cpu", .reservation = 4, .limit = 4, .share = 1}};
  const fs::PoolHandle batch = *tree.Create("/batch", config);
  fs::Admitter admitter(tree);
  // Three gangs of 2 CPUs each; the pool may hold 4 CPUs. Higher priority goes first.
  for (int i = 0; i < 3; ++i) {
    const std::string id = "gang-" + std::to_string(i);
    fs::Gang gang{.id = id, .priority = static_cast<uint32_t>(i)};
    gang.tasks = {{id + "-task", Resources::Of(2000, 0, 0, 0)}};
    (void)admitter.Enqueue(batch, gang);
  }
  tree.ComputeEntitlements({.total = Resources::Of(100000, 0, 0, 0)});
  for (const fs::AdmittedGang& admitted : admitter.AdmitReady()) {
    std::printf("admitted %s\n", admitted.gang.id.c_str());
  }
  for (const std::string& id : admitter.Queued(batch, fs::QueueKind::kPending)) {
    std::printf("waiting %s\n", id.c_str());
  }
  std::printf("allocation %.0f cpus, demand %.0f cpus\n",
              tree.pool(batch).allocation().total.milli_cpu() / 1000.0,
              tree.pool(batch).demand().milli_cpu() / 1000.0);
}
