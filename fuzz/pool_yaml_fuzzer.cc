// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fuzz target: bytes as a resource pool file, read as the CLI reads it (YAML into Peloton's
// v0 ResourcePoolConfig), converted as the resource manager does, created as a pool and as its
// own child (so checked against the root and against itself as a parent), then entitlements
// computed for a small cluster.

#include <cstddef>
#include <cstdint>
#include <string>

#include "peloton/fairshare/pool_tree.h"
#include "services/api/respool_proto_convert.h"
#include "services/api/yaml_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  peloton::api::respool_pb::ResourcePoolConfig proto;
  if (!peloton::api::YamlToProto(text, proto).ok()) return 0;
  absl::StatusOr<peloton::fairshare::PoolConfig> config = peloton::api::PoolConfigFromProto(proto);
  if (!config.ok()) return 0;
  config->name.clear();  // taken from the path
  peloton::fairshare::PoolTree tree;
  if (!tree.Create("/a", *config).ok()) return 0;
  if (tree.Create("/a/b", *config).ok()) {
    tree.ComputeEntitlements({.total = peloton::Resources::Of(64000, 262144, 1000000, 8000)});
  }
  return 0;
}
