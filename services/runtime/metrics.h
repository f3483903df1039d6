// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A scheduler process's Prometheus metrics (prometheus-cpp), served as GET /metrics by its HTTP
// endpoint (services/rpc/yarpc_http.h). Two kinds:
// - what its components hold, read at each scrape: active jobs by state, their tasks by job type
//   and state, each pool's reservation, limit, entitlement, allocation and demand per resource
//   kind, each leaf pool's queued gangs and the admitted ones by where they wait, hosts by
//   state;
// - what they did since the process started: task launches (and launch failures), kills, new
//   runs, preemptions by reason, placement rounds and the gangs they placed or gave back,
//   HTTP/JSON calls by procedure and yarpc code with their latency, and the latency of the
//   Cap'n Proto API's calls by method.
// Names and labels follow Prometheus' conventions (the peloton_ prefix, _total counters,
// _seconds durations). Cpu is in cores, memory and disk in MB, gpu in GPUs.

#ifndef PELOTON_SERVICES_RUNTIME_METRICS_H_
#define PELOTON_SERVICES_RUNTIME_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_manager.h"
#include "services/resmgr/resource_manager.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/runtime/placement_round.h"

namespace peloton::runtime {

class Metrics {
 public:
  // The components read at each scrape; any may be null (a process without it).
  struct Sources {
    const jobmgr::JobManager* jobs = nullptr;
    const resmgr::ResourceManagerApi* pools = nullptr;
    const hostmgr::HostManagerApi* hosts = nullptr;
    const PlacementTotals* placements = nullptr;  // the placement rounds', added up
    // The resource manager's queues, where it runs in this process.
    const resmgr::ResourceManager* queues = nullptr;
  };
  explicit Metrics(Sources sources);

  // One HTTP/JSON call: its procedure as asked for, yarpc's code ("ok", "not-found", ...).
  void ObserveHttpCall(absl::string_view procedure, absl::string_view code, double seconds);
  // One call of the public Cap'n Proto API (what the CLI calls): its method ("getJob").
  void ObserveRpcCall(absl::string_view method, double seconds);

  // Prometheus' text exposition of every metric now. Call it where the components may be read
  // (the process's SerialLoop).
  std::string Scrape() const;

 private:
  Sources sources_;
  std::shared_ptr<prometheus::Registry> counted_;  // counters and histograms
  prometheus::Family<prometheus::Counter>* http_calls_;
  prometheus::Family<prometheus::Histogram>* http_seconds_;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_;
};

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_METRICS_H_
