// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The embedded default backend: tasks are real processes on this machine. By default one host
// with this machine's cpu, memory, disk and GPUs (GPUs from `nvidia-smi` when it is there);
// or several virtual hosts with resources and labels of their own, so that placement,
// constraints and spreading can be tried on one machine (their tasks all run here).
//
// Each task runs under peloton-task-runner in a sandbox directory <sandbox_root>/<task id>
// (see sandbox.h), in a session and process group of its own. What the backend and the runner
// tell each other is in a state directory <state_root>/<task id>, out of the task's reach
// (0700, the master's): nothing the task writes is read as the runner's word. The runner
// outlives the master: after a restart, Reconcile finds each task still running or reads how
// it ended. A task whose runner died without a word (killed, perhaps by the task itself) is
// reported TASK_FAILED, as Mesos reports a task whose executor terminated, and counts against
// its restart policy; after the machine restarted (another boot id) it is TASK_LOST instead.
// Either way what is left of its process group is killed, so that no instance ever runs twice
// at once. (A runner starts its task only once the backend has recorded it in runner.pid; one
// whose master died before that runs nothing.)
//
// A task's environment is its launch's (Peloton's variables and the job's) over a small base:
// PATH, HOME and MESOS_SANDBOX (the sandbox), USER and LOGNAME; never the master's own.
//
// Who a task runs as, and what it sees (task_user.h): a backend that runs as root runs each
// task as its launch's user (LaunchSpec::user, where task_users allows it) or task_user
// (nobody by default), never as root unless allow_root; the task's sandbox is its user's
// (0700), and in a mount namespace of its own the backend's directories and private_dirs look
// empty but for its sandbox and volume. A backend that does not run as root runs tasks as its
// own user, and refuses any other; they get the same view where the kernel allows unprivileged
// user namespaces.
//
// Exit code 0 -> TASK_FINISHED, another code -> TASK_FAILED, a signal -> TASK_KILLED; a task
// killed on request is TASK_KILLED however it ended. A task's health check (LaunchSpec) runs in
// its runner; each change of health is a TASK_RUNNING with `healthy` set, and a task the checks
// killed ends TASK_KILLED, unhealthy. Checks: commands, HTTP (not HTTPS) and TCP on 127.0.0.1.
//
// Limits (cgroups.h where the machine has them): a task over its memory is killed by the
// kernel and ends TASK_FAILED, "over its memory limit"; its cpu is a quota; its processes are
// counted and all killed when it ends (also those that left its process group); its open
// files are LaunchSpec::fd_limit; and its sandbox is measured like a volume (below) against
// its disk less its volume, a task past it killed and TASK_FAILED, as Mesos' disk isolator
// does. A task's groups, emptied when it ends, serve the next task with the same limits
// (Cgroups::Reclaim): a launch then takes the kernel's cgroup lock only to move the task in.
//
// A persistent volume (LaunchSpec::persistent_volume) is the directory
// <volume_root>/<host>/<volume id>, made by the first launch that names it (when the file
// system has its size free), and linked into each sandbox that uses it at its container path.
// Every `volume_check_interval` the backend adds up what each running task's volume holds (as
// du does: the blocks its files take); a task past its volume's size is killed and ends
// TASK_FAILED, "volume ... holds N MB, over its size of M MB" (Mesos' disk quota, reported
// killed on request instead when the master restarted in between).
//
// Remote files (LaunchSpec::uris) are fetched by the runner before the command starts
// (fetcher.h: a cache per host, each URL fetched once, read-only copies in the sandbox); until
// they are there the task is TASK_STARTING, and a file that cannot be had fails it, "fetch
// <url>: <why>". A file may be as large as the task's disk (1 GB when it asks for none).
//
// Thread-compatible (the host manager's loop owns it).

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_LOCAL_BACKEND_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_LOCAL_BACKEND_H_

#include <sys/types.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/backend/backend.h"
#include "services/backend/local/cgroups.h"
#include "services/backend/local/runner_server.h"
#include "services/backend/local/task_user.h"

namespace peloton::backend::local {

struct LocalBackendOptions {
  std::string runner_path;   // the peloton-task-runner binary
  std::string sandbox_root;  // created if missing
  std::string state_root;    // created if missing, 0700 (required)
  std::vector<HostInfo> hosts;
  std::string volume_root;  // persistent volumes; created if missing (empty: refused)
  absl::Duration volume_check_interval = absl::Seconds(5);
  // Fetched remote files (LaunchSpec::uris), a cache per host: <fetch_cache_root>/<host>.
  // Created if missing (empty: tasks with remote files are refused).
  std::string fetch_cache_root;
  absl::Duration fetch_timeout = absl::Minutes(5);  // per file
  // Who tasks run as (above): task_user when a launch names none (empty: nobody, or this
  // process's own user where it does not run as root); the other users a launch may name
  // ("*": any but root); whether any may be root.
  std::string task_user;
  std::vector<std::string> task_users;
  bool allow_root = false;
  // Directories tasks do not see besides the backend's own (the data directory).
  std::vector<std::string> private_dirs;
  // Isolation (cgroups.h): each task in control groups with its memory (at least 32 MB, as
  // Mesos), its cpu as a CFS quota, and at most task_pids_max processes, where the machine
  // lets this process make them; off, or where it cannot, tasks are not limited.
  bool cgroups = true;
  int64_t task_pids_max = 4096;
  // Where a launch's work is done (its directories, cgroups, the runner's spawn: a few ms):
  // false, in Launch; true, on a thread of the backend's, so that a burst of launches does not
  // hold the caller's loop (the daemons). Launch then checks and records the task and
  // returns; Poll reports it RUNNING (or STARTING) once its runner is started, or FAILED
  // (LOST, for a passing want of resources) with why it could not be; a kill meanwhile is
  // sent once it has started. Ending a task (reading its exit status, removing its cgroups)
  // is done there too: Poll notices a runner has ended and reports the task's end at a later
  // Poll.
  bool launch_thread = false;
  // Runners forked by a runner server (runner_server.h) instead of spawned (exec'd) one by
  // one: a launch's runner costs a fork instead of an exec and a program's start. Where the
  // server cannot start or has died, runners are spawned as without it.
  bool runner_server = true;
};

// This machine as one host: its name, cpus, memory, the free disk under `disk_path`, its GPUs
// (nvidia-smi), ports 31000-32000 (Mesos' default range), attribute `hostname`.
HostInfo DiscoverThisMachine(const std::string& disk_path);
// `machine` split into `n` virtual hosts "<name>-<i>", each with 1/n of the resources (its
// revocable cpu too) and of the port range, and whole GPUs dealt out in turn. InvalidArgument for n < 1 or more hosts
// than milli-cpus or ports.
absl::StatusOr<std::vector<HostInfo>> SplitIntoVirtualHosts(const HostInfo& machine, int n);
// The GPUs `nvidia-smi --query-gpu=name --format=csv,noheader` lists (none without it).
std::vector<placement::GpuDevice> DiscoverGpus();

class LocalBackend final : public Backend {
 public:
  // InvalidArgument for no hosts, duplicate host names, a runner that is not executable, or a
  // task user that is not allowed (root without allow_root; another than its own where this
  // process is not root); FailedPrecondition when this process cannot become the task user;
  // Unavailable when the sandbox root cannot be created.
  static absl::StatusOr<std::unique_ptr<LocalBackend>> Create(LocalBackendOptions options);

  std::vector<HostInfo> Hosts() const override { return options_.hosts; }
  uint64_t HostsVersion() const override { return hosts_version_; }
  // Virtual hosts joining and leaving while the backend runs (the master's config file's
  // `hosts` edited): a new name joins; a name that is gone leaves, and its running tasks are
  // killed and reported TASK_LOST ("its host left the cluster"); the others stay as they were.
  // InvalidArgument (and no change) for no hosts or a name empty or twice.
  absl::Status SetHosts(std::vector<HostInfo> hosts);
  ~LocalBackend() override;
  absl::Status Launch(const LaunchSpec& spec) override;
  absl::Status Kill(const std::string& task_id) override;
  std::vector<TaskStatus> Poll() override;
  // Signalled when a launch or an end is ready for Poll (the launcher thread's work, the runner
  // server's ends), with launch_thread or the runner server.
  int ReadyFd() const override { return ready_fd_; }
  std::vector<TaskStatus> Reconcile(const std::vector<std::string>& task_ids) override;
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override;

  // Whether tasks are isolated with cgroups (cgroups.h), and how.
  const Cgroups& cgroups() const { return cgroups_; }
  // The runner server's pid (-1: none); for tests.
  pid_t runner_server_pid() const { return server_ == nullptr ? -1 : server_->server_pid(); }

  // Where a task's files are (whether or not it exists).
  std::string SandboxOf(const std::string& task_id) const;
  // Where its runner's are (sandbox.h); a task launched before there was one (an older
  // version's) keeps them in its sandbox.
  std::string StateOf(const std::string& task_id) const;
  // Where a persistent volume's files are (whether or not it exists).
  std::string VolumeOf(const std::string& hostname, const std::string& volume_id) const;

 private:
  // The health file as last read (sandbox.h): a new one is a change of health.
  struct HealthFileStamp {
    ino_t inode = 0;
    int64_t seconds = 0, nanos = 0, size = -1;
    friend bool operator==(const HealthFileStamp&, const HealthFileStamp&) = default;
  };
  struct Task {
    std::string hostname;
    pid_t runner = -1;
    int64_t start_time = -1;  // of the runner
    std::string boot_id;      // the boot it was started in (runner.pid)
    bool child = false;       // launched by this process (reaped with waitpid)
    bool watch_health = false;
    HealthFileStamp health_seen;
    std::string volume_id;  // its persistent volume's, if it has one
    int64_t volume_size_mb = 0;
    int64_t disk_limit_mb = 0;  // its sandbox's (0: none)
    std::string limitation;  // why the backend killed it (its volume or sandbox overflowed)
    std::string lost;        // why it is lost once it ends (its host left)
    bool starting = false;   // its remote files are being fetched (no task.pid yet)
    std::string state;       // its state directory (StateOf, decided once)
    bool launching = false;  // its runner is not started yet (launch_thread): runner is -1
    // Killed while launching, or while its runner server was busy: SIGTERM once its runner
    // has started (TakeLaunched), or at the next Poll.
    bool kill_requested = false;
    // Its runner has ended (and, a child, was reaped): Finished runs on the launcher thread
    // (launch_thread), and nothing is signalled any more.
    bool ending = false;
    // Its runner is the runner server's child: its end is the server's word (RunnerServer),
    // not a waitpid's, until the server dies (then it is watched by pid, as after a restart).
    bool served = false;
    // Its cgroups' name (a slot's: Cgroups::NewSlotName; empty: none, or its id's, an older
    // version's), and their limits, with which they serve another task once it ends (not
    // known after a restart: they are removed then).
    std::string cgroup;
    std::optional<TaskLimits> cgroup_limits;
  };
  // What a launch does once it has been checked (StartRunner).
  struct LaunchWork {
    LaunchSpec spec;
    TaskUser user;
    std::string sandbox, state;
    int64_t disk_limit_mb = 0;
    std::optional<TaskLimits> cgroup_limits;  // with cgroups: its groups' (LimitsOf)
  };
  // A task whose runner ended, for the launcher thread to finish (Finished).
  struct EndWork {
    std::string task_id;
    Task task;  // a copy: Finished reads it there
  };
  // A started runner: its pid and start time, and whether the runner server forked it.
  struct RunnerStart {
    pid_t pid = -1;
    int64_t start_time = -1;
    bool served = false;
    std::string cgroup;  // its cgroups' name (Task::cgroup)
  };
  // A launch done on the launcher thread: its runner, or why not.
  struct Launched {
    std::string task_id;
    size_t uris = 0;
    absl::StatusOr<RunnerStart> started;
  };

  explicit LocalBackend(LocalBackendOptions options) : options_(std::move(options)) {}
  // Resolves and checks the task user (Create).
  absl::Status SetUpUsers();
  // The user a launch runs as (InvalidArgument, naming the rule, for one not allowed).
  absl::StatusOr<TaskUser> UserOf(const LaunchSpec& spec) const;
  // The status of a task whose runner has ended (its agent_id not set: SetAgent); kills what
  // is left of it when the runner died without a word. Safe on the launcher thread: it reads
  // only the task, files and what does not change.
  TaskStatus Finished(const std::string& task_id, const Task& task);
  // The status a task ends with: Finished's, unless the backend killed it (Task::limitation)
  // or its host left (Task::lost).
  static void ApplyEnd(const Task& task, TaskStatus& s);
  TaskStatus StatusOf(const std::string& task_id, const std::string& hostname, MesosTaskState state,
                      std::string message) const;
  // StatusOf without the agent id, which SetAgent looks up in the hosts (on the caller's
  // thread: they change).
  static TaskStatus StatusAt(const std::string& task_id, const std::string& hostname,
                             MesosTaskState state, std::string message);
  void SetAgent(TaskStatus& s) const;
  // Whether the runner has started the task's command (its remote files are there).
  bool Started(const Task& task) const;
  // A TASK_RUNNING with the task's health when its health file changed since the last look.
  std::optional<TaskStatus> HealthChange(const std::string& task_id, Task& task);
  // Makes (the first time) and links the spec's persistent volume into the sandbox.
  absl::Status PrepareVolume(const LaunchSpec& spec, const std::string& sandbox,
                             const std::string& state, const TaskUser& user);
  // Kills the running tasks whose volume holds more than its size, or whose sandbox more than
  // its disk (LaunchSpec::resources less its volume).
  void CheckDisks();
  // Makes the task's directories (and volume, and cgroups) and starts its runner. On the
  // launcher thread with launch_thread: it reads only what does not change (and the runner
  // server, which is thread-safe).
  absl::StatusOr<RunnerStart> StartRunner(const LaunchWork& work);
  // Starts a runner with these arguments (`ready_arg` the index of its --ready-fd) and
  // environment, given the read end of `ready` (a pipe; replaced when the runner server took
  // the old one and failed): by the runner server where there is one, else spawned.
  absl::StatusOr<RunnerStart> SpawnRunner(const std::string& task_id,
                                          std::vector<std::string>& args, size_t ready_arg,
                                          std::vector<std::string>& env, int (&ready)[2]);
  // The limits of a launch's cgroups.
  static TaskLimits LimitsOf(const LaunchSpec& spec, int64_t pids_max);
  // Takes idle cgroups with these limits, or makes a slot's: their name. Safe on the
  // launcher thread.
  absl::StatusOr<std::string> MakeCgroups(const TaskLimits& limits);
  // Keeps an ended task's cgroups for another (Cgroups::Reclaim), or removes them.
  void EndCgroups(const std::string& task_id, const Task& task);
  // What the runner server said of its runners' ends (and of its own, which orphans them),
  // applied to running_ where it can be (Poll; a task still launching waits for the next).
  void TakeServerEvents();
  // RUNNING, or STARTING while `uris` remote files are fetched.
  TaskStatus LaunchedStatus(const std::string& task_id, const Task& task, size_t uris) const;
  // The launcher thread's loop, and what Poll takes of its work.
  void LaunchLoop();
  void TakeLaunched(std::vector<TaskStatus>& out);
  void TakeEnded(std::vector<TaskStatus>& out);
  // What the launcher thread left in `done` (launched_, ended_), taken under launch_mu_.
  template <typename T>
  std::vector<T> Drain(std::vector<T>& done) {
    std::vector<T> out;
    absl::MutexLock lock(&launch_mu_);
    out.swap(done);
    return out;
  }
  // SIGTERM to the task's runner, or once it has one.
  void SignalRunner(const std::string& task_id, Task& task);

  LocalBackendOptions options_;
  bool root_ = false;  // this process runs as root: it switches users
  bool view_ = false;  // tasks get a mount namespace that hides the data directory
  std::vector<std::string> hidden_;  // what it hides: the roots above and private_dirs
  std::string boot_id_;              // this boot's (BootId), read once
  TaskUser default_user_;
  Cgroups cgroups_;
  absl::flat_hash_map<std::string, const HostInfo*> hosts_;
  absl::flat_hash_map<std::string, Task> running_;
  std::vector<TaskStatus> pending_;
  absl::Time volumes_checked_ = absl::InfinitePast();
  uint64_t hosts_version_ = 0;

  absl::Mutex launch_mu_;
  std::deque<LaunchWork> to_launch_ ABSL_GUARDED_BY(launch_mu_);
  std::vector<Launched> launched_ ABSL_GUARDED_BY(launch_mu_);
  std::deque<EndWork> to_end_ ABSL_GUARDED_BY(launch_mu_);
  std::vector<TaskStatus> ended_ ABSL_GUARDED_BY(launch_mu_);
  bool stopping_ ABSL_GUARDED_BY(launch_mu_) = false;
  // Idle cgroups (slots' names) by their limits, at most kMaxIdleCgroups.
  static constexpr size_t kMaxIdleCgroups = 256;
  absl::Mutex idle_mu_;
  absl::flat_hash_map<TaskLimits, std::vector<std::string>> idle_cgroups_ ABSL_GUARDED_BY(idle_mu_);
  size_t idle_count_ ABSL_GUARDED_BY(idle_mu_) = 0;  // with those being reclaimed
  int ready_fd_ = -1;                                // ReadyFd: an eventfd, this backend's
  // Signals ReadyFd.
  void SignalReady() const;
  std::unique_ptr<RunnerServer> server_;  // with runner_server
  // Tasks whose served runner ended, or whose server died, not yet seen by Poll.
  absl::flat_hash_set<std::string> server_ended_, server_orphaned_;
  std::thread launcher_;  // with launch_thread; started last in Create
};

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_LOCAL_BACKEND_H_
