// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/pg_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"

namespace peloton::store {

using internal::PgDb;
using internal::PgParams;
using internal::PgResult;

namespace {

// The advisory lock that serializes migrations: "PELT", as SQLite's application id.
constexpr int64_t kMigrationLock = 0x50454c54;

constexpr char kUrlRule[] = "rule: postgresql://[user[:password]@]host[:port]/database";

struct SchemaState {
  int64_t tables = 0;           // tables in the current schema
  bool has_migrations = false;  // a schema_migrations table
  int64_t version = 0;          // the newest applied migration
};

absl::StatusOr<int64_t> One(PgDb& db, const std::string& sql, absl::string_view doing) {
  PELOTON_ASSIGN_OR_RETURN(PgResult r, db.Query(sql, PgParams(), doing));
  if (r.rows() != 1) return absl::InternalError(absl::StrCat(db.name(), ": ", doing, ": no row"));
  return r.Int(0, 0);
}

absl::StatusOr<SchemaState> ReadSchemaState(PgDb& db) {
  SchemaState s;
  PELOTON_ASSIGN_OR_RETURN(s.tables, One(db,
                                         "SELECT count(*) FROM information_schema.tables WHERE "
                                         "table_schema = current_schema()",
                                         "counting tables"));
  PELOTON_ASSIGN_OR_RETURN(
      const int64_t has, One(db,
                             "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                             "current_schema() AND table_name = 'schema_migrations'",
                             "looking for schema_migrations"));
  s.has_migrations = has > 0;
  if (s.has_migrations) {
    PELOTON_ASSIGN_OR_RETURN(s.version, One(db,
                                            "SELECT COALESCE(MAX(version), 0) FROM "
                                            "schema_migrations",
                                            "reading the schema version"));
  }
  return s;
}

// Refuses databases that are not (or not yet) Peloton stores this build can use.
absl::Status CheckSchemaState(const PgDb& db, const SchemaState& s, int64_t latest) {
  if (!s.has_migrations && s.tables > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(db.name(),
                     ": the database's schema has tables but no schema_migrations: it is not a "
                     "Peloton store; point the store at another database (or schema)"));
  }
  if (s.version > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        db.name(), ": schema version ", s.version, " is newer than this build knows (up to ",
        latest, "); open it with a newer Peloton, or point the store at another database"));
  }
  return absl::OkStatus();
}

// Migrates to `migrations`' newest version in one transaction (READ COMMITTED: after waiting
// for the lock, it sees what another store's migration committed).
absl::Status Migrate(PgDb& db, absl::Span<const SqlMigration> migrations) {
  const int64_t latest = static_cast<int64_t>(migrations.size());
  PELOTON_RETURN_IF_ERROR(db.Exec("BEGIN", "beginning the schema migration"));
  absl::Status status = [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(db.Query("SELECT pg_advisory_xact_lock($1)",
                                     PgParams().Int(kMigrationLock),
                                     "waiting for the migration lock")
                                .status());
    PELOTON_ASSIGN_OR_RETURN(SchemaState state, ReadSchemaState(db));
    PELOTON_RETURN_IF_ERROR(CheckSchemaState(db, state, latest));
    if (state.version == latest) return absl::OkStatus();
    if (!state.has_migrations) {
      PELOTON_RETURN_IF_ERROR(db.Exec(
          "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT "
          "NULL, applied_time BIGINT NOT NULL)",
          "creating the schema_migrations table"));
    }
    for (int64_t v = state.version + 1; v <= latest; ++v) {
      const SqlMigration& m = migrations[v - 1];
      PELOTON_RETURN_IF_ERROR(db.Exec(
          m.sql, absl::StrCat("applying schema migration ", m.version, " (", m.description, ")")));
      PELOTON_RETURN_IF_ERROR(
          db.Query("INSERT INTO schema_migrations (version, description, applied_time) VALUES "
                   "($1, $2, $3)",
                   PgParams().Int(m.version).Text(m.description).Time(absl::Now()),
                   "recording a schema migration")
              .status());
    }
    return absl::OkStatus();
  }();
  if (status.ok()) status = db.Commit();
  if (!status.ok()) db.Rollback();
  return status;
}

}  // namespace

bool IsPostgresUrl(absl::string_view spec) {
  return absl::StartsWith(spec, "postgresql://") || absl::StartsWith(spec, "postgres://");
}

absl::StatusOr<std::unique_ptr<PgStore>> PgStore::Open(const PgOptions& options) {
  return OpenWithMigrations(options, PgMigrations());
}

absl::StatusOr<std::unique_ptr<PgStore>> PgStore::OpenWithMigrations(
    const PgOptions& options, absl::Span<const SqlMigration> migrations) {
  if (!IsPostgresUrl(options.url)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "postgresql.url: '", internal::RedactPassword(options.url), "' (", kUrlRule, ")"));
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("postgresql.connect_timeout: not positive (rule: > 0)");
  }
  PELOTON_RETURN_IF_ERROR(CheckMigrations(migrations));
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<PgDb> db,
                           PgDb::Connect(options.url, options.connect_timeout));
  PELOTON_RETURN_IF_ERROR(Migrate(*db, migrations));
  std::string url = db->url();
  return std::unique_ptr<PgStore>(
      new PgStore(std::move(db), std::move(url), static_cast<int>(migrations.size())));
}

}  // namespace peloton::store
