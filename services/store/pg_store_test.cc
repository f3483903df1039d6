// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PgStore against a real PostgreSQL 15 (PgTestServer): the Store conformance suite, and what
// only a shared server meets: writers in several processes' stores at once, a server restart,
// and databases a store must refuse.

#include "services/store/pg_store.h"

#include <atomic>
#include <barrier>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/common/status_macros.h"
#include "peloton/testing/status_matchers.h"
#include "services/store/testing/conformance.h"
#include "services/store/testing/pg_server.h"

namespace peloton::store {
namespace {

using ::peloton::store::testing::PgTestServer;
using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// One server for the whole test binary, started on first use and stopped at exit.
PgTestServer& Server() {
  static PgTestServer server;
  static const bool started = [] {
    if (server.available() && !server.Start()) ADD_FAILURE() << server.why();
    return true;
  }();
  (void)started;  // only its initialisation matters: the server started once
  return server;
}

// A new, empty database; its URL.
absl::StatusOr<std::string> NewDatabase(const std::string& name) {
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<internal::PgDb> admin,
                           internal::PgDb::Connect(Server().url("peloton"), absl::Seconds(10)));
  PELOTON_RETURN_IF_ERROR(admin->Exec(absl::StrCat("CREATE DATABASE ", name), "creating"));
  return Server().url(name);
}

// Conformance instances are databases, named t1, t2, ... (the instance names are longer than
// PostgreSQL's identifiers may be).
absl::StatusOr<std::unique_ptr<Store>> OpenForConformance(const std::string& instance) {
  if (!Server().available()) return absl::UnimplementedError(Server().why());
  static auto* databases = new std::map<std::string, std::string>();
  auto [it, is_new] = databases->emplace(instance, absl::StrCat("t", databases->size() + 1));
  std::string url = Server().url(it->second);
  if (is_new) {
    PELOTON_ASSIGN_OR_RETURN(url, NewDatabase(it->second));
  }
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<PgStore> store, PgStore::Open({.url = url}));
  return std::unique_ptr<Store>(std::move(store));
}

using testing::StoreConformanceTest;
INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(testing::StoreFactory{"postgres", &OpenForConformance}));

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Server().available()) GTEST_SKIP() << Server().why();
    ASSERT_TRUE(Server().Start()) << Server().why();  // a test may have stopped it
    static std::atomic<int> counter{0};
    PELOTON_ASSERT_OK_AND_ASSIGN(url_, NewDatabase(absl::StrCat("s", ++counter)));
  }
  std::unique_ptr<PgStore> Open() {
    absl::StatusOr<std::unique_ptr<PgStore>> store = PgStore::Open({.url = url_});
    EXPECT_THAT(store.status(), IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::string url_;
};

JobConfigRecord Config(const std::string& id, uint32_t instances) {
  JobConfigRecord c;
  c.job_id = JobId(id);
  c.pool_id = PoolId("pool");
  c.name = "shared";
  c.instance_count = instances;
  return c;
}

TEST_F(PgStoreTest, StoresWritingOneJobLoseNoUpdate) {
  // Four stores (four job managers' connections) add to one job runtime's counter, each
  // read-modify-write retried on Aborted: every increment must land once. In each round all
  // four read before any writes (a barrier), so that they do race: three of them lose.
  std::unique_ptr<PgStore> first = Open();
  ASSERT_NE(first, nullptr);
  JobRuntime runtime;
  runtime.info = "0";
  ASSERT_THAT(first->CreateJob(Config("j", 1), runtime), IsOk());
  constexpr int kStores = 4;
  constexpr int kRounds = 10;
  std::atomic<int> aborted{0};
  std::barrier round(kStores);
  std::vector<std::thread> writers;
  for (int w = 0; w < kStores; ++w) {
    writers.emplace_back([&] {
      absl::StatusOr<std::unique_ptr<PgStore>> store = PgStore::Open({.url = url_});
      if (!store.ok()) round.arrive_and_drop();  // the others go on without it
      for (int i = 0; i < kRounds && store.ok(); ++i) {
        bool read_together = true;
        while (store.ok()) {
          absl::StatusOr<JobSummary> job = (*store)->GetJob(JobId("j"));
          if (read_together) round.arrive_and_wait();
          read_together = false;
          ASSERT_THAT(job.status(), IsOk());
          JobRuntime r = job->runtime;
          r.info = absl::StrCat(std::stoi(r.info) + 1);
          const absl::Status written = (*store)->WriteJobRuntime(JobId("j"), r);
          if (written.ok()) break;
          ASSERT_THAT(written, StatusIs(absl::StatusCode::kAborted, HasSubstr("re-read")));
          ++aborted;
        }
      }
      EXPECT_THAT(store.status(), IsOk());
    });
  }
  for (std::thread& t : writers) t.join();
  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, first->GetJob(JobId("j")));
  EXPECT_EQ(job.runtime.info, absl::StrCat(kStores * kRounds));
  EXPECT_EQ(job.runtime.version, 1 + kStores * kRounds);
  EXPECT_GE(aborted.load(), (kStores - 1) * kRounds);
}

TEST_F(PgStoreTest, AStaleBatchFromAnotherStoreIsAbortedWholeAndWritesNothing) {
  // 1,200 tasks: more than one pipeline's worth (512), the stale one in the third.
  constexpr uint32_t kTasks = 1'200;
  constexpr uint32_t kStale = 1'100;
  std::unique_ptr<PgStore> a = Open();
  std::unique_ptr<PgStore> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  JobRuntime runtime;
  ASSERT_THAT(a->CreateJob(Config("j", kTasks), runtime), IsOk());
  std::vector<TaskRuntime> tasks(kTasks);
  for (uint32_t i = 0; i < tasks.size(); ++i) tasks[i].instance_id = i;
  ASSERT_THAT(a->WriteTaskRuntimes(JobId("j"), absl::MakeSpan(tasks)), IsOk());
  std::vector<TaskRuntime> theirs = tasks;  // both at version 1
  tasks[kStale].host = "a-host";            // a writes one instance
  ASSERT_THAT(a->WriteTaskRuntimes(JobId("j"), absl::MakeSpan(tasks).subspan(kStale, 1)), IsOk());
  for (TaskRuntime& t : theirs) t.host = "b-host";
  EXPECT_THAT(
      b->WriteTaskRuntimes(JobId("j"), absl::MakeSpan(theirs)),
      StatusIs(absl::StatusCode::kAborted, AllOf(HasSubstr(absl::StrCat("instance ", kStale)),
                                                 HasSubstr("stored version is 2"))));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> stored, b->ListTaskRuntimes(JobId("j")));
  ASSERT_EQ(stored.size(), kTasks);
  for (const TaskRuntime& t : stored) {
    EXPECT_NE(t.host, "b-host") << t.instance_id;
    EXPECT_EQ(t.version, t.instance_id == kStale ? 2 : 1) << t.instance_id;
  }
  // A fresh batch of them all, from b, lands whole.
  for (TaskRuntime& t : stored) t.host = "b-host";
  ASSERT_THAT(b->WriteTaskRuntimes(JobId("j"), absl::MakeSpan(stored)), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(stored, a->ListTaskRuntimes(JobId("j")));
  for (const TaskRuntime& t : stored) EXPECT_EQ(t.host, "b-host") << t.instance_id;
}

TEST_F(PgStoreTest, AServerRestartIsSurvived) {
  std::unique_ptr<PgStore> store = Open();
  ASSERT_NE(store, nullptr);
  JobRuntime runtime;
  ASSERT_THAT(store->CreateJob(Config("j", 1), runtime), IsOk());
  Server().Stop();
  EXPECT_THAT(store->GetJob(JobId("j")).status(), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_TRUE(Server().Start()) << Server().why();
  // The next call connects again, reads and writes.
  EXPECT_THAT(store->GetJob(JobId("j")).status(), IsOk());
  EXPECT_THAT(store->WriteJobRuntime(JobId("j"), runtime), IsOk());
  EXPECT_THAT(store->ListActiveJobs(), IsOkAndHolds(::testing::ElementsAre(JobId("j"))));
}

TEST_F(PgStoreTest, BadUrlsAndCredentialsAreClearErrors) {
  EXPECT_THAT(PgStore::Open({.url = "mysql://db/peloton"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("postgresql.url"), HasSubstr("rule: postgresql://"))));
  EXPECT_THAT(PgStore::Open({.url = "postgresql://[::1"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string wrong = absl::StrCat("postgresql://", PgTestServer::kPasswordUser,
                                         ":wrong-pw@127.0.0.1:", Server().port(), "/peloton");
  EXPECT_THAT(PgStore::Open({.url = wrong}),
              StatusIs(absl::StatusCode::kUnauthenticated, Not(HasSubstr("wrong-pw"))));
  EXPECT_THAT(PgStore::Open({.url = Server().url("nosuchdb")}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nosuchdb")));
}

TEST_F(PgStoreTest, ANewerSchemaOrAnotherApplicationsTablesAreRefusedAndLeftAlone) {
  ASSERT_NE(Open(), nullptr);
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                                 internal::PgDb::Connect(url_, absl::Seconds(5)));
    ASSERT_THAT(db->Exec("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)", "99"),
                IsOk());
  }
  EXPECT_THAT(PgStore::Open({.url = url_}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("schema version 99"),
                             HasSubstr(absl::StrCat("up to ", PgMigrations().size())))));

  PELOTON_ASSERT_OK_AND_ASSIGN(const std::string other, NewDatabase("other_app"));
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                                 internal::PgDb::Connect(other, absl::Seconds(5)));
    ASSERT_THAT(db->Exec("CREATE TABLE theirs (x INT)", "theirs"), IsOk());
  }
  EXPECT_THAT(PgStore::Open({.url = other}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a Peloton store")));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                               internal::PgDb::Connect(other, absl::Seconds(5)));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      internal::PgResult tables,
      db->Query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                internal::PgParams(), "counting"));
  EXPECT_THAT(tables.Int(0, 0), IsOkAndHolds(1));  // untouched
}

// Pod events written before migration 3 (by job_id) find their job by its key after it; an
// event whose job is gone is dropped.
TEST_F(PgStoreTest, PodEventsOfTheSecondSchemaSurviveTheMigrationToJobKeys) {
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<PgStore> old,
        PgStore::OpenWithMigrations({.url = url_}, PgMigrations().subspan(0, 2)));
    JobRuntime runtime, other;
    ASSERT_THAT(old->CreateJob(Config("j0", 1), other), IsOk());  // a job_key of its own
    ASSERT_THAT(old->CreateJob(Config("j1", 1), runtime), IsOk());
    PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                                 internal::PgDb::Connect(url_, absl::Seconds(5)));
    ASSERT_THAT(
        db->Exec("INSERT INTO pod_events (job_id, instance_id, run_id, actual_state, goal_state, "
                 "mesos_task_id, host, agent_id, config_version, desired_config_version, "
                 "desired_run_id, healthy, reason, message, time) VALUES "
                 "('j1', 0, 1, 2, 0, '', 'h1', '', 1, 1, 0, 0, '', 'launched on h1', 0), "
                 "('gone', 0, 1, 2, 0, '', 'h1', '', 1, 1, 0, 0, '', 'orphan', 0)",
                 "old events"),
        IsOk());
  }
  std::unique_ptr<PgStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), static_cast<int>(PgMigrations().size()));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PodEvent> events,
                               store->GetPodEvents(JobId("j1"), 0, {}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "launched on h1");
  EXPECT_EQ(events[0].host, "h1");
  EXPECT_THAT(store->GetPodEvents(JobId("j0"), 0, {}), IsOkAndHolds(::testing::IsEmpty()));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                               internal::PgDb::Connect(url_, absl::Seconds(5)));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      internal::PgResult rows,
      db->Query("SELECT count(*) FROM pod_events", internal::PgParams(), "counting"));
  EXPECT_THAT(rows.Int(0, 0), IsOkAndHolds(1));  // not the orphan's
}

TEST_F(PgStoreTest, MigrationsApplyOnceWhenStoresOpenTogether) {
  constexpr SqlMigration kFirst[] = {{1, "one table", "CREATE TABLE a (x BIGINT)"}};
  constexpr SqlMigration kBoth[] = {{1, "one table", "CREATE TABLE a (x BIGINT)"},
                                    {2, "another", "CREATE TABLE b (y BIGINT)"}};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgStore> old,
                               PgStore::OpenWithMigrations({.url = url_}, kFirst));
  EXPECT_EQ(old->schema_version(), 1);
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    openers.emplace_back([&] {
      absl::StatusOr<std::unique_ptr<PgStore>> store =
          PgStore::OpenWithMigrations({.url = url_}, kBoth);
      EXPECT_THAT(store.status(), IsOk());
      if (store.ok() && (*store)->schema_version() == 2) ++opened;
    });
  }
  for (std::thread& t : openers) t.join();
  EXPECT_EQ(opened.load(), 4);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<internal::PgDb> db,
                               internal::PgDb::Connect(url_, absl::Seconds(5)));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      internal::PgResult rows,
      db->Query("SELECT count(*) FROM schema_migrations", internal::PgParams(), "counting"));
  EXPECT_THAT(rows.Int(0, 0), IsOkAndHolds(2));
}

}  // namespace
}  // namespace peloton::store
