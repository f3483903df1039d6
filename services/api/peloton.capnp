# Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
#
# The public API of peloton-master (what the `peloton` CLI calls), after Peloton's v0
# ResourceManager, JobManager and TaskManager services (reference §5.1).
#
# A job's configuration travels as Peloton's own protobuf encoding of v0 JobConfig
# (services/api/job.proto), so every field of Peloton's job files reaches the job manager
# without a second schema to keep in step. Every result carries a status: code is
# absl::StatusCode's number (0 = OK) and message names the field and the rule.

@0xe7b1f01747aa058b;

$import "/capnp/c++.capnp".namespace("peloton::api");

using Respool = import "respool.capnp";

# taskLogs' window of a task's file: by default, and at most.
const defaultLogBytes :UInt32 = 1048576;
const maxLogBytes :UInt32 = 4194304;

struct Status {
  code @0 :UInt8;
  message @1 :Text;
}

struct Quantities {
  cpu @0 :Float64;       # cores
  memoryMb @1 :Float64;
  diskMb @2 :Float64;
  gpu @3 :Float64;
}

struct PoolSummary {
  id @0 :Text;
  path @1 :Text;
  config @2 :Respool.ResourcePoolConfig;
  children @3 :List(Text);       # ids
  demand @4 :Quantities;
  allocation @5 :Quantities;
  entitlement @6 :Quantities;
}

struct StateCount {
  state @0 :Text;                # Peloton's TaskState name
  count @1 :UInt32;
}

struct JobSummary {
  id @0 :Text;
  name @1 :Text;
  owner @2 :Text;
  poolId @3 :Text;
  state @4 :Text;                # Peloton's JobState name
  goalState @5 :Text;
  instanceCount @6 :UInt32;
  taskCounts @7 :List(StateCount);
  creationTime @8 :Int64;        # microseconds since the Unix epoch; 0 when unset
  startTime @9 :Int64;
  completionTime @10 :Int64;
  entityVersion @11 :Text;       # v1alpha: "<config>-<desired state>-<workflow>" versions
  workflowId @12 :Text;          # the job's newest workflow (update id), if any
}

struct Label {
  key @0 :Text;
  value @1 :Text;
}

struct TaskInfo {
  instanceId @0 :UInt32;
  state @1 :Text;
  goalState @2 :Text;
  mesosTaskId @3 :Text;
  host @4 :Text;
  message @5 :Text;
  reason @6 :Text;
  failureCount @7 :UInt32;
  startTime @8 :Int64;
  completionTime @9 :Int64;
  healthy @10 :Text;             # Peloton's HealthState name (HEALTHY, UNHEALTHY, ...)
}

struct PodEvent {
  runId @0 :Int64;
  state @1 :Text;
  goalState @2 :Text;
  host @3 :Text;
  message @4 :Text;
  reason @5 :Text;
  time @6 :Int64;                # microseconds since the Unix epoch
  healthy @7 :Text;              # Peloton's HealthState name
}

# Logging in (services/rpc/guard.h). A server given a security file (--auth-config) answers each
# connection's first capability as the callers without credentials may use it; `login` with a
# username and password answers the same capability as that user's role may use it (`cap`, of
# the interface it was called on), or Unauthenticated, the same for an unknown user and a wrong
# password. A server without a security file answers `cap` as it is, whatever the credentials.
interface Login {
  login @0 (username :Text, password :Text) -> (status :Status, cap :Capability);
}

# Each method is allowed or refused by the name of the Peloton procedure it stands for
# (services/rpc/guard.cc names them: createJob is peloton.api.v0.job.JobManager:Create).
interface Peloton extends(Login) {
  createPool @0 (path :Text, config :Respool.ResourcePoolConfig) -> (status :Status, id :Text);
  deletePool @1 (path :Text) -> (status :Status);
  lookupPool @2 (path :Text) -> (status :Status, id :Text);
  listPools @3 () -> (status :Status, pools :List(PoolSummary));

  # `poolPath` names a leaf pool; it replaces the config's respoolID. Empty: the config's
  # respoolID names it (v0 JobManager.Create).
  createJob @4 (jobConfig :Data, poolPath :Text) -> (status :Status, jobId :Text);
  # jobConfig: the newest config, or its version configVersion (0: the newest).
  getJob @5 (jobId :Text, configVersion :Int64)
      -> (status :Status, job :JobSummary, jobConfig :Data);
  stopJob @6 (jobId :Text) -> (status :Status);
  # Instances [from, to); to = 0: all. At most 10,000 tasks a reply: `next` is the instance to
  # ask from for the rest of the range (0: there is no more).
  listTasks @7 (jobId :Text, from :UInt32, to :UInt32)
      -> (status :Status, tasks :List(TaskInfo), next :UInt32);
  # A file of the instance's current run's sandbox: "stdout" or "stderr". A window of it:
  # `length` bytes (0: defaultLogBytes; at most maxLogBytes) from `offset`, or from the end
  # with offset -1.
  # The reply says where its content starts and how large the whole file is.
  taskLogs @8 (jobId :Text, instanceId :UInt32, file :Text, offset :Int64 = -1, length :UInt32)
      -> (status :Status, content :Data, offset :UInt64, size :UInt64,
          taskId :Text, ended :Bool);  # the run read, and whether it has ended

  # v0 JobManager.Query: every filter optional ("" / empty); newest first; limit 0: 100.
  # The summaries carry no task counts.
  queryJobs @9 (poolPath :Text, owner :Text, name :Text, labels :List(Label),
                keywords :List(Text), states :List(Text), offset :UInt32, limit :UInt32)
      -> (status :Status, jobs :List(JobSummary), total :UInt64);
  # Only a terminal job: its configs, runtimes, tasks and events leave the store.
  deleteJob @10 (jobId :Text) -> (status :Status);
  # Instances [from, to); to = 0: all. Stop: their goal becomes KILLED. Start: stopped, failed
  # or lost instances run again as new runs.
  stopTasks @11 (jobId :Text, from :UInt32, to :UInt32) -> (status :Status);
  startTasks @12 (jobId :Text, from :UInt32, to :UInt32) -> (status :Status);
  # Running instances are killed and run again as new runs; ended ones are started.
  restartTasks @15 (jobId :Text, from :UInt32, to :UInt32) -> (status :Status);
  # One instance: its runtime and its config (Peloton's v0 TaskConfig, instance config merged
  # over the default, protobuf-encoded).
  getTask @13 (jobId :Text, instanceId :UInt32) -> (status :Status, task :TaskInfo, taskConfig :Data);
  # The instance's state transitions, newest run first; runs 0: Peloton's default of 10.
  taskEvents @14 (jobId :Text, instanceId :UInt32, runs :UInt32) -> (status :Status, events :List(PodEvent));

  # v0 JobManager.Update: adds instances (the only change allowed; an empty respoolID keeps the
  # job's pool). The new instances start; a terminal job becomes active again.
  updateJob @16 (jobId :Text, jobConfig :Data) -> (status :Status, addedInstances :UInt32);
  # v0 ResourceManager.UpdateResourcePool: the pool's new config, checked against its parent
  # and its children.
  updatePool @17 (path :Text, config :Respool.ResourcePoolConfig) -> (status :Status);
  # One pool by path, as listPools shows it (its children by id).
  getPool @18 (path :Text) -> (status :Status, pool :PoolSummary);
  # v0 HostService.StartMaintenance (reference §6.1): the hosts drain (nothing new goes there,
  # their tasks move elsewhere), then go DOWN once empty. All or nothing: NotFound for an
  # unknown host, FailedPrecondition for one that is not UP.
  startMaintenance @19 (hostnames :List(Text)) -> (status :Status);
  # v0 HostService.CompleteMaintenance: hosts under maintenance come back UP.
  completeMaintenance @20 (hostnames :List(Text)) -> (status :Status);
  # v0 HostService.QueryHosts: every host, its state and how many tasks it runs.
  listHosts @21 () -> (status :Status, hosts :List(HostSummary));

  # v0 UpdateService (reference §3.9, §5.1): a rolling update of a SERVICE job to a new config.
  # updateConfig is Peloton's v0 UpdateConfig in its protobuf encoding (services/api/
  # update.proto). poolPath, when not empty, must be the job's pool.
  createUpdate @22 (jobId :Text, jobConfig :Data, poolPath :Text, updateConfig :Data,
                    opaqueData :Text) -> (status :Status, updateId :Text);
  getUpdate @23 (updateId :Text) -> (status :Status, update :UpdateInfo);
  listUpdates @24 (jobId :Text, limit :UInt32) -> (status :Status, updates :List(UpdateInfo));
  # entityVersion 0: not checked; otherwise it must be the workflow's (Aborted if stale).
  pauseUpdate @25 (updateId :Text, entityVersion :UInt64, opaqueData :Text) -> (status :Status);
  resumeUpdate @26 (updateId :Text, entityVersion :UInt64, opaqueData :Text) -> (status :Status);
  abortUpdate @27 (updateId :Text, entityVersion :UInt64, opaqueData :Text) -> (status :Status);
  # A new update back to the config the update started from; returns its id.
  rollbackUpdate @28 (updateId :Text) -> (status :Status, updateId :Text);
  # Rolling restart, start or stop (kind "restart", "start", "stop") of a SERVICE job's
  # instances [from, to) (to 0: all), batchSize at a time (0: all): a workflow with an update
  # id, followed with getUpdate and paused, resumed or aborted like an update.
  rollingWorkflow @29 (jobId :Text, kind :Text, from :UInt32, to :UInt32, batchSize :UInt32)
      -> (status :Status, updateId :Text);

  # v1alpha stateless JobService (reference §3.9, §5.2). A job's entity version is
  # "<config version>-<desired state version>-<workflow version>" (JobSummary.entityVersion):
  # each call that takes one refuses a stale one (Aborted, "unexpected entity version") and
  # answers the job's version after it. jobSpec, createSpec, updateSpec and restartSpec are
  # Peloton's v1alpha JobSpec, CreateSpec, UpdateSpec and RestartSpec, protobuf-encoded
  # (services/api/stateless.proto). The job's workflows are followed with getUpdate and
  # listUpdates (JobSummary.workflowId is the newest).
  statelessCreate @30 (poolPath :Text, jobSpec :Data, createSpec :Data)
      -> (status :Status, jobId :Text, version :Text);
  # A rolling update to the spec (poolPath, when not empty, must be the job's pool).
  statelessReplace @31 (jobId :Text, version :Text, poolPath :Text, jobSpec :Data,
                        updateSpec :Data, opaqueData :Text)
      -> (status :Status, version :Text, updateId :Text);
  statelessRestart @32 (jobId :Text, version :Text, restartSpec :Data)
      -> (status :Status, version :Text, updateId :Text);
  # action: "start", "stop", "delete" (a KILLED job; with force any, killed first), or
  # "pause", "resume", "abort" of the job's running workflow (opaqueData replaces its own).
  statelessAction @33 (jobId :Text, version :Text, action :Text, force :Bool, opaqueData :Text)
      -> (status :Status, version :Text);
  # v1alpha GetWorkflowEvents: one instance's progress through the job's newest workflow,
  # newest first (limit 0: all). NotFound when the job has had no workflow.
  workflowEvents @34 (jobId :Text, instanceId :UInt32, limit :UInt32)
      -> (status :Status, events :List(WorkflowEvent));

  # Discovery (issue 18): each instance of the job, where its current run is and its named
  # ports, and whether it may take traffic (RUNNING, and its health check passes or it has
  # none). `version` stands for the whole answer: a watcher passes the last one it saw as
  # `since`, and the call waits (at most waitMs, at most 60 s) until the endpoints differ from
  # it, answering at once when they already do (or with since 0 or waitMs 0).
  endpoints @35 (jobId :Text, since :UInt64, waitMs :UInt32)
      -> (status :Status, endpoints :List(Endpoint), version :UInt64);
}

struct NamedPort {
  name @0 :Text;
  port @1 :UInt32;
}

struct Endpoint {
  instanceId @0 :UInt32;
  taskId @1 :Text;               # the current run's Mesos task id
  host @2 :Text;                 # empty until it is launched
  state @3 :Text;
  healthy @4 :Text;              # Peloton's HealthState name
  routable @5 :Bool;
  ports @6 :List(NamedPort);     # by name
}

struct WorkflowEvent {
  type @0 :Text;                 # UPDATE, RESTART, START, STOP
  state @1 :Text;                # Peloton's UpdateState name
  time @2 :Int64;                # microseconds since the Unix epoch
}

struct UpdateInfo {
  updateId @0 :Text;
  jobId @1 :Text;
  type @2 :Text;                 # UPDATE, RESTART, START, STOP
  state @3 :Text;                # Peloton's UpdateState name (ROLLING_FORWARD, PAUSED, ...)
  prevState @4 :Text;            # the state a PAUSED workflow resumes to
  configVersion @5 :Int64;       # the version instances move to
  prevConfigVersion @6 :Int64;
  instancesTotal @7 :UInt32;
  instancesDone @8 :UInt32;
  instancesFailed @9 :UInt32;
  instancesAdded @10 :UInt32;
  instancesUpdated @11 :UInt32;
  instancesRemoved @12 :UInt32;
  entityVersion @13 :UInt64;     # what pause, resume and abort compare
  rollback @14 :Bool;            # rolling back, or rolled back
  updateConfig @15 :Data;        # v0 UpdateConfig, protobuf encoding
  opaqueData @16 :Text;
  creationTime @17 :Int64;       # microseconds since the Unix epoch
  updateTime @18 :Int64;
  completionTime @19 :Int64;     # 0 while it runs
}

struct HostSummary {
  hostname @0 :Text;
  state @1 :Text;       # UP, DRAINING, DRAINED, DOWN (Peloton's HostState names)
  tasks @2 :UInt32;
  capacity @3 :Quantities;
  free @4 :Quantities;
  attributes @5 :List(Label);  # sorted by key; what HOST constraints match
  revocableCpu @6 :Float64;      # cores of slack it declares, for revocable tasks
  revocableFreeCpu @7 :Float64;  # of them, not held by revocable tasks
}
