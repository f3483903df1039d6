// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fuzz target: bytes as a job file, read as the CLI reads it (YAML into Peloton's v0
// JobConfig), then normalised and validated as the job manager does, and each instance's
// merged config turned into its placement spec. Nothing may crash, hang or grow without bound;
// every refusal is a Status.

#include <cstddef>
#include <cstdint>
#include <string>

#include "services/api/job.pb.h"
#include "services/api/yaml_proto.h"
#include "services/jobmgr/job_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  peloton::api::v0::job::JobConfig config;
  if (!peloton::api::YamlToProto(text, config).ok()) return 0;
  peloton::jobmgr::NormalizeJobConfig(config);
  if (!peloton::jobmgr::ValidateJobConfig(config, {.max_tasks_per_job = 1000}).ok()) return 0;
  const uint32_t instances = config.instancecount() == 0 ? 1 : config.instancecount();
  for (uint32_t i = 0; i < instances && i < 16; ++i) {
    (void)peloton::jobmgr::TaskConfigOf(config, i);  // the merge only: its result is not needed
  }
  return 0;
}
