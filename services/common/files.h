// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Whole-file reads and atomic writes for the services (the library does no I/O).
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_COMMON_FILES_H_
#define PELOTON_SERVICES_COMMON_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::files {

// The file's bytes. NotFound (naming the file) when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// A window of a file: `length` bytes from `offset`, or with a negative offset its last `length`
// bytes; `size` is the whole file's. Reads only the window (the file may be larger than memory).
// For files an untrusted writer controls (a task's output): PermissionDenied, reading nothing,
// for a symbolic link at the last step, anything but a regular file (a FIFO never blocks the
// caller), or a file whose owner is not its directory's (a hard link to another's file).
struct FileRange {
  std::string content;
  uint64_t offset = 0;  // where content starts
  uint64_t size = 0;
};
absl::StatusOr<FileRange> ReadFileRange(const std::string& path, int64_t offset, size_t length);
// Writes `content` to a temporary file beside `path`, then renames it over `path`.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

// Whether `name` can be one file's name in a directory: non-empty, at most kMaxFileName bytes,
// no '/', not . or .. (task ids, volume ids and hosts name the services' directories).
inline constexpr size_t kMaxFileName = 200;
bool IsFileName(absl::string_view name);
// Whether `name` can be a user's name: 1 to 32 bytes of letters, digits, '.', '_' and '-', not
// starting with '-' (POSIX's portable names, as useradd takes them; a task's user).
bool IsUserName(absl::string_view name);
// Whether `path` is a relative path of at most `max_size` bytes whose every part is a file
// name (no empty, . or .. parts): taken from a directory, it stays inside it.
bool IsPathInside(absl::string_view path, size_t max_size);

}  // namespace peloton::files

#endif  // PELOTON_SERVICES_COMMON_FILES_H_
