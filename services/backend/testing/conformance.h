// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The conformance suite: the behaviour every Backend must show (backend.h), whatever runs its
// tasks. A backend's test instantiates it with a factory of harnesses:
//
//   INSTANTIATE_TEST_SUITE_P(Local, BackendConformanceTest,
//                            ::testing::Values(BackendFactory{"local", &MakeLocalHarness}));
//
// A harness owns one backend and does for the suite what the backend's cluster would: a Mesos
// double offers its agents, ends tasks and reports health as an agent would; a backend that
// runs the commands and checks itself needs none of that (the hooks do nothing). The suite's
// commands are `exit 0`, `exit 3` and `sleep 600`, with the meaning a shell gives them, and its
// health check a COMMAND check of `true`. What a volume holds is each backend's own test's
// business (only the local backend runs commands that could look); the suite checks where a
// volume is and who uses it.

#ifndef PELOTON_SERVICES_BACKEND_TESTING_CONFORMANCE_H_
#define PELOTON_SERVICES_BACKEND_TESTING_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/backend/backend.h"

namespace peloton::backend::testing {

class BackendHarness {
 public:
  virtual ~BackendHarness() = default;
  virtual Backend& backend() = 0;
  // The host the suite launches on, and another one.
  virtual std::string host() const = 0;
  virtual std::string other_host() const = 0;
  // After launches: what the cluster must do for them to start (Mesos: offers).
  virtual void Offer() {}
  // A running task ends by itself in `state` (its command did; nothing to do where it runs).
  virtual void End(const std::string& /*task_id*/, MesosTaskState /*state*/) {}
  // A running task's health check passes (nothing to do where the backend runs the checks).
  virtual void PassHealthCheck(const std::string& /*task_id*/) {}
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<BackendHarness>(const std::string& dir)> make;

  friend std::ostream& operator<<(std::ostream& os, const BackendFactory& f) {
    return os << f.name;
  }
};

class BackendConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;

  Backend& backend() { return harness_->backend(); }
  // A launch of `command` on the harness's host.
  LaunchSpec Spec(const std::string& task_id, const std::string& command) const;
  // Polls (a generous while, so that a bug cannot hang CI) until `done` holds of every status
  // seen so far, which `seen_` keeps.
  void PollUntil(const std::function<bool(const std::vector<TaskStatus>&)>& done);
  // The statuses of one task, in order.
  std::vector<TaskStatus> Of(const std::string& task_id) const;
  bool Saw(const std::string& task_id, MesosTaskState state) const;
  // The task's statuses, for a failure's message.
  std::string Describe(const std::string& task_id) const;

  std::unique_ptr<BackendHarness> harness_;
  std::vector<TaskStatus> seen_;
};

}  // namespace peloton::backend::testing

#endif  // PELOTON_SERVICES_BACKEND_TESTING_CONFORMANCE_H_
