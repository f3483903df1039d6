// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The pool the simulation tools give each of `n` equal tenants: a reservation of 1/n of the
// cluster (rounded down, so that the reservations fit in it), a limit of all of it, share 1.

#ifndef PELOTON_BENCH_EQUAL_POOL_H_
#define PELOTON_BENCH_EQUAL_POOL_H_

#include <cmath>
#include <string>

#include "peloton/common/resources.h"
#include "services/api/respool.pb.h"

namespace peloton::bench {

inline api::v0::respool::ResourcePoolConfig EqualPool(const std::string& name,
                                                      const Resources& cluster, int n) {
  api::v0::respool::ResourcePoolConfig c;
  c.set_name(name);
  for (ResourceKind kind : kAllResourceKinds) {
    const double amount = FromFixedPoint(kind, cluster[kind]);
    auto* r = c.add_resources();
    r->set_kind(std::string(ResourceKindName(kind)));
    r->set_reservation(std::floor(amount / n));
    r->set_limit(amount);
    r->set_share(1);
  }
  return c;
}

}  // namespace peloton::bench

#endif  // PELOTON_BENCH_EQUAL_POOL_H_
