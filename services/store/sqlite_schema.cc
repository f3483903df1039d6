// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQLite store's schema history. Times are microseconds since the Unix epoch; enums are
// Peloton's numbers; list-valued columns are the protobuf messages of sql_rows.proto.
// Released migrations never change: a schema change is a new entry at the end.

#include "services/store/sqlite_store.h"

namespace peloton::store {
namespace {

constexpr SqlMigration kMigrations[] = {
    {1, "initial schema", R"sql(
CREATE TABLE respools (
  id TEXT PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  config BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);

-- One row per job: the newest config's queryable fields and the runtime. job_key is the
-- compact key of the job's rows in task_runtimes, the biggest table.
CREATE TABLE jobs (
  job_key INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  instance_count INTEGER NOT NULL,
  labels BLOB NOT NULL,
  state INTEGER NOT NULL,
  goal_state INTEGER NOT NULL,
  config_version INTEGER NOT NULL,
  desired_config_version INTEGER NOT NULL,
  update_id TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  completion_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  info BLOB NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX jobs_by_pool ON jobs (pool_id);
CREATE INDEX jobs_by_owner ON jobs (owner);
CREATE INDEX jobs_by_state ON jobs (state);
CREATE INDEX jobs_by_creation_time ON jobs (creation_time);

-- The newest config's labels, for label queries.
CREATE TABLE job_labels (
  job_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (job_id, key, value)
) WITHOUT ROWID;
CREATE INDEX job_labels_by_label ON job_labels (key, value);

CREATE TABLE job_configs (
  job_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  config BLOB NOT NULL,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  instance_count INTEGER NOT NULL,
  labels BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (job_id, version)
);

CREATE TABLE active_jobs (job_id TEXT PRIMARY KEY) WITHOUT ROWID;

CREATE TABLE task_runtimes (
  job_key INTEGER NOT NULL,
  instance_id INTEGER NOT NULL,
  state INTEGER NOT NULL,
  goal_state INTEGER NOT NULL,
  mesos_task_id TEXT NOT NULL,
  desired_mesos_task_id TEXT NOT NULL,
  host TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  config_version INTEGER NOT NULL,
  desired_config_version INTEGER NOT NULL,
  healthy INTEGER NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  failure_count INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  completion_time INTEGER NOT NULL,
  info BLOB NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (job_key, instance_id)
) WITHOUT ROWID;

CREATE TABLE pod_events (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  instance_id INTEGER NOT NULL,
  run_id INTEGER NOT NULL,
  actual_state INTEGER NOT NULL,
  goal_state INTEGER NOT NULL,
  mesos_task_id TEXT NOT NULL,
  host TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  config_version INTEGER NOT NULL,
  desired_config_version INTEGER NOT NULL,
  desired_run_id INTEGER NOT NULL,
  healthy INTEGER NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  time INTEGER NOT NULL
);
CREATE INDEX pod_events_by_run ON pod_events (job_id, instance_id, run_id);

CREATE TABLE updates (
  update_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  state INTEGER NOT NULL,
  prev_state INTEGER NOT NULL,
  options BLOB NOT NULL,
  config_version INTEGER NOT NULL,
  prev_config_version INTEGER NOT NULL,
  instances_total INTEGER NOT NULL,
  instances_done INTEGER NOT NULL,
  instances_failed INTEGER NOT NULL,
  instances_current BLOB NOT NULL,
  instances_added BLOB NOT NULL,
  instances_updated BLOB NOT NULL,
  instances_removed BLOB NOT NULL,
  opaque_data BLOB NOT NULL,
  creation_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  completion_time INTEGER NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX updates_by_job ON updates (job_id, creation_time);

CREATE TABLE update_events (
  seq INTEGER PRIMARY KEY,
  update_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  time INTEGER NOT NULL
);
CREATE INDEX update_events_by_update ON update_events (update_id);

CREATE TABLE instance_workflow_events (
  seq INTEGER PRIMARY KEY,
  update_id TEXT NOT NULL,
  instance_id INTEGER NOT NULL,
  type INTEGER NOT NULL,
  state INTEGER NOT NULL,
  time INTEGER NOT NULL
);
CREATE INDEX instance_workflow_events_by_instance
  ON instance_workflow_events (update_id, instance_id);

CREATE TABLE hosts (
  hostname TEXT PRIMARY KEY,
  ip TEXT NOT NULL,
  state INTEGER NOT NULL,
  goal_state INTEGER NOT NULL,
  labels BLOB NOT NULL,
  current_pool TEXT NOT NULL,
  desired_pool TEXT NOT NULL,
  version INTEGER NOT NULL
);

CREATE TABLE frameworks (
  name TEXT PRIMARY KEY,
  framework_id TEXT NOT NULL,
  stream_id TEXT NOT NULL
);
)sql"},
    {2, "task_runtimes.desired_host", R"sql(
ALTER TABLE task_runtimes ADD COLUMN desired_host TEXT NOT NULL DEFAULT '';
)sql"},
    {3, "jobs.desired_state_version, jobs.workflow_version (the v1alpha entity version)", R"sql(
ALTER TABLE jobs ADD COLUMN desired_state_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN workflow_version INTEGER NOT NULL DEFAULT 1;
)sql"},
    {4, "fences (Store::TakeFence)", R"sql(
CREATE TABLE fences (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  taken_time INTEGER NOT NULL
);
)sql"},
    {5, "pod_events keyed by the job's job_key, as task_runtimes are", R"sql(
CREATE TABLE pod_events_by_key (
  seq INTEGER PRIMARY KEY,
  job_key INTEGER NOT NULL,
  instance_id INTEGER NOT NULL,
  run_id INTEGER NOT NULL,
  actual_state INTEGER NOT NULL,
  goal_state INTEGER NOT NULL,
  mesos_task_id TEXT NOT NULL,
  host TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  config_version INTEGER NOT NULL,
  desired_config_version INTEGER NOT NULL,
  desired_run_id INTEGER NOT NULL,
  healthy INTEGER NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  time INTEGER NOT NULL
);
INSERT INTO pod_events_by_key
  SELECT e.seq, j.job_key, e.instance_id, e.run_id, e.actual_state, e.goal_state,
         e.mesos_task_id, e.host, e.agent_id, e.config_version, e.desired_config_version,
         e.desired_run_id, e.healthy, e.reason, e.message, e.time
  FROM pod_events e JOIN jobs j ON j.job_id = e.job_id;
DROP TABLE pod_events;
ALTER TABLE pod_events_by_key RENAME TO pod_events;
CREATE INDEX pod_events_by_run ON pod_events (job_key, instance_id, run_id);
)sql"},
};

}  // namespace

absl::Span<const SqlMigration> SqliteMigrations() { return kMigrations; }

}  // namespace peloton::store
