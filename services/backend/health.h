// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What a backend that runs health checks itself (local, sim) makes of their results, by Mesos'
// rules (backend.h, HealthCheckSpec): a pass reports the task healthy when it was not reported
// so (the first pass, a pass after failures); a failure reports it unhealthy when it was not
// (the first of a run of failures); `max_consecutive_failures` failures in a row kill it.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_BACKEND_HEALTH_H_
#define PELOTON_SERVICES_BACKEND_HEALTH_H_

#include <cstdint>
#include <optional>

namespace peloton::backend {

class HealthTracker {
 public:
  explicit HealthTracker(uint32_t max_consecutive_failures)
      : max_failures_(max_consecutive_failures < 1 ? 1 : max_consecutive_failures) {}

  struct Verdict {
    bool report = false;  // the task's health changed: tell the scheduler
    bool healthy = false;
    bool kill = false;  // failed too often in a row
  };
  Verdict Record(bool passed) {
    Verdict v;
    v.healthy = passed;
    failures_ = passed ? 0 : failures_ + 1;
    v.report = reported_ != passed;
    if (v.report) reported_ = passed;
    v.kill = failures_ >= max_failures_;
    return v;
  }
  uint32_t consecutive_failures() const { return failures_; }

 private:
  uint32_t max_failures_;
  uint32_t failures_ = 0;
  std::optional<bool> reported_;
};

}  // namespace peloton::backend

#endif  // PELOTON_SERVICES_BACKEND_HEALTH_H_
