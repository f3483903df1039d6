// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The network health checks of the local backend, run by peloton-task-runner in a child process
// of their own (the runner kills it when the check's timeout passes): an HTTP GET, or a TCP
// connection, to a port of this machine (127.0.0.1, where the local backend's tasks run).
//
// Thread-compatible; each call sets up an event loop of its own, so a thread that has one
// already must not call these.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_HEALTH_PROBE_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_HEALTH_PROBE_H_

#include <cstdint>
#include <string>

namespace peloton::backend::local {

struct ProbeResult {
  bool passed = false;
  std::string message;  // what was found: "HTTP 200", "connection refused", ...
};

// GET `path` from 127.0.0.1:`port`; a status of 200 to 399 passes (Mesos' rule).
ProbeResult ProbeHttp(uint32_t port, const std::string& path);
// A TCP connection to 127.0.0.1:`port` that is accepted passes.
ProbeResult ProbeTcp(uint32_t port);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_HEALTH_PROBE_H_
