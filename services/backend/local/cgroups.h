// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Resource isolation of the local backend's tasks with Linux control groups, as Mesos'
// cgroups isolators do: each task in a group of its own, with a memory limit (over it the
// kernel kills the task, which then FAILs), a CPU quota (CFS, from its cpu), and a cap on its
// processes; all of its processes are in the group, so that a kill reaches those that left its
// process group (setsid), and the group is emptied and removed when the task ends.
//
// Detected at start: cgroup v2 (the unified hierarchy with the memory, cpu and pids
// controllers, as on a Debian with systemd), else v1 (memory, cpu and pids mounted apart, as on
// these machines), under this process's own groups (/proc/self/cgroup), in a child group
// `peloton-tasks`. Neither writable (not root, a read-only /sys/fs/cgroup as in Bazel's
// sandbox): no isolation, and a warning says why.
//
// In v2, a group with controllers for its children holds no process: this process moves into
// a leaf of its own group (`peloton-supervisor`) first, as container runtimes do.
//
// Thread-compatible. The free functions are for peloton-task-runner.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_CGROUPS_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_CGROUPS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::backend::local {

struct TaskLimits {
  int64_t memory_bytes = 0;  // 0: none
  int64_t cpu_quota_us = 0;  // per cpu_period_us; 0: none
  int64_t cpu_period_us = 100'000;
  int64_t pids_max = 0;  // 0: none
  friend bool operator==(const TaskLimits&, const TaskLimits&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const TaskLimits& l) {
    return H::combine(std::move(h), l.memory_bytes, l.cpu_quota_us, l.cpu_period_us, l.pids_max);
  }
};

// Mesos' smallest memory limit for a container: below it a shell cannot start.
inline constexpr int64_t kMinMemoryLimitBytes = int64_t{32} << 20;
// The most memory a group may still have charged (its last task's page cache, kernel objects)
// to be kept for another task (Cgroups::Reclaim).
inline constexpr int64_t kReusableBytes = int64_t{1} << 20;

class Cgroups {
 public:
  // No isolation.
  Cgroups() = default;
  // Detects and prepares the hierarchy (above); `root` is where cgroup file systems are
  // mounted (/sys/fs/cgroup).
  static Cgroups Detect(const std::string& root = "/sys/fs/cgroup");

  bool enabled() const { return version_ != 0; }
  int version() const { return version_; }  // 1 or 2; 0: none
  const std::string& why_not() const { return why_not_; }
  // The parents of the tasks' groups (one per v1 controller, one in v2).
  std::vector<std::string> parents() const;

  // Makes the groups `name` (a task's id, or a slot's) with the limits (again, if an earlier
  // try left them); the directories whose cgroup.procs a task's process joins. Unavailable
  // naming the file that failed.
  absl::StatusOr<std::vector<std::string>> Create(const std::string& name,
                                                  const TaskLimits& limits) const;
  // Their directories (whether or not they exist).
  std::vector<std::string> DirsOf(const std::string& name) const;
  // Kills whatever is left in the groups and removes them.
  void Destroy(const std::string& name) const;

  // Groups kept between tasks: a task's groups are named as slots, `slot-<pid>-<n>`, not by
  // the task (the backend records which in the task's state directory), and when a task ends
  // its groups, once emptied, serve the next task with the same limits as they are. A task's
  // `mkdir` and `rmdir` of its groups (three in v1), and a rename, take the kernel's global
  // cgroup lock, which a burst of tasks moving into their groups holds for milliseconds at a
  // time (a write to cgroup.procs waits for an RCU grace period holding it): they were the
  // larger part of what cgroups cost a burst of short tasks (issue 24). What the kernel counts
  // (memory, pids, cpu time) goes on from where the last task left it, which is why a group is
  // kept only with at most kReusableBytes of memory charged to it and no OOM kill.
  //
  // Kills whatever is left in the groups `name`; whether they are empty, hold at most
  // kReusableBytes of memory and saw no OOM kill: fit for another task with the same limits.
  bool Reclaim(const std::string& name) const;
  // Removes the empty slot groups of processes that are gone (a master that died); those that
  // hold processes stay (their tasks still run, and are removed when they end).
  void RemoveAbandonedSlots() const;
  // A new slot's name, for this process.
  static std::string NewSlotName();

 private:
  int version_ = 0;
  std::string why_not_ = "not asked for";
  // v1: (controller, parent directory) for memory, cpu and pids; v2: ("", parent directory).
  std::vector<std::pair<std::string, std::string>> parents_;
};

// Whether `dir` names a task's group as DirsOf makes them: an absolute path without `.` or
// `..` parts whose parent is a `peloton-tasks` group. The runner server moves processes into
// such groups alone.
bool IsTaskGroupDir(absl::string_view dir);
// Moves the process `pid` (0: this one) into the groups, as root: a task's process before it
// execs the task (in the child, or by the runner server for it: runner_server.h). 0, or the
// errno of the write that failed, with its file in *failed.
int JoinCgroups(const std::vector<std::string>& dirs, std::string* failed, pid_t pid = 0);
// Kills every process in the groups (cgroup.kill where the kernel has it) until they are
// empty, or a second has passed; whether they are. Groups already empty cost a read of each
// cgroup.procs.
bool KillCgroups(const std::vector<std::string>& dirs);
// Whether the kernel's OOM killer killed a process of the groups: `dirs` as DirsOf gives
// them, the memory group first (memory.events of v2's one group, memory.oom_control of v1's).
bool OomKilled(const std::vector<std::string>& dirs);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_CGROUPS_H_
