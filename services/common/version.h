// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The version the binaries were built as (scripts/version.sh: "0.1.0", or "0.1.0-<sha>" after
// the tag v0.1.0), for their --version.

#ifndef PELOTON_SERVICES_COMMON_VERSION_H_
#define PELOTON_SERVICES_COMMON_VERSION_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/string_view.h"

namespace peloton {

absl::string_view Version();

// "<program> <version>": what --version prints (the program by argv[0]'s base name).
std::string VersionLine(absl::string_view argv0);

// --version on `app`: prints VersionLine of the program's name (argv[0], once parsed) and
// exits 0.
void AddVersionFlag(CLI::App& app);

}  // namespace peloton

#endif  // PELOTON_SERVICES_COMMON_VERSION_H_
