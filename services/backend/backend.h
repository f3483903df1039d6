// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The cluster backend: the one thing the host manager talks to. It reports hosts, launches and
// kills tasks, and reports task status the way Mesos does (TASK_RUNNING, TASK_FINISHED, ...,
// reference §1.5). Implementations: `local` (real processes on this machine, the default),
// `sim` (simulated hosts), `mesos` (a real cluster).
//
// The interface is polled, not threaded: the caller (the host manager's event loop) calls
// Poll() on a timer and gets the status changes since the last call.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_BACKEND_BACKEND_H_
#define PELOTON_SERVICES_BACKEND_BACKEND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "peloton/common/compact_string.h"
#include "peloton/common/resources.h"
#include "peloton/placement/model.h"
#include "peloton/taskfsm/enums.h"
#include "services/common/remote_file.h"

namespace peloton::backend {

using taskfsm::MesosTaskState;

struct HostInfo {
  std::string hostname;
  std::string agent_id;
  Resources capacity;
  std::vector<placement::GpuDevice> gpus;
  absl::flat_hash_map<std::string, std::string> attributes;
  std::vector<placement::PortRange> ports;  // what dynamic ports are chosen from
  // Revocable (slack) cpu beside the capacity, for revocable tasks only: what a Mesos agent's
  // resource estimator offers as revocable, or what a local or sim host declares (as Mesos'
  // fixed resource estimator does).
  int64_t revocable_milli_cpu = 0;
};

// A host directory mounted into a task's container.
struct VolumeMount {
  std::string host_path;
  std::string container_path;
  bool read_only = false;
  friend bool operator==(const VolumeMount&, const VolumeMount&) = default;
};

// A persistent volume (a stateful task's, reference §3.3 `volume`): a directory of `size_mb`
// on the task's host that outlives the task. The first launch that names it creates it; later
// launches on the same host find it as the last run left it; only DestroyVolume removes it. A
// volume is on one host: a launch elsewhere while it exists is refused (FailedPrecondition).
struct PersistentVolumeSpec {
  std::string id;              // "<job>-<instance>": a file name, unique per cluster
  std::string container_path;  // where the task finds it, relative to its sandbox
  int64_t size_mb = 0;         // what it may hold; a task that writes more fails
  friend bool operator==(const PersistentVolumeSpec&, const PersistentVolumeSpec&) = default;
};

// A check of a running task's health, the way Mesos runs one (its HealthCheck): the first after
// `delay`, then one every `interval`; a check that takes longer than `timeout` has failed. The
// backend reports the task healthy after its first passing check and after a pass that follows
// failures, unhealthy after the first failure of a run of them; after
// `max_consecutive_failures` failures in a row it kills the task (as a Mesos executor does),
// which ends TASK_KILLED and unhealthy.
struct HealthCheckSpec {
  enum class Type { kCommand, kHttp, kTcp };
  Type type = Type::kCommand;
  std::string command;           // kCommand: `sh -c command` beside the task; exit 0 passes
  bool task_environment = true;  // kCommand: with the task's environment (else the backend's)
  std::string scheme = "http";   // kHttp
  uint32_t port = 0;             // kHttp, kTcp: on the task's host
  std::string path = "/";        // kHttp: GET; a status of 200 to 399 passes
  absl::Duration delay = absl::Seconds(15);
  absl::Duration interval = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(20);
  uint32_t max_consecutive_failures = 3;
  friend bool operator==(const HealthCheckSpec&, const HealthCheckSpec&) = default;
};

struct LaunchSpec {
  CompactString task_id;  // the Mesos task id, "<job>-<instance>-<run>"
  std::string hostname;
  // `sh -c command` when shell, else command executed with arguments (PATH searched).
  bool shell = true;
  std::string command;
  std::vector<std::string> arguments;
  std::vector<std::pair<std::string, std::string>> environment;  // added to the backend's own
  // The user to run it as (Mesos' CommandInfo.user); empty: the backend's default.
  std::string user;
  std::vector<std::pair<std::string, std::string>> labels;       // the task's (key, value)
  Resources resources;  // its persistent volume's size included in the disk
  bool revocable = false;  // its cpu is the host's revocable cpu (HostInfo::revocable_milli_cpu)
  std::vector<uint32_t> ports;  // the dynamic ports placement gave the task on its host
  uint32_t fd_limit = 0;        // its open files at most (Peloton's fdLimit); 0: the backend's
  // A Docker image to run the command in (Mesos's own containerizer), with volumes. Empty: the
  // command runs on the host. Only a backend with a container runtime (mesos) takes these.
  std::string container_image;
  std::vector<VolumeMount> volumes;
  std::optional<PersistentVolumeSpec> persistent_volume;
  // Immutable remote files (read-only volumes by URL, files::RemoteFile) fetched into the
  // sandbox before the command starts; files::ValidateRemoteFiles's rules. Each URL is fetched
  // at most once per host. A backend that fetches reports the task TASK_STARTING until its
  // files are there, then TASK_RUNNING; a file that cannot be had fails the task (TASK_FAILED,
  // naming the URL and why) before its command runs.
  std::vector<files::RemoteFile> uris;
  absl::Duration kill_grace_period = absl::Seconds(30);  // SIGTERM, then SIGKILL
  std::optional<HealthCheckSpec> health_check;
};

struct TaskStatus {
  std::string task_id;
  MesosTaskState state = MesosTaskState::kUnknown;
  std::string hostname;
  std::string agent_id;
  std::string message;  // "exit code 3", "terminated by signal 9", ...
  int exit_code = -1;   // when the process exited
  int signal = 0;       // when a signal ended it
  // What the task's health check found, in a status that reports it (Mesos' `healthy`): a
  // TASK_RUNNING when the health changed, the TASK_KILLED of a task its checks killed.
  std::optional<bool> healthy;
  absl::Time time = absl::UnixEpoch();
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::vector<HostInfo> Hosts() const = 0;
  // Changes whenever hosts come or go (a cluster backend learns of them as they do); the host
  // manager then reads Hosts() again. A backend whose hosts are fixed keeps 0.
  virtual uint64_t HostsVersion() const { return 0; }
  // InvalidArgument for an unknown host or a bad spec; AlreadyExists for a task id launched
  // before. A launched task is reported TASK_RUNNING by the next Poll.
  virtual absl::Status Launch(const LaunchSpec& spec) = 0;
  // SIGTERM, then SIGKILL after the task's grace period; reported TASK_KILLED when it ends.
  // NotFound for a task this backend does not know; killing an ended task does nothing (OK,
  // or NotFound from a backend that forgets ended tasks: sim, mesos).
  virtual absl::Status Kill(const std::string& task_id) = 0;
  // For a backend whose launches need the cluster manager's offers (Mesos): what each host
  // offers now for new tasks (its held offers, less what already waits to launch there); a
  // host missing from the map offers nothing. The host manager keeps the rest of each host out
  // of placement's reach (Cluster::SetReserved), as Peloton places only on offered hosts.
  // nullopt (the default): launches need no offers.
  virtual std::optional<absl::flat_hash_map<std::string, Resources>> Offered() const {
    return std::nullopt;
  }
  // For a task a kill did not end in time (reference §3.6, executor_shutdown): stop it by
  // force (Mesos: SHUTDOWN of its executor). By default, a kill again. NotFound as Kill.
  virtual absl::Status Shutdown(const std::string& task_id) { return Kill(task_id); }
  // Status changes since the last call, oldest first.
  virtual std::vector<TaskStatus> Poll() = 0;
  // An eventfd(2) that is signalled when Poll has something new, so that the caller's loop
  // polls then rather than at its next tick; the caller reads it (clearing it) and never
  // writes or closes it. -1 (the default): the caller polls on its tick alone.
  virtual int ReadyFd() const { return -1; }
  // After a restart: takes over the tasks a previous incarnation launched. One status per id:
  // TASK_RUNNING (still running, watched from now on), its terminal state (it ended meanwhile),
  // or TASK_LOST (no trace of it).
  virtual std::vector<TaskStatus> Reconcile(const std::vector<std::string>& task_ids) = 0;

  // Removes a persistent volume and what it holds (its job was deleted). OK when there is no
  // such volume (destroyed before, or its host is gone with it), so a retry is safe;
  // FailedPrecondition while a running task uses it. A cluster manager that does it with
  // offers (Mesos) may finish it later.
  virtual absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) = 0;

  // Host maintenance (reference §6.1), for a cluster manager that tracks it too (Mesos: a
  // maintenance window from now, then the machines down, then up). The host manager keeps the
  // hosts' states itself; a backend with nothing to tell keeps these no-ops.
  virtual absl::Status DrainHosts(const std::vector<std::string>& /*hostnames*/) {
    return absl::OkStatus();
  }
  virtual absl::Status DownHosts(const std::vector<std::string>& /*hostnames*/) {
    return absl::OkStatus();
  }
  virtual absl::Status UpHosts(const std::vector<std::string>& /*hostnames*/) {
    return absl::OkStatus();
  }
};

}  // namespace peloton::backend

#endif  // PELOTON_SERVICES_BACKEND_BACKEND_H_
