// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The metrics of a master on simulated hosts: what its components hold at each scrape, and the
// HTTP calls it counted, in Prometheus' text exposition.

#include "services/runtime/metrics.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/backend/sim/sim_backend.h"
#include "services/runtime/master.h"
#include "services/store/observed_store.h"
#include "services/store/sqlite_store.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

// The value of `series` (its name and labels, as written) in `text`; -1 if it is not there.
double Value(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/metrics_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    // As a process makes them: the store's calls and the statuses' lag are observed.
    PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Store> sqlite,
                                 store::SqliteStore::Open({.path = dir + "/peloton.db"}));
    store_ = std::make_unique<store::ObservedStore>(std::move(sqlite), metrics_.StoreObserver());
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts,
                                 backend::sim::GenerateHosts(4, "cpu=4,memory_mb=8192"));
    PELOTON_ASSERT_OK_AND_ASSIGN(backend_, backend::sim::SimBackend::Create({hosts, 1}));
    MasterOptions options;
    options.jobs.status_lag = metrics_.StatusLagObserver();
    PELOTON_ASSERT_OK_AND_ASSIGN(master_, Master::Create(*store_, *backend_, std::move(options)));
    ASSERT_THAT(master_->Recover(), IsOk());
    metrics_.SetSources({.jobs = &master_->jobs(),
                         .pools = &master_->pools(),
                         .hosts = &master_->hosts(),
                         .placements = &master_->placements(),
                         .queues = &master_->pools()});
  }

  // A pool from YAML (reference §2.2).
  PoolId CreatePool(const std::string& path, const std::string& yaml) {
    resmgr::respool_pb::ResourcePoolConfig pool;
    EXPECT_THAT(api::YamlToProto(yaml, pool).status(), IsOk());
    absl::StatusOr<PoolId> id = master_->pools().CreatePool(path, pool);
    EXPECT_THAT(id.status(), IsOk());
    return id.value_or(PoolId(""));
  }
  // A job from YAML, in `pool`.
  void CreateJob(const PoolId& pool, const std::string& yaml) {
    jobmgr::job_pb::JobConfig job;
    ASSERT_THAT(api::YamlToProto(yaml, job).status(), IsOk());
    job.mutable_respoolid()->set_value(pool.value());
    ASSERT_THAT(master_->jobs().CreateJob(job).status(), IsOk());
  }

  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<backend::sim::SimBackend> backend_;
  std::unique_ptr<Master> master_;
};

TEST_F(MetricsTest, ScrapesWhatTheComponentsHoldNow) {
  Metrics& metrics = metrics_;
  resmgr::respool_pb::ResourcePoolConfig pool;
  ASSERT_THAT(api::YamlToProto(R"yaml(
name: batch
resources:
- {kind: cpu, reservation: 2, limit: 8, share: 1}
- {kind: memory, reservation: 1024, limit: 4096, share: 1}
)yaml",
                               pool)
                  .status(),
              IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(const PoolId pool_id, master_->pools().CreatePool("/batch", pool));
  jobmgr::job_pb::JobConfig job;
  ASSERT_THAT(api::YamlToProto(R"yaml(
type: SERVICE
instancecount: 3
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {value: 'sleep 100'}
)yaml",
                               job)
                  .status(),
              IsOk());
  job.mutable_respoolid()->set_value(pool_id.value());
  ASSERT_THAT(master_->jobs().CreateJob(job).status(), IsOk());

  std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE peloton_jobs gauge"));
  EXPECT_THAT(text, HasSubstr("peloton_jobs{state=\"PENDING\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("peloton_jobs{state=\"RUNNING\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("peloton_tasks{job_type=\"SERVICE\",state=\"PENDING\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("peloton_tasks{job_type=\"BATCH\",state=\"PENDING\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("peloton_pool_reservation{kind=\"cpu\",pool=\"/batch\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("peloton_pool_limit{kind=\"memory\",pool=\"/batch\"} 4096\n"));
  EXPECT_THAT(text, HasSubstr("peloton_pool_demand{kind=\"cpu\",pool=\"/batch\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("peloton_pool_allocation{kind=\"cpu\",pool=\"/batch\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("peloton_hosts{state=\"UP\"} 4\n"));
  // Queued in the pool, not admitted before the first tick.
  EXPECT_EQ(Value(text, "peloton_pool_queue_length{pool=\"/batch\",queue=\"pending\"}"), 3);
  EXPECT_EQ(Value(text, "peloton_pool_queue_length{pool=\"/batch\",queue=\"controller\"}"), 0);
  EXPECT_EQ(Value(text, "peloton_admitted_gangs{where=\"ready\"}"), 0);

  // Placed and launched: the running tasks (1 cpu each) hold their pool's cpu.
  for (int i = 0; i < 20; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  text = metrics.Scrape();
  const double running =
      Value(text, "peloton_tasks{job_type=\"SERVICE\",state=\"RUNNING\"}");
  EXPECT_GT(running, 0) << text;
  EXPECT_EQ(running + Value(text, "peloton_tasks{job_type=\"SERVICE\",state=\"PENDING\"}"), 3);
  EXPECT_EQ(Value(text, "peloton_pool_allocation{kind=\"cpu\",pool=\"/batch\"}"), running);
  EXPECT_EQ(Value(text, "peloton_jobs{state=\"RUNNING\"}"), 1);
  EXPECT_EQ(Value(text, "peloton_task_launches_total"), running);
  // Admitted ones left the queue; the one not running waits queued (in any of the pool's
  // queues) or admitted.
  double waiting = 0;
  for (const char* queue : {"pending", "non-preemptible", "controller", "revocable"}) {
    waiting += Value(text, absl::StrCat("peloton_pool_queue_length{pool=\"/batch\",queue=\"",
                                        queue, "\"}"));
  }
  EXPECT_EQ(waiting + Value(text, "peloton_admitted_gangs{where=\"ready\"}") +
                Value(text, "peloton_admitted_gangs{where=\"placing\"}") +
                Value(text, "peloton_admitted_gangs{where=\"backoff\"}"),
            3 - running);
  EXPECT_EQ(Value(text, "peloton_placement_gangs_total{outcome=\"placed\"}"), running);
  EXPECT_GE(Value(text, "peloton_placement_rounds_total"), 1);
  EXPECT_EQ(Value(text, "peloton_preemptions_total{reason=\"HOST_MAINTENANCE\"}"), 0);

  // A host with tasks goes into maintenance: they are preempted, killed and run elsewhere.
  double on_host = 0;
  std::string host;
  for (const hostmgr::HostStatus& h : master_->hosts().ListHosts()) {
    if (h.tasks > 0 && host.empty()) {
      host = h.hostname;
      on_host = h.tasks;
    }
  }
  ASSERT_GT(on_host, 0);
  ASSERT_THAT(master_->hosts().StartMaintenance({host}), IsOk());
  for (int i = 0; i < 20; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  text = metrics.Scrape();
  EXPECT_EQ(Value(text, "peloton_hosts{state=\"UP\"}"), 3);
  EXPECT_EQ(std::max(0.0, Value(text, "peloton_hosts{state=\"DRAINING\"}")) +
                std::max(0.0, Value(text, "peloton_hosts{state=\"DRAINED\"}")) +
                std::max(0.0, Value(text, "peloton_hosts{state=\"DOWN\"}")),
            1);
  EXPECT_EQ(Value(text, "peloton_preemptions_total{reason=\"HOST_MAINTENANCE\"}"), on_host);
  EXPECT_GE(Value(text, "peloton_task_kills_total"), on_host);
  EXPECT_GE(Value(text, "peloton_task_new_runs_total"), on_host);

  // A deleted pool leaves no series behind.
  pool.set_name("other");
  ASSERT_THAT(master_->pools().CreatePool("/other", pool).status(), IsOk());
  EXPECT_THAT(metrics.Scrape(), HasSubstr("pool=\"/other\""));
  ASSERT_THAT(master_->pools().DeletePool("/other"), IsOk());
  EXPECT_THAT(metrics.Scrape(), Not(HasSubstr("pool=\"/other\"")));
}

TEST_F(MetricsTest, SlackPlacementFailuresStoreCallsAndStatusLag) {
  const PoolId pool = CreatePool("/batch", R"yaml(
name: batch
resources:
- {kind: cpu, reservation: 2, limit: 8, share: 1}
- {kind: memory, reservation: 1000, limit: 4096, share: 1}
slacklimit: {maxpercent: 30}
)yaml");
  // Two tasks that run, and one that is admitted (preemptible, so within the pool's limit
  // rather than its reservation) but bigger than any host.
  CreateJob(pool, R"yaml(
type: BATCH
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {value: 'sleep 100'}
)yaml");
  CreateJob(pool, R"yaml(
type: BATCH
instancecount: 1
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 5, memlimitmb: 64}
  command: {value: 'sleep 100'}
)yaml");
  for (int i = 0; i < 20; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  const std::string text = metrics_.Scrape();

  // Revocable work's quantities: the slack limit is 30% of the memory reservation (none of
  // cpu, reference §2.4); nothing revocable runs or waits.
  EXPECT_EQ(Value(text, "peloton_pool_slack_limit{kind=\"memory\",pool=\"/batch\"}"), 300)
      << text;
  EXPECT_EQ(Value(text, "peloton_pool_slack_limit{kind=\"cpu\",pool=\"/batch\"}"), 0);
  EXPECT_EQ(Value(text, "peloton_pool_slack_allocation{kind=\"cpu\",pool=\"/batch\"}"), 0);
  EXPECT_EQ(Value(text, "peloton_pool_slack_demand{kind=\"cpu\",pool=\"/batch\"}"), 0);
  EXPECT_GE(Value(text, "peloton_pool_slack_entitlement{kind=\"cpu\",pool=\"/batch\"}"), 0);

  // The big task fitted no host, each round it was tried: no host has the resources.
  EXPECT_EQ(Value(text, "peloton_tasks{job_type=\"BATCH\",state=\"RUNNING\"}"), 2);
  EXPECT_GE(Value(text, "peloton_placement_failures_total{reason=\"INSUFFICIENT_RESOURCES\"}"),
            1)
      << text;

  // The store's calls, each timed by operation.
  EXPECT_GE(Value(text, "peloton_store_transaction_duration_seconds_count{operation="
                        "\"WriteTaskRuntimes\"}"),
            1);
  EXPECT_GE(Value(text, "peloton_store_transaction_duration_seconds_count{operation="
                        "\"CreateJob\"}"),
            2);
  // Every status of the running tasks (at least their TASK_RUNNING) had its lag measured.
  EXPECT_GE(Value(text, "peloton_task_status_lag_seconds_count"), 2);
}

TEST_F(MetricsTest, TheApiServersConnections) {
  Metrics metrics;
  EXPECT_THAT(metrics.Scrape(), Not(HasSubstr("peloton_rpc_connections")));
  rpc::RpcServer::Counts counts{.open = 3, .accepted = 10, .refused = 4, .idle = 2,
                                .accept_errors = 1};
  metrics.SetConnections(&counts);
  const std::string text = metrics.Scrape();
  EXPECT_EQ(Value(text, "peloton_rpc_connections"), 3);
  EXPECT_EQ(Value(text, "peloton_rpc_connections_total{outcome=\"accepted\"}"), 10);
  EXPECT_EQ(Value(text, "peloton_rpc_connections_total{outcome=\"refused\"}"), 4);
  EXPECT_EQ(Value(text, "peloton_rpc_connections_total{outcome=\"idle\"}"), 2);
  EXPECT_EQ(Value(text, "peloton_rpc_accept_errors_total"), 1);
}

TEST_F(MetricsTest, CountsHttpCallsByProcedureAndCode) {
  Metrics metrics;
  metrics.ObserveHttpCall("JobManager.Get", "ok", 0.0002);
  metrics.ObserveHttpCall("JobManager.Get", "ok", 0.003);
  metrics.ObserveHttpCall("JobManager.Get", "not-found", 0.001);
  metrics.ObserveRpcCall("getJob", 0.00005);
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, Not(HasSubstr("peloton_jobs")));  // no components: no snapshot series
  EXPECT_THAT(text, HasSubstr("# TYPE peloton_http_requests_total counter"));
  EXPECT_THAT(text,
              HasSubstr("peloton_http_requests_total{code=\"ok\",procedure=\"JobManager.Get\"} 2"));
  EXPECT_THAT(text, HasSubstr("peloton_http_requests_total{code=\"not-found\",procedure="
                              "\"JobManager.Get\"} 1"));
  EXPECT_THAT(text, HasSubstr("peloton_http_request_duration_seconds_count{procedure="
                              "\"JobManager.Get\"} 3"));
  EXPECT_THAT(text, HasSubstr("peloton_http_request_duration_seconds_bucket{procedure="
                              "\"JobManager.Get\",le=\"0.00025\"} 1"));
  EXPECT_THAT(text, HasSubstr("peloton_rpc_request_duration_seconds_bucket{procedure="
                              "\"getJob\",le=\"0.0001\"} 1"));
}

}  // namespace
}  // namespace peloton::runtime
