// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A scheduler process's Prometheus metrics (prometheus-cpp), served as GET /metrics by its HTTP
// endpoint (services/rpc/yarpc_http.h). Two kinds:
// - what its components hold, read at each scrape: active jobs by state, their tasks by job type
//   and state, each pool's reservation, limit, entitlement, allocation and demand per resource
//   kind (and the same of revocable work: slack limit, entitlement, allocation and demand),
//   each leaf pool's queued gangs and the admitted ones by where they wait, hosts by state;
// - what they did since the process started: task launches (and launch failures), kills, new
//   runs, preemptions by reason, placement rounds and the gangs they placed or gave back,
//   gangs that fitted no host by reason, HTTP/JSON calls by procedure and yarpc code with
//   their latency, the latency of the Cap'n Proto API's calls by method and of the store's
//   calls (each one transaction) by operation, and how long task statuses took from the
//   backend's timestamp to the job manager; the API's connections (open, and accepted,
//   refused over the cap, closed idle, accepts failed).
// Names and labels follow Prometheus' conventions (the peloton_ prefix, _total counters,
// _seconds durations). Cpu is in cores, memory and disk in MB, gpu in GPUs.

#ifndef PELOTON_SERVICES_RUNTIME_METRICS_H_
#define PELOTON_SERVICES_RUNTIME_METRICS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_manager.h"
#include "services/resmgr/resource_manager.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/rpc/rpc_server.h"
#include "services/runtime/placement_round.h"
#include "services/store/observed_store.h"

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
  // Sources set later: where the components are made after the metrics (they observe into
  // them: the store, the job manager).
  Metrics();
  // The API server's connection counts (rpc::RpcServer::counts(), read at each scrape); null:
  // none.
  void SetConnections(const rpc::RpcServer::Counts* counts) { connections_ = counts; }
  Metrics(const Metrics&) = delete;  // its observers point at it
  Metrics& operator=(const Metrics&) = delete;
  void SetSources(Sources sources) { sources_ = sources; }

  // One HTTP/JSON call: its procedure as asked for, yarpc's code ("ok", "not-found", ...).
  void ObserveHttpCall(absl::string_view procedure, absl::string_view code, double seconds);
  // One call of the public Cap'n Proto API (what the CLI calls): its method ("getJob").
  void ObserveRpcCall(absl::string_view method, double seconds);
  // What to give the store (OpenStore) and the job manager (JobManagerOptions::status_lag):
  // they observe into these metrics, from any thread. The metrics must outlive them.
  store::ObservedStore::Observer StoreObserver();
  std::function<void(absl::Duration)> StatusLagObserver();

  // Prometheus' text exposition of every metric now. Call it where the components may be read
  // (the process's SerialLoop).
  std::string Scrape() const;

 private:
  Sources sources_;
  const rpc::RpcServer::Counts* connections_ = nullptr;
  std::shared_ptr<prometheus::Registry> counted_;  // counters and histograms
  prometheus::Family<prometheus::Counter>* http_calls_;
  prometheus::Family<prometheus::Histogram>* http_seconds_;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_;
  prometheus::Family<prometheus::Histogram>* store_seconds_;
  prometheus::Histogram* status_lag_;
};

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_METRICS_H_
