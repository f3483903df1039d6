// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Store in PostgreSQL (15 and newer), for job managers that share one store:
//
//   PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<PgStore> store,
//                            PgStore::Open({.url = "postgresql://peloton@db:5432/peloton"}));
//
// - What it stores and how is SqlStore's (sql_store.h), the SQLite store's too; the tables live
//   in the connection's current schema (search_path).
// - Concurrency: any number of processes may open the same database. Writes are SERIALIZABLE
//   transactions, and one that loses a race the server detects runs again (SqlStore), so
//   every call behaves as if it ran alone; a versioned write with a stale version is Aborted,
//   as in SQLite. Within a process, calls are serialized on one connection.
// - Schema: versioned migrations recorded in `schema_migrations`, applied on Open in one
//   transaction under an advisory lock (so that stores opening at once migrate once). A
//   database whose schema is newer than this build knows, or that holds tables but no
//   schema_migrations, is refused and left as it was.
// - Connection: a server that restarts is connected to again by the next call; a call whose
//   transaction the restart cut gets Unavailable, and nothing of it is kept.

#ifndef PELOTON_SERVICES_STORE_PG_STORE_H_
#define PELOTON_SERVICES_STORE_PG_STORE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/store/pg_db.h"
#include "services/store/sql_store.h"

namespace peloton::store {

struct PgOptions {
  // postgresql://[user[:password]@]host[:port]/database[?param=value&...] (libpq's URL).
  std::string url;
  absl::Duration connect_timeout = absl::Seconds(10);
};

// The schema's history, oldest first.
absl::Span<const SqlMigration> PgMigrations();

class PgStore final : public SqlStore {
 public:
  // InvalidArgument for a URL that is not one; Unauthenticated, NotFound (no such database) or
  // Unavailable when connecting fails; FailedPrecondition for a database this build must not
  // use. Messages name the server, never the password.
  static absl::StatusOr<std::unique_ptr<PgStore>> Open(const PgOptions& options);
  // Open with another schema history (tests of the migration machinery).
  static absl::StatusOr<std::unique_ptr<PgStore>> OpenWithMigrations(
      const PgOptions& options, absl::Span<const SqlMigration> migrations);

  int schema_version() const { return schema_version_; }
  // The URL without its password.
  const std::string& url() const { return url_; }

 private:
  PgStore(std::unique_ptr<internal::PgDb> db, std::string url, int schema_version)
      : SqlStore(std::move(db)), url_(std::move(url)), schema_version_(schema_version) {}

  const std::string url_;
  const int schema_version_;
};

// Whether `spec` names a PostgreSQL store (postgresql:// or postgres://).
bool IsPostgresUrl(absl::string_view spec);

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_PG_STORE_H_
