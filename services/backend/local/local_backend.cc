// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/local_backend.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "peloton/common/status_macros.h"
#include "services/backend/local/sandbox.h"
#include "services/backend/local/user_lookup.h"
#include "spdlog/spdlog.h"

namespace peloton::backend::local {
namespace {

constexpr int64_t kMiB = 1024 * 1024;
constexpr size_t kMaxVolumePath = 1024;
constexpr char kTaskPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
using files::IsFileName;

absl::StatusOr<HealthReport> ReadHealth(const std::string& state) {
  PELOTON_ASSIGN_OR_RETURN(std::string content, ReadFile(state + "/health"));
  return ParseHealth(content);
}

// What the runner can check: commands, and HTTP and TCP on this machine.
absl::Status ValidateHealthCheck(const LaunchSpec& spec) {
  if (!spec.health_check.has_value()) return absl::OkStatus();
  const HealthCheckSpec& h = *spec.health_check;
  const std::string at = absl::StrCat("launch ", spec.task_id.view(), ": health_check.");
  if (h.type == HealthCheckSpec::Type::kCommand && h.command.empty()) {
    return absl::InvalidArgumentError(at + "command: empty (rule: a command check's command)");
  }
  if (h.type != HealthCheckSpec::Type::kCommand && (h.port < 1 || h.port > 65535)) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, "port: ", h.port, " (rule: a port number, 1 to 65535)"));
  }
  if (h.type == HealthCheckSpec::Type::kHttp && h.scheme != "http") {
    return absl::InvalidArgumentError(
        absl::StrCat(at, "scheme: '", h.scheme, "' (rule: the local backend checks http only)"));
  }
  if (h.delay < absl::ZeroDuration() || h.interval <= absl::ZeroDuration() ||
      h.timeout <= absl::ZeroDuration() || h.max_consecutive_failures < 1) {
    return absl::InvalidArgumentError(
        at +
        "delay, interval, timeout, max_consecutive_failures (rule: delay >= 0, the others > 0)");
  }
  return absl::OkStatus();
}

// The files of the sandbox itself (sandbox.h), which a volume's container path must not name.
bool IsSandboxFile(absl::string_view name) { return name == "stdout" || name == "stderr"; }

absl::Status ValidateVolume(const LaunchSpec& spec) {
  if (!spec.persistent_volume.has_value()) return absl::OkStatus();
  const PersistentVolumeSpec& v = *spec.persistent_volume;
  const std::string at = absl::StrCat("launch ", spec.task_id.view(), ": persistent_volume.");
  if (!IsFileName(v.id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, "id: '", v.id, "' (rule: a file name: no '/', not . or ..)"));
  }
  const absl::string_view first = absl::string_view(v.container_path).substr(
      0, v.container_path.find('/'));
  if (!files::IsPathInside(v.container_path, kMaxVolumePath) || IsSandboxFile(first)) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, "container_path: '", v.container_path,
        "' (rule: a relative path in the sandbox, no . or .. or empty parts, not one of the "
        "sandbox's own files)"));
  }
  if (v.size_mb < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, "size_mb: ", v.size_mb, " (rule: at least 1)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateFetches(const LaunchSpec& spec) {
  const std::string at = absl::StrCat("launch ", spec.task_id.view(), ": uris");
  PELOTON_RETURN_IF_ERROR(files::ValidateRemoteFiles(spec.uris, at));
  for (size_t i = 0; i < spec.uris.size(); ++i) {
    absl::StatusOr<files::ParsedUri> uri = files::ParseRemoteUri(spec.uris[i].value);
    const std::string output = files::OutputPathOf(spec.uris[i], *uri);  // validated above
    if (IsSandboxFile(absl::string_view(output).substr(0, output.find('/')))) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, "[", i, "].output_file: '", output,
                       "' (rule: not one of the sandbox's own files)"));
    }
  }
  return absl::OkStatus();
}

// What a directory's files take on disk (du: allocated blocks), counted until it passes
// `limit`; symbolic links are not followed.
int64_t DiskUsage(const std::string& dir, int64_t limit) {
  int64_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator() && bytes <= limit;
       it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) == 0) bytes += static_cast<int64_t>(st.st_blocks) * 512;
  }
  return bytes;
}

}  // namespace

std::vector<placement::GpuDevice> DiscoverGpus() {
  std::vector<placement::GpuDevice> gpus;
  FILE* out = popen(
      "command -v nvidia-smi >/dev/null 2>&1 && "
      "nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null",
      "r");
  if (out == nullptr) return gpus;
  char line[512];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    const absl::string_view name = absl::StripAsciiWhitespace(line);
    if (!name.empty()) gpus.push_back({std::string(name), 1000});
  }
  pclose(out);
  return gpus;
}

HostInfo DiscoverThisMachine(const std::string& disk_path) {
  HostInfo h;
  char name[256] = {};
  h.hostname = gethostname(name, sizeof name - 1) == 0 && name[0] != '\0' ? name : "localhost";
  h.agent_id = h.hostname;
  const int64_t cpus = std::max<int64_t>(1, sysconf(_SC_NPROCESSORS_ONLN));
  const int64_t memory =
      static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE) / kMiB;
  int64_t disk = 0;
  struct statvfs fs {};
  if (statvfs(disk_path.c_str(), &fs) == 0) {
    disk = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) / kMiB;
  }
  h.gpus = DiscoverGpus();
  h.capacity = Resources::Of(cpus * 1000, memory, disk, 1000 * static_cast<int64_t>(h.gpus.size()));
  h.attributes["hostname"] = h.hostname;
  h.ports = {{31000, 32000}};
  return h;
}

absl::StatusOr<std::vector<HostInfo>> SplitIntoVirtualHosts(const HostInfo& machine, int n) {
  uint32_t port_count = 0;
  for (const placement::PortRange& r : machine.ports) port_count += r.end - r.begin + 1;
  if (n < 1 || n > machine.capacity.milli_cpu() || static_cast<uint32_t>(n) > port_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("local_hosts: ", n, " (rule: between 1 and the machine's milli-cpus, ",
                     machine.capacity.milli_cpu(), ", and its ports, ", port_count, ")"));
  }
  std::vector<HostInfo> hosts(n);
  // Ports: consecutive chunks of the machine's ranges.
  std::vector<uint32_t> ports;
  ports.reserve(port_count);
  for (const placement::PortRange& r : machine.ports) {
    for (uint32_t p = r.begin; p <= r.end; ++p) ports.push_back(p);
  }
  const size_t per_host_ports = ports.size() / n;
  for (int i = 0; i < n; ++i) {
    HostInfo& h = hosts[i];
    h.hostname = absl::StrCat(machine.hostname, "-", i);
    h.agent_id = h.hostname;
    h.attributes = machine.attributes;
    h.attributes["hostname"] = h.hostname;
    for (size_t g = i; g < machine.gpus.size(); g += n) h.gpus.push_back(machine.gpus[g]);
    h.capacity =
        Resources::Of(machine.capacity.milli_cpu() / n, machine.capacity.memory_mb() / n,
                      machine.capacity.disk_mb() / n, 1000 * static_cast<int64_t>(h.gpus.size()));
    h.revocable_milli_cpu = machine.revocable_milli_cpu / n;
    h.ports = {{ports[i * per_host_ports], ports[(i + 1) * per_host_ports - 1]}};
  }
  return hosts;
}

absl::StatusOr<std::unique_ptr<LocalBackend>> LocalBackend::Create(LocalBackendOptions options) {
  if (options.hosts.empty()) {
    return absl::InvalidArgumentError("local backend: hosts: empty (rule: at least one host)");
  }
  if (access(options.runner_path.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("local backend: runner_path: '", options.runner_path,
                     "' is not an executable (rule: the peloton-task-runner binary)"));
  }
  if (options.sandbox_root.empty() || options.state_root.empty()) {
    return absl::InvalidArgumentError(
        "local backend: sandbox_root, state_root: empty (rule: directories for the tasks' "
        "sandboxes and their runners' state)");
  }
  // Absolute: the runner, the task's view and its environment name them.
  std::vector<std::string> hidden;
  for (std::string* dir : {&options.sandbox_root, &options.state_root, &options.volume_root,
                           &options.fetch_cache_root}) {
    if (dir->empty()) continue;
    *dir = std::filesystem::absolute(*dir).lexically_normal().string();
    hidden.push_back(*dir);
  }
  for (std::string& dir : options.private_dirs) {
    dir = std::filesystem::absolute(dir).lexically_normal().string();
    hidden.push_back(dir);
  }
  // Sandboxes and volumes passable, not readable: a task's user reaches its own by their
  // paths, and lists nothing. The runners' state and the fetch cache are this process's alone.
  const struct {
    const std::string& dir;
    const char* what;
    mode_t mode;
  } roots[] = {{options.sandbox_root, "sandbox root", 0711},
               {options.state_root, "state root", 0700},
               {options.volume_root, "volume root", 0711},
               {options.fetch_cache_root, "fetch cache", 0700}};
  for (const auto& root : roots) {
    if (root.dir.empty()) continue;  // sandbox and state roots are not (checked above)
    std::error_code ec;
    std::filesystem::create_directories(root.dir, ec);
    if (ec || chmod(root.dir.c_str(), root.mode) != 0) {
      return absl::UnavailableError(absl::StrFormat(
          "local backend: cannot create %s '%s' (%04o): %s", root.what, root.dir, root.mode,
          ec ? ec.message() : std::strerror(errno)));
    }
  }
  if (options.fetch_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("local backend: fetch_timeout: not positive (rule: > 0)");
  }
  if (options.volume_check_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "local backend: volume_check_interval: not positive (rule: > 0)");
  }
  std::vector<HostInfo> hosts = std::move(options.hosts);
  std::unique_ptr<LocalBackend> backend(new LocalBackend(std::move(options)));
  backend->hidden_ = std::move(hidden);
  backend->boot_id_ = BootId();
  PELOTON_RETURN_IF_ERROR(backend->SetUpUsers());
  if (backend->options_.cgroups) {
    backend->cgroups_ = Cgroups::Detect();
    if (backend->cgroups_.enabled()) {
      spdlog::info("local backend: tasks isolated with cgroup v{} under {}",
                   backend->cgroups_.version(), absl::StrJoin(backend->cgroups_.parents(), ", "));
    } else {
      spdlog::warn("local backend: no cgroups, tasks are not limited: {}",
                   backend->cgroups_.why_not());
    }
  }
  PELOTON_RETURN_IF_ERROR(backend->SetHosts(std::move(hosts)));
  backend->hosts_version_ = 0;  // as first started
  if (backend->cgroups_.enabled()) backend->cgroups_.RemoveAbandonedSlots();  // a dead master's
  backend->ready_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (backend->ready_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("local backend: eventfd: ", std::strerror(errno)));
  }
  if (backend->options_.runner_server) {
    // After Cgroups::Detect, which may move this process: the server is in its group. It
    // signals ReadyFd when runners end.
    backend->server_ = std::make_unique<RunnerServer>(
        backend->options_.runner_path, absl::Seconds(10), absl::Seconds(1), backend->ready_fd_);
    if (!backend->server_->alive()) {
      spdlog::warn("local backend: no runner server ({} --serve-fd): runners are spawned",
                   backend->options_.runner_path);
    }
  }
  if (backend->options_.launch_thread) {
    backend->launcher_ = std::thread([b = backend.get()] { b->LaunchLoop(); });
  }
  return backend;
}

absl::Status LocalBackend::SetUpUsers() {
  const LocalBackendOptions& o = options_;
  root_ = geteuid() == 0;
  const TaskUser self = CurrentUser();
  const std::string name = !o.task_user.empty() ? o.task_user : root_ ? "nobody" : self.name;
  absl::StatusOr<TaskUser> user = name == self.name ? self : LookUpUser(name);
  if (!user.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("local backend: task_user: ", user.status().message()));
  }
  for (const std::string& other : o.task_users) {
    if (other != "*" && !IsUserName(other)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "local backend: task_users: '", other, "' (rule: user names, or * for any but root)"));
    }
  }
  if (!root_ && (user->uid != self.uid || !o.task_users.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "local backend: task_user: ", user->name, ": this process runs as ", self.name,
        " and cannot switch users (rule: only a master that runs as root runs tasks as other "
        "users; leave task_user and task_users unset)"));
  }
  if (user->uid == 0 && !o.allow_root) {
    return absl::InvalidArgumentError(
        absl::StrCat("local backend: task_user: ", user->name,
                     " is root (rule: tasks run as root only with allow_root_tasks: true)"));
  }
  if (root_) {
    std::vector<std::string> closed;
    if (absl::Status s = ProbeBecomeUser(*user, {o.sandbox_root, o.volume_root}, &closed);
        !s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "local backend: task_user: ", s.message(),
          " (rule: a user the kernel lets this process become; where it maps root alone, as "
          "in Bazel's sandbox, set task_user: root with allow_root_tasks: true)"));
    }
    for (const std::string& dir : closed) {
      if (dir.empty()) continue;
      spdlog::warn(
          "tasks run as {} cannot pass through {} (a directory above it is closed to them): "
          "they reach their sandbox as their working directory only, and no persistent "
          "volume; put the data directory where they can pass, as under /var/lib",
          user->name, dir);
    }
  }
  view_ = root_;
  if (!root_) {
    if (absl::Status s = ProbeTaskView(o.sandbox_root); s.ok()) {
      view_ = true;
    } else {
      spdlog::warn("local backend: tasks see all that this process sees: {}",
                   std::string(s.message()));
    }
  }
  default_user_ = *std::move(user);
  spdlog::info("local backend: tasks run as {} (uid {}){}", default_user_.name, default_user_.uid,
               view_ ? ", each seeing none of the data directory but its own sandbox" : "");
  return absl::OkStatus();
}

absl::StatusOr<TaskUser> LocalBackend::UserOf(const LaunchSpec& spec) const {
  if (spec.user.empty() || spec.user == default_user_.name) return default_user_;
  const std::string at = absl::StrCat("launch ", spec.task_id.view(), ": user: '", spec.user, "'");
  const std::vector<std::string>& allowed = options_.task_users;
  if (std::find(allowed.begin(), allowed.end(), spec.user) == allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "*") == allowed.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, " (rule: ", default_user_.name, ", the task user, or one of task_users: ",
        allowed.empty() ? "none" : absl::StrJoin(allowed, ", "), ")"));
  }
  absl::StatusOr<TaskUser> user = LookUpUser(spec.user);
  if (!user.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(at, ": ", user.status().message()));
  }
  if (user->uid == 0 && !options_.allow_root) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, " is root (rule: tasks run as root only with allow_root_tasks: true)"));
  }
  return user;
}

absl::Status LocalBackend::SetHosts(std::vector<HostInfo> hosts) {
  if (hosts.empty()) {
    return absl::InvalidArgumentError("local backend: hosts: empty (rule: at least one host)");
  }
  absl::flat_hash_set<std::string> names;
  for (const HostInfo& h : hosts) {
    if (h.hostname.empty() || !names.insert(h.hostname).second) {
      return absl::InvalidArgumentError(absl::StrCat("local backend: hosts: name '", h.hostname,
                                                     "' (rule: non-empty and unique)"));
    }
  }
  // Kept hosts stay as they were (placement has their resources); new ones join as given.
  std::vector<HostInfo> next;
  next.reserve(hosts.size());
  for (HostInfo& h : hosts) {
    auto kept = hosts_.find(h.hostname);
    next.push_back(kept != hosts_.end() ? *kept->second : std::move(h));
  }
  for (auto& [task_id, task] : running_) {
    if (names.contains(task.hostname) || !task.lost.empty()) continue;
    task.lost = absl::StrCat("its host ", task.hostname, " left the cluster");
    spdlog::warn("task {}: {}: killed", task_id, task.lost);
    SignalRunner(task_id, task);
  }
  options_.hosts = std::move(next);
  hosts_.clear();
  for (const HostInfo& h : options_.hosts) hosts_.emplace(h.hostname, &h);
  ++hosts_version_;
  return absl::OkStatus();
}

std::string LocalBackend::SandboxOf(const std::string& task_id) const {
  return absl::StrCat(options_.sandbox_root, "/", task_id);
}

std::string LocalBackend::StateOf(const std::string& task_id) const {
  std::string state = absl::StrCat(options_.state_root, "/", task_id);
  std::error_code ec;
  if (!std::filesystem::is_directory(state, ec)) {
    const std::string sandbox = SandboxOf(task_id);
    if (std::filesystem::exists(sandbox + "/runner.pid", ec)) return sandbox;  // an older one's
  }
  return state;
}

std::string LocalBackend::VolumeOf(const std::string& hostname,
                                   const std::string& volume_id) const {
  return absl::StrCat(options_.volume_root, "/", hostname, "/", volume_id);
}

absl::Status LocalBackend::PrepareVolume(const LaunchSpec& spec, const std::string& sandbox,
                                         const std::string& state, const TaskUser& user) {
  const PersistentVolumeSpec& v = *spec.persistent_volume;
  const std::string at = absl::StrCat("launch ", spec.task_id.view(), ": volume ", v.id);
  if (!IsFileName(spec.hostname)) {  // the volume's directory is named by its host
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": host '", spec.hostname, "' (rule: a host with volumes has a file name)"));
  }
  const std::string dir = VolumeOf(spec.hostname, v.id);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    struct statvfs fs {};
    if (statvfs(options_.volume_root.c_str(), &fs) == 0) {
      const int64_t free_mb =
          static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) / kMiB;
      if (free_mb < v.size_mb) {
        return absl::ResourceExhaustedError(
            absl::StrCat(at, ": ", v.size_mb, " MB asked, ", free_mb, " MB free under ",
                         options_.volume_root, " (rule: a new volume's size must be free)"));
      }
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(at, ": cannot create ", dir, ": ", ec.message()));
    }
  }
  // The volume is its task's user's (its top; what an earlier user left in it stays theirs).
  if (root_ && (chown(dir.c_str(), user.uid, user.gid) != 0 || chmod(dir.c_str(), 0700) != 0)) {
    return absl::UnavailableError(
        absl::StrCat(at, ": cannot give ", dir, " to ", user.name, ": ", std::strerror(errno)));
  }
  const std::filesystem::path link = std::filesystem::path(sandbox) / v.container_path;
  std::filesystem::create_directories(link.parent_path(), ec);
  if (!ec) std::filesystem::create_directory_symlink(dir, link, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat(at, ": cannot link it at ", link.string(), ": ", ec.message()));
  }
  return WriteFileAtomically(state + "/volume", absl::StrCat(v.id, " ", v.size_mb, "\n"));
}

absl::Status LocalBackend::DestroyVolume(const std::string& hostname,
                                         const std::string& volume_id) {
  if (!IsFileName(hostname) || !IsFileName(volume_id)) {
    return absl::InvalidArgumentError(absl::StrCat("destroy volume: '", hostname, "', '",
                                                   volume_id, "' (rule: file names)"));
  }
  for (const auto& [task_id, task] : running_) {
    if (task.hostname == hostname && task.volume_id == volume_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "destroy volume ", volume_id, " on ", hostname, ": task ", task_id, " uses it"));
    }
  }
  if (options_.volume_root.empty()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::remove_all(VolumeOf(hostname, volume_id), ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("destroy volume ", volume_id, " on ", hostname,
                                               ": ", ec.message()));
  }
  return absl::OkStatus();
}

void LocalBackend::CheckDisks() {
  const absl::Time now = absl::Now();
  if (now < volumes_checked_ + options_.volume_check_interval) return;
  volumes_checked_ = now;
  for (auto& [task_id, task] : running_) {
    if (!task.limitation.empty() || task.launching || task.ending) continue;
    if (!task.volume_id.empty()) {
      const int64_t limit = task.volume_size_mb * kMiB;
      const int64_t used = DiskUsage(VolumeOf(task.hostname, task.volume_id), limit);
      if (used > limit) {
        task.limitation = absl::StrCat("volume ", task.volume_id, " holds over ", used / kMiB,
                                       " MB, more than its size of ", task.volume_size_mb, " MB");
      }
    }
    if (task.limitation.empty() && task.disk_limit_mb > 0) {
      // Its sandbox (the volume is a link in it, not followed) against its disk, as Mesos' disk
      // isolator checks it.
      const int64_t limit = task.disk_limit_mb * kMiB;
      const int64_t used = DiskUsage(SandboxOf(task_id), limit);
      if (used > limit) {
        task.limitation = absl::StrCat("its sandbox holds over ", used / kMiB,
                                       " MB, more than its disk limit of ", task.disk_limit_mb,
                                       " MB");
      }
    }
    if (task.limitation.empty()) continue;
    spdlog::warn("task {}: {}: killed", task_id, task.limitation);
    SignalRunner(task_id, task);
  }
}

TaskStatus LocalBackend::StatusAt(const std::string& task_id, const std::string& hostname,
                                  MesosTaskState state, std::string message) {
  TaskStatus s;
  s.task_id = task_id;
  s.state = state;
  s.hostname = hostname;
  s.message = std::move(message);
  s.time = absl::Now();
  return s;
}

void LocalBackend::SetAgent(TaskStatus& s) const {
  auto it = hosts_.find(s.hostname);
  s.agent_id = it != hosts_.end() ? it->second->agent_id : s.hostname;
}

TaskStatus LocalBackend::StatusOf(const std::string& task_id, const std::string& hostname,
                                  MesosTaskState state, std::string message) const {
  TaskStatus s = StatusAt(task_id, hostname, state, std::move(message));
  SetAgent(s);
  return s;
}

absl::Status LocalBackend::Launch(const LaunchSpec& spec) {
  const std::string task_id = spec.task_id.str();  // this backend keeps and names it so
  if (!IsFileName(task_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch: task_id '", task_id, "' (rule: a file name: no '/', not . or ..)"));
  }
  if (!hosts_.contains(spec.hostname)) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", task_id, ": host '", spec.hostname, "' is unknown"));
  }
  if (spec.command.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("launch ", task_id, ": command: empty"));
  }
  if (!spec.container_image.empty() || !spec.volumes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "launch ", task_id, ": container: image '", spec.container_image,
        "' (rule: the local backend runs commands on the host; containers need --backend=mesos)"));
  }
  if (spec.kill_grace_period < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", task_id, ": kill_grace_period: negative"));
  }
  PELOTON_RETURN_IF_ERROR(ValidateHealthCheck(spec));
  PELOTON_RETURN_IF_ERROR(ValidateVolume(spec));
  PELOTON_RETURN_IF_ERROR(ValidateFetches(spec));
  if (!spec.uris.empty() && (options_.fetch_cache_root.empty() || !IsFileName(spec.hostname))) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", task_id, ": uris: this backend has no fetch cache for host '",
                     spec.hostname, "' (rule: a fetch cache root, and a host with a file name)"));
  }
  if (spec.persistent_volume.has_value()) {
    if (options_.volume_root.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("launch ", task_id, ": persistent_volume: this backend has no volume root"));
    }
    const std::string& id = spec.persistent_volume->id;
    for (const auto& [other, task] : running_) {
      if (task.volume_id == id) {
        return absl::FailedPreconditionError(
            absl::StrCat("launch ", task_id, ": volume ", id, " is in use by task ", other));
      }
    }
    for (const auto& [hostname, host] : hosts_) {
      std::error_code ec;
      if (hostname != spec.hostname && std::filesystem::is_directory(VolumeOf(hostname, id), ec)) {
        return absl::FailedPreconditionError(
            absl::StrCat("launch ", task_id, ": volume ", id, " is on host ", hostname));
      }
    }
  }
  PELOTON_ASSIGN_OR_RETURN(const TaskUser user, UserOf(spec));
  const std::string sandbox = SandboxOf(task_id);
  const std::string state = absl::StrCat(options_.state_root, "/", task_id);
  std::error_code ec;
  if (running_.contains(task_id) || std::filesystem::exists(sandbox, ec) ||
      std::filesystem::exists(state, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat("launch: task ", task_id, " was launched before (sandbox ", sandbox, ")"));
  }
  // Its sandbox's disk: the task's, less its volume's (which is counted apart).
  const int64_t disk_limit_mb = std::max<int64_t>(
      spec.resources.disk_mb() -
          (spec.persistent_volume.has_value() ? spec.persistent_volume->size_mb : 0),
      0);
  LaunchWork work{spec, user, sandbox, state, disk_limit_mb};
  if (cgroups_.enabled()) work.cgroup_limits = LimitsOf(spec, options_.task_pids_max);
  RunnerStart started;
  if (!options_.launch_thread) {
    PELOTON_ASSIGN_OR_RETURN(started, StartRunner(work));
  }
  Task& task = running_[task_id] = Task{spec.hostname,
                                        started.pid,
                                        started.start_time,
                                        boot_id_,
                                        !started.served,
                                        spec.health_check.has_value(),
                                        {}};
  task.served = started.served;
  task.cgroup = std::move(started.cgroup);
  task.cgroup_limits = work.cgroup_limits;
  task.state = state;
  if (spec.persistent_volume.has_value()) {
    task.volume_id = spec.persistent_volume->id;
    task.volume_size_mb = spec.persistent_volume->size_mb;
  }
  task.disk_limit_mb = disk_limit_mb;
  task.starting = !spec.uris.empty();
  if (options_.launch_thread) {
    // Started on the launcher thread; Poll reports how it went (TakeLaunched).
    task.launching = true;
    absl::MutexLock lock(&launch_mu_);
    to_launch_.push_back(std::move(work));
    return absl::OkStatus();
  }
  pending_.push_back(LaunchedStatus(task_id, task, spec.uris.size()));
  return absl::OkStatus();
}

absl::StatusOr<LocalBackend::RunnerStart> LocalBackend::StartRunner(const LaunchWork& work) {
  const LaunchSpec& spec = work.spec;
  const std::string task_id = spec.task_id.str();
  const TaskUser& user = work.user;
  const std::string& sandbox = work.sandbox;
  const std::string& state = work.state;
  const int64_t disk_limit_mb = work.disk_limit_mb;
  // The state directory first: a sandbox without one would read as an older version's.
  for (const std::string& dir : {state, sandbox}) {
    if (mkdir(dir.c_str(), 0700) != 0) {
      return absl::UnavailableError(
          absl::StrCat("launch ", task_id, ": cannot create ", dir, ": ", std::strerror(errno)));
    }
  }
  if (root_ && chown(sandbox.c_str(), user.uid, user.gid) != 0) {
    return absl::UnavailableError(absl::StrCat("launch ", task_id, ": cannot give ", sandbox,
                                               " to ", user.name, ": ", std::strerror(errno)));
  }
  if (absl::Status s = WriteFileAtomically(state + "/host", spec.hostname + "\n"); !s.ok()) {
    return s;
  }
  if (spec.persistent_volume.has_value()) {
    PELOTON_RETURN_IF_ERROR(PrepareVolume(spec, sandbox, state, user));
  }
  if (disk_limit_mb > 0) {  // for a restarted master's disk checks
    PELOTON_RETURN_IF_ERROR(
        WriteFileAtomically(state + "/disk", absl::StrCat(disk_limit_mb, "\n")));
  }
  if (!spec.uris.empty()) {
    // A restarted master reads it: a runner without task.pid then is still fetching.
    PELOTON_RETURN_IF_ERROR(
        WriteFileAtomically(state + "/uris", absl::StrCat(spec.uris.size(), "\n")));
  }

  // The runner starts the task only once runner.pid is written (a byte on this pipe); a master
  // that dies before closes the pipe, and the runner ends without running anything. Else a
  // master restarted in between would find a runner it does not know of, count the task
  // lost, and run it again beside it.
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat("launch ", task_id, ": no pipe for the runner"));
  }
  // The runner's arguments and environment, built before it is spawned.
  std::vector<std::string> args = {
      options_.runner_path, "--sandbox=" + sandbox, "--state=" + state,
      absl::StrCat("--grace-ms=", absl::ToInt64Milliseconds(spec.kill_grace_period)),
      absl::StrCat("--ready-fd=", ready[0])};
  const size_t ready_arg = args.size() - 1;
  if (spec.shell) args.push_back("--shell");
  if (spec.fd_limit > 0) args.push_back(absl::StrCat("--fd-limit=", spec.fd_limit));
  std::string cgroup;  // its cgroups' name
  if (work.cgroup_limits.has_value()) {
    absl::StatusOr<std::string> made = MakeCgroups(*work.cgroup_limits);
    absl::Status recorded = made.status();
    // Which they are, for a restarted master (they are not named by the task).
    if (made.ok()) recorded = WriteFileAtomically(state + "/cgroup", *made + "\n");
    if (!recorded.ok()) {
      if (made.ok()) cgroups_.Destroy(*made);
      close(ready[0]);
      close(ready[1]);
      return absl::UnavailableError(absl::StrCat("launch ", task_id, ": ", recorded.message()));
    }
    cgroup = *std::move(made);
    for (const std::string& dir : cgroups_.DirsOf(cgroup)) args.push_back("--cgroup=" + dir);
  }
  if (root_) {
    // By number: the runner, linked statically, does not look users up. The groups hold the
    // primary one (TaskUser; user_lookup.h makes them so).
    args.push_back("--user=" + user.name);
    args.push_back(absl::StrCat("--uid=", user.uid));
    args.push_back(absl::StrCat("--gid=", user.gid));
    args.push_back(absl::StrCat("--groups=", absl::StrJoin(user.groups, ",")));
  }
  if (view_) {
    for (const std::string& dir : hidden_) args.push_back("--hide=" + dir);
    args.push_back("--show=" + sandbox);
    if (spec.persistent_volume.has_value()) {
      args.push_back("--show=" + VolumeOf(spec.hostname, spec.persistent_volume->id));
    }
  }
  if (spec.health_check.has_value()) {
    const HealthCheckSpec& h = *spec.health_check;
    using T = HealthCheckSpec::Type;
    args.push_back(absl::StrCat("--health=", h.type == T::kCommand ? "command"
                                             : h.type == T::kHttp  ? "http"
                                                                   : "tcp"));
    if (h.type == T::kCommand) {
      args.push_back("--health-command=" + h.command);
      if (!h.task_environment) args.push_back("--health-unshare-env");
    } else {
      args.push_back(absl::StrCat("--health-port=", h.port));
      if (h.type == T::kHttp) args.push_back("--health-path=" + h.path);
    }
    args.push_back(absl::StrCat("--health-delay-ms=", absl::ToInt64Milliseconds(h.delay)));
    args.push_back(absl::StrCat("--health-interval-ms=", absl::ToInt64Milliseconds(h.interval)));
    args.push_back(absl::StrCat("--health-timeout-ms=", absl::ToInt64Milliseconds(h.timeout)));
    args.push_back(absl::StrCat("--health-failures=", h.max_consecutive_failures));
  }
  if (!spec.uris.empty()) {
    args.push_back(absl::StrCat("--fetch-cache=", options_.fetch_cache_root, "/", spec.hostname));
    constexpr int64_t kDefaultFetchMaxMb = 1024;
    args.push_back(absl::StrCat(
        "--fetch-max-mb=",
        spec.resources.disk_mb() > 0 ? spec.resources.disk_mb() : kDefaultFetchMaxMb));
    args.push_back(
        absl::StrCat("--fetch-timeout-ms=", absl::ToInt64Milliseconds(options_.fetch_timeout)));
    for (const files::RemoteFile& f : spec.uris) args.push_back("--fetch=" + FormatFetchArg(f));
  }
  args.push_back("--");
  args.push_back(spec.command);
  if (!spec.shell) args.insert(args.end(), spec.arguments.begin(), spec.arguments.end());
  // The task's environment: a base of its own, never the master's (which may hold secrets).
  absl::flat_hash_map<std::string, std::string> env;
  std::vector<std::string> env_order;
  for (const auto& [key, value] : std::initializer_list<std::pair<std::string, std::string>>{
           {"PATH", kTaskPath},
           {"HOME", sandbox},
           {"MESOS_SANDBOX", sandbox},
           {"USER", user.name},
           {"LOGNAME", user.name}}) {
    env.emplace(key, value);
    env_order.push_back(key);
  }
  for (const auto& [key, value] : spec.environment) {
    if (env.insert_or_assign(key, value).second) env_order.push_back(key);
  }
  std::vector<std::string> env_strings;
  for (const std::string& key : env_order) env_strings.push_back(key + "=" + env[key]);
  absl::StatusOr<RunnerStart> started = SpawnRunner(task_id, args, ready_arg, env_strings, ready);
  if (!started.ok()) {
    if (!cgroup.empty()) cgroups_.Destroy(cgroup);
    // Nothing ran: the task's directories go, so that it may be launched again.
    std::error_code ignored;  // what stays only blocks launching this task id again
    std::filesystem::remove_all(sandbox, ignored);
    std::filesystem::remove_all(state, ignored);
    return started.status();
  }
  const pid_t pid = started->pid;
  // Written here, before Launch returns, not by the runner once it runs: a master restarted
  // in between must find the runner, or it would count the task lost and run it again.
  started->start_time = ProcessStartTime(pid);
  // The runner is started, so the launch stands; without the file only a restart is affected.
  if (absl::Status s = WriteFileAtomically(
          state + "/runner.pid", absl::StrCat(pid, " ", started->start_time, " ", boot_id_, "\n"));
      !s.ok()) {
    spdlog::error(
        "launch {}: runner.pid not written in {} (a restarted master will count the "
        "task lost): {}",
        task_id, state, std::string(s.message()));
  }
  // A runner that died already is reported by Poll; a failed write is the same.
  const ssize_t go = write(ready[1], "1", 1);
  close(ready[1]);
  if (go != 1) spdlog::warn("launch {}: the runner did not take its start", task_id);
  started->cgroup = std::move(cgroup);
  return started;
}

TaskLimits LocalBackend::LimitsOf(const LaunchSpec& spec, int64_t pids_max) {
  // A launch that asks for no memory or cpu (jobs always do) is not limited in it. 1000
  // milli-cpus: a whole period; the kernel takes 1 ms at least.
  const int64_t memory = spec.resources.memory_mb() * kMiB, milli = spec.resources.milli_cpu();
  return TaskLimits{.memory_bytes = memory > 0 ? std::max(memory, kMinMemoryLimitBytes) : 0,
                    .cpu_quota_us = milli > 0 ? std::max<int64_t>(milli * 100, 1000) : 0,
                    .pids_max = pids_max};
}

absl::StatusOr<std::string> LocalBackend::MakeCgroups(const TaskLimits& limits) {
  std::string idle;
  {
    absl::MutexLock lock(&idle_mu_);
    if (auto it = idle_cgroups_.find(limits); it != idle_cgroups_.end()) {
      idle = std::move(it->second.back());
      it->second.pop_back();
      if (it->second.empty()) idle_cgroups_.erase(it);
      --idle_count_;
    }
  }
  if (!idle.empty()) {
    // As they were left: a stat each (no cgroup lock) makes sure nothing removed them since.
    bool there = true;
    for (const std::string& dir : cgroups_.DirsOf(idle)) {
      struct stat st {};
      there = there && stat(dir.c_str(), &st) == 0;
    }
    if (there) return idle;
    cgroups_.Destroy(idle);
  }
  std::string name = Cgroups::NewSlotName();
  absl::StatusOr<std::vector<std::string>> made = cgroups_.Create(name, limits);
  if (!made.ok()) {
    cgroups_.Destroy(name);
    return made.status();
  }
  return name;
}

void LocalBackend::EndCgroups(const std::string& task_id, const Task& task) {
  if (!cgroups_.enabled()) return;
  const std::string& name = task.cgroup.empty() ? task_id : task.cgroup;
  bool room = false;
  if (task.cgroup_limits.has_value() && !task.cgroup.empty()) {
    absl::MutexLock lock(&idle_mu_);
    room = idle_count_ < kMaxIdleCgroups;
    if (room) ++idle_count_;  // a place held while they are reclaimed
  }
  if (!room) {
    cgroups_.Destroy(name);
    return;
  }
  const bool kept = cgroups_.Reclaim(name);
  if (!kept) cgroups_.Destroy(name);
  absl::MutexLock lock(&idle_mu_);
  if (kept) {
    idle_cgroups_[*task.cgroup_limits].push_back(name);
  } else {
    --idle_count_;
  }
}

absl::StatusOr<LocalBackend::RunnerStart> LocalBackend::SpawnRunner(const std::string& task_id,
                                                                    std::vector<std::string>& args,
                                                                    size_t ready_arg,
                                                                    std::vector<std::string>& env,
                                                                    int (&ready)[2]) {
  if (server_ != nullptr) {
    absl::StatusOr<pid_t> forked = server_->Launch(args, env, ready[0], ready[0], task_id);
    if (forked.ok()) {
      close(ready[0]);
      return RunnerStart{*forked, -1, true};
    }
    if (!absl::IsFailedPrecondition(forked.status())) {  // not just "none at the moment"
      spdlog::warn("launch {}: {}; its runner is spawned", task_id,
                   std::string(forked.status().message()));
    }
    // The server may have forked a runner with this pipe before it failed: a new pipe, so
    // that such a runner reads the end of the old one and runs nothing.
    close(ready[0]);
    close(ready[1]);
    if (pipe2(ready, O_CLOEXEC) != 0) {
      return absl::UnavailableError(absl::StrCat("launch ", task_id, ": no pipe for the runner"));
    }
    args[ready_arg] = absl::StrCat("--ready-fd=", ready[0]);
  }
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  // The read end of the pipe goes to it.
  pid_t pid = -1;
  const int spawned = SpawnInSession(argv[0], argv.data(), envp.data(), {ready[0]}, &pid);
  if (spawned != 0) {
    close(ready[0]);
    close(ready[1]);
    const std::string why =
        absl::StrCat("launch ", task_id, ": cannot start ", argv[0], ": ", std::strerror(spawned));
    // A runner that is missing or cannot run fails the task; anything else (no memory, too
    // many processes) may pass, and the job manager queues the task again.
    return spawned == ENOENT || spawned == EACCES || spawned == ENOEXEC
               ? absl::FailedPreconditionError(why)
               : absl::UnavailableError(why);
  }
  close(ready[0]);
  return RunnerStart{pid, -1, false};
}

TaskStatus LocalBackend::LaunchedStatus(const std::string& task_id, const Task& task,
                                        size_t uris) const {
  if (uris == 0) return StatusOf(task_id, task.hostname, MesosTaskState::kRunning, "launched");
  return StatusOf(task_id, task.hostname, MesosTaskState::kStarting,
                  absl::StrCat("fetching ", uris, " remote files"));
}

void LocalBackend::LaunchLoop() {
  for (;;) {
    std::optional<EndWork> end;
    std::optional<LaunchWork> work;
    {
      absl::MutexLock lock(&launch_mu_);
      launch_mu_.Await(absl::Condition(
          +[](LocalBackend* b) ABSL_EXCLUSIVE_LOCKS_REQUIRED(b->launch_mu_) {
            return b->stopping_ || !b->to_launch_.empty() || !b->to_end_.empty();
          },
          this));
      if (stopping_) return;
      // Ends first: what they free (cgroups, the pool's share once reported) is wanted by
      // what waits to launch.
      if (!to_end_.empty()) {
        end = std::move(to_end_.front());
        to_end_.pop_front();
      } else {
        work = std::move(to_launch_.front());
        to_launch_.pop_front();
      }
    }
    if (end.has_value()) {
      TaskStatus status = Finished(end->task_id, end->task);
      {
        absl::MutexLock lock(&launch_mu_);
        ended_.push_back(std::move(status));
      }
      SignalReady();
      continue;
    }
    Launched done{work->spec.task_id.str(), work->spec.uris.size(), StartRunner(*work)};
    {
      absl::MutexLock lock(&launch_mu_);
      launched_.push_back(std::move(done));
    }
    SignalReady();
  }
}

void LocalBackend::SignalReady() const {
  const uint64_t one = 1;
  // Best effort: a loop that is not told polls at its next tick all the same.
  (void)!write(ready_fd_, &one, sizeof one);
}

void LocalBackend::TakeEnded(std::vector<TaskStatus>& out) {
  for (TaskStatus& s : Drain(ended_)) {
    auto it = running_.find(s.task_id);
    if (it == running_.end()) continue;  // cannot happen: ending tasks stay until taken
    ApplyEnd(it->second, s);
    SetAgent(s);
    out.push_back(std::move(s));
    running_.erase(it);
  }
}

void LocalBackend::TakeLaunched(std::vector<TaskStatus>& out) {
  for (Launched& l : Drain(launched_)) {
    auto it = running_.find(l.task_id);
    if (it == running_.end()) continue;  // cannot happen: launching tasks stay until taken
    Task& task = it->second;
    if (!l.started.ok()) {
      // Nothing runs. A runner that cannot be started fails the task; a passing want of
      // resources loses it (the job manager runs it again).
      const MesosTaskState state =
          absl::IsUnavailable(l.started.status()) ? MesosTaskState::kLost : MesosTaskState::kFailed;
      out.push_back(
          StatusOf(l.task_id, task.hostname, state, std::string(l.started.status().message())));
      running_.erase(it);
      continue;
    }
    task.launching = false;
    task.runner = l.started->pid;
    task.start_time = l.started->start_time;
    task.served = l.started->served;
    task.cgroup = std::move(l.started->cgroup);
    task.child = !task.served;
    out.push_back(LaunchedStatus(l.task_id, task, l.uris));
    if (task.kill_requested) {
      task.kill_requested = false;
      kill(task.runner, SIGTERM);
    }
  }
}

void LocalBackend::SignalRunner(const std::string& task_id, Task& task) {
  if (task.ending) return;  // its runner has ended (a child's pid may be another's by now)
  if (task.served && !task.launching) {
    // Ended, as its server has said (it reaped it: the pid may be another's): Poll reports it.
    if (server_ended_.contains(task_id)) return;
    const std::optional<bool> ended = server_->Ended(task_id);
    if (!ended.has_value()) {
      task.kill_requested = true;  // the server is busy with a launch: at the next Poll
      return;
    }
    if (*ended) return;
  }
  if (task.launching) {
    task.kill_requested = true;  // sent once it has started (TakeLaunched)
  } else {
    kill(task.runner, SIGTERM);  // the runner passes it on and escalates
  }
}

LocalBackend::~LocalBackend() {
  if (launcher_.joinable()) {
    {
      absl::MutexLock lock(&launch_mu_);
      stopping_ = true;  // what has not started is not started: the master is going away
    }
    launcher_.join();
  }
  {
    absl::MutexLock lock(&idle_mu_);
    for (const auto& [limits, names] : idle_cgroups_) {
      for (const std::string& name : names) cgroups_.Destroy(name);
    }
  }
  server_.reset();  // before the descriptor it signals goes
  if (ready_fd_ >= 0) close(ready_fd_);
}

absl::Status LocalBackend::Kill(const std::string& task_id) {
  auto it = running_.find(task_id);
  if (it == running_.end()) {
    // A task that ran here has a sandbox: it ended, and there is nothing to kill.
    std::error_code ec;
    if (IsFileName(task_id) &&
        std::filesystem::is_directory(SandboxOf(task_id), ec)) {
      return absl::OkStatus();
    }
    return absl::NotFoundError(absl::StrCat("kill: task ", task_id, " is unknown"));
  }
  SignalRunner(task_id, it->second);
  return absl::OkStatus();
}

TaskStatus LocalBackend::Finished(const std::string& task_id, const Task& task) {
  const std::string& hostname = task.hostname;
  const std::string& state = task.state;
  absl::StatusOr<std::string> line = ReadFile(state + "/exit_status");
  absl::StatusOr<ExitStatus> exit =
      line.ok() ? ParseExitStatus(*line) : absl::StatusOr<ExitStatus>(line.status());
  // Its runner has ended: nothing of the task may outlive it, in or out of its process group.
  EndCgroups(task_id, task);
  if (!exit.ok()) {
    // The runner died without a word: make sure nothing of the task survives it (the group
    // the runner recorded: the task cannot write there).
    if (absl::StatusOr<std::string> group = ReadFile(state + "/task.pid"); group.ok()) {
      pid_t pgid = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(*group), &pgid) && pgid > 1) {
        kill(-pgid, SIGKILL);
      }
    }
    if (task.runner <= 0) {  // no runner.pid: the master died launching it, and it ran nothing
      return StatusAt(task_id, hostname, MesosTaskState::kLost,
                      "never started: its launch was cut short");
    }
    if (!task.boot_id.empty() && task.boot_id != boot_id_) {
      return StatusAt(task_id, hostname, MesosTaskState::kLost,
                      "the machine restarted while the task ran");
    }
    // Killed, by the task itself perhaps: as Mesos reports a task whose executor terminated
    // (REASON_EXECUTOR_TERMINATED), a failure that counts against its restart policy.
    return StatusAt(task_id, hostname, MesosTaskState::kFailed,
                    "the task's runner died without an exit status (killed)");
  }
  TaskStatus s;
  if (!exit->unfetched.empty()) {
    // As Mesos reports a container whose fetcher failed (REASON_CONTAINER_LAUNCH_FAILED).
    s = StatusAt(task_id, hostname, MesosTaskState::kFailed, exit->unfetched);
  } else if (exit->memory) {
    // As Mesos reports a container past its memory (REASON_CONTAINER_LIMITATION_MEMORY).
    s = StatusAt(task_id, hostname, MesosTaskState::kFailed,
                 "over its memory limit: the kernel killed a process of it (memLimitMb)");
    (exit->exited ? s.exit_code : s.signal) = exit->value;
  } else if (exit->unhealthy) {
    absl::StatusOr<HealthReport> health = ReadHealth(state);
    s = StatusAt(task_id, hostname, MesosTaskState::kKilled,
                 absl::StrCat("killed: ", health.ok() ? health->message : "failed health checks"));
    s.healthy = false;
    (exit->exited ? s.exit_code : s.signal) = exit->value;
  } else if (exit->requested) {
    // Killed on request, however it ended (a task may catch SIGTERM and exit cleanly).
    s = StatusAt(task_id, hostname, MesosTaskState::kKilled,
                 exit->exited
                     ? absl::StrCat("killed on request: exit code ", exit->value)
                     : absl::StrCat("killed on request: terminated by signal ", exit->value));
    (exit->exited ? s.exit_code : s.signal) = exit->value;
  } else if (exit->exited) {
    s = StatusAt(task_id, hostname,
                 exit->value == 0 ? MesosTaskState::kFinished : MesosTaskState::kFailed,
                 absl::StrCat("exit code ", exit->value));
    s.exit_code = exit->value;
  } else {
    s = StatusAt(task_id, hostname, MesosTaskState::kKilled,
                 absl::StrCat("terminated by signal ", exit->value));
    s.signal = exit->value;
  }
  return s;
}

void LocalBackend::ApplyEnd(const Task& task, TaskStatus& s) {
  if (!task.lost.empty()) {
    s.state = MesosTaskState::kLost;
    s.message = task.lost;
  } else if (!task.limitation.empty() && s.state != MesosTaskState::kLost) {
    s.state = MesosTaskState::kFailed;  // as Mesos reports a container past its disk quota
    s.message = task.limitation;
  }
}

bool LocalBackend::Started(const Task& task) const {
  std::error_code ec;  // no task.pid (yet) reads as not started
  return std::filesystem::exists(task.state + "/task.pid", ec);
}

std::optional<TaskStatus> LocalBackend::HealthChange(const std::string& task_id, Task& task) {
  const std::string path = task.state + "/health";
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;  // no check has said anything yet
  // The runner replaces the file (a new inode) at each change.
  const HealthFileStamp stamp{st.st_ino, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size};
  if (stamp == task.health_seen) return std::nullopt;
  task.health_seen = stamp;
  absl::StatusOr<HealthReport> health = ReadHealth(task.state);
  if (!health.ok()) {
    spdlog::warn("task {}: health file unread: {}", task_id,
                 std::string(health.status().message()));
    return std::nullopt;
  }
  TaskStatus s = StatusOf(task_id, task.hostname, MesosTaskState::kRunning, health->message);
  s.healthy = health->healthy;
  return s;
}

std::vector<TaskStatus> LocalBackend::Poll() {
  std::vector<TaskStatus> out;
  out.swap(pending_);
  if (options_.launch_thread) {
    TakeLaunched(out);
    TakeEnded(out);
  }
  TakeServerEvents();
  std::vector<std::string> done;
  for (auto& [task_id, task] : running_) {
    if (task.launching || task.ending) continue;
    bool ended = false;
    if (task.served && !server_orphaned_.empty() && server_orphaned_.erase(task_id) > 0) {
      task.served = false;  // its server died: watched by pid (it was reparented)
    }
    if (task.kill_requested) {  // not sent while its server was busy (SignalRunner)
      task.kill_requested = false;
      SignalRunner(task_id, task);
    }
    if (task.served) {
      ended = !server_ended_.empty() && server_ended_.erase(task_id) > 0;
    } else if (task.child) {
      int status = 0;
      ended = waitpid(task.runner, &status, WNOHANG) == task.runner;
    } else {
      ended = !ProcessAlive(task.runner, task.start_time);
    }
    // A task whose files were fetched ran, however soon it ended: RUNNING comes first, as a
    // Mesos executor sends it.
    if (task.starting && Started(task)) {
      task.starting = false;
      out.push_back(StatusOf(task_id, task.hostname, MesosTaskState::kRunning,
                             "remote files fetched; running"));
    }
    if (ended) {
      done.push_back(task_id);
      continue;
    }
    if (!task.starting && task.watch_health) {
      if (std::optional<TaskStatus> health = HealthChange(task_id, task); health.has_value()) {
        out.push_back(*std::move(health));
      }
    }
  }
  for (const std::string& task_id : done) {
    Task& task = running_[task_id];
    if (options_.launch_thread) {
      // Its end is read, and its cgroups removed, on the launcher thread (TakeEnded).
      task.ending = true;
      absl::MutexLock lock(&launch_mu_);
      to_end_.push_back({task_id, task});
      continue;
    }
    TaskStatus s = Finished(task_id, task);
    ApplyEnd(task, s);
    SetAgent(s);
    out.push_back(std::move(s));
    running_.erase(task_id);
  }
  CheckDisks();
  return out;
}

void LocalBackend::TakeServerEvents() {
  if (server_ == nullptr) return;
  RunnerServer::Events events = server_->TakeEvents();
  for (std::string& task_id : events.ended) server_ended_.insert(std::move(task_id));
  for (std::string& task_id : events.orphaned) {
    // One that ended before its server died needs no watching.
    if (!server_ended_.contains(task_id)) server_orphaned_.insert(std::move(task_id));
  }
}

std::vector<TaskStatus> LocalBackend::Reconcile(const std::vector<std::string>& task_ids) {
  std::vector<TaskStatus> out;
  for (const std::string& task_id : task_ids) {
    if (auto it = running_.find(task_id); it != running_.end()) {
      out.push_back(
          it->second.launching
              ? StatusOf(task_id, it->second.hostname, MesosTaskState::kStarting, "launching")
              : StatusOf(task_id, it->second.hostname, MesosTaskState::kRunning, "running"));
      continue;
    }
    std::error_code ec;
    if (!IsFileName(task_id) || !std::filesystem::is_directory(SandboxOf(task_id), ec)) {
      out.push_back(
          StatusOf(task_id, "", MesosTaskState::kLost, "no sandbox: never launched here"));
      continue;
    }
    const std::string state = StateOf(task_id);
    std::string hostname;
    if (absl::StatusOr<std::string> h = ReadFile(state + "/host"); h.ok()) {
      hostname = std::string(absl::StripAsciiWhitespace(*h));
    }
    // Whether it has a check is not known after a restart: the health file is watched.
    Task task{hostname, -1, -1, "", false, true, {}};
    task.state = state;
    if (absl::StatusOr<std::string> pid = ReadFile(state + "/runner.pid"); pid.ok()) {
      // "<pid> <start time> [<boot id>]" (an older version's has no boot id).
      const std::vector<absl::string_view> parts =
          absl::StrSplit(absl::StripAsciiWhitespace(*pid), ' ', absl::SkipEmpty());
      if (parts.size() < 2 || parts.size() > 3 || !absl::SimpleAtoi(parts[0], &task.runner) ||
          !absl::SimpleAtoi(parts[1], &task.start_time)) {
        task.runner = -1;
      } else if (parts.size() == 3) {
        task.boot_id = std::string(parts[2]);
      }
    }
    if (absl::StatusOr<std::string> v = ReadFile(state + "/volume"); v.ok()) {
      const std::vector<absl::string_view> parts =
          absl::StrSplit(absl::StripAsciiWhitespace(*v), ' ', absl::SkipEmpty());
      if (parts.size() == 2 && IsFileName(parts[0]) &&
          absl::SimpleAtoi(parts[1], &task.volume_size_mb) && task.volume_size_mb > 0) {
        task.volume_id = std::string(parts[0]);
      }
    }
    if (absl::StatusOr<std::string> g = ReadFile(state + "/cgroup"); g.ok()) {
      const absl::string_view name = absl::StripAsciiWhitespace(*g);
      if (IsFileName(name)) task.cgroup = std::string(name);
    }
    if (absl::StatusOr<std::string> d = ReadFile(state + "/disk"); d.ok() &&
        !absl::SimpleAtoi(absl::StripAsciiWhitespace(*d), &task.disk_limit_mb)) {
      task.disk_limit_mb = 0;
    }
    if (task.runner > 0 && ProcessAlive(task.runner, task.start_time)) {
      if (std::filesystem::exists(state + "/uris", ec) && !Started(task)) {
        // Still fetching its remote files.
        task.starting = true;
        running_[task_id] = std::move(task);
        out.push_back(StatusOf(task_id, hostname, MesosTaskState::kStarting,
                               "fetching remote files (reconciled)"));
        continue;
      }
      TaskStatus running =
          StatusOf(task_id, hostname, MesosTaskState::kRunning, "running (reconciled)");
      if (std::optional<TaskStatus> health = HealthChange(task_id, task); health.has_value()) {
        running.healthy = health->healthy;
        running.message = absl::StrCat("running (reconciled): ", health->message);
      }
      running_[task_id] = std::move(task);
      out.push_back(std::move(running));
      continue;
    }
    TaskStatus ended = Finished(task_id, task);
    SetAgent(ended);
    out.push_back(std::move(ended));
  }
  return out;
}

}  // namespace peloton::backend::local
