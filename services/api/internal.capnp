# Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
#
# The private calls between the components when they run as separate processes
# (peloton-jobmgr, peloton-resmgr, peloton-placement, peloton-hostmgr), after Peloton's
# internal services (reference §5.3). peloton-master makes the same calls in-process through
# the C++ interfaces these mirror (resmgr::ResourceManagerApi, hostmgr::HostManagerApi).
#
# Calls go one way only, so no two components ever wait on each other:
#   jobmgr    -> resmgr, hostmgr
#   placement -> resmgr, hostmgr, jobmgr
#   resmgr    -> hostmgr
#
# Resources are fixed-point integers as the library keeps them (milli-cpu, MiB, milli-gpu).
# Enums travel as the library's numbers (Peloton's), checked on arrival. With a security file, the
# components log in (Api.Login) as its internal_user; each method is the procedure
# "peloton.private.<Interface>:<method>" (peloton.private.HostManager:launch).

@0x83926c2e00bbc966;

$import "/capnp/c++.capnp".namespace("peloton::api::internal");

using Api = import "peloton.capnp";

struct Resources {
  milliCpu @0 :Int64;
  memoryMb @1 :Int64;
  diskMb @2 :Int64;
  milliGpu @3 :Int64;
}

struct Label {
  key @0 :Text;
  value @1 :Text;
}

struct Constraint {
  type @0 :UInt8;          # placement::Constraint::Type
  kind @1 :UInt8;          # LabelConstraint::Kind
  condition @2 :UInt8;     # LabelConstraint::Condition
  label @3 :Label;
  requirement @4 :UInt32;
  children @5 :List(Constraint);
}

struct TaskSpec {
  id @0 :Text;
  jobId @1 :Text;
  demand @2 :Resources;
  gpuModels @3 :List(Text);
  numPorts @4 :UInt32;
  constraint @5 :Constraint;
  labels @6 :List(Label);
  desiredHost @7 :Text;
  strategy @8 :UInt8;      # placement::PlacementStrategy
  revocable @9 :Bool;
  pinned @10 :Bool;        # desiredHost is a must
  staticPorts @11 :List(UInt32);
}

struct GpuShare {
  device @0 :UInt32;
  milli @1 :Int64;
}

struct Allocation {
  host @0 :UInt32;         # the host's index, the same in every copy of the cluster
  hostname @1 :Text;       # checked against the index on arrival
  obsoleteSpreadJob @2 :Bool;  # replaced by spreadJobKey
  resources @3 :Resources;
  gpus @4 :List(GpuShare);
  ports @5 :List(UInt32);
  obsoleteLabels @6 :List(Label);  # replaced by labelKeys
  obsoleteTaskId @7 :Text;  # allocations no longer name their task: the call or list does
  obsoleteJobId @8 :Text;   # replaced by spreadJobKey
  spreadJobKey @9 :UInt64;  # placement::JobKey of the job when it counts for SPREAD_JOB, else 0
  revocable @10 :Bool;      # its cpu is the host's revocable cpu
  labelKeys @11 :List(UInt64);  # placement::LabelKey of each of the task's labels
}

struct GpuDevice {
  model @0 :Text;
  freeMilli @1 :Int64;
}

struct PortRange {
  begin @0 :UInt32;
  end @1 :UInt32;
}

struct Host {
  name @0 :Text;
  capacity @1 :Resources;
  gpus @2 :List(GpuDevice);
  attributes @3 :List(Label);
  ports @4 :List(PortRange);
  state @5 :UInt8;         # taskfsm::HostState
  reserved @6 :Resources;  # held outside the allocations (placement::Cluster::SetReserved)
  revocableMilliCpu @7 :Int64;  # placement::HostSpec::revocable_milli_cpu
}

struct GangTask {
  taskId @0 :Text;
  resources @1 :Resources;
}

struct Gang {
  id @0 :Text;
  priority @1 :UInt32;
  preemptible @2 :Bool;
  revocable @3 :Bool;
  controller @4 :Bool;
  tasks @5 :List(GangTask);
}

struct ReadyGang {
  pool @0 :Text;
  gang @1 :Gang;
}

struct PlacedGang {
  pool @0 :Text;
  gang @1 :Gang;
  allocations @2 :List(Allocation);  # one per task, in the gang's order
}

struct LaunchSpec {
  taskId @0 :Text;
  hostname @1 :Text;
  shell @2 :Bool;
  command @3 :Text;
  arguments @4 :List(Text);
  environment @5 :List(Label);
  resources @6 :Resources;
  killGracePeriodNanos @7 :Int64;
  labels @8 :List(Label);
  ports @9 :List(UInt32);
  containerImage @10 :Text;
  volumes @11 :List(VolumeMount);
  healthCheck @12 :HealthCheck;   # unset: none
  persistentVolume @13 :PersistentVolume;  # unset: none
  revocable @14 :Bool;
  uris @15 :List(RemoteFile);
}

struct RemoteFile {               # files::RemoteFile
  value @0 :Text;
  outputFile @1 :Text;
  executable @2 :Bool;
  extract @3 :Bool;
}

struct PersistentVolume {         # backend::PersistentVolumeSpec
  id @0 :Text;
  containerPath @1 :Text;
  sizeMb @2 :Int64;
}

struct HealthCheck {              # backend::HealthCheckSpec
  type @0 :UInt8;                 # 0 command, 1 http, 2 tcp
  command @1 :Text;
  scheme @2 :Text;
  port @3 :UInt32;
  path @4 :Text;
  delayNanos @5 :Int64;
  intervalNanos @6 :Int64;
  timeoutNanos @7 :Int64;
  maxConsecutiveFailures @8 :UInt32;
  unshareEnvironment @9 :Bool;    # not task_environment
}

struct VolumeMount {
  hostPath @0 :Text;
  containerPath @1 :Text;
  readOnly @2 :Bool;
}

struct TaskStatus {
  taskId @0 :Text;
  state @1 :UInt8;         # taskfsm::MesosTaskState
  hostname @2 :Text;
  agentId @3 :Text;
  message @4 :Text;
  exitCode @5 :Int32;
  signal @6 :Int32;
  timeUnixNanos @7 :Int64;
  health @8 :UInt8;        # 0: not reported, 1: healthy, 2: unhealthy
}

struct RunningTask {
  hostname @0 :Text;
  spec @1 :TaskSpec;
}

# fairshare::Allocation: what admitted tasks hold in their pool.
struct PoolAllocation {
  total @0 :Resources;
  nonPreemptible @1 :Resources;
  controller @2 :Resources;
  slack @3 :Resources;
}

struct PoolInfo {
  id @0 :Text;
  path @1 :Text;
  config @2 :Data;               # Peloton's v0 ResourcePoolConfig, protobuf encoding
  children @3 :List(Text);       # ids
  demand @4 :Resources;
  allocation @5 :Resources;
  entitlement @6 :Resources;
  slackAllocation @7 :Resources;  # the revocable part of allocation
  slackDemand @8 :Resources;
  slackEntitlement @9 :Resources;
  slackLimit @10 :Resources;
}

struct MaybeTaskSpec {
  found @0 :Bool;                # false: the task no longer waits for a host
  spec @1 :TaskSpec;
}

interface ResourceManager extends(Api.Login) {
  createPool @0 (path :Text, config :Data) -> (status :Api.Status, id :Text);
  deletePool @1 (path :Text) -> (status :Api.Status);
  lookupPool @2 (path :Text) -> (status :Api.Status, id :Text);
  getPool @3 (id :Text) -> (status :Api.Status, pool :PoolInfo);
  listPools @4 () -> (pools :List(PoolInfo));

  enqueueGang @5 (pool :Text, gang :Gang) -> (status :Api.Status);
  removeGang @6 (gangId :Text) -> (status :Api.Status);
  tasksLaunched @7 (taskIds :List(Text), timeUnixNanos :Int64) -> ();
  tasksEnded @8 (taskIds :List(Text)) -> ();
  adoptTask @9 (pool :Text, taskId :Text, allocation :PoolAllocation, priority :UInt32)
      -> (status :Api.Status);
  # The tasks preemption chose since the consumer's last call (the job manager stops them).
  # Each consumer (an all-active job manager, by a name of its own) takes every task once;
  # lost: some were dropped, its queue being full.
  preemptedTasks @10 (consumer :Text) -> (taskIds :List(Text), incarnation :Text, lost :Bool);

  # Admitted gangs for placement, oldest first. They are "placing" until one of their tasks
  # is launched or ends, or the placement engine gives them back.
  dequeueGangs @11 (limit :UInt32) -> (gangs :List(ReadyGang));
  # Gangs the placement engine could not place this round: retried (first in line the first time,
  # then after a backoff; see ResourceManagerOptions).
  returnGangs @12 (gangs :List(ReadyGang)) -> ();
  # A placement engine starts: what its predecessor was placing is first in line again.
  resetPlacing @13 () -> (count :UInt32);

  # Changes when the process restarts (it then holds no queues and no allocations: the job
  # manager sends its gangs and running tasks again).
  incarnation @14 () -> (incarnation :Text);

  updatePool @15 (path :Text, config :Data) -> (status :Api.Status);
}

interface HostManager extends(Api.Login) {
  # What the hosts that are up hold in all (the resource manager's entitlement input).
  # The UP hosts' capacity, and the revocable cpu they declare (slack).
  capacity @0 () -> (resources :Resources, slack :Resources);
  # Every host in index order, all free, and every allocation held: a placement engine
  # rebuilds the cluster from this (Cluster::AddHost, then Cluster::Claim). Unavailable (as
  # is launch) from a host manager that started and has not been sent the running tasks
  # (reconcile) yet: it would not know what they hold. `engine` names the placement engine
  # asking (hostmgr::HostLeases): the hosts other engines hold come with state UNKNOWN, not
  # this engine's to place on. Empty: every host as it is (a caller that only reads).
  snapshot @1 (engine :Text)
      -> (hosts :List(Host), allocations :List(Allocation), status :Api.Status);
  # Claims the allocation (made on a snapshot), then launches. FailedPrecondition when what it
  # names is no longer free.
  launch @2 (allocation :Allocation, spec :LaunchSpec) -> (status :Api.Status);
  kill @3 (taskId :Text) -> (status :Api.Status);
  # Status changes since the consumer's last call, oldest first. Each consumer (an all-active
  # job manager, by a name of its own) takes every change once; lost: some were dropped, its
  # queue being full (it reconciles its tasks instead).
  events @4 (consumer :Text) -> (statuses :List(TaskStatus), incarnation :Text, lost :Bool);
  # The tasks' states now. `consumer` (the caller's name to events) joins the events first:
  # every change after this answer comes to it, none falling between the two.
  reconcile @5 (tasks :List(RunningTask), consumer :Text) -> (statuses :List(TaskStatus));
  # Changes when the process restarts (it then knows no running task: the job manager
  # reconciles them again).
  incarnation @6 () -> (incarnation :Text);
  # Host maintenance (hostmgr::HostManagerApi).
  startMaintenance @7 (hostnames :List(Text)) -> (status :Api.Status);
  completeMaintenance @8 (hostnames :List(Text)) -> (status :Api.Status);
  listHosts @9 () -> (hosts :List(HostStatus));
  drainingTasks @10 () -> (taskIds :List(Text));
  # Stops by force a task a kill did not end in time.
  shutdown @11 (taskId :Text) -> (status :Api.Status);
  # Removes a persistent volume (its job was deleted); OK when there is none.
  destroyVolume @12 (hostname :Text, volumeId :Text) -> (status :Api.Status);
}

struct HostStatus {
  hostname @0 :Text;
  state @1 :UInt8;   # taskfsm::HostState
  tasks @2 :UInt32;
  capacity @3 :Resources;
  free @4 :Resources;
  attributes @5 :List(Label);
  revocableMilliCpu @6 :Int64;      # slack the host declares
  revocableFreeMilliCpu @7 :Int64;  # of it, not held by revocable tasks
}

interface JobManager extends(Api.Login) {
  taskSpecs @0 (taskIds :List(Text)) -> (specs :List(MaybeTaskSpec));
  # What placement placed (launched by the job manager), the gangs it gave up on, and what it
  # found of gangs that wait (placement_engine::PlacementVerdict).
  setPlacements @1 (placed :List(PlacedGang), dropped :List(ReadyGang),
                    verdicts :List(PlacementVerdict)) -> ();
}

struct PlacementVerdict {
  taskId @0 :Text;
  never @1 :Bool;     # false: it could fit now
  reason @2 :UInt8;   # placement::FilterReason, when never
}
