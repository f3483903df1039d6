// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Conversions between the library's PoolConfig and its wire forms: Peloton's protobuf
// ResourcePoolConfig (respool_proto_convert.h, included) and our Cap'n Proto
// ResourcePoolConfig. Only shapes are checked here (enum values in range); PoolTree validates
// the content and names the field that breaks a rule.

#ifndef PELOTON_SERVICES_API_RESPOOL_CONVERT_H_
#define PELOTON_SERVICES_API_RESPOOL_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "peloton/fairshare/pool_config.h"
#include "services/api/respool.capnp.h"
#include "services/api/respool_proto_convert.h"

namespace peloton::api {

void PoolConfigToCapnp(const fairshare::PoolConfig& config, ResourcePoolConfig::Builder out);
absl::StatusOr<fairshare::PoolConfig> PoolConfigFromCapnp(ResourcePoolConfig::Reader in);

}  // namespace peloton::api

#endif  // PELOTON_SERVICES_API_RESPOOL_CONVERT_H_
