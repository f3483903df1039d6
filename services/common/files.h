// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Whole-file reads and atomic writes for the services (the library does no I/O).
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_COMMON_FILES_H_
#define PELOTON_SERVICES_COMMON_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::files {

// The file's bytes. NotFound (naming the file) when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// Writes `content` to a temporary file beside `path`, then renames it over `path`.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

}  // namespace peloton::files

#endif  // PELOTON_SERVICES_COMMON_FILES_H_
