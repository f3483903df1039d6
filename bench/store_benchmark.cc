// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL stores: SQLite on a real file (in $TMPDIR, else /tmp) and PostgreSQL 15 (a throwaway
// server on loopback, PgTestServer: fsync off, as SQLite's synchronous=NORMAL has no fsync per
// commit either; or the server of $PELOTON_BENCH_PG_URL, an admin URL whose user may create
// databases). Task-runtime writes per second in batches of 1, 100 and 10,000 (each batch one
// transaction, every runtime an optimistic versioned update of an existing instance, as the
// job manager's tick writes them), pod events added in batches of 10,000, and reading every
// runtime of a 100,000-task job (what recovery does per job).
//
//   bazel run -c opt //bench:store_benchmark -- --benchmark_repetitions=7

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/store/pg_store.h"
#include "services/store/sqlite_store.h"
#include "services/store/testing/pg_server.h"

namespace peloton::store {
namespace {

constexpr char kJobId[] = "7f8c3a52-6d1e-4b8a-9f2e-0c5d7a1b3e96";

std::string FreshPath(absl::string_view name) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/peloton_bench_", name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

TaskRuntime Runtime(uint32_t instance) {
  TaskRuntime t;
  t.instance_id = instance;
  t.state = TaskState::kRunning;
  t.goal_state = TaskState::kSucceeded;
  t.mesos_task_id = absl::StrCat(kJobId, "-", instance, "-1");
  t.desired_mesos_task_id = t.mesos_task_id;
  t.host = absl::StrCat("host-", instance % 1000, ".dc1.example.com");
  t.agent_id = absl::StrCat("agent-", instance % 1000);
  t.healthy = HealthState::kHealthy;
  t.message = "Task is running";
  t.start_time = absl::FromUnixSeconds(1'700'000'000);
  return t;
}

enum class Kind { kSqlite, kSqliteFull, kPostgres };

// A new, empty PostgreSQL database for one benchmark; its URL.
absl::StatusOr<std::string> FreshPostgres() {
  static std::string admin = [] {
    if (const char* url = std::getenv("PELOTON_BENCH_PG_URL")) return std::string(url);
    static testing::PgTestServer server;  // stopped at exit
    if (!server.available() || !server.Start()) return std::string();
    return server.url("peloton");
  }();
  if (admin.empty()) return absl::UnavailableError("no PostgreSQL server (PELOTON_BENCH_PG_URL)");
  static int databases = 0;
  const std::string name = absl::StrCat("bench_", getpid(), "_", ++databases);
  absl::StatusOr<std::unique_ptr<internal::PgDb>> db =
      internal::PgDb::Connect(admin, absl::Seconds(10));
  if (!db.ok()) return db.status();
  if (absl::Status s = (*db)->Exec(absl::StrCat("CREATE DATABASE ", name), "creating"); !s.ok()) {
    return s;
  }
  // The same server and credentials, another database.
  return absl::StrCat(admin.substr(0, admin.rfind('/') + 1), name);
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(Kind kind, absl::string_view name) {
  if (kind == Kind::kPostgres) {
    absl::StatusOr<std::string> url = FreshPostgres();
    if (!url.ok()) return url.status();
    absl::StatusOr<std::unique_ptr<PgStore>> store = PgStore::Open({.url = *url});
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(*std::move(store));
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open({.path = FreshPath(name),
                         .synchronous = kind == Kind::kSqliteFull ? SqliteSynchronous::kFull
                                                                  : SqliteSynchronous::kNormal});
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(*std::move(store));
}

// A store holding one job with `instances` task runtimes; the runtimes as last written.
struct Fixture {
  std::unique_ptr<Store> store;
  std::vector<TaskRuntime> tasks;
};

Fixture Setup(benchmark::State& state, absl::string_view name, uint32_t instances,
              Kind kind = Kind::kSqlite) {
  Fixture f;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(kind, name);
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return f;
  }
  f.store = *std::move(store);
  JobConfigRecord config;
  config.job_id = JobId(kJobId);
  config.pool_id = PoolId("pool");
  config.instance_count = instances;
  JobRuntime runtime;
  if (absl::Status s = f.store->CreateJob(config, runtime); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return f;
  }
  for (uint32_t i = 0; i < instances; ++i) f.tasks.push_back(Runtime(i));
  for (size_t from = 0; from < f.tasks.size(); from += 10'000) {
    const size_t n = std::min<size_t>(10'000, f.tasks.size() - from);
    if (absl::Status s =
            f.store->WriteTaskRuntimes(JobId(kJobId), absl::MakeSpan(f.tasks).subspan(from, n));
        !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return f;
    }
  }
  return f;
}

// A job of 10,000 instances; each iteration writes the next `batch` of them in one transaction.
void WriteTaskRuntimes(benchmark::State& state, Kind kind) {
  const auto batch = static_cast<size_t>(state.range(0));
  Fixture f = Setup(state, "write.db", 10'000, kind);
  if (f.store == nullptr) return;
  size_t from = 0;
  for (auto _ : state) {
    absl::Span<TaskRuntime> span = absl::MakeSpan(f.tasks).subspan(from, batch);
    for (TaskRuntime& t : span) t.failure_count++;
    if (absl::Status s = f.store->WriteTaskRuntimes(JobId(kJobId), span); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    from = (from + batch) % f.tasks.size();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}

void BM_WriteTaskRuntimes(benchmark::State& state) { WriteTaskRuntimes(state, Kind::kSqlite); }
BENCHMARK(BM_WriteTaskRuntimes)
    ->Arg(1)
    ->Arg(100)
    ->Arg(10'000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_WriteTaskRuntimes_SyncFull(benchmark::State& state) {
  WriteTaskRuntimes(state, Kind::kSqliteFull);
}
BENCHMARK(BM_WriteTaskRuntimes_SyncFull)
    ->Arg(1)
    ->Arg(100)
    ->Arg(10'000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_WriteTaskRuntimes_Postgres(benchmark::State& state) {
  WriteTaskRuntimes(state, Kind::kPostgres);
}
BENCHMARK(BM_WriteTaskRuntimes_Postgres)
    ->Arg(1)
    ->Arg(100)
    ->Arg(10'000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// A job of 100,000 instances; each iteration adds `batch` pod events (the next instances'
// launches, as the job manager's tick writes them) in one transaction. The table grows as the
// run goes on, as a job manager's does.
void AddPodEvents(benchmark::State& state, Kind kind) {
  const auto batch = static_cast<size_t>(state.range(0));
  Fixture f = Setup(state, "events.db", 100'000, kind);
  if (f.store == nullptr) return;
  std::vector<PodEvent> events(batch);
  uint32_t next = 0;
  int64_t run = 1;
  for (auto _ : state) {
    for (PodEvent& e : events) {
      const TaskRuntime& t = f.tasks[next];
      e.instance_id = next;
      e.run_id = run;
      e.actual_state = TaskState::kLaunched;
      e.goal_state = t.goal_state;
      e.mesos_task_id = absl::StrCat(kJobId, "-", next, "-", run);
      e.host = t.host;
      e.agent_id = t.agent_id;
      e.message = absl::StrCat("launched on ", t.host.view());
      e.time = t.start_time;
      if (++next == f.tasks.size()) next = 0, ++run;
    }
    if (absl::Status s = f.store->AddPodEvents(JobId(kJobId), events); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
void BM_AddPodEvents(benchmark::State& state) { AddPodEvents(state, Kind::kSqlite); }
BENCHMARK(BM_AddPodEvents)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AddPodEvents_Postgres(benchmark::State& state) { AddPodEvents(state, Kind::kPostgres); }
BENCHMARK(BM_AddPodEvents_Postgres)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void ReadJobTaskRuntimes(benchmark::State& state, Kind kind) {
  const auto instances = static_cast<uint32_t>(state.range(0));
  Fixture f = Setup(state, "read.db", instances, kind);
  if (f.store == nullptr) return;
  for (auto _ : state) {
    absl::StatusOr<std::vector<TaskRuntime>> tasks = f.store->ListTaskRuntimes(JobId(kJobId));
    if (!tasks.ok() || tasks->size() != instances) {
      state.SkipWithError("read failed");
      return;
    }
    benchmark::DoNotOptimize(tasks->data());
  }
  state.SetItemsProcessed(state.iterations() * instances);
}
void BM_ReadJobTaskRuntimes(benchmark::State& state) { ReadJobTaskRuntimes(state, Kind::kSqlite); }
BENCHMARK(BM_ReadJobTaskRuntimes)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReadJobTaskRuntimes_Postgres(benchmark::State& state) {
  ReadJobTaskRuntimes(state, Kind::kPostgres);
}
BENCHMARK(BM_ReadJobTaskRuntimes_Postgres)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace peloton::store

BENCHMARK_MAIN();
