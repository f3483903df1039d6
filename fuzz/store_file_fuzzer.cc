// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fuzz target: bytes as the store's file (a disk error, a truncated copy, someone else's
// file): opened as the master opens it at start, then read as recovery reads it (pools, the
// active jobs with their configs and tasks, hosts, a query). Every refusal is a Status; the
// file may be anything.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "services/store/sqlite_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp != nullptr ? tmp : "/tmp") + "/peloton_store_fuzz." +
           std::to_string(getpid()) + ".db";
  }();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::remove((path + suffix).c_str());
  }
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  namespace store = ::peloton::store;
  absl::StatusOr<std::unique_ptr<store::SqliteStore>> opened =
      store::SqliteStore::Open({.path = path});
  if (!opened.ok()) return 0;
  store::Store& s = **opened;
  (void)s.ListPools().ok();  // each read's refusal is a Status; only crashes matter here
  if (absl::StatusOr<std::vector<peloton::JobId>> jobs = s.ListActiveJobs(); jobs.ok()) {
    for (size_t i = 0; i < jobs->size() && i < 8; ++i) {
      (void)s.GetJob((*jobs)[i]).ok();
      (void)s.GetJobConfig((*jobs)[i]).ok();
      (void)s.ListTaskRuntimes((*jobs)[i]).ok();
    }
  }
  (void)s.ListHosts().ok();
  (void)s.QueryJobs({}).ok();
  return 0;
}
