// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/respool_proto_convert.h"

#include <cmath>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace peloton::api {

using fairshare::PoolConfig;
using fairshare::ReservationType;
using fairshare::SchedulingPolicy;

namespace respool_internal {

absl::StatusOr<ReservationType> ReservationTypeOf(int value, absl::string_view field) {
  if (value < 0 || value > static_cast<int>(ReservationType::kStatic)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value,
                     " is not a reservation type (rule: 0 UNKNOWN_TYPE, 1 ELASTIC, 2 STATIC)"));
  }
  return static_cast<ReservationType>(value);
}

absl::StatusOr<SchedulingPolicy> PolicyOf(int value) {
  if (value < 0 || value > static_cast<int>(SchedulingPolicy::kPriorityFifo)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: ", value, " is not a scheduling policy (rule: 0 UNKNOWN, 1 PriorityFIFO)"));
  }
  return static_cast<SchedulingPolicy>(value);
}

std::optional<double> FromNan(double v) {
  return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

}  // namespace respool_internal

using respool_internal::FromNan;
using respool_internal::PolicyOf;
using respool_internal::ReservationTypeOf;

absl::StatusOr<PoolConfig> PoolConfigFromProto(const respool_pb::ResourcePoolConfig& proto) {
  PoolConfig c;
  c.name = proto.name();
  c.owning_team = proto.owningteam();
  c.ldap_groups.assign(proto.ldapgroups().begin(), proto.ldapgroups().end());
  c.description = proto.description();
  for (int i = 0; i < proto.resources_size(); ++i) {
    const respool_pb::ResourceConfig& r = proto.resources(i);
    auto type = ReservationTypeOf(r.type(), absl::StrCat("resources[", i, "].type"));
    if (!type.ok()) return type.status();
    c.resources.push_back({r.kind(), r.reservation(), r.limit(), r.share(), *type});
  }
  auto policy = PolicyOf(proto.policy());
  if (!policy.ok()) return policy.status();
  c.policy = *policy;
  if (proto.has_controllerlimit())
    c.controller_limit_percent = proto.controllerlimit().maxpercent();
  if (proto.has_slacklimit()) c.slack_limit_percent = proto.slacklimit().maxpercent();
  return c;
}

respool_pb::ResourcePoolConfig PoolConfigToProto(const PoolConfig& c) {
  respool_pb::ResourcePoolConfig proto;
  proto.set_name(c.name);
  proto.set_owningteam(c.owning_team);
  for (const std::string& g : c.ldap_groups) proto.add_ldapgroups(g);
  proto.set_description(c.description);
  for (const fairshare::ResourceConfig& r : c.resources) {
    respool_pb::ResourceConfig* out = proto.add_resources();
    out->set_kind(r.kind);
    out->set_reservation(r.reservation);
    out->set_limit(r.limit);
    out->set_share(r.share);
    out->set_type(static_cast<respool_pb::ReservationType>(r.type));
  }
  proto.set_policy(static_cast<respool_pb::SchedulingPolicy>(c.policy));
  if (c.controller_limit_percent) {
    proto.mutable_controllerlimit()->set_maxpercent(*c.controller_limit_percent);
  }
  if (c.slack_limit_percent) proto.mutable_slacklimit()->set_maxpercent(*c.slack_limit_percent);
  return proto;
}

absl::StatusOr<respool_pb::ResourcePoolConfig> ResourcePoolConfigFromJson(absl::string_view json) {
  respool_pb::ResourcePoolConfig proto;
  google::protobuf::util::Status status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &proto);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("resource pool config JSON: ", status.message().as_string()));
  }
  return proto;
}

}  // namespace peloton::api
