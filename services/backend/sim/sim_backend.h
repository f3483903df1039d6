// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The simulated cluster backend: hosts that exist only here (a node list such as
// ../shared/data/openb/openb_node_list_all_node.csv, or generated) and tasks that run no
// process. A launched task reports TASK_RUNNING, then TASK_FINISHED (TASK_FAILED for a
// nonzero exit) once its duration has passed on the simulation clock, or TASK_KILLED when
// killed. Everything above the host manager runs for real: capacity planning, trace replay and
// end-to-end throughput without forking a process per task.
//
// A task's duration is its label `peloton.sim/duration` (seconds, fractions allowed), else the
// N of a command that starts with `sleep N`, else zero (it ends at the next Poll). Its exit
// code is its label `peloton.sim/exit-code`, else the N of a command `exit N`, else 0. A task
// with a health check passes its checks, or fails them all with its label
// `peloton.sim/healthy: false`; the checks keep the spec's times and Mesos' rules
// (HealthTracker), so a passing task is reported healthy once, its delay after its launch.
//
// The clock: simulated time = the start + speed × the real time elapsed since (speed 1 is real
// time). Status times are simulated times. Tests pass their own real clock.
//
// Thread-compatible. Memory: about 200 bytes per running task.

#ifndef PELOTON_SERVICES_BACKEND_SIM_SIM_BACKEND_H_
#define PELOTON_SERVICES_BACKEND_SIM_SIM_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/backend/backend.h"
#include "services/backend/health.h"

namespace peloton::backend::sim {

inline constexpr absl::string_view kDurationLabel = "peloton.sim/duration";
inline constexpr absl::string_view kExitCodeLabel = "peloton.sim/exit-code";
inline constexpr absl::string_view kHealthyLabel = "peloton.sim/healthy";

struct SimOptions {
  std::vector<HostInfo> hosts;
  double speed = 1;                 // simulated seconds per real second, > 0
  std::function<absl::Time()> now;  // the real clock; absl::Now when empty
};

// `count` hosts "sim-0", "sim-1", ... of one shape: comma-separated key=value among cpu (cores),
// memory_mb, disk_mb, gpus (whole devices), gpu_model, port_begin, port_end, revocable_cpu
// (slack cores it declares for revocable tasks); every key optional (defaults: 32 cores,
// 256 GiB, 1 TiB, no GPU, ports 31000-32999, no slack). InvalidArgument naming the key and
// the rule.
absl::StatusOr<std::vector<HostInfo>> GenerateHosts(int count, absl::string_view shape);
// The hosts of a node list (openb columns sn,cpu_milli,memory_mib,gpu,model), each with ports
// 31000-32999 and the attribute gpu_model when it has GPUs. The reader's errors name the file,
// line and column.
absl::StatusOr<std::vector<HostInfo>> ReadHosts(const std::string& node_list);

class SimBackend final : public Backend {
 public:
  // InvalidArgument for no hosts, duplicate host names or a speed that is not > 0.
  static absl::StatusOr<std::unique_ptr<SimBackend>> Create(SimOptions options);

  std::vector<HostInfo> Hosts() const override;
  uint64_t HostsVersion() const override { return hosts_version_; }
  // Hosts joining and leaving the simulated cluster, as agents come and go. AddHost:
  // InvalidArgument for an empty name or one that is in the cluster. RemoveHost: NotFound
  // for a host that is not; its running tasks are reported TASK_LOST.
  absl::Status AddHost(HostInfo host);
  absl::Status RemoveHost(const std::string& hostname);
  // InvalidArgument for an unknown host or a malformed duration or exit code label;
  // AlreadyExists for a task id that is running (ids of ended tasks are not remembered).
  absl::Status Launch(const LaunchSpec& spec) override;
  absl::Status Kill(const std::string& task_id) override;
  std::vector<TaskStatus> Poll() override;
  // Running tasks report TASK_RUNNING; any other id TASK_LOST (a simulation that restarted
  // has lost its tasks).
  std::vector<TaskStatus> Reconcile(const std::vector<std::string>& task_ids) override;
  // A volume is a record of which host it is on; one whose host left stays until destroyed
  // (the host may come back).
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override;

  // The simulation's current time.
  absl::Time SimNow() const;
  size_t running() const { return tasks_.size(); }

  ~SimBackend() override;
  SimBackend(const SimBackend&) = delete;
  SimBackend& operator=(const SimBackend&) = delete;

 private:
  // One running task, allocated once; the map and the queue point at it. A killed task leaves
  // the map at once and the queue when its end comes up.
  struct Task {
    CompactString id;  // shares the launch spec's (the job manager's) characters
    absl::Time end;
    uint32_t host = 0;
    int32_t exit_code = 0;
    bool killed = false;
    bool has_volume = false;  // in volume_of_task_
    // With a health check only (most tasks have none: a pointer keeps them small).
    struct Health {
      HealthTracker tracker;
      absl::Duration interval;
      bool passes = true;  // what its checks find
    };
    std::unique_ptr<Health> health;
  };
  // A task's end (which owns the task), or one of its health checks (queued only before its
  // end, so it never outlives the task).
  struct Due {
    absl::Time at;
    uint64_t seq;  // launch order breaks ties
    Task* task;
    bool check = false;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  // A task that ended or was killed leaves the running tasks (and its volume's use).
  void Forget(const Task& task);
  // Runs the check due now: a change of health is reported, too many failures kill the task.
  void Check(Task& task, absl::Time at, std::vector<TaskStatus>& out);

  explicit SimBackend(SimOptions options);
  TaskStatus StatusOf(absl::string_view task_id, uint32_t host, MesosTaskState state,
                      std::string message, absl::Time time) const;

  SimOptions options_;  // options_.hosts: every host that ever joined, by index
  std::vector<bool> present_;  // by host index: in the cluster now
  uint64_t hosts_version_ = 0;
  absl::Time real_start_;
  absl::Time sim_start_;
  absl::flat_hash_map<std::string, uint32_t> host_index_;  // hosts present, by name
  absl::flat_hash_map<absl::string_view, Task*> tasks_;  // running, by task id (Task::id)
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  // Persistent volumes: the host each is on, by volume id.
  absl::flat_hash_map<std::string, std::string> volumes_;
  // The running task using a volume, by volume id (while it runs), and the other way round.
  absl::flat_hash_map<std::string, std::string> volume_users_;
  absl::flat_hash_map<std::string, std::string> volume_of_task_;
  std::vector<TaskStatus> pending_;  // reported by the next Poll, before what fell due
  uint64_t next_seq_ = 0;
};

}  // namespace peloton::backend::sim

#endif  // PELOTON_SERVICES_BACKEND_SIM_SIM_BACKEND_H_
