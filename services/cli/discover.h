// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// `peloton discover <job> [--port NAME] [--watch] [-o table|json|yaml|haproxy]`: a job's
// endpoints (issue 18; the master's `endpoints` call): each instance's host, named ports,
// state, health and whether it may take traffic. `-o haproxy` prints HAProxy `server` lines
// of the routable instances for one port (--port, or the job's only one). `--watch` prints
// them again each time they change (the master holds the call until they do), until
// interrupted.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_CLI_DISCOVER_H_
#define PELOTON_SERVICES_CLI_DISCOVER_H_

#include "CLI/CLI.hpp"
#include "services/cli/cli_util.h"

namespace peloton::cli {

// Adds `discover` to `app`; its exit status goes to `status`.
void AddDiscoverCommand(CLI::App& app, const Global& g, int& status);

}  // namespace peloton::cli

#endif  // PELOTON_SERVICES_CLI_DISCOVER_H_
