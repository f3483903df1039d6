# Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
#
# Resource pool configuration on the wire (Cap'n Proto), mirroring Peloton's v0
# ResourcePoolConfig. Converted to and from peloton::fairshare::PoolConfig by
# respool_capnp.h. The RPC services build on these structs.

@0xa2c86d08f1e8da87;

$import "/capnp/c++.capnp".namespace("peloton::api");

enum ReservationType {
  unknownType @0;
  elastic @1;
  static @2;
}

enum SchedulingPolicy {
  unknown @0;
  priorityFifo @1;
}

struct ResourceConfig {
  kind @0 :Text;          # "cpu", "memory", "disk" or "gpu"
  reservation @1 :Float64;
  limit @2 :Float64;
  share @3 :Float64;
  type @4 :ReservationType;
}

struct ResourcePoolConfig {
  name @0 :Text;
  owningTeam @1 :Text;
  ldapGroups @2 :List(Text);
  description @3 :Text;
  resources @4 :List(ResourceConfig);
  policy @5 :SchedulingPolicy;
  # maxPercent values; NaN when unset (Cap'n Proto has no optional scalars).
  controllerLimitMaxPercent @6 :Float64 = nan;
  slackLimitMaxPercent @7 :Float64 = nan;
}
