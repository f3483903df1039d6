// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/files.h"

namespace peloton::backend::local {
namespace {

constexpr char kTasksGroup[] = "peloton-tasks";
constexpr char kSupervisorGroup[] = "peloton-supervisor";  // v2: this process's own leaf
constexpr int kKillRounds = 100;                           // of 10 ms

// 0, or the errno of the open or write.
int WriteText(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = write(fd, text.data(), text.size());
  const int e = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return e;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// mkdir that takes an existing directory.
int MakeDir(const std::string& dir) {
  return mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST ? 0 : errno;
}

// Whether groups can be made in `parent`: mkdir says EEXIST before EROFS, so an existing
// parent on a read-only mount (Bazel's sandbox) proves nothing.
int CanMakeGroups(const std::string& parent) {
  const std::string probe = absl::StrCat(parent, "/probe-", getpid());
  if (mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  return rmdir(probe.c_str()) == 0 ? 0 : errno;
}

std::string Failed(const std::string& what, int e) {
  return absl::StrCat(what, ": ", std::strerror(e));
}

// The value of `key` in a flat-keyed file ("oom_kill 3" lines), or 0.
int64_t KeyedValue(const std::string& path, const std::string& key) {
  absl::StatusOr<std::string> text = files::ReadFile(path);
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ' ');
    int64_t value = 0;
    if (kv.first == key && absl::SimpleAtoi(kv.second, &value)) return value;
  }
  return 0;
}

std::vector<pid_t> Procs(const std::string& dir) {
  std::vector<pid_t> pids;
  absl::StatusOr<std::string> text = files::ReadFile(dir + "/cgroup.procs");
  if (!text.ok()) return pids;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

Cgroups Cgroups::Detect(const std::string& root) {
  Cgroups c;
  absl::StatusOr<std::string> self = files::ReadFile("/proc/self/cgroup");
  if (!self.ok()) {
    c.why_not_ = "no /proc/self/cgroup";
    return c;
  }
  // "<id>:<controllers>:<path>" lines: v2's has id 0 and no controllers.
  std::string unified_path;
  std::vector<std::pair<std::string, std::string>> v1_paths;  // controllers, path
  for (absl::string_view line : absl::StrSplit(*self, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (parts.size() != 3) continue;
    if (parts[0] == "0" && parts[1].empty()) {
      unified_path = parts[2];
    } else {
      v1_paths.emplace_back(parts[1], parts[2]);
    }
  }
  std::vector<std::string> reasons;
  // v2: the unified hierarchy mounted at `root`, with the three controllers.
  const absl::StatusOr<std::string> controllers = files::ReadFile(root + "/cgroup.controllers");
  if (controllers.ok() && !unified_path.empty()) {
    const std::vector<std::string> have = absl::StrSplit(
        absl::StripAsciiWhitespace(*controllers), ' ', absl::SkipEmpty());
    bool all = true;
    for (const char* want : {"memory", "cpu", "pids"}) {
      all = all && std::find(have.begin(), have.end(), want) != have.end();
    }
    const std::string own = unified_path == "/" ? root : root + unified_path;
    std::string failed;
    if (!all) {
      failed = "v2: the memory, cpu and pids controllers are not all there";
    } else if (unified_path != "/") {
      const std::string leaf = absl::StrCat(own, "/", kSupervisorGroup);
      if (int e = MakeDir(leaf); e != 0) {
        failed = Failed("v2: mkdir " + leaf, e);
      } else if (int e = WriteText(leaf + "/cgroup.procs", std::to_string(getpid())); e != 0) {
        failed = Failed("v2: move this process into " + leaf, e);
      }
    }
    const std::string tasks = absl::StrCat(own, "/", kTasksGroup);
    if (failed.empty()) {
      if (int e = WriteText(own + "/cgroup.subtree_control", "+memory +cpu +pids"); e != 0) {
        failed = Failed("v2: enable the controllers in " + own, e);
      } else if (int e = MakeDir(tasks); e != 0 || (e = CanMakeGroups(tasks)) != 0) {
        failed = Failed("v2: mkdir in " + tasks, e);
      } else if (int e = WriteText(tasks + "/cgroup.subtree_control", "+memory +cpu +pids");
                 e != 0) {
        failed = Failed("v2: enable the controllers in " + tasks, e);
      }
    }
    if (failed.empty()) {
      c.version_ = 2;
      c.parents_ = {{"", tasks}};
      c.why_not_.clear();
      return c;
    }
    reasons.push_back(failed);
  }
  // v1: memory, cpu and pids each mounted at root/<name>.
  std::vector<std::pair<std::string, std::string>> parents;
  for (const char* name : {"memory", "cpu", "pids"}) {
    std::string path;
    for (const auto& [list, p] : v1_paths) {
      for (absl::string_view one : absl::StrSplit(list, ',')) {
        if (one == name) path = p;
      }
    }
    const std::string mount = absl::StrCat(root, "/", name);
    if (path.empty() || !Exists(mount + "/cgroup.procs")) {
      reasons.push_back(absl::StrCat("v1: no ", name, " hierarchy"));
      break;
    }
    const std::string parent =
        absl::StrCat(mount, path == "/" ? "" : path, "/", kTasksGroup);
    if (int e = MakeDir(parent); e != 0 || (e = CanMakeGroups(parent)) != 0) {
      reasons.push_back(Failed("v1: mkdir in " + parent, e));
      break;
    }
    parents.emplace_back(name, parent);
  }
  if (parents.size() == 3) {
    c.version_ = 1;
    c.parents_ = std::move(parents);
    c.why_not_.clear();
    return c;
  }
  c.why_not_ = absl::StrJoin(reasons, "; ");
  return c;
}

std::vector<std::string> Cgroups::parents() const {
  std::vector<std::string> out;
  for (const auto& [controller, parent] : parents_) out.push_back(parent);
  return out;
}

std::vector<std::string> Cgroups::DirsOf(const std::string& task_id) const {
  std::vector<std::string> dirs;
  for (const auto& [controller, parent] : parents_) dirs.push_back(parent + "/" + task_id);
  return dirs;
}

absl::StatusOr<std::vector<std::string>> Cgroups::Create(const std::string& task_id,
                                                         const TaskLimits& limits) const {
  std::vector<std::string> dirs = DirsOf(task_id);
  // (file, value, whether it must take): the limits of each controller.
  std::vector<std::tuple<std::string, std::string, bool>> writes;
  for (size_t i = 0; i < parents_.size(); ++i) {
    const std::string& dir = dirs[i];
    if (int e = MakeDir(dir); e != 0) {
      return absl::UnavailableError(absl::StrCat("cgroup ", dir, ": ", std::strerror(e)));
    }
    const std::string& controller = parents_[i].first;
    const std::string memory = std::to_string(limits.memory_bytes);
    if (version_ == 2) {
      if (limits.memory_bytes > 0) {
        writes.emplace_back(dir + "/memory.max", memory, true);
        writes.emplace_back(dir + "/memory.swap.max", "0", false);  // no swap to escape to
      }
      if (limits.cpu_quota_us > 0) {
        writes.emplace_back(dir + "/cpu.max",
                            absl::StrCat(limits.cpu_quota_us, " ", limits.cpu_period_us), true);
      }
      if (limits.pids_max > 0) {
        writes.emplace_back(dir + "/pids.max", std::to_string(limits.pids_max), true);
      }
    } else if (controller == "memory" && limits.memory_bytes > 0) {
      writes.emplace_back(dir + "/memory.limit_in_bytes", memory, true);
      writes.emplace_back(dir + "/memory.memsw.limit_in_bytes", memory, false);
    } else if (controller == "cpu" && limits.cpu_quota_us > 0) {
      writes.emplace_back(dir + "/cpu.cfs_period_us", std::to_string(limits.cpu_period_us), true);
      writes.emplace_back(dir + "/cpu.cfs_quota_us", std::to_string(limits.cpu_quota_us), true);
    } else if (controller == "pids" && limits.pids_max > 0) {
      writes.emplace_back(dir + "/pids.max", std::to_string(limits.pids_max), true);
    }
  }
  for (const auto& [file, value, must] : writes) {
    if (int e = WriteText(file, value); e != 0 && must) {
      return absl::UnavailableError(
          absl::StrCat("cgroup ", file, " = ", value, ": ", std::strerror(e)));
    }
  }
  return dirs;
}

void Cgroups::Destroy(const std::string& task_id) const {
  const std::vector<std::string> dirs = DirsOf(task_id);
  KillCgroups(dirs);
  for (const std::string& dir : dirs) {
    // Its last processes may take a moment to leave once killed.
    for (int i = 0; i < kKillRounds && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
      usleep(10'000);
    }
  }
}

std::string Cgroups::NewSlotName() {
  static std::atomic<uint64_t> next{0};  // one sequence for all of this process's backends
  return absl::StrCat("slot-", getpid(), "-", next.fetch_add(1, std::memory_order_relaxed));
}

bool Cgroups::Reclaim(const std::string& name) const {
  if (!enabled()) return false;
  const std::vector<std::string> dirs = DirsOf(name);
  // A file each of cgroup.procs, the OOM count and the memory charged: a burst of short tasks
  // reclaims a slot for each.
  if (!KillCgroups(dirs) || OomKilled(dirs)) return false;
  absl::StatusOr<std::string> usage = files::ReadFile(
      dirs.front() + (version_ == 1 ? "/memory.usage_in_bytes" : "/memory.current"));
  int64_t bytes = 0;
  return usage.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*usage), &bytes) &&
         bytes <= kReusableBytes;
}

void Cgroups::RemoveAbandonedSlots() const {
  for (const auto& [controller, parent] : parents_) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
      const std::string name = entry.path().filename().string();
      const std::vector<absl::string_view> parts = absl::StrSplit(name, '-');
      pid_t owner = 0;
      if (parts.size() != 3 || parts[0] != "slot" || !absl::SimpleAtoi(parts[1], &owner)) continue;
      // A living process's are its own (a pid reused since keeps an empty group).
      if (kill(owner, 0) == 0 || errno != ESRCH) continue;
      // Best effort: a group whose task still runs is not empty and stays.
      rmdir(entry.path().c_str());
    }
  }
}

bool IsTaskGroupDir(absl::string_view dir) {
  if (dir.size() < 2 || dir.front() != '/' || dir.back() == '/') return false;
  const std::vector<absl::string_view> parts = absl::StrSplit(dir.substr(1), '/');
  for (absl::string_view part : parts) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return parts.size() >= 2 && parts[parts.size() - 2] == kTasksGroup;
}

int JoinCgroups(const std::vector<std::string>& dirs, std::string* failed, pid_t pid) {
  const std::string text = std::to_string(pid);
  for (const std::string& dir : dirs) {
    if (int e = WriteText(dir + "/cgroup.procs", text); e != 0) {
      *failed = dir + "/cgroup.procs";
      return e;
    }
  }
  return 0;
}

bool KillCgroups(const std::vector<std::string>& dirs) {
  for (int round = 0; round < kKillRounds; ++round) {
    bool empty = true;
    for (const std::string& dir : dirs) {
      const std::vector<pid_t> pids = Procs(dir);
      if (pids.empty()) continue;
      empty = false;
      // Best effort: where the kernel has no cgroup.kill, the kills one by one do it.
      if (round == 0 && Exists(dir + "/cgroup.kill")) (void)WriteText(dir + "/cgroup.kill", "1");
      for (pid_t pid : pids) kill(pid, SIGKILL);
    }
    if (empty) return true;
    usleep(10'000);
  }
  return false;
}

bool OomKilled(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return false;
  // The memory group comes first; v2 has one group, v1 one per controller.
  return dirs.size() == 1 ? KeyedValue(dirs.front() + "/memory.events", "oom_kill") > 0
                          : KeyedValue(dirs.front() + "/memory.oom_control", "oom_kill") > 0;
}

}  // namespace peloton::backend::local
