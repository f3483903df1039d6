// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Conversions between the library's PoolConfig and Peloton's protobuf ResourcePoolConfig
// (binary or JSON, camelCase keys as protobuf JSON writes them), without Cap'n Proto (the
// Cap'n Proto forms are respool_convert.h's). Only shapes are checked here (enum values in
// range); PoolTree validates the content and names the field that breaks a rule.

#ifndef PELOTON_SERVICES_API_RESPOOL_PROTO_CONVERT_H_
#define PELOTON_SERVICES_API_RESPOOL_PROTO_CONVERT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "peloton/fairshare/pool_config.h"
#include "services/api/respool.pb.h"

namespace peloton::api {

namespace respool_pb = ::peloton::api::v0::respool;

// InvalidArgument for an enum value Peloton does not define. The proto's `parent` and
// `changeLog` are not part of PoolConfig (a pool's parent is its path); callers that care
// read them from the proto.
absl::StatusOr<fairshare::PoolConfig> PoolConfigFromProto(
    const respool_pb::ResourcePoolConfig& proto);
respool_pb::ResourcePoolConfig PoolConfigToProto(const fairshare::PoolConfig& config);

// Parses protobuf JSON (Peloton's integration-test form). InvalidArgument with the parser's
// message for malformed JSON or unknown fields.
absl::StatusOr<respool_pb::ResourcePoolConfig> ResourcePoolConfigFromJson(absl::string_view json);

// Shared with the Cap'n Proto conversions.
namespace respool_internal {
absl::StatusOr<fairshare::ReservationType> ReservationTypeOf(int value, absl::string_view field);
absl::StatusOr<fairshare::SchedulingPolicy> PolicyOf(int value);
std::optional<double> FromNan(double v);  // NaN: unset
}  // namespace respool_internal

}  // namespace peloton::api

#endif  // PELOTON_SERVICES_API_RESPOOL_PROTO_CONVERT_H_
