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

namespace peloton::store {

using internal::SqliteDb;
using internal::SqlStatement;
using internal::SqlTransaction;
using internal::TxnKind;

namespace {

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
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db.Prepare("PRAGMA application_id"));
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) s.application_id = st.Int(0);
  }
  {
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db.Prepare("SELECT COUNT(*), COALESCE(SUM(name = 'schema_migrations'), 0) FROM "
                   "sqlite_master WHERE type = 'table'"));
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      s.tables = st.Int(0);
      s.has_migrations = st.Int(1) > 0;
    }
  }
  if (s.has_migrations) {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
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

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  return OpenWithMigrations(options, SqliteMigrations());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::OpenWithMigrations(
    const SqliteOptions& options, absl::Span<const SqlMigration> migrations) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite.path: empty (rule: a database file path)");
  }
  if (options.busy_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("sqlite.busy_timeout: negative (rule: >= 0)");
  }
  if (options.wal_autocheckpoint_pages < 1 || options.wal_autocheckpoint_pages > 1'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite.wal_autocheckpoint_pages: ", options.wal_autocheckpoint_pages,
                     " (rule: 1 to 1000000)"));
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
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db->Prepare("PRAGMA journal_mode = WAL"));
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
  PELOTON_RETURN_IF_ERROR(
      db->Exec(absl::StrCat("PRAGMA wal_autocheckpoint = ", options.wal_autocheckpoint_pages),
               "setting wal_autocheckpoint"));

  // Migrate in one transaction: the file ends up at the newest version or stays as it was.
  // Another process may have migrated it since the look above, so look again inside.
  PELOTON_ASSIGN_OR_RETURN(SqlTransaction txn, SqlTransaction::Begin(*db, TxnKind::kWrite));
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
      const SqlMigration& m = migrations[v - 1];
      PELOTON_RETURN_IF_ERROR(db->Exec(
          m.sql, absl::StrCat("applying schema migration ", m.version, " (", m.description, ")")));
      PELOTON_ASSIGN_OR_RETURN(
          SqlStatement st,
          db->Prepare("INSERT INTO schema_migrations (version, description, applied_time) "
                      "VALUES (?1, ?2, ?3)"));
      st.BindInt(1, m.version);
      st.BindText(2, m.description);
      st.BindTime(3, absl::Now());
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
  }
  PELOTON_RETURN_IF_ERROR(txn.Commit());
  if (options.background_checkpoints) {
    PELOTON_RETURN_IF_ERROR(
        db->CheckpointInBackground(options.wal_autocheckpoint_pages, options.busy_timeout));
  }
  std::string path = db->path();
  const internal::SqliteDb* sqlite = db.get();
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(db), sqlite, std::move(path), static_cast<int>(latest)));
}

}  // namespace peloton::store
