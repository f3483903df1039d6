// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sqlite_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/store/testing/conformance.h"

namespace peloton::store {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs SQL on the file through a connection of its own (what another process would do).
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

absl::StatusOr<std::unique_ptr<Store>> OpenForConformance(const std::string& instance) {
  const char* dir = std::getenv("TEST_TMPDIR");
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(
      {.path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", instance, ".db")});
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(*std::move(store));
}

using testing::StoreConformanceTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(testing::StoreFactory{"sqlite", &OpenForConformance}));

JobConfigRecord Config(const std::string& id) {
  JobConfigRecord c;
  c.job_id = JobId(id);
  c.pool_id = PoolId("pool");
  c.name = "crash";
  return c;
}

// ---------------------------------------------------------------------------------------------
// Files that are not (usable) stores

TEST(SqliteStoreTest, AFileThatIsNotADatabaseIsRefusedAndLeftAlone) {
  const std::string path = TempPath("not_a_db.db");
  const std::string text(4096, 'x');
  WriteFile(path, "this is a text file, not a database\n" + text);
  EXPECT_THAT(SqliteStore::Open({.path = path}).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("not an SQLite database"))));
  EXPECT_EQ(ReadFile(path), "this is a text file, not a database\n" + text);
}

TEST(SqliteStoreTest, ACorruptDatabaseIsAnErrorNamingTheFile) {
  const std::string path = TempPath("corrupt.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
    JobRuntime runtime;
    ASSERT_THAT(store->CreateJob(Config("j1"), runtime), IsOk());
    std::vector<TaskRuntime> tasks(500);
    for (uint32_t i = 0; i < tasks.size(); ++i) tasks[i].instance_id = i;
    ASSERT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  }
  // Keep page 1 (the header and the schema), overwrite every other page with garbage.
  std::string bytes = ReadFile(path);
  ASSERT_GT(bytes.size(), 8192u);
  for (size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  WriteFile(path, bytes);

  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open({.path = path});
  absl::Status status = store.status();
  if (store.ok()) status = (*store)->ListTaskRuntimes(JobId("j1")).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr(path), HasSubstr("corrupt"))));
}

TEST(SqliteStoreTest, ANewerSchemaIsRefusedAndLeftAlone) {
  const std::string path = TempPath("newer.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
    EXPECT_EQ(store->schema_version(), static_cast<int>(SqliteMigrations().size()));
  }
  RawExec(path,
          "INSERT INTO schema_migrations (version, description, applied_time) "
          "VALUES (99, 'from the future', 0)");
  const std::string before = ReadFile(path);
  EXPECT_THAT(SqliteStore::Open({.path = path}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path), HasSubstr("schema version 99"),
                             HasSubstr(absl::StrCat("up to ", SqliteMigrations().size())))));
  EXPECT_EQ(ReadFile(path), before);
}

TEST(SqliteStoreTest, AnotherApplicationsDatabaseIsRefused) {
  const std::string tables = TempPath("foreign_tables.db");
  RawExec(tables, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)");
  EXPECT_THAT(SqliteStore::Open({.path = tables}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(tables), HasSubstr("not a Peloton store"))));
  const std::string app = TempPath("foreign_app.db");
  RawExec(app, "PRAGMA application_id = 1234");
  EXPECT_THAT(SqliteStore::Open({.path = app}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(app), HasSubstr("application_id 1234"))));
}

TEST(SqliteStoreTest, AnUnopenablePathIsAnErrorNamingIt) {
  const std::string path = TempPath("no/such/dir/peloton.db");
  EXPECT_THAT(SqliteStore::Open({.path = path}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(path)));
  EXPECT_THAT(SqliteStore::Open({.path = ""}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sqlite.path")));
  EXPECT_THAT(SqliteStore::Open({.path = "x.db", .busy_timeout = absl::Seconds(-1)}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sqlite.busy_timeout")));
}

// ---------------------------------------------------------------------------------------------
// Migrations

constexpr SqlMigration kV1[] = {
    {1, "one table", "CREATE TABLE things (id TEXT PRIMARY KEY);"},
};
constexpr SqlMigration kV2[] = {
    kV1[0],
    {2, "a column and a table",
     "ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 7; CREATE TABLE more (x);"},
};
constexpr SqlMigration kV2Broken[] = {
    kV1[0],
    {2, "broken", "ALTER TABLE things ADD COLUMN size INTEGER; CREATE TABLE things (x);"},
};

int64_t RawInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  int64_t value = -1;
  if (st != nullptr && sqlite3_step(st) == SQLITE_ROW) value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

TEST(SqliteStoreTest, MigrationsApplyInOrderAndKeepData) {
  const std::string path = TempPath("migrate.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::OpenWithMigrations({.path = path}, kV1));
    EXPECT_EQ(store->schema_version(), 1);
  }
  RawExec(path, "INSERT INTO things (id) VALUES ('kept')");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::OpenWithMigrations({.path = path}, kV2));
    EXPECT_EQ(store->schema_version(), 2);
  }
  EXPECT_EQ(RawInt(path, "SELECT size FROM things WHERE id = 'kept'"), 7);
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM schema_migrations"), 2);
  EXPECT_EQ(RawInt(path, "PRAGMA application_id"), kSqliteApplicationId);
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'more'"), 1);
  // Reopening at the same version changes nothing.
  PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::OpenWithMigrations({.path = path}, kV2));
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM schema_migrations"), 2);
}

// A store written by the first release opens with today's schema and keeps its jobs, tasks
// and pod events: the desired-host column (migration 2) reads empty for them, the entity
// version's parts (migration 3) 1; pod events find their job by its key (migration 5), and an
// event whose job is gone is dropped.
TEST(SqliteStoreTest, TasksOfTheFirstSchemaSurviveItsMigrations) {
  const std::string path = TempPath("first_schema.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
    JobRuntime runtime, other;
    ASSERT_THAT(store->CreateJob(Config("j0"), other), IsOk());  // a job_key of its own
    ASSERT_THAT(store->CreateJob(Config("j1"), runtime), IsOk());
    std::vector<TaskRuntime> tasks(1);
    tasks[0].host = "h1";
    ASSERT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
    PodEvent e;
    e.run_id = 1;
    e.actual_state = TaskState::kLaunched;
    e.message = "launched on h1";
    ASSERT_THAT(store->AddPodEvents(JobId("j1"), {e}), IsOk());
  }
  // The file as the first release left it: no desired_host column, no fences, pod events by
  // job_id, migration 1 only.
  RawExec(path,
          "DROP TABLE fences; "
          "ALTER TABLE task_runtimes DROP COLUMN desired_host; "
          "ALTER TABLE jobs DROP COLUMN desired_state_version; "
          "ALTER TABLE jobs DROP COLUMN workflow_version; "
          "CREATE TABLE first_pod_events (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL, "
          "instance_id INTEGER NOT NULL, run_id INTEGER NOT NULL, actual_state INTEGER NOT "
          "NULL, goal_state INTEGER NOT NULL, mesos_task_id TEXT NOT NULL, host TEXT NOT NULL, "
          "agent_id TEXT NOT NULL, config_version INTEGER NOT NULL, desired_config_version "
          "INTEGER NOT NULL, desired_run_id INTEGER NOT NULL, healthy INTEGER NOT NULL, reason "
          "TEXT NOT NULL, message TEXT NOT NULL, time INTEGER NOT NULL); "
          "INSERT INTO first_pod_events SELECT e.seq, j.job_id, e.instance_id, e.run_id, "
          "e.actual_state, e.goal_state, e.mesos_task_id, e.host, e.agent_id, e.config_version, "
          "e.desired_config_version, e.desired_run_id, e.healthy, e.reason, e.message, e.time "
          "FROM pod_events e JOIN jobs j ON j.job_key = e.job_key; "
          "INSERT INTO first_pod_events SELECT seq + 1, 'gone', instance_id, run_id, "
          "actual_state, goal_state, mesos_task_id, host, agent_id, config_version, "
          "desired_config_version, desired_run_id, healthy, reason, message, time "
          "FROM first_pod_events; "
          "DROP TABLE pod_events; "
          "ALTER TABLE first_pod_events RENAME TO pod_events; "
          "CREATE INDEX pod_events_by_run ON pod_events (job_id, instance_id, run_id); "
          "DELETE FROM schema_migrations WHERE version > 1");
  ASSERT_EQ(RawInt(path, "SELECT COUNT(*) FROM pod_events"), 2);
  ASSERT_EQ(
      RawInt(path, "SELECT COUNT(*) FROM pragma_table_info('task_runtimes') WHERE name = "
                   "'desired_host'"),
      0);
  PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
  EXPECT_EQ(store->schema_version(), static_cast<int>(SqliteMigrations().size()));
  PELOTON_ASSERT_OK_AND_ASSIGN(TaskRuntime t, store->GetTaskRuntime(JobId("j1"), 0));
  EXPECT_EQ(t.host, "h1");
  EXPECT_EQ(t.desired_host, "");
  t.desired_host = "h2";
  std::vector<TaskRuntime> batch = {t};
  ASSERT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(batch)), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(t, store->GetTaskRuntime(JobId("j1"), 0));
  EXPECT_EQ(t.desired_host, "h2");
  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, store->GetJob(JobId("j1")));
  EXPECT_EQ(job.runtime.desired_state_version, 1);
  EXPECT_EQ(job.runtime.workflow_version, 1);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PodEvent> events,
                               store->GetPodEvents(JobId("j1"), 0, {}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "launched on h1");
  EXPECT_THAT(store->GetPodEvents(JobId("j0"), 0, {}), IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM pod_events"), 1);  // not the orphan's
}

TEST(SqliteStoreTest, AFailedMigrationLeavesTheSchemaWhereItWas) {
  const std::string path = TempPath("migrate_broken.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::OpenWithMigrations({.path = path}, kV1));
  }
  RawExec(path, "INSERT INTO things (id) VALUES ('kept')");
  EXPECT_THAT(SqliteStore::OpenWithMigrations({.path = path}, kV2Broken).status(),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr(path), HasSubstr("schema migration 2 (broken)"))));
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM schema_migrations"), 1);
  // The column of the failed migration's first statement was rolled back too.
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM pragma_table_info('things') WHERE name = 'size'"),
            0);
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM things"), 1);
  PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::OpenWithMigrations({.path = path}, kV1));
  EXPECT_EQ(store->schema_version(), 1);
}

TEST(SqliteStoreTest, MigrationVersionsMustCountFromOne) {
  constexpr SqlMigration gap[] = {{1, "a", "SELECT 1;"}, {3, "c", "SELECT 1;"}};
  EXPECT_THAT(SqliteStore::OpenWithMigrations({.path = TempPath("gap.db")}, gap).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("migrations[1].version")));
}

// ---------------------------------------------------------------------------------------------
// Several connections on one file

TEST(SqliteStoreTest, UsesWalAndTwoStoresOnOneFileSeeEachOtherAndConflict) {
  const std::string path = TempPath("shared.db");
  PELOTON_ASSERT_OK_AND_ASSIGN(auto a, SqliteStore::Open({.path = path}));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      auto b, SqliteStore::Open({.path = path, .synchronous = SqliteSynchronous::kFull}));
  EXPECT_EQ(RawInt(path, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);

  JobRuntime runtime;
  ASSERT_THAT(a->CreateJob(Config("j1"), runtime), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary seen_by_b, b->GetJob(JobId("j1")));
  JobRuntime theirs = seen_by_b.runtime;
  runtime.state = JobState::kRunning;
  ASSERT_THAT(a->WriteJobRuntime(JobId("j1"), runtime), IsOk());
  theirs.state = JobState::kKilled;
  EXPECT_THAT(b->WriteJobRuntime(JobId("j1"), theirs), StatusIs(absl::StatusCode::kAborted));
}

// The log's size: SQLite reuses the file from its start after a checkpoint, so it stays at the
// most it held between two checkpoints (plus the last transaction).
int64_t WalBytes(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path + "-wal", error);
  return error ? -1 : static_cast<int64_t>(size);
}

// 20 MB of task runtimes written in transactions of 0.25 MB.
void WriteTwentyMegabytes(SqliteStore& store) {
  JobRuntime runtime;
  ASSERT_THAT(store.CreateJob(Config("j1"), runtime), IsOk());
  std::vector<TaskRuntime> batch(250);
  for (uint32_t round = 0; round < 80; ++round) {
    for (uint32_t i = 0; i < batch.size(); ++i) {
      batch[i] = TaskRuntime();
      batch[i].instance_id = round * 250 + i;
      batch[i].message = std::string(1000, 'x');
    }
    ASSERT_THAT(store.WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(batch)), IsOk());
  }
}

// With the default (10,000 pages, 40 MiB) no checkpoint runs and the log holds them all; with
// 1,000 pages it is copied into the database each 4 MiB (by the store's thread, or by a commit
// that finds it at twice that) and its file stays under about 8 MiB.
TEST(SqliteStoreTest, TheLogIsCheckpointedPastItsConfiguredPages) {
  const auto write = [](SqliteStore& store) { WriteTwentyMegabytes(store); };
  const std::string roomy = TempPath("wal_roomy.db"), tight = TempPath("wal_tight.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = roomy}));
    write(*store);
    EXPECT_GT(WalBytes(roomy), int64_t{16} << 20);
  }
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(
        auto store, SqliteStore::Open({.path = tight, .wal_autocheckpoint_pages = 1000}));
    write(*store);
    EXPECT_LT(WalBytes(tight), (int64_t{8} << 20) + (int64_t{1} << 20));  // and a transaction
  }
  for (int pages : {0, 1'000'001}) {
    EXPECT_THAT(
        SqliteStore::Open({.path = TempPath("wal_bad.db"), .wal_autocheckpoint_pages = pages}),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sqlite.wal_autocheckpoint_pages")));
  }
}

// The checkpoints are the store's thread's, and copy the log into the database while the
// writer goes on; without it they are SQLite's own, in the commits.
TEST(SqliteStoreTest, CheckpointsAreMadeInTheBackground) {
  for (const bool background : {true, false}) {
    SCOPED_TRACE(background ? "background" : "in the commits");
    const std::string path = TempPath(background ? "ckpt_bg.db" : "ckpt_commit.db");
    PELOTON_ASSERT_OK_AND_ASSIGN(
        auto store,
        SqliteStore::Open(
            {.path = path, .wal_autocheckpoint_pages = 200, .background_checkpoints = background}));
    WriteTwentyMegabytes(*store);
    // The last checkpoint the thread was asked for may still run.
    for (int i = 0; i < 500 && background && store->background_checkpoints() == 0; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (background) {
      EXPECT_GT(store->background_checkpoints(), 0);
    } else {
      EXPECT_EQ(store->background_checkpoints(), 0);
    }
    // Either way the rows reached the database file, and the log stayed near 200 pages (at
    // most twice that, and a transaction).
    EXPECT_GT(std::filesystem::file_size(path), uintmax_t{10} << 20);
    EXPECT_LT(WalBytes(path), 2 * 200 * 4096 + (int64_t{1} << 20));
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> back,
                                 store->ListTaskRuntimes(JobId("j1")));
    EXPECT_EQ(back.size(), 20'000u);
  }
}

TEST(SqliteStoreTest, AWriterBlockedPastTheBusyTimeoutGetsUnavailable) {
  const std::string path = TempPath("busy.db");
  PELOTON_ASSERT_OK_AND_ASSIGN(
      auto store, SqliteStore::Open({.path = path, .busy_timeout = absl::Milliseconds(50)}));
  JobRuntime runtime;
  ASSERT_THAT(store->CreateJob(Config("j1"), runtime), IsOk());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<TaskRuntime> tasks(3);
  for (uint32_t i = 0; i < tasks.size(); ++i) tasks[i].instance_id = i;
  EXPECT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)),
              StatusIs(absl::StatusCode::kUnavailable, AllOf(HasSubstr(path), HasSubstr("retry"))));
  EXPECT_EQ(tasks[0].version, 0);
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_THAT(store->GetJob(JobId("j1")).status(), IsOk());
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
}

// ---------------------------------------------------------------------------------------------
// A writer killed for real

// The child rewrites every task of the job in batches, forever, reporting each committed
// batch's version on a pipe. The parent kills it with SIGKILL at a varying moment, reopens
// the file, and checks that every task carries the same version (no partial batch) and that
// no reported batch was lost.
TEST(SqliteStoreCrashTest, AKilledWriterLosesNoCommittedBatchAndLeavesNoPartialOne) {
  constexpr uint32_t kTasks = 2000;
  const std::string path = TempPath("crash.db");
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
    JobRuntime runtime;
    ASSERT_THAT(store->CreateJob(Config("j1"), runtime), IsOk());
    std::vector<TaskRuntime> tasks(kTasks);
    for (uint32_t i = 0; i < kTasks; ++i) tasks[i].instance_id = i;
    ASSERT_THAT(store->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  }

  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open({.path = path});
      if (!store.ok()) _exit(2);
      absl::StatusOr<std::vector<TaskRuntime>> tasks = (*store)->ListTaskRuntimes(JobId("j1"));
      if (!tasks.ok()) _exit(3);
      while (true) {
        for (TaskRuntime& t : *tasks) {
          t.state = TaskState::kRunning;
          t.message = absl::StrCat("written at version ", t.version + 1);
        }
        if (!(*store)->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(*tasks)).ok()) _exit(4);
        const int64_t committed = (*tasks)[0].version;
        if (write(fds[1], &committed, sizeof committed) != sizeof committed) _exit(5);
      }
    }
    close(fds[1]);
    // Wait for a few commits, then kill at a moment that varies from round to round.
    int64_t last_committed = 0;
    for (int i = 0; i < 2 + round; ++i) {
      ASSERT_EQ(read(fds[0], &last_committed, sizeof last_committed),
                static_cast<ssize_t>(sizeof last_committed));
    }
    usleep(static_cast<useconds_t>(round * 1700));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "the writer exited by itself with " << WEXITSTATUS(wstatus);
    int64_t v = 0;
    while (read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) last_committed = v;
    close(fds[0]);

    PELOTON_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open({.path = path}));
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> tasks,
                                 store->ListTaskRuntimes(JobId("j1")));
    ASSERT_EQ(tasks.size(), kTasks);
    const int64_t version = tasks[0].version;
    EXPECT_GE(version, last_committed) << "round " << round << ": a committed batch was lost";
    for (const TaskRuntime& t : tasks) {
      ASSERT_EQ(t.version, version)
          << "round " << round << ": instance " << t.instance_id << " is from another batch";
      ASSERT_EQ(t.message, absl::StrCat("written at version ", version));
    }
    store.reset();
    EXPECT_EQ(RawInt(path,
                     "SELECT COUNT(*) FROM pragma_integrity_check WHERE "
                     "integrity_check = 'ok'"),
              1);
  }
}

}  // namespace
}  // namespace peloton::store
