// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// `peloton job stateless ...`: Peloton's v1alpha stateless job verbs (reference §5.4) over the
// master's stateless calls, reading Peloton's v1alpha spec files (services/api/stateless.proto)
// and passing the job's entity version ("<config>-<desired state>-<workflow>") as Peloton's CLI
// does.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_CLI_STATELESS_H_
#define PELOTON_SERVICES_CLI_STATELESS_H_

#include "CLI/CLI.hpp"
#include "services/cli/cli_util.h"

namespace peloton::cli {

// Adds `stateless` under `job`; each verb's exit status goes to `status`.
void AddStatelessCommands(CLI::App& job, const Global& g, int& status);

}  // namespace peloton::cli

#endif  // PELOTON_SERVICES_CLI_STATELESS_H_
