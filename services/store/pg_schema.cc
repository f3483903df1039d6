// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The PostgreSQL store's schema history: the SQLite store's tables (sqlite_schema.cc), with
// every integer a BIGINT (read back as 8 bytes), every string a BYTEA (the Store's strings are
// bytes: text would refuse those that are not UTF-8 and sort by the server's locale, where
// SQLite and the Store's contract compare bytes), and an explicit `seq` where SQLite orders by
// its rowid. Released migrations never change: a schema change is a new entry at the end.

#include "services/store/pg_store.h"

namespace peloton::store {
namespace {

constexpr SqlMigration kMigrations[] = {
    {1, "initial schema", R"sql(
CREATE TABLE respools (
  id BYTEA PRIMARY KEY,
  path BYTEA NOT NULL UNIQUE,
  owner BYTEA NOT NULL,
  config BYTEA NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL
);

-- One row per job: the newest config's queryable fields and the runtime. job_key is the
-- compact key of the job's rows in task_runtimes, the biggest table.
CREATE TABLE jobs (
  job_key BIGSERIAL PRIMARY KEY,
  job_id BYTEA NOT NULL UNIQUE,
  name BYTEA NOT NULL,
  owner BYTEA NOT NULL,
  pool_id BYTEA NOT NULL,
  type BIGINT NOT NULL,
  instance_count BIGINT NOT NULL,
  labels BYTEA NOT NULL,
  state BIGINT NOT NULL,
  goal_state BIGINT NOT NULL,
  config_version BIGINT NOT NULL,
  desired_config_version BIGINT NOT NULL,
  update_id BYTEA NOT NULL,
  creation_time BIGINT NOT NULL,
  start_time BIGINT NOT NULL,
  completion_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  info BYTEA NOT NULL,
  version BIGINT NOT NULL,
  desired_state_version BIGINT NOT NULL,
  workflow_version BIGINT NOT NULL
);
CREATE INDEX jobs_by_pool ON jobs (pool_id);
CREATE INDEX jobs_by_owner ON jobs (owner);
CREATE INDEX jobs_by_state ON jobs (state);
CREATE INDEX jobs_by_creation_time ON jobs (creation_time);

-- The newest config's labels, for label queries.
CREATE TABLE job_labels (
  job_id BYTEA NOT NULL,
  key BYTEA NOT NULL,
  value BYTEA NOT NULL,
  PRIMARY KEY (job_id, key, value)
);
CREATE INDEX job_labels_by_label ON job_labels (key, value);

CREATE TABLE job_configs (
  job_id BYTEA NOT NULL,
  version BIGINT NOT NULL,
  config BYTEA NOT NULL,
  name BYTEA NOT NULL,
  owner BYTEA NOT NULL,
  pool_id BYTEA NOT NULL,
  type BIGINT NOT NULL,
  instance_count BIGINT NOT NULL,
  labels BYTEA NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (job_id, version)
);

CREATE TABLE active_jobs (job_id BYTEA PRIMARY KEY);

CREATE TABLE task_runtimes (
  job_key BIGINT NOT NULL,
  instance_id BIGINT NOT NULL,
  state BIGINT NOT NULL,
  goal_state BIGINT NOT NULL,
  mesos_task_id BYTEA NOT NULL,
  desired_mesos_task_id BYTEA NOT NULL,
  host BYTEA NOT NULL,
  agent_id BYTEA NOT NULL,
  config_version BIGINT NOT NULL,
  desired_config_version BIGINT NOT NULL,
  healthy BIGINT NOT NULL,
  reason BYTEA NOT NULL,
  message BYTEA NOT NULL,
  failure_count BIGINT NOT NULL,
  start_time BIGINT NOT NULL,
  completion_time BIGINT NOT NULL,
  info BYTEA NOT NULL,
  version BIGINT NOT NULL,
  desired_host BYTEA NOT NULL,
  PRIMARY KEY (job_key, instance_id)
);

CREATE TABLE pod_events (
  seq BIGSERIAL PRIMARY KEY,
  job_id BYTEA NOT NULL,
  instance_id BIGINT NOT NULL,
  run_id BIGINT NOT NULL,
  actual_state BIGINT NOT NULL,
  goal_state BIGINT NOT NULL,
  mesos_task_id BYTEA NOT NULL,
  host BYTEA NOT NULL,
  agent_id BYTEA NOT NULL,
  config_version BIGINT NOT NULL,
  desired_config_version BIGINT NOT NULL,
  desired_run_id BIGINT NOT NULL,
  healthy BIGINT NOT NULL,
  reason BYTEA NOT NULL,
  message BYTEA NOT NULL,
  time BIGINT NOT NULL
);
CREATE INDEX pod_events_by_run ON pod_events (job_id, instance_id, run_id);

CREATE TABLE updates (
  seq BIGSERIAL NOT NULL,
  update_id BYTEA PRIMARY KEY,
  job_id BYTEA NOT NULL,
  type BIGINT NOT NULL,
  state BIGINT NOT NULL,
  prev_state BIGINT NOT NULL,
  options BYTEA NOT NULL,
  config_version BIGINT NOT NULL,
  prev_config_version BIGINT NOT NULL,
  instances_total BIGINT NOT NULL,
  instances_done BIGINT NOT NULL,
  instances_failed BIGINT NOT NULL,
  instances_current BYTEA NOT NULL,
  instances_added BYTEA NOT NULL,
  instances_updated BYTEA NOT NULL,
  instances_removed BYTEA NOT NULL,
  opaque_data BYTEA NOT NULL,
  creation_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  completion_time BIGINT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX updates_by_job ON updates (job_id, creation_time);

CREATE TABLE update_events (
  seq BIGSERIAL PRIMARY KEY,
  update_id BYTEA NOT NULL,
  state BIGINT NOT NULL,
  time BIGINT NOT NULL
);
CREATE INDEX update_events_by_update ON update_events (update_id);

CREATE TABLE instance_workflow_events (
  seq BIGSERIAL PRIMARY KEY,
  update_id BYTEA NOT NULL,
  instance_id BIGINT NOT NULL,
  type BIGINT NOT NULL,
  state BIGINT NOT NULL,
  time BIGINT NOT NULL
);
CREATE INDEX instance_workflow_events_by_instance
  ON instance_workflow_events (update_id, instance_id);

CREATE TABLE hosts (
  hostname BYTEA PRIMARY KEY,
  ip BYTEA NOT NULL,
  state BIGINT NOT NULL,
  goal_state BIGINT NOT NULL,
  labels BYTEA NOT NULL,
  current_pool BYTEA NOT NULL,
  desired_pool BYTEA NOT NULL,
  version BIGINT NOT NULL
);

CREATE TABLE frameworks (
  name BYTEA PRIMARY KEY,
  framework_id BYTEA NOT NULL,
  stream_id BYTEA NOT NULL
);
)sql"},
    {2, "fences (Store::TakeFence)", R"sql(
CREATE TABLE fences (
  name BYTEA PRIMARY KEY,
  holder BYTEA NOT NULL,
  epoch BIGINT NOT NULL,
  taken_time BIGINT NOT NULL
);
)sql"},
    {3, "pod_events keyed by the job's job_key, as task_runtimes are", R"sql(
ALTER TABLE pod_events ADD COLUMN job_key BIGINT;
UPDATE pod_events e SET job_key = j.job_key FROM jobs j WHERE j.job_id = e.job_id;
DELETE FROM pod_events WHERE job_key IS NULL;
ALTER TABLE pod_events ALTER COLUMN job_key SET NOT NULL;
DROP INDEX pod_events_by_run;
ALTER TABLE pod_events DROP COLUMN job_id;
CREATE INDEX pod_events_by_run ON pod_events (job_key, instance_id, run_id);
)sql"},
};

}  // namespace

absl::Span<const SqlMigration> PgMigrations() { return kMigrations; }

}  // namespace peloton::store
