// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The local backend's fetcher: what peloton-task-runner does before a task with remote files
// (LaunchSpec::uris, files::RemoteFile) starts. Each URL is fetched at most once per host, into
// the host's cache, and each task gets a read-only copy in its sandbox:
//
//   <cache>/<sha256 of the URL>        the bytes, mode 0444, renamed into place only once
//                                      fetched whole (and checked against #sha256= if given)
//   <cache>/<sha256 of the URL>.lock   flock'ed while one runner fetches, so runners of one
//                                      host that need one URL at once fetch it once
//   <cache>/<sha256 of the URL>.part   a fetch under way (or cut off: the next one starts over)
//
// The copy is made read-only (0444, 0555 when executable). `extract` unpacks a tar archive
// beside its copy (GNU tar, which keeps members inside the directory), its files read-only too.
// http:// takes a 200 only (no redirects: an immutable URL answers with its bytes); file://
// reads a file of this machine.
//
// Thread-compatible; FetchInto sets up an event loop of its own (as health_probe.h), so a
// thread that has one already must not call it.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_FETCHER_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_FETCHER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/remote_file.h"

namespace peloton::backend::local {

struct FetchOptions {
  std::string cache_dir;                       // the host's cache; made if missing
  int64_t max_bytes = int64_t{1} << 30;         // a larger file fails
  absl::Duration timeout = absl::Minutes(5);   // a fetch that takes longer fails
};

// Places `file` in `sandbox`, from the cache, or fetched into it first. Errors name the URL:
// InvalidArgument (a bad spec), NotFound (no such file, HTTP 404), Unavailable (cannot connect,
// another HTTP status, a local write failed), DataLoss (the bytes do not match the digest),
// ResourceExhausted (over max_bytes), DeadlineExceeded (over the timeout), AlreadyExists (the
// copy, or an unpacked file, would replace a file of the sandbox).
absl::Status FetchInto(const files::RemoteFile& file, const std::string& sandbox,
                       const FetchOptions& options);

// Where the cache keeps `url` (as given, fragment included).
std::string CachePathOf(const std::string& cache_dir, const std::string& url);

// The lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_FETCHER_H_
