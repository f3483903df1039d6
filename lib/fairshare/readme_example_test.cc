// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The embedding example of README.md, compiled and run so that it stays true.

#include "gtest/gtest.h"
#include "peloton/common/status_macros.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/testing/status_matchers.h"

namespace readme {

using namespace peloton;
using namespace peloton::fairshare;

absl::Status Example(std::vector<std::string>& placed) {
  PoolTree tree;
  PoolConfig config;  // Peloton's ResourcePoolConfig: cores, MB, MB, GPUs
  config.resources = {{"cpu", /*reservation=*/20, /*limit=*/100, /*share=*/1},
                      {"memory", 1024, 4096, 1}};
  PELOTON_ASSIGN_OR_RETURN(PoolHandle batch, tree.Create("/batch", config));

  Admitter admitter(tree);
  Gang gang{.id = "job-0", .tasks = {{"job-0-0", Resources::Of(1000, 512, 0, 0)}}};
  PELOTON_RETURN_IF_ERROR(admitter.Enqueue(batch, gang));

  tree.ComputeEntitlements({.total = Resources::Of(100'000, 65'536, 1'000'000, 0)});
  for (const AdmittedGang& admitted : admitter.AdmitReady()) {
    placed.push_back(admitted.gang.id.str());  // README: "place admitted.gang ..."
  }
  return absl::OkStatus();
}

TEST(ReadmeExampleTest, Runs) {
  std::vector<std::string> placed;
  EXPECT_THAT(Example(placed), peloton::testing::IsOk());
  EXPECT_EQ(placed, std::vector<std::string>{"job-0"});
}

}  // namespace readme
