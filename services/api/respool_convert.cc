// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/respool_convert.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace peloton::api {

using fairshare::PoolConfig;
using respool_internal::FromNan;
using respool_internal::PolicyOf;
using respool_internal::ReservationTypeOf;

void PoolConfigToCapnp(const PoolConfig& c, ResourcePoolConfig::Builder out) {
  out.setName(c.name);
  out.setOwningTeam(c.owning_team);
  auto groups = out.initLdapGroups(static_cast<unsigned>(c.ldap_groups.size()));
  for (unsigned i = 0; i < groups.size(); ++i) groups.set(i, c.ldap_groups[i]);
  out.setDescription(c.description);
  auto resources = out.initResources(static_cast<unsigned>(c.resources.size()));
  for (unsigned i = 0; i < resources.size(); ++i) {
    const fairshare::ResourceConfig& r = c.resources[i];
    auto b = resources[i];
    b.setKind(r.kind);
    b.setReservation(r.reservation);
    b.setLimit(r.limit);
    b.setShare(r.share);
    b.setType(static_cast<api::ReservationType>(r.type));
  }
  out.setPolicy(static_cast<api::SchedulingPolicy>(c.policy));
  out.setControllerLimitMaxPercent(c.controller_limit_percent.value_or(std::nan("")));
  out.setSlackLimitMaxPercent(c.slack_limit_percent.value_or(std::nan("")));
}

absl::StatusOr<PoolConfig> PoolConfigFromCapnp(ResourcePoolConfig::Reader in) {
  PoolConfig c;
  c.name = in.getName();
  c.owning_team = in.getOwningTeam();
  for (auto g : in.getLdapGroups()) c.ldap_groups.emplace_back(g);
  c.description = in.getDescription();
  int i = 0;
  for (auto r : in.getResources()) {
    auto type =
        ReservationTypeOf(static_cast<int>(r.getType()), absl::StrCat("resources[", i++, "].type"));
    if (!type.ok()) return type.status();
    c.resources.push_back({r.getKind(), r.getReservation(), r.getLimit(), r.getShare(), *type});
  }
  auto policy = PolicyOf(static_cast<int>(in.getPolicy()));
  if (!policy.ok()) return policy.status();
  c.policy = *policy;
  c.controller_limit_percent = FromNan(in.getControllerLimitMaxPercent());
  c.slack_limit_percent = FromNan(in.getSlackLimitMaxPercent());
  return c;
}

}  // namespace peloton::api
