// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Helpers for fairshare tests: pool configs in Peloton's units.

#ifndef PELOTON_LIB_FAIRSHARE_TESTING_POOL_CONFIGS_H_
#define PELOTON_LIB_FAIRSHARE_TESTING_POOL_CONFIGS_H_

#include <string>

#include "peloton/fairshare/pool_config.h"

namespace peloton::fairshare::testing {

// A config with the same reservation, limit and share for cpu (cores), memory and disk (MB)
// and gpu; `scale` multiplies memory and disk so they are not all equal numbers.
inline PoolConfig Uniform(double reservation, double limit, double share = 1,
                          double memory_scale = 1) {
  PoolConfig c;
  c.resources = {
      {"cpu", reservation, limit, share, ReservationType::kElastic},
      {"memory", reservation * memory_scale, limit * memory_scale, share,
       ReservationType::kElastic},
      {"disk", reservation * memory_scale, limit * memory_scale, share, ReservationType::kElastic},
      {"gpu", reservation, limit, share, ReservationType::kElastic}};
  return c;
}

// Only cpu configured (memory, disk and gpu get Peloton's defaults: 0 / 0 / share 1).
inline PoolConfig CpuOnly(double reservation, double limit, double share = 1) {
  PoolConfig c;
  c.resources = {{"cpu", reservation, limit, share, ReservationType::kElastic}};
  return c;
}

}  // namespace peloton::fairshare::testing

#endif  // PELOTON_LIB_FAIRSHARE_TESTING_POOL_CONFIGS_H_
