// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/metrics.h"

#include <string>
#include <vector>

#include "peloton/common/resources.h"
#include "peloton/taskfsm/enums.h"
#include "prometheus/gauge.h"
#include "prometheus/text_serializer.h"

namespace peloton::runtime {
namespace {

// Latency buckets of an API call, 100 µs to 10 s.
const prometheus::Histogram::BucketBoundaries& CallBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5, 10};
  return *buckets;
}

prometheus::Family<prometheus::Gauge>& Gauge(prometheus::Registry& r, const std::string& name,
                                             const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

// A counter a component keeps: its total so far, as a series of a fresh registry.
void Total(prometheus::Registry& r, const std::string& name, const std::string& help,
           uint64_t value, const prometheus::Labels& labels = {}) {
  prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels).Increment(
      static_cast<double>(value));
}

// A pool's quantity of each kind.
void AddKinds(prometheus::Family<prometheus::Gauge>& family, const std::string& pool,
              const Resources& r) {
  for (int k = 0; k < kNumResourceKinds; ++k) {
    const ResourceKind kind = kAllResourceKinds[k];
    family.Add({{"pool", pool}, {"kind", std::string(ResourceKindName(kind))}})
        .Set(FromFixedPoint(kind, r[kind]));
  }
}

// Time from a task status's timestamp to the job manager, 1 ms to 5 minutes.
const prometheus::Histogram::BucketBoundaries& LagBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  return *buckets;
}

}  // namespace

Metrics::Metrics(Sources sources)
    : sources_(sources), counted_(std::make_shared<prometheus::Registry>()) {
  http_calls_ = &prometheus::BuildCounter()
                     .Name("peloton_http_requests_total")
                     .Help("HTTP/JSON calls answered, by procedure and yarpc code")
                     .Register(*counted_);
  http_seconds_ = &prometheus::BuildHistogram()
                       .Name("peloton_http_request_duration_seconds")
                       .Help("Time to answer an HTTP/JSON call, by procedure")
                       .Register(*counted_);
  rpc_seconds_ = &prometheus::BuildHistogram()
                      .Name("peloton_rpc_request_duration_seconds")
                      .Help("Time to answer a call of the Cap'n Proto API, by method")
                      .Register(*counted_);
  store_seconds_ = &prometheus::BuildHistogram()
                        .Name("peloton_store_transaction_duration_seconds")
                        .Help("Time a call of the store took (each one transaction), by "
                              "operation")
                        .Register(*counted_);
  status_lag_ = &prometheus::BuildHistogram()
                     .Name("peloton_task_status_lag_seconds")
                     .Help("Time from a task status's timestamp at the backend to the job "
                           "manager having it")
                     .Register(*counted_)
                     .Add({}, LagBuckets());
}

Metrics::Metrics() : Metrics(Sources{}) {}

store::ObservedStore::Observer Metrics::StoreObserver() {
  return [this](absl::string_view op, absl::Duration took) {
    store_seconds_->Add({{"operation", std::string(op)}}, CallBuckets())
        .Observe(absl::ToDoubleSeconds(took));
  };
}

std::function<void(absl::Duration)> Metrics::StatusLagObserver() {
  return [this](absl::Duration lag) { status_lag_->Observe(absl::ToDoubleSeconds(lag)); };
}

void Metrics::ObserveRpcCall(absl::string_view method, double seconds) {
  rpc_seconds_->Add({{"procedure", std::string(method)}}, CallBuckets()).Observe(seconds);
}

void Metrics::ObserveHttpCall(absl::string_view procedure, absl::string_view code,
                              double seconds) {
  const std::string p(procedure);
  http_calls_->Add({{"procedure", p}, {"code", std::string(code)}}).Increment();
  http_seconds_->Add({{"procedure", p}}, CallBuckets()).Observe(seconds);
}

std::string Metrics::Scrape() const {
  // What the components hold now goes into a registry of its own, made anew at each scrape, so
  // that a deleted pool or a state nothing is in leaves no stale series.
  prometheus::Registry now;
  if (sources_.jobs != nullptr) {
    const jobmgr::JobManager::ActiveCounts counts = sources_.jobs->CountActive();
    auto& jobs = Gauge(now, "peloton_jobs", "Active jobs, by state");
    for (int s = 0; s < taskfsm::kNumJobStates; ++s) {
      jobs.Add({{"state", std::string(taskfsm::Name(static_cast<taskfsm::JobState>(s)))}})
          .Set(static_cast<double>(counts.jobs[s]));
    }
    const jobmgr::JobManager::EventCounts& events = sources_.jobs->events();
    Total(now, "peloton_task_launches_total", "Runs sent to their hosts", events.launched);
    Total(now, "peloton_task_launch_failures_total", "Runs the host manager refused",
          events.launch_failures);
    Total(now, "peloton_task_kills_total", "Kills sent to hosts", events.kills);
    Total(now, "peloton_task_new_runs_total",
          "Instances' next runs: restarts, retries, moves and updates", events.new_runs);
    auto& preempted = prometheus::BuildCounter()
                          .Name("peloton_preemptions_total")
                          .Help("Tasks preempted, by reason")
                          .Register(now);
    for (int r = 0; r < static_cast<int>(events.preempted.size()); ++r) {
      const auto reason = static_cast<taskfsm::PreemptionReason>(r);
      if (reason == taskfsm::PreemptionReason::kUnknown) continue;
      preempted.Add({{"reason", std::string(taskfsm::Name(reason))}})
          .Increment(static_cast<double>(events.preempted[r]));
    }
    auto& tasks = Gauge(now, "peloton_tasks", "Tasks of the active jobs, by job type and state");
    for (int t = 0; t < taskfsm::kNumJobTypes; ++t) {
      const std::string type(taskfsm::Name(static_cast<taskfsm::JobType>(t)));
      for (int s = 0; s < taskfsm::kNumTaskStates; ++s) {
        tasks
            .Add({{"job_type", type},
                  {"state", std::string(taskfsm::Name(static_cast<taskfsm::TaskState>(s)))}})
            .Set(static_cast<double>(counts.tasks[t][s]));
      }
    }
  }
  if (sources_.pools != nullptr) {
    auto& reservation = Gauge(now, "peloton_pool_reservation", "A pool's reservation, by kind");
    auto& limit = Gauge(now, "peloton_pool_limit", "A pool's limit, by kind");
    auto& entitlement =
        Gauge(now, "peloton_pool_entitlement", "What a pool is entitled to now, by kind");
    auto& allocation =
        Gauge(now, "peloton_pool_allocation", "What a pool's admitted tasks hold, by kind");
    auto& demand = Gauge(now, "peloton_pool_demand", "What a pool's waiting gangs ask, by kind");
    auto& slack_limit = Gauge(now, "peloton_pool_slack_limit",
                              "What a pool's revocable tasks may hold at most, by kind");
    auto& slack_entitlement = Gauge(now, "peloton_pool_slack_entitlement",
                                    "A pool's share of the revocable capacity now, by kind");
    auto& slack_allocation = Gauge(now, "peloton_pool_slack_allocation",
                                   "What a pool's admitted revocable tasks hold, by kind");
    auto& slack_demand = Gauge(now, "peloton_pool_slack_demand",
                               "What a pool's waiting revocable gangs ask, by kind");
    for (const resmgr::PoolInfo& p : sources_.pools->ListPools()) {
      for (const auto& r : p.config.resources()) {
        reservation.Add({{"pool", p.path}, {"kind", r.kind()}}).Set(r.reservation());
        limit.Add({{"pool", p.path}, {"kind", r.kind()}}).Set(r.limit());
      }
      AddKinds(entitlement, p.path, p.entitlement);
      AddKinds(allocation, p.path, p.allocation.total);
      AddKinds(demand, p.path, p.demand);
      AddKinds(slack_limit, p.path, p.slack_limit);
      AddKinds(slack_entitlement, p.path, p.slack_entitlement);
      AddKinds(slack_allocation, p.path, p.allocation.slack);
      AddKinds(slack_demand, p.path, p.slack_demand);
    }
  }
  if (const resmgr::ResourceManager* rm = sources_.queues; rm != nullptr) {
    auto& queued = Gauge(now, "peloton_pool_queue_length",
                         "Gangs queued in a leaf pool, not admitted yet, by queue");
    for (const auto& [path, lengths] : rm->QueueLengths()) {
      for (int k = 0; k < static_cast<int>(lengths.size()); ++k) {
        const auto kind = static_cast<fairshare::QueueKind>(k);
        queued.Add({{"pool", path}, {"queue", std::string(fairshare::QueueKindName(kind))}})
            .Set(static_cast<double>(lengths[k]));
      }
    }
    const resmgr::ResourceManager::Waiting w = rm->waiting();
    auto& admitted = Gauge(now, "peloton_admitted_gangs",
                           "Admitted gangs waiting for a host, by where they wait");
    admitted.Add({{"where", "ready"}}).Set(static_cast<double>(w.ready));
    admitted.Add({{"where", "placing"}}).Set(static_cast<double>(w.placing));
    admitted.Add({{"where", "backoff"}}).Set(static_cast<double>(w.backoff));
    Total(now, "peloton_gangs_readmitted_total",
          "Admitted gangs sent back to their pools' queues (placed nowhere too long)",
          w.readmitted);
  }
  if (const PlacementTotals* p = sources_.placements; p != nullptr) {
    Total(now, "peloton_placement_rounds_total", "Placement rounds run", p->rounds);
    auto& gangs = prometheus::BuildCounter()
                      .Name("peloton_placement_gangs_total")
                      .Help("Admitted gangs a placement round took, by what became of them "
                            "(placed, or returned to the resource manager: no host fits)")
                      .Register(now);
    gangs.Add({{"outcome", "placed"}}).Increment(static_cast<double>(p->placed));
    gangs.Add({{"outcome", "returned"}}).Increment(static_cast<double>(p->returned));
    auto& failed = prometheus::BuildCounter()
                       .Name("peloton_placement_failures_total")
                       .Help("Times an admitted gang fitted no host in a round, by the reason "
                             "of its first task that found none")
                       .Register(now);
    for (const auto& [reason, n] : p->failed) {
      failed.Add({{"reason", std::string(placement::Name(reason))}})
          .Increment(static_cast<double>(n));
    }
  }
  if (sources_.hosts != nullptr) {
    auto& hosts = Gauge(now, "peloton_hosts", "Hosts, by state");
    // By HostState's value (kInvalid .. kDown).
    std::vector<double> by_state(6, 0);
    std::vector<std::string> names(6);
    for (const hostmgr::HostStatus& h : sources_.hosts->ListHosts()) {
      const int s = static_cast<int>(h.state);
      if (s < 0 || s >= static_cast<int>(by_state.size())) continue;
      ++by_state[s];
      names[s] = std::string(taskfsm::Name(h.state));
    }
    for (size_t s = 0; s < by_state.size(); ++s) {
      if (!names[s].empty()) hosts.Add({{"state", names[s]}}).Set(by_state[s]);
    }
  }
  if (const rpc::RpcServer::Counts* c = connections_; c != nullptr) {
    Gauge(now, "peloton_rpc_connections", "Connections to the Cap'n Proto API open now")
        .Add({})
        .Set(static_cast<double>(c->open));
    auto& connections = prometheus::BuildCounter()
                            .Name("peloton_rpc_connections_total")
                            .Help("Connections to the Cap'n Proto API, by what became of them "
                                  "(accepted; refused: max_connections were open; idle: closed "
                                  "after idle_timeout_seconds; slow: a message took longer "
                                  "than request_timeout_seconds)")
                            .Register(now);
    connections.Add({{"outcome", "accepted"}}).Increment(static_cast<double>(c->accepted));
    connections.Add({{"outcome", "refused"}}).Increment(static_cast<double>(c->refused));
    connections.Add({{"outcome", "idle"}}).Increment(static_cast<double>(c->idle));
    connections.Add({{"outcome", "slow"}}).Increment(static_cast<double>(c->slow));
    Total(now, "peloton_rpc_accept_errors_total",
          "Accepts that failed (out of file descriptors) and were tried again", c->accept_errors);
  }
  std::vector<prometheus::MetricFamily> families = now.Collect();
  for (auto& f : counted_->Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace peloton::runtime
