// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// For tests of the local backend (test-only).

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_TEST_OPTIONS_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_TEST_OPTIONS_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/backend/local/local_backend.h"

namespace peloton::backend::local {

// The peloton-task-runner the test depends on (its data).
inline std::string RunnerPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".",
                      "/peloton/services/backend/local/peloton-task-runner");
}

// A path under the test's temporary directory, with nothing there.
inline std::string FreshDir(absl::string_view name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::filesystem::remove_all(dir);
  return dir;
}

// Tasks run as the user the test runs as: root in Bazel's sandbox, whose user namespace maps
// root alone (there is no other user to become), or a developer's own user. Tests that run
// tasks as another user (task_user_test) run outside the sandbox.
inline LocalBackendOptions AsThisUser(LocalBackendOptions options) {
  if (geteuid() == 0) {
    options.task_user = "root";
    options.allow_root = true;
  }
  return options;
}

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_TEST_OPTIONS_H_
