// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The embedded default Store: one SQLite file in WAL mode.
//
//   PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
//                            SqliteStore::Open({.path = "/var/lib/peloton/peloton.db"}));
//
// - Durability: WAL with synchronous=NORMAL by default: a committed transaction survives the
//   process being killed at any point; after a power loss the last few commits may be lost
//   (never half of one). synchronous=FULL also keeps those, at the price of an fsync per
//   commit.
// - Schema: versioned migrations recorded in the `schema_migrations` table, applied on Open in
//   one transaction. A file whose schema is newer than this build knows is refused, as is a
//   file that is not a database, is corrupt, or belongs to another application; each error
//   names the file.
// - Concurrency: several processes may open the same file. A writer waits up to
//   `busy_timeout` for another's transaction, then gets Unavailable. Within a process, calls are
//   serialized on one connection.
// - What it stores and how is SqlStore's (sql_store.h), shared with the PostgreSQL store.

#ifndef PELOTON_SERVICES_STORE_SQLITE_STORE_H_
#define PELOTON_SERVICES_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "services/store/sql_store.h"
#include "services/store/sqlite_db.h"

namespace peloton::store {

enum class SqliteSynchronous { kNormal, kFull };

struct SqliteOptions {
  std::string path;  // created if missing
  SqliteSynchronous synchronous = SqliteSynchronous::kNormal;
  absl::Duration busy_timeout = absl::Seconds(5);
  // A commit that leaves more than this many pages in the write-ahead log copies them into the
  // database (a checkpoint: with either synchronous mode, an fsync of both files). SQLite's
  // default is 1,000 (4 MiB); 10,000 (a 40 MiB log at most, bar one larger transaction) made
  // bench/e2e 17-32% faster: a task's row is written three times in a few seconds, and the log
  // keeps one copy of each page however often it changed. 1 to 1,000,000.
  int wal_autocheckpoint_pages = 10'000;
  // Those checkpoints on a thread of the store's (SqliteDb::CheckpointInBackground), not in the
  // commit that finds the log full: a checkpoint of 10,000 pages copies 40 MiB and syncs both
  // files, which held the caller (the master's loop) for it.
  bool background_checkpoints = true;
};

// The schema's history, oldest first.
absl::Span<const SqlMigration> SqliteMigrations();

// "PELT": marks the file as a Peloton store (SQLite's application_id header field).
inline constexpr int32_t kSqliteApplicationId = 0x50454c54;

class SqliteStore final : public SqlStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  // Open with another schema history (tests of the migration machinery).
  static absl::StatusOr<std::unique_ptr<SqliteStore>> OpenWithMigrations(
      const SqliteOptions& options, absl::Span<const SqlMigration> migrations);

  // The schema version of the open file.
  int schema_version() const { return schema_version_; }
  // Checkpoints made in the background since Open (SqliteOptions::background_checkpoints).
  int64_t background_checkpoints() const { return sqlite_->background_checkpoints(); }
  const std::string& path() const { return path_; }

 private:
  // `sqlite` is `db`, kept (the connection is SqlStore's once moved) for what only SQLite has.
  SqliteStore(std::unique_ptr<internal::SqliteDb> db, const internal::SqliteDb* sqlite,
              std::string path, int schema_version)
      : SqlStore(std::move(db)),
        sqlite_(sqlite),
        path_(std::move(path)),
        schema_version_(schema_version) {}

  const internal::SqliteDb* const sqlite_;  // SqlStore's
  const std::string path_;
  const int schema_version_;
};

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_SQLITE_STORE_H_
