// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sqlite_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"
#include "services/store/sqlite_rows.pb.h"

namespace peloton::store {

using internal::SqliteDb;
using internal::SqliteStatement;
using internal::SqliteTransaction;

namespace {

// ---------------------------------------------------------------------------------------------
// Encodings of list-valued columns.

std::string EncodeLabels(const std::vector<Label>& labels) {
  rows::Labels pb;
  for (const Label& l : labels) {
    rows::Label* out = pb.add_labels();
    out->set_key(l.key);
    out->set_value(l.value);
  }
  return pb.SerializeAsString();
}

std::string EncodeIds(const std::vector<uint32_t>& ids) {
  rows::InstanceIds pb;
  pb.mutable_ids()->Add(ids.begin(), ids.end());
  return pb.SerializeAsString();
}

absl::Status Corrupt(const SqliteDb& db, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("database file '", db.path(), "': ", what,
                                          " cannot be decoded (the database is corrupt)"));
}

absl::StatusOr<std::vector<Label>> DecodeLabels(const SqliteDb& db, absl::string_view bytes,
                                                absl::string_view what) {
  rows::Labels pb;
  if (!pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt(db, absl::StrCat("the labels of ", what));
  }
  std::vector<Label> labels;
  labels.reserve(pb.labels_size());
  for (const rows::Label& l : pb.labels()) labels.push_back({l.key(), l.value()});
  return labels;
}

absl::StatusOr<std::vector<uint32_t>> DecodeIds(const SqliteDb& db, absl::string_view bytes,
                                                absl::string_view what) {
  rows::InstanceIds pb;
  if (!pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt(db, what);
  }
  return std::vector<uint32_t>(pb.ids().begin(), pb.ids().end());
}

template <typename E>
E AsEnum(int64_t value) {
  return static_cast<E>(static_cast<int>(value));
}

std::string Job(const JobId& id) { return absl::StrCat("job ", id.value()); }

// ---------------------------------------------------------------------------------------------
// Column lists, each read by one Read* function (the SELECTs splice them in as literals, so
// that the cached statements stay keyed by a literal's address).

#define PELOTON_POOL_COLUMNS "id, path, owner, config, create_time, update_time"

PoolRecord ReadPool(const SqliteStatement& st) {
  PoolRecord p;
  p.id = PoolId(std::string(st.Text(0)));
  p.path = std::string(st.Text(1));
  p.owner = std::string(st.Text(2));
  p.config = std::string(st.Text(3));
  p.create_time = st.Time(4);
  p.update_time = st.Time(5);
  return p;
}

#define PELOTON_JOB_COLUMNS                                                        \
  "job_id, name, owner, pool_id, type, instance_count, labels, state, goal_state," \
  " config_version, desired_config_version, update_id, creation_time, start_time," \
  " completion_time, update_time, info, version, desired_state_version, workflow_version"

absl::StatusOr<JobSummary> ReadJob(const SqliteDb& db, const SqliteStatement& st) {
  JobSummary j;
  j.id = JobId(std::string(st.Text(0)));
  j.name = std::string(st.Text(1));
  j.owner = std::string(st.Text(2));
  j.pool_id = PoolId(std::string(st.Text(3)));
  j.type = AsEnum<JobType>(st.Int(4));
  j.instance_count = static_cast<uint32_t>(st.Int(5));
  PELOTON_ASSIGN_OR_RETURN(j.labels, DecodeLabels(db, st.Text(6), Job(j.id)));
  JobRuntime& r = j.runtime;
  r.state = AsEnum<JobState>(st.Int(7));
  r.goal_state = AsEnum<JobState>(st.Int(8));
  r.config_version = st.Int(9);
  r.desired_config_version = st.Int(10);
  r.update_id = std::string(st.Text(11));
  r.creation_time = st.Time(12);
  r.start_time = st.Time(13);
  r.completion_time = st.Time(14);
  r.update_time = st.Time(15);
  r.info = std::string(st.Text(16));
  r.version = st.Int(17);
  r.desired_state_version = st.Int(18);
  r.workflow_version = st.Int(19);
  return j;
}

#define PELOTON_JOB_CONFIG_COLUMNS \
  "job_id, version, config, name, owner, pool_id, type, instance_count, labels, create_time"

absl::StatusOr<JobConfigRecord> ReadJobConfig(const SqliteDb& db, const SqliteStatement& st) {
  JobConfigRecord c;
  c.job_id = JobId(std::string(st.Text(0)));
  c.version = st.Int(1);
  c.config = std::string(st.Text(2));
  c.name = std::string(st.Text(3));
  c.owner = std::string(st.Text(4));
  c.pool_id = PoolId(std::string(st.Text(5)));
  c.type = AsEnum<JobType>(st.Int(6));
  c.instance_count = static_cast<uint32_t>(st.Int(7));
  PELOTON_ASSIGN_OR_RETURN(
      c.labels, DecodeLabels(db, st.Text(8), absl::StrCat(Job(c.job_id), " config ", c.version)));
  c.create_time = st.Time(9);
  return c;
}

void BindJobConfig(SqliteStatement& st, const JobConfigRecord& c, const std::string& labels) {
  st.BindText(1, c.job_id.value());
  st.BindInt(2, c.version);
  st.BindBlob(3, c.config);
  st.BindText(4, c.name);
  st.BindText(5, c.owner);
  st.BindText(6, c.pool_id.value());
  st.BindInt(7, static_cast<int>(c.type));
  st.BindInt(8, c.instance_count);
  st.BindBlob(9, labels);
  st.BindTime(10, c.create_time);
}

// Parameters 11..22 of the jobs INSERT and 2..13 of its runtime UPDATE: `first` is the first.
void BindJobRuntime(SqliteStatement& st, int first, const JobRuntime& r) {
  st.BindInt(first, static_cast<int>(r.state));
  st.BindInt(first + 1, static_cast<int>(r.goal_state));
  st.BindInt(first + 2, r.config_version);
  st.BindInt(first + 3, r.desired_config_version);
  st.BindText(first + 4, r.update_id);
  st.BindTime(first + 5, r.creation_time);
  st.BindTime(first + 6, r.start_time);
  st.BindTime(first + 7, r.completion_time);
  st.BindTime(first + 8, r.update_time);
  st.BindBlob(first + 9, r.info);
  st.BindInt(first + 10, r.desired_state_version);
  st.BindInt(first + 11, r.workflow_version);
}

#define PELOTON_TASK_COLUMNS                                                              \
  "instance_id, state, goal_state, mesos_task_id, desired_mesos_task_id, host, agent_id," \
  " config_version, desired_config_version, healthy, reason, message, failure_count,"     \
  " start_time, completion_time, info, version, desired_host"

// Fills `r` in place: recovery reads 100,000 of these at a time.
void ReadTask(const SqliteStatement& st, TaskRuntime& r) {
  r.instance_id = static_cast<uint32_t>(st.Int(0));
  r.state = AsEnum<TaskState>(st.Int(1));
  r.goal_state = AsEnum<TaskState>(st.Int(2));
  st.TextInto(3, r.mesos_task_id);
  st.TextInto(4, r.desired_mesos_task_id);
  st.TextInto(5, r.host);
  st.TextInto(6, r.agent_id);
  r.config_version = st.Int(7);
  r.desired_config_version = st.Int(8);
  r.healthy = AsEnum<HealthState>(st.Int(9));
  st.TextInto(10, r.reason);
  st.TextInto(11, r.message);
  r.failure_count = static_cast<uint32_t>(st.Int(12));
  r.start_time = st.Time(13);
  r.completion_time = st.Time(14);
  st.TextInto(15, r.info);
  r.version = st.Int(16);
  st.TextInto(17, r.desired_host);
}

// Parameters 1..18 of the task INSERT and UPDATE.
void BindTask(SqliteStatement& st, int64_t job_key, const TaskRuntime& r) {
  st.BindInt(1, job_key);
  st.BindInt(2, r.instance_id);
  st.BindInt(3, static_cast<int>(r.state));
  st.BindInt(4, static_cast<int>(r.goal_state));
  st.BindText(5, r.mesos_task_id);
  st.BindText(6, r.desired_mesos_task_id);
  st.BindText(7, r.host);
  st.BindText(8, r.agent_id);
  st.BindInt(9, r.config_version);
  st.BindInt(10, r.desired_config_version);
  st.BindInt(11, static_cast<int>(r.healthy));
  st.BindText(12, r.reason);
  st.BindText(13, r.message);
  st.BindInt(14, r.failure_count);
  st.BindTime(15, r.start_time);
  st.BindTime(16, r.completion_time);
  st.BindBlob(17, r.info);
  st.BindText(18, r.desired_host);
}

#define PELOTON_POD_EVENT_COLUMNS                                                 \
  "instance_id, run_id, actual_state, goal_state, mesos_task_id, host, agent_id," \
  " config_version, desired_config_version, desired_run_id, healthy, reason, message, time"

PodEvent ReadPodEvent(const SqliteStatement& st) {
  PodEvent e;
  e.instance_id = static_cast<uint32_t>(st.Int(0));
  e.run_id = st.Int(1);
  e.actual_state = AsEnum<TaskState>(st.Int(2));
  e.goal_state = AsEnum<TaskState>(st.Int(3));
  e.mesos_task_id = std::string(st.Text(4));
  e.host = std::string(st.Text(5));
  e.agent_id = std::string(st.Text(6));
  e.config_version = st.Int(7);
  e.desired_config_version = st.Int(8);
  e.desired_run_id = st.Int(9);
  e.healthy = AsEnum<HealthState>(st.Int(10));
  e.reason = std::string(st.Text(11));
  e.message = std::string(st.Text(12));
  e.time = st.Time(13);
  return e;
}

#define PELOTON_UPDATE_COLUMNS                                                                \
  "update_id, job_id, type, state, prev_state, options, config_version, prev_config_version," \
  " instances_total, instances_done, instances_failed, instances_current, instances_added,"   \
  " instances_updated, instances_removed, opaque_data, creation_time, update_time,"           \
  " completion_time, version"

absl::StatusOr<UpdateRecord> ReadUpdate(const SqliteDb& db, const SqliteStatement& st) {
  UpdateRecord u;
  u.update_id = std::string(st.Text(0));
  u.job_id = JobId(std::string(st.Text(1)));
  u.type = AsEnum<WorkflowType>(st.Int(2));
  u.state = AsEnum<UpdateState>(st.Int(3));
  u.prev_state = AsEnum<UpdateState>(st.Int(4));
  u.options = std::string(st.Text(5));
  u.config_version = st.Int(6);
  u.prev_config_version = st.Int(7);
  u.instances_total = static_cast<uint32_t>(st.Int(8));
  u.instances_done = static_cast<uint32_t>(st.Int(9));
  u.instances_failed = static_cast<uint32_t>(st.Int(10));
  const std::string what = absl::StrCat("the instance lists of workflow ", u.update_id);
  PELOTON_ASSIGN_OR_RETURN(u.instances_current, DecodeIds(db, st.Text(11), what));
  PELOTON_ASSIGN_OR_RETURN(u.instances_added, DecodeIds(db, st.Text(12), what));
  PELOTON_ASSIGN_OR_RETURN(u.instances_updated, DecodeIds(db, st.Text(13), what));
  PELOTON_ASSIGN_OR_RETURN(u.instances_removed, DecodeIds(db, st.Text(14), what));
  u.opaque_data = std::string(st.Text(15));
  u.creation_time = st.Time(16);
  u.update_time = st.Time(17);
  u.completion_time = st.Time(18);
  u.version = st.Int(19);
  return u;
}

// Parameters 1..19 of the workflow INSERT and UPDATE; `ids` keeps the encodings alive.
void BindUpdate(SqliteStatement& st, const UpdateRecord& u, std::string (&ids)[4]) {
  ids[0] = EncodeIds(u.instances_current);
  ids[1] = EncodeIds(u.instances_added);
  ids[2] = EncodeIds(u.instances_updated);
  ids[3] = EncodeIds(u.instances_removed);
  st.BindText(1, u.update_id);
  st.BindText(2, u.job_id.value());
  st.BindInt(3, static_cast<int>(u.type));
  st.BindInt(4, static_cast<int>(u.state));
  st.BindInt(5, static_cast<int>(u.prev_state));
  st.BindBlob(6, u.options);
  st.BindInt(7, u.config_version);
  st.BindInt(8, u.prev_config_version);
  st.BindInt(9, u.instances_total);
  st.BindInt(10, u.instances_done);
  st.BindInt(11, u.instances_failed);
  for (int i = 0; i < 4; ++i) st.BindBlob(12 + i, ids[i]);
  st.BindBlob(16, u.opaque_data);
  st.BindTime(17, u.creation_time);
  st.BindTime(18, u.update_time);
  st.BindTime(19, u.completion_time);
}

#define PELOTON_HOST_COLUMNS \
  "hostname, ip, state, goal_state, labels, current_pool, desired_pool, version"

absl::StatusOr<HostRecord> ReadHost(const SqliteDb& db, const SqliteStatement& st) {
  HostRecord h;
  h.hostname = std::string(st.Text(0));
  h.ip = std::string(st.Text(1));
  h.state = AsEnum<HostState>(st.Int(2));
  h.goal_state = AsEnum<HostState>(st.Int(3));
  PELOTON_ASSIGN_OR_RETURN(h.labels,
                           DecodeLabels(db, st.Text(4), absl::StrCat("host ", h.hostname)));
  h.current_pool = std::string(st.Text(5));
  h.desired_pool = std::string(st.Text(6));
  h.version = st.Int(7);
  return h;
}

// The Aborted status of a versioned write whose expected version did not match.
absl::Status VersionConflict(absl::string_view what, int64_t expected,
                             std::optional<int64_t> stored) {
  if (!stored.has_value()) {
    return absl::AbortedError(absl::StrCat(what, ": written with version ", expected,
                                           ", but it does not exist (re-read it and retry)"));
  }
  return absl::AbortedError(absl::StrCat(what, ": written with version ", expected,
                                         ", but the stored version is ", *stored,
                                         " (someone else wrote it; re-read it and retry)"));
}

// The stored version of a row, if any: `st` selects it with its key bound.
absl::StatusOr<std::optional<int64_t>> StoredVersion(SqliteStatement& st) {
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.Int(0));
}

// ---------------------------------------------------------------------------------------------
// Opening and migrating.

struct SchemaState {
  int64_t tables = 0;           // tables of any kind
  bool has_migrations = false;  // a schema_migrations table
  int64_t version = 0;          // the newest applied migration
  int64_t application_id = 0;
};

absl::StatusOr<SchemaState> ReadSchemaState(SqliteDb& db) {
  SchemaState s;
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db.Prepare("PRAGMA application_id"));
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) s.application_id = st.Int(0);
  }
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db.Prepare("SELECT COUNT(*), COALESCE(SUM(name = 'schema_migrations'), 0) FROM "
                   "sqlite_master WHERE type = 'table'"));
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      s.tables = st.Int(0);
      s.has_migrations = st.Int(1) > 0;
    }
  }
  if (s.has_migrations) {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) s.version = st.Int(0);
  }
  return s;
}

// Refuses files that are not (or not yet) Peloton stores this build can use.
absl::Status CheckSchemaState(const SqliteDb& db, const SchemaState& s, int64_t latest) {
  if (s.application_id != 0 && s.application_id != kSqliteApplicationId) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database file '", db.path(), "' belongs to another application (SQLite application_id ",
        s.application_id, "); point the store at another file"));
  }
  if (!s.has_migrations && s.tables > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("database file '", db.path(),
                     "' is an SQLite database but not a Peloton store (it has tables but no "
                     "schema_migrations); point the store at another file"));
  }
  if (s.version > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database file '", db.path(), "' has schema version ", s.version,
                     ", newer than this build knows (up to ", latest,
                     "); open it with a newer Peloton, or point the store at another file"));
  }
  return absl::OkStatus();
}

absl::Status CheckMigrations(absl::Span<const SqliteMigration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations[", i, "].version: ", migrations[i].version, " (rule: ", i + 1,
                       ", counting from 1 without gaps)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  return OpenWithMigrations(options, SqliteMigrations());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::OpenWithMigrations(
    const SqliteOptions& options, absl::Span<const SqliteMigration> migrations) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite.path: empty (rule: a database file path)");
  }
  if (options.busy_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("sqlite.busy_timeout: negative (rule: >= 0)");
  }
  PELOTON_RETURN_IF_ERROR(CheckMigrations(migrations));
  const int64_t latest = static_cast<int64_t>(migrations.size());
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db,
                           SqliteDb::Open(options.path, options.busy_timeout));

  // Look before changing anything: a file we refuse is left exactly as it was.
  PELOTON_ASSIGN_OR_RETURN(SchemaState state, ReadSchemaState(*db));
  PELOTON_RETURN_IF_ERROR(CheckSchemaState(*db, state, latest));

  {
    // Another process opening the same new file at the same moment holds it briefly; SQLite
    // answers BUSY to a journal mode change without waiting, so wait here (busy_timeout).
    const absl::Time deadline = absl::Now() + options.busy_timeout;
    absl::StatusOr<bool> row;
    std::string mode;
    for (;;) {
      PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db->Prepare("PRAGMA journal_mode = WAL"));
      row = st.Step();
      if (row.ok() && *row) mode = std::string(st.Text(0));
      if (!absl::IsUnavailable(row.status()) || absl::Now() >= deadline) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    PELOTON_RETURN_IF_ERROR(row.status());
    if (!*row || mode != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat("database file '", db->path(),
                       "': cannot switch to WAL mode (journal mode "
                       "is '",
                       mode,
                       "'); the file system must support shared "
                       "memory"));
    }
  }
  PELOTON_RETURN_IF_ERROR(db->Exec(options.synchronous == SqliteSynchronous::kFull
                                       ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL",
                                   "setting synchronous"));

  // Migrate in one transaction: the file ends up at the newest version or stays as it was.
  // Another process may have migrated it since the look above, so look again inside.
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db));
  PELOTON_ASSIGN_OR_RETURN(state, ReadSchemaState(*db));
  PELOTON_RETURN_IF_ERROR(CheckSchemaState(*db, state, latest));
  if (state.version < latest) {
    if (!state.has_migrations) {
      PELOTON_RETURN_IF_ERROR(db->Exec(
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT "
          "NULL, applied_time INTEGER NOT NULL)",
          "creating the schema_migrations table"));
      PELOTON_RETURN_IF_ERROR(
          db->Exec(absl::StrCat("PRAGMA application_id = ", kSqliteApplicationId),
                   "setting the application id"));
    }
    for (int64_t v = state.version + 1; v <= latest; ++v) {
      const SqliteMigration& m = migrations[v - 1];
      PELOTON_RETURN_IF_ERROR(db->Exec(
          m.sql, absl::StrCat("applying schema migration ", m.version, " (", m.description, ")")));
      PELOTON_ASSIGN_OR_RETURN(
          SqliteStatement st,
          db->Prepare("INSERT INTO schema_migrations (version, description, applied_time) "
                      "VALUES (?1, ?2, ?3)"));
      st.BindInt(1, m.version);
      st.BindText(2, m.description);
      st.BindTime(3, absl::Now());
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db), static_cast<int>(latest)));
}

// ---------------------------------------------------------------------------------------------
// Pools

absl::Status SqliteStore::CreatePool(const PoolRecord& pool) {
  PELOTON_RETURN_IF_ERROR(ValidatePool(pool));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("SELECT id, path FROM respools WHERE id = ?1 OR path = ?2"));
    st.BindText(1, pool.id.value());
    st.BindText(2, pool.path);
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      if (st.Text(0) == pool.id.value()) {
        return absl::AlreadyExistsError(absl::StrCat("pool ", pool.id.value(), " already exists"));
      }
      return absl::AlreadyExistsError(
          absl::StrCat("pool path ", pool.path, " is already pool ", st.Text(0), "'s"));
    }
  }
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("INSERT INTO respools (" PELOTON_POOL_COLUMNS
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st.BindText(1, pool.id.value());
  st.BindText(2, pool.path);
  st.BindText(3, pool.owner);
  st.BindBlob(4, pool.config);
  st.BindTime(5, pool.create_time);
  st.BindTime(6, pool.update_time);
  PELOTON_RETURN_IF_ERROR(st.Run());
  return txn.Commit();
}

absl::Status SqliteStore::UpdatePool(const PoolRecord& pool) {
  PELOTON_RETURN_IF_ERROR(ValidatePool(pool));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("SELECT id FROM respools WHERE path = ?1 AND id != ?2"));
    st.BindText(1, pool.path);
    st.BindText(2, pool.id.value());
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      return absl::AlreadyExistsError(
          absl::StrCat("pool path ", pool.path, " is already pool ", st.Text(0), "'s"));
    }
  }
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("UPDATE respools SET path = ?2, owner = ?3, config = ?4, update_time = ?5 "
                  "WHERE id = ?1"));
  st.BindText(1, pool.id.value());
  st.BindText(2, pool.path);
  st.BindText(3, pool.owner);
  st.BindBlob(4, pool.config);
  st.BindTime(5, pool.update_time);
  PELOTON_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("pool ", pool.id.value(), " does not exist"));
  }
  return txn.Commit();
}

absl::Status SqliteStore::DeletePool(const PoolId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("pool_id", id.value()));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("DELETE FROM respools WHERE id = ?1"));
  st.BindText(1, id.value());
  PELOTON_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("pool ", id.value(), " does not exist"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PoolRecord> SqliteStore::GetPool(const PoolId& id) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_POOL_COLUMNS
                                                           " FROM respools WHERE id = ?1"));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("pool ", id.value(), " does not exist"));
  return ReadPool(st);
}

absl::StatusOr<PoolRecord> SqliteStore::GetPoolByPath(absl::string_view path) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_POOL_COLUMNS
                                                           " FROM respools WHERE path = ?1"));
  st.BindText(1, path);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no pool has path ", path));
  return ReadPool(st);
}

absl::StatusOr<std::vector<PoolRecord>> SqliteStore::ListPools() {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_POOL_COLUMNS
                                                           " FROM respools ORDER BY path"));
  std::vector<PoolRecord> pools;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    pools.push_back(ReadPool(st));
  }
  return pools;
}

// ---------------------------------------------------------------------------------------------
// Jobs

absl::StatusOr<SqliteStore::JobKey> SqliteStore::LookupJob(const JobId& id) {
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT job_key, instance_count FROM jobs WHERE job_id = ?1"));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
  return JobKey{st.Int(0), static_cast<uint32_t>(st.Int(1))};
}

absl::Status SqliteStore::CheckJobExists(const JobId& id) { return LookupJob(id).status(); }

// Inserts `config` as a config version and makes its fields the job's (the jobs row must exist).
absl::Status SqliteStore::WriteJobIndex(const JobConfigRecord& config) {
  const std::string labels = EncodeLabels(config.labels);
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("INSERT INTO job_configs (" PELOTON_JOB_CONFIG_COLUMNS
                                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    BindJobConfig(st, config, labels);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("UPDATE jobs SET name = ?4, owner = ?5, pool_id = ?6, type = ?7, "
                    "instance_count = ?8, labels = ?9 WHERE job_id = ?1"));
    BindJobConfig(st, config, labels);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("DELETE FROM job_labels WHERE job_id = ?1"));
    st.BindText(1, config.job_id.value());
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("INSERT OR IGNORE INTO job_labels (job_id, key, value) VALUES (?1, ?2, ?3)"));
  for (const Label& l : config.labels) {
    st.BindText(1, config.job_id.value());
    st.BindText(2, l.key);
    st.BindText(3, l.value);
    PELOTON_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::CreateJob(const JobConfigRecord& config, JobRuntime& runtime) {
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config));
  PELOTON_RETURN_IF_ERROR(ValidateJobRuntime(runtime));
  if (config.version != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job_config.version: ", config.version, " (rule: a new job's first config is version 1)"));
  }
  if (runtime.version != 0) {
    return absl::InvalidArgumentError(absl::StrCat("job_runtime.version: ", runtime.version,
                                                   " (rule: a new job's runtime has version 0)"));
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  {
    // The index columns are written by WriteJobIndex below.
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("INSERT INTO jobs (" PELOTON_JOB_COLUMNS ") VALUES (?1, '', '', '', 0, 0, "
                    "x'', ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 1, ?21, ?22) "
                    "ON CONFLICT DO NOTHING"));
    st.BindText(1, config.job_id.value());
    BindJobRuntime(st, 11, runtime);
    PELOTON_RETURN_IF_ERROR(st.Run());
    if (db_->Changes() == 0) {
      return absl::AlreadyExistsError(absl::StrCat(Job(config.job_id), " already exists"));
    }
  }
  PELOTON_RETURN_IF_ERROR(WriteJobIndex(config));
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("INSERT OR IGNORE INTO active_jobs (job_id) VALUES (?1)"));
    st.BindText(1, config.job_id.value());
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  runtime.version = 1;
  return absl::OkStatus();
}

absl::Status SqliteStore::AddJobConfig(const JobConfigRecord& config) {
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(config.job_id));
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("SELECT COALESCE(MAX(version), 0) FROM job_configs WHERE job_id = ?1"));
    st.BindText(1, config.job_id.value());
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    const int64_t newest = row ? st.Int(0) : 0;
    if (config.version != newest + 1) {
      return absl::AbortedError(absl::StrCat(
          Job(config.job_id), ": config version ", config.version, " written, but the newest is ",
          newest, " (rule: newest + 1; someone else may have added one: re-read and retry)"));
    }
  }
  PELOTON_RETURN_IF_ERROR(WriteJobIndex(config));
  return txn.Commit();
}

absl::StatusOr<JobConfigRecord> SqliteStore::GetJobConfig(const JobId& id, int64_t version) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT " PELOTON_JOB_CONFIG_COLUMNS " FROM job_configs WHERE job_id = ?1 "
                  "AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1"));
  st.BindText(1, id.value());
  st.BindInt(2, version);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    if (version == 0) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
    return absl::NotFoundError(absl::StrCat(Job(id), " has no config version ", version));
  }
  return ReadJobConfig(*db_, st);
}

absl::Status SqliteStore::WriteJobRuntime(const JobId& id, JobRuntime& runtime) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidateJobRuntime(runtime));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("UPDATE jobs SET state = ?2, goal_state = ?3, config_version = ?4, "
                    "desired_config_version = ?5, update_id = ?6, creation_time = ?7, "
                    "start_time = ?8, completion_time = ?9, update_time = ?10, info = ?11, "
                    "desired_state_version = ?12, workflow_version = ?13, "
                    "version = version + 1 WHERE job_id = ?1 AND version = ?14"));
    st.BindText(1, id.value());
    BindJobRuntime(st, 2, runtime);
    st.BindInt(14, runtime.version);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  if (db_->Changes() == 0) {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("SELECT version FROM jobs WHERE job_id = ?1"));
    st.BindText(1, id.value());
    PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, StoredVersion(st));
    if (!stored.has_value()) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
    return VersionConflict(absl::StrCat("runtime of ", Job(id)), runtime.version, stored);
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  ++runtime.version;
  return absl::OkStatus();
}

absl::StatusOr<JobSummary> SqliteStore::GetJob(const JobId& id) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_JOB_COLUMNS
                                                           " FROM jobs WHERE job_id = ?1"));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
  return ReadJob(*db_, st);
}

absl::Status SqliteStore::DeleteJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
  // Workflow children first: they are found through the workflows.
  static constexpr const char* kDeletes[] = {
      "DELETE FROM update_events WHERE update_id IN "
      "(SELECT update_id FROM updates WHERE job_id = ?1)",
      "DELETE FROM instance_workflow_events WHERE update_id IN "
      "(SELECT update_id FROM updates WHERE job_id = ?1)",
      "DELETE FROM updates WHERE job_id = ?1",
      "DELETE FROM pod_events WHERE job_id = ?1",
      "DELETE FROM task_runtimes WHERE job_key = (SELECT job_key FROM jobs WHERE job_id = ?1)",
      "DELETE FROM job_labels WHERE job_id = ?1",
      "DELETE FROM job_configs WHERE job_id = ?1",
      "DELETE FROM active_jobs WHERE job_id = ?1",
      "DELETE FROM jobs WHERE job_id = ?1",
  };
  for (const char* sql : kDeletes) {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached(sql));
    st.BindText(1, id.value());
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  return txn.Commit();
}

absl::StatusOr<JobQueryResult> SqliteStore::QueryJobs(const JobQuery& query) {
  PELOTON_RETURN_IF_ERROR(ValidateJobQuery(query));
  // WHERE clause and its parameters, in order.
  std::vector<std::string> where;
  std::vector<std::variant<int64_t, std::string>> params;
  const auto param = [&](std::variant<int64_t, std::string> p) {
    params.push_back(std::move(p));
    return absl::StrCat("?", params.size());
  };
  if (query.pool_id.has_value()) where.push_back("pool_id = " + param(query.pool_id->value()));
  if (!query.owner.empty()) where.push_back("owner = " + param(query.owner));
  if (!query.name.empty())
    where.push_back(absl::StrCat("instr(name, ", param(query.name), ") > 0"));
  for (const Label& l : query.labels) {
    where.push_back(
        absl::StrCat("EXISTS (SELECT 1 FROM job_labels l WHERE l.job_id = jobs.job_id AND l.key = ",
                     param(l.key), " AND l.value = ", param(l.value), ")"));
  }
  for (const std::string& k : query.keywords) {
    const std::string p = param(k);
    where.push_back(absl::StrCat("(instr(name, ", p, ") > 0 OR instr(owner, ", p,
                                 ") > 0 OR EXISTS (SELECT 1 FROM job_labels l WHERE "
                                 "l.job_id = jobs.job_id AND (instr(l.key, ",
                                 p, ") > 0 OR instr(l.value, ", p, ") > 0)))"));
  }
  if (!query.states.empty()) {
    std::vector<std::string> states;
    for (JobState s : query.states) states.push_back(absl::StrCat(static_cast<int>(s)));
    where.push_back(absl::StrCat("state IN (", absl::StrJoin(states, ", "), ")"));
  }
  if (query.creation_time.has_value()) {
    where.push_back(
        absl::StrCat("creation_time >= ", param(absl::ToUnixMicros(query.creation_time->min)),
                     " AND creation_time < ", param(absl::ToUnixMicros(query.creation_time->max))));
  }
  if (query.completion_time.has_value()) {
    where.push_back(absl::StrCat("completion_time != 0 AND completion_time >= ",
                                 param(absl::ToUnixMicros(query.completion_time->min)),
                                 " AND completion_time < ",
                                 param(absl::ToUnixMicros(query.completion_time->max))));
  }
  const std::string where_sql =
      where.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where, " AND "));

  std::vector<std::string> order;
  for (const JobOrder& o : query.order_by) {
    static constexpr const char* kColumns[] = {"creation_time", "completion_time", "update_time",
                                               "name",          "owner",           "state"};
    order.push_back(
        absl::StrCat(kColumns[static_cast<int>(o.field)], o.descending ? " DESC" : " ASC"));
  }
  if (order.empty()) order.push_back("creation_time DESC");
  order.push_back("job_id ASC");

  const auto bind_all = [&](SqliteStatement& st) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        st.BindInt(static_cast<int>(i) + 1, *n);
      } else {
        st.BindText(static_cast<int>(i) + 1, std::get<std::string>(params[i]));
      }
    }
  };

  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  JobQueryResult result;
  {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Prepare(absl::StrCat("SELECT COUNT(*) FROM jobs", where_sql)));
    bind_all(st);
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) result.total = static_cast<uint64_t>(st.Int(0));
  }
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Prepare(absl::StrCat("SELECT " PELOTON_JOB_COLUMNS " FROM jobs", where_sql, " ORDER BY ",
                                absl::StrJoin(order, ", "), " LIMIT ", query.limit, " OFFSET ",
                                query.offset)));
  bind_all(st);
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    PELOTON_ASSIGN_OR_RETURN(JobSummary job, ReadJob(*db_, st));
    result.jobs.push_back(std::move(job));
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return result;
}

absl::Status SqliteStore::RemoveActiveJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("DELETE FROM active_jobs WHERE job_id = ?1"));
  st.BindText(1, id.value());
  return st.Run();
}

absl::Status SqliteStore::AddActiveJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("INSERT OR IGNORE INTO active_jobs (job_id) VALUES (?1)"));
  st.BindText(1, id.value());
  PELOTON_RETURN_IF_ERROR(st.Run());
  return txn.Commit();
}

absl::StatusOr<std::vector<JobId>> SqliteStore::ListActiveJobs() {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("SELECT job_id FROM active_jobs ORDER BY job_id"));
  std::vector<JobId> ids;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.emplace_back(std::string(st.Text(0)));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Task runtimes

absl::Status SqliteStore::WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime> runtimes) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidateTaskRuntimes(runtimes));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db_->Cached("INSERT INTO task_runtimes (" PELOTON_TASK_COLUMNS ", job_key) VALUES (?2, ?3, "
                  "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 1, ?18, ?1) "
                  "ON CONFLICT DO NOTHING"));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db_->Cached("UPDATE task_runtimes SET state = ?3, goal_state = ?4, mesos_task_id = ?5, "
                  "desired_mesos_task_id = ?6, host = ?7, agent_id = ?8, config_version = ?9, "
                  "desired_config_version = ?10, healthy = ?11, reason = ?12, message = ?13, "
                  "failure_count = ?14, start_time = ?15, completion_time = ?16, info = ?17, "
                  "desired_host = ?18, version = version + 1 WHERE job_key = ?1 AND "
                  "instance_id = ?2 AND version = ?19"));
  for (const TaskRuntime& r : runtimes) {
    SqliteStatement& st = r.version == 0 ? insert : update;
    BindTask(st, job.key, r);
    if (r.version != 0) st.BindInt(19, r.version);
    PELOTON_RETURN_IF_ERROR(st.Run());
    st.Reset();
    if (db_->Changes() == 0) {
      PELOTON_ASSIGN_OR_RETURN(
          SqliteStatement check,
          db_->Cached("SELECT version FROM task_runtimes WHERE job_key = ?1 AND instance_id = ?2"));
      check.BindInt(1, job.key);
      check.BindInt(2, r.instance_id);
      PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, StoredVersion(check));
      return VersionConflict(absl::StrCat("task runtime of ", Job(id), " instance ", r.instance_id),
                             r.version, stored);
    }
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  for (TaskRuntime& r : runtimes) ++r.version;
  stats_.task_runtime_rows += runtimes.size();
  ++stats_.batches;
  return absl::OkStatus();
}

absl::StatusOr<TaskRuntime> SqliteStore::GetTaskRuntime(const JobId& id, uint32_t instance) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT " PELOTON_TASK_COLUMNS " FROM task_runtimes WHERE job_key = "
                  "(SELECT job_key FROM jobs WHERE job_id = ?1) AND instance_id = ?2"));
  st.BindText(1, id.value());
  st.BindInt(2, instance);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat(Job(id), " has no task runtime for instance ", instance));
  }
  TaskRuntime task;
  ReadTask(st, task);
  return task;
}

absl::StatusOr<std::vector<TaskRuntime>> SqliteStore::ListTaskRuntimes(
    const JobId& id, const TaskRuntimeFilter& filter) {
  for (size_t i = 0; i < filter.states.size(); ++i) {
    if (taskfsm::Name(filter.states[i]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.states[", i, "]: ", static_cast<int>(filter.states[i]), " is not a TaskState"));
    }
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
  std::vector<TaskRuntime> tasks;
  if (filter.states.empty()) {
    tasks.reserve(std::min<uint64_t>(job.instance_count,
                                     uint64_t{filter.to_instance} - filter.from_instance));
  }
  const auto read_all = [&](SqliteStatement& st) -> absl::Status {
    st.BindInt(1, job.key);
    st.BindInt(2, filter.from_instance);
    st.BindInt(3, filter.to_instance);
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      ReadTask(st, tasks.emplace_back());
    }
  };
  if (filter.states.empty()) {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("SELECT " PELOTON_TASK_COLUMNS " FROM task_runtimes WHERE job_key = ?1 AND "
                    "instance_id >= ?2 AND instance_id < ?3 ORDER BY instance_id"));
    PELOTON_RETURN_IF_ERROR(read_all(st));
  } else {
    std::vector<std::string> states;
    for (TaskState s : filter.states) states.push_back(absl::StrCat(static_cast<int>(s)));
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Prepare(absl::StrCat("SELECT " PELOTON_TASK_COLUMNS " FROM task_runtimes WHERE "
                                  "job_key = ?1 AND instance_id >= ?2 AND instance_id < ?3 AND "
                                  "state IN (",
                                  absl::StrJoin(states, ", "), ") ORDER BY instance_id")));
    PELOTON_RETURN_IF_ERROR(read_all(st));
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return tasks;
}

// ---------------------------------------------------------------------------------------------
// Pod events

absl::Status SqliteStore::AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidatePodEvents(events));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("INSERT INTO pod_events (job_id, " PELOTON_POD_EVENT_COLUMNS ") VALUES (?1, ?2, "
                  "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
  for (const PodEvent& e : events) {
    st.BindText(1, id.value());
    st.BindInt(2, e.instance_id);
    st.BindInt(3, e.run_id);
    st.BindInt(4, static_cast<int>(e.actual_state));
    st.BindInt(5, static_cast<int>(e.goal_state));
    st.BindText(6, e.mesos_task_id);
    st.BindText(7, e.host);
    st.BindText(8, e.agent_id);
    st.BindInt(9, e.config_version);
    st.BindInt(10, e.desired_config_version);
    st.BindInt(11, e.desired_run_id);
    st.BindInt(12, static_cast<int>(e.healthy));
    st.BindText(13, e.reason);
    st.BindText(14, e.message);
    st.BindTime(15, e.time);
    PELOTON_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  stats_.pod_event_rows += events.size();
  ++stats_.batches;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PodEvent>> SqliteStore::GetPodEvents(const JobId& id, uint32_t instance,
                                                                const PodEventQuery& query) {
  if (query.run_id < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("query.run_id: ", query.run_id, " (rule: >= 0; 0 means the newest runs)"));
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT " PELOTON_POD_EVENT_COLUMNS " FROM pod_events WHERE job_id = ?1 AND "
                  "instance_id = ?2 AND run_id IN (SELECT DISTINCT run_id FROM pod_events WHERE "
                  "job_id = ?1 AND instance_id = ?2 AND (?3 = 0 OR run_id = ?3) ORDER BY run_id "
                  "DESC LIMIT ?4) ORDER BY run_id DESC, time DESC, seq DESC"));
  st.BindText(1, id.value());
  st.BindInt(2, instance);
  st.BindInt(3, query.run_id);
  st.BindInt(4, query.max_runs == 0 ? -1 : static_cast<int64_t>(query.max_runs));
  std::vector<PodEvent> events;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    events.push_back(ReadPodEvent(st));
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return events;
}

absl::Status SqliteStore::DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                                          int64_t to_run) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  if (from_run > to_run) {
    return absl::InvalidArgumentError(absl::StrCat("from_run: ", from_run, " is after to_run ",
                                                   to_run, " (rule: from_run <= to_run)"));
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("DELETE FROM pod_events WHERE job_id = ?1 AND instance_id = ?2 AND "
                  "run_id >= ?3 AND run_id < ?4"));
  st.BindText(1, id.value());
  st.BindInt(2, instance);
  st.BindInt(3, from_run);
  st.BindInt(4, to_run);
  return st.Run();
}

// ---------------------------------------------------------------------------------------------
// Workflows

absl::Status SqliteStore::CheckUpdateExists(absl::string_view update_id) {
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("SELECT 1 FROM updates WHERE update_id = ?1"));
  st.BindText(1, update_id);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("workflow ", update_id, " does not exist"));
  return absl::OkStatus();
}

absl::Status SqliteStore::CreateUpdate(UpdateRecord& update) {
  PELOTON_RETURN_IF_ERROR(ValidateUpdate(update));
  if (update.version != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("update.version: ", update.version, " (rule: a new workflow has version 0)"));
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(update.job_id));
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("INSERT INTO updates (" PELOTON_UPDATE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1) "
                    "ON CONFLICT DO NOTHING"));
    std::string ids[4];
    BindUpdate(st, update, ids);
    PELOTON_RETURN_IF_ERROR(st.Run());
    if (db_->Changes() == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("workflow ", update.update_id, " already exists"));
    }
  }
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("INSERT INTO update_events (update_id, state, time) VALUES (?1, ?2, ?3)"));
  st.BindText(1, update.update_id);
  st.BindInt(2, static_cast<int>(update.state));
  st.BindTime(3, update.update_time);
  PELOTON_RETURN_IF_ERROR(st.Run());
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  update.version = 1;
  return absl::OkStatus();
}

absl::Status SqliteStore::WriteUpdate(UpdateRecord& update) {
  PELOTON_RETURN_IF_ERROR(ValidateUpdate(update));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  int64_t stored_state = 0;
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("SELECT version, state, job_id FROM updates WHERE update_id = ?1"));
    st.BindText(1, update.update_id);
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    const std::string what = absl::StrCat("workflow ", update.update_id);
    if (!row) return absl::NotFoundError(absl::StrCat(what, " does not exist"));
    if (st.Int(0) != update.version) return VersionConflict(what, update.version, st.Int(0));
    if (st.Text(2) != update.job_id.value()) {
      return absl::InvalidArgumentError(absl::StrCat("update.job_id: ", update.job_id.value(),
                                                     " (rule: unchanged; ", what,
                                                     " belongs to job ", st.Text(2), ")"));
    }
    stored_state = st.Int(1);
  }
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("UPDATE updates SET type = ?3, state = ?4, prev_state = ?5, options = ?6, "
                    "config_version = ?7, prev_config_version = ?8, instances_total = ?9, "
                    "instances_done = ?10, instances_failed = ?11, instances_current = ?12, "
                    "instances_added = ?13, instances_updated = ?14, instances_removed = ?15, "
                    "opaque_data = ?16, creation_time = ?17, update_time = ?18, "
                    "completion_time = ?19, version = version + 1 WHERE update_id = ?1 AND "
                    "job_id = ?2"));
    std::string ids[4];
    BindUpdate(st, update, ids);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  if (stored_state != static_cast<int>(update.state)) {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached("INSERT INTO update_events (update_id, state, time) VALUES (?1, ?2, ?3)"));
    st.BindText(1, update.update_id);
    st.BindInt(2, static_cast<int>(update.state));
    st.BindTime(3, update.update_time);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  ++update.version;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UpdateRecord>> SqliteStore::ReadUpdates(SqliteStatement& st) {
  std::vector<UpdateRecord> updates;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    PELOTON_ASSIGN_OR_RETURN(UpdateRecord u, ReadUpdate(*db_, st));
    updates.push_back(std::move(u));
  }
  return updates;
}

absl::StatusOr<UpdateRecord> SqliteStore::GetUpdate(absl::string_view update_id) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_UPDATE_COLUMNS
                                                           " FROM updates WHERE update_id = ?1"));
  st.BindText(1, update_id);
  PELOTON_ASSIGN_OR_RETURN(std::vector<UpdateRecord> updates, ReadUpdates(st));
  if (updates.empty()) {
    return absl::NotFoundError(absl::StrCat("workflow ", update_id, " does not exist"));
  }
  return std::move(updates[0]);
}

absl::StatusOr<std::vector<UpdateRecord>> SqliteStore::ListUpdates(const JobId& job,
                                                                   uint32_t limit) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  PELOTON_RETURN_IF_ERROR(CheckJobExists(job));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT " PELOTON_UPDATE_COLUMNS " FROM updates WHERE job_id = ?1 ORDER BY "
                  "creation_time DESC, rowid DESC LIMIT ?2"));
  st.BindText(1, job.value());
  st.BindInt(2, limit == 0 ? -1 : static_cast<int64_t>(limit));
  PELOTON_ASSIGN_OR_RETURN(std::vector<UpdateRecord> updates, ReadUpdates(st));
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return updates;
}

absl::Status SqliteStore::DeleteUpdate(absl::string_view update_id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("update_id", update_id));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
  static constexpr const char* kDeletes[] = {
      "DELETE FROM update_events WHERE update_id = ?1",
      "DELETE FROM instance_workflow_events WHERE update_id = ?1",
      "DELETE FROM updates WHERE update_id = ?1",
  };
  for (const char* sql : kDeletes) {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached(sql));
    st.BindText(1, update_id);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  return txn.Commit();
}

absl::StatusOr<std::vector<UpdateEvent>> SqliteStore::GetUpdateEvents(absl::string_view update_id) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT state, time FROM update_events WHERE update_id = ?1 ORDER BY seq"));
  st.BindText(1, update_id);
  std::vector<UpdateEvent> events;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    events.push_back({AsEnum<UpdateState>(st.Int(0)), st.Time(1)});
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return events;
}

absl::Status SqliteStore::AddInstanceWorkflowEvents(
    absl::string_view update_id, absl::Span<const InstanceWorkflowEvent> events) {
  PELOTON_RETURN_IF_ERROR(ValidateId("update_id", update_id));
  PELOTON_RETURN_IF_ERROR(ValidateInstanceWorkflowEvents(events));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("INSERT INTO instance_workflow_events (update_id, instance_id, type, state, "
                  "time) VALUES (?1, ?2, ?3, ?4, ?5)"));
  for (const InstanceWorkflowEvent& e : events) {
    st.BindText(1, update_id);
    st.BindInt(2, e.instance_id);
    st.BindInt(3, static_cast<int>(e.type));
    st.BindInt(4, static_cast<int>(e.state));
    st.BindTime(5, e.time);
    PELOTON_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  return txn.Commit();
}

absl::StatusOr<std::vector<InstanceWorkflowEvent>> SqliteStore::GetInstanceWorkflowEvents(
    absl::string_view update_id, uint32_t instance, uint32_t limit) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginRead(*db_));
  PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT instance_id, type, state, time FROM instance_workflow_events WHERE "
                  "update_id = ?1 AND instance_id = ?2 ORDER BY seq DESC LIMIT ?3"));
  st.BindText(1, update_id);
  st.BindInt(2, instance);
  st.BindInt(3, limit == 0 ? -1 : static_cast<int64_t>(limit));
  std::vector<InstanceWorkflowEvent> events;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    events.push_back({static_cast<uint32_t>(st.Int(0)), AsEnum<WorkflowType>(st.Int(1)),
                      AsEnum<UpdateState>(st.Int(2)), st.Time(3)});
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  return events;
}

// ---------------------------------------------------------------------------------------------
// Hosts and frameworks

absl::Status SqliteStore::WriteHost(HostRecord& host) {
  PELOTON_RETURN_IF_ERROR(ValidateHost(host));
  const std::string labels = EncodeLabels(host.labels);
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(*db_));
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_->Cached(host.version == 0
                        ? "INSERT INTO hosts (" PELOTON_HOST_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                          "?5, ?6, ?7, 1) ON CONFLICT DO NOTHING"
                        : "UPDATE hosts SET ip = ?2, state = ?3, goal_state = ?4, labels = ?5, "
                          "current_pool = ?6, desired_pool = ?7, version = version + 1 WHERE "
                          "hostname = ?1 AND version = ?8"));
    st.BindText(1, host.hostname);
    st.BindText(2, host.ip);
    st.BindInt(3, static_cast<int>(host.state));
    st.BindInt(4, static_cast<int>(host.goal_state));
    st.BindBlob(5, labels);
    st.BindText(6, host.current_pool);
    st.BindText(7, host.desired_pool);
    if (host.version != 0) st.BindInt(8, host.version);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  if (db_->Changes() == 0) {
    PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                             db_->Cached("SELECT version FROM hosts WHERE hostname = ?1"));
    st.BindText(1, host.hostname);
    PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, StoredVersion(st));
    return VersionConflict(absl::StrCat("host ", host.hostname), host.version, stored);
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  ++host.version;
  return absl::OkStatus();
}

absl::StatusOr<HostRecord> SqliteStore::GetHost(absl::string_view hostname) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_HOST_COLUMNS
                                                           " FROM hosts WHERE hostname = ?1"));
  st.BindText(1, hostname);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("host ", hostname, " does not exist"));
  return ReadHost(*db_, st);
}

absl::StatusOr<std::vector<HostRecord>> SqliteStore::ListHosts(absl::Span<const HostState> states) {
  for (size_t i = 0; i < states.size(); ++i) {
    if (taskfsm::Name(states[i]).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("states[", i, "]: ", static_cast<int>(states[i]), " is not a HostState"));
    }
  }
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db_->Cached("SELECT " PELOTON_HOST_COLUMNS
                                                           " FROM hosts ORDER BY hostname"));
  std::vector<HostRecord> hosts;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const auto state = AsEnum<HostState>(st.Int(2));
    if (!states.empty() && std::find(states.begin(), states.end(), state) == states.end()) {
      continue;
    }
    PELOTON_ASSIGN_OR_RETURN(HostRecord host, ReadHost(*db_, st));
    hosts.push_back(std::move(host));
  }
  return hosts;
}

absl::Status SqliteStore::DeleteHost(absl::string_view hostname) {
  PELOTON_RETURN_IF_ERROR(ValidateId("hostname", hostname));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->Cached("DELETE FROM hosts WHERE hostname = ?1"));
  st.BindText(1, hostname);
  PELOTON_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("host ", hostname, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::SetFramework(const FrameworkRecord& framework) {
  PELOTON_RETURN_IF_ERROR(ValidateFramework(framework));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("INSERT INTO frameworks (name, framework_id, stream_id) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (name) DO UPDATE SET framework_id = ?2, stream_id = ?3"));
  st.BindText(1, framework.name);
  st.BindText(2, framework.framework_id);
  st.BindText(3, framework.stream_id);
  return st.Run();
}

absl::StatusOr<FrameworkRecord> SqliteStore::GetFramework(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_->Cached("SELECT name, framework_id, stream_id FROM frameworks WHERE name = ?1"));
  st.BindText(1, name);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("framework ", name, " has not been registered"));
  }
  return FrameworkRecord{std::string(st.Text(0)), std::string(st.Text(1)), std::string(st.Text(2))};
}

}  // namespace peloton::store
