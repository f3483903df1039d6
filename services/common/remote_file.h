// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Immutable remote files: read-only volumes a task names by URL (Peloton's, and Mesos',
// CommandInfo.URI), fetched into its sandbox before it starts. A URL is `file:///path` or
// `http://host[:port]/path[?query]`, optionally with a `#sha256=<64 hex digits>` fragment that
// the fetched bytes must match. The URL names its content for good (that is the contract with
// the user): a backend fetches each URL at most once per host and keeps it, and a new version
// is a new URL, rolled out as an ordinary update.
//
// One parser and one validator for the job manager, the backends and peloton-task-runner; no
// I/O here.
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_COMMON_REMOTE_FILE_H_
#define PELOTON_SERVICES_COMMON_REMOTE_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::files {

// One file a task fetches (the fields of Mesos' CommandInfo.URI that mean something here; its
// `cache` is implied: every URL is cached, being immutable).
struct RemoteFile {
  std::string value;        // the URL, fragment included
  std::string output_file;  // where in the sandbox (a relative path); empty: the URL's file name
  bool executable = false;  // mode 0555 instead of 0444
  // A tar archive (.tar, .tar.gz, .tgz, .tar.bz2, .tbz2, .tar.xz, .txz) is unpacked beside its
  // output file (and kept); any other file is placed as it is.
  bool extract = false;
  friend bool operator==(const RemoteFile&, const RemoteFile&) = default;
};

struct ParsedUri {
  enum class Scheme { kFile, kHttp };
  Scheme scheme = Scheme::kFile;
  std::string location;  // the URL without its fragment
  std::string host;      // http: a name or an IPv4 address
  uint16_t port = 80;    // http
  std::string path;      // file: the absolute path; http: what to GET (path and query)
  std::string sha256;    // the fragment's digest, lower case; empty when none is given
};

inline constexpr size_t kMaxRemoteFiles = 16;
inline constexpr size_t kMaxUriSize = 2048;
inline constexpr size_t kMaxOutputPath = 1024;

// InvalidArgument, with the rule broken (the caller names the field), for anything else.
absl::StatusOr<ParsedUri> ParseRemoteUri(absl::string_view uri);

// Where `file` lands in the sandbox: its output_file, or the last part of its URL's path.
std::string OutputPathOf(const RemoteFile& file, const ParsedUri& uri);

// Whether `name` ends like a tar archive that `extract` unpacks.
bool IsTarArchive(absl::string_view name);

// A task's files: at most kMaxRemoteFiles; every URL parses; every output path is a relative
// path inside the sandbox (files::IsPathInside) and names no other file of the list. Errors are
// InvalidArgument and name the field as `<field>[i].value` or `<field>[i].output_file`.
absl::Status ValidateRemoteFiles(const std::vector<RemoteFile>& files, absl::string_view field);

}  // namespace peloton::files

#endif  // PELOTON_SERVICES_COMMON_REMOTE_FILE_H_
