// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/task_user.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace peloton::backend::local {
namespace {

// The empty directories in place of the hidden ones: room for the mount points only.
constexpr char kHiddenOptions[] = "size=64k,nr_inodes=1024,mode=0711";

// Whether `path` is `dir` or lies inside it.
bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir || (absl::StartsWith(path, dir) && path.size() > dir.size() &&
                         (dir.back() == '/' || path[dir.size()] == '/'));
}

}  // namespace

int BecomeUser(const TaskUser& user) {
  if (user.uid == geteuid() && user.gid == getegid()) return 0;  // already (and its groups)
  if (setgroups(user.groups.size(), user.groups.data()) != 0) return errno;
  if (setgid(user.gid) != 0) return errno;
  if (setuid(user.uid) != 0) return errno;
  // No way back: a process that could regain root is not one that dropped it.
  if (user.uid != 0 && setuid(0) == 0) return EPERM;
  return 0;
}

absl::Status ProbeBecomeUser(const TaskUser& user, const std::vector<std::string>& dirs,
                             std::vector<std::string>* closed) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    if (const int e = BecomeUser(user); e != 0) _exit(e & 0xff);
    // One byte a directory: 1 when the user can pass through it.
    for (const std::string& d : dirs) {
      const char open = access(d.c_str(), X_OK) == 0 ? 1 : 0;
      if (write(fds[1], &open, 1) != 1) _exit(EIO);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string said;
  char buffer[256];
  ssize_t n = 0;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) said.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot become user ", user.name, " (uid ", user.uid, "): ",
        WIFEXITED(status) ? std::strerror(WEXITSTATUS(status)) : "the probe was killed"));
  }
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (i >= said.size() || said[i] != 1) closed->push_back(dirs[i]);
  }
  return absl::OkStatus();
}

absl::Status ProbeTaskView(const std::string& dir) {
  const pid_t pid = fork();
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    std::string failed;
    _exit(EnterTaskView(TaskView{{dir}, {}}, &failed) & 0xff);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "cannot give a task a mount namespace of its own: ",
      WIFEXITED(status) ? std::strerror(WEXITSTATUS(status)) : "the probe was killed"));
}

int EnterTaskView(const TaskView& view, std::string* failed) {
  std::vector<std::string> roots;
  for (const std::string& h : view.hidden) {
    bool inside = h.empty();
    for (const std::string& other : view.hidden) {
      if (!other.empty() && other != h && IsUnder(h, other)) inside = true;
    }
    for (const std::string& r : roots) inside = inside || r == h;
    if (!inside) roots.push_back(h);
  }
  // Not root: a user namespace of its own, mapping only its own ids, gives it the right to
  // mount in the new mount namespace (until it execs the task) and nothing more.
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (uid != 0) {
    // A process that changed its ids is not dumpable, and its /proc/self/*_map are then root's.
    if (prctl(PR_SET_DUMPABLE, 1) != 0) {
      *failed = "prctl(PR_SET_DUMPABLE)";
      return errno;
    }
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      *failed = "unshare(CLONE_NEWUSER | CLONE_NEWNS)";
      return errno;
    }
    const std::pair<const char*, std::string> maps[] = {
        {"/proc/self/setgroups", "deny"},
        {"/proc/self/uid_map", absl::StrCat(uid, " ", uid, " 1")},
        {"/proc/self/gid_map", absl::StrCat(gid, " ", gid, " 1")}};
    for (const auto& [file, text] : maps) {
      const int fd = open(file, O_WRONLY | O_CLOEXEC);
      const bool written = fd >= 0 && write(fd, text.data(), text.size()) ==
                                          static_cast<ssize_t>(text.size());
      const int e = errno;
      if (fd >= 0) close(fd);
      if (!written) {
        *failed = std::string("write ") + file;
        return e != 0 ? e : EIO;
      }
    }
  } else if (unshare(CLONE_NEWNS) != 0) {
    *failed = "unshare(CLONE_NEWNS)";
    return errno;
  }
  // Nothing done here reaches the master's view of the mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *failed = "mount --make-rprivate /";
    return errno;
  }
  // The shown directories are opened while they can still be reached (in the new namespace:
  // a mount of another cannot be bound).
  std::vector<int> fds;
  for (const std::string& s : view.shown) {
    const int fd = open(s.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      *failed = "open " + s;
      return errno;
    }
    fds.push_back(fd);
  }
  constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  for (const std::string& r : roots) {
    if (mount("peloton-hidden", r.c_str(), "tmpfs", kFlags, kHiddenOptions) != 0) {
      *failed = "mount tmpfs on " + r;
      return errno;
    }
  }
  for (size_t i = 0; i < view.shown.size(); ++i) {
    std::error_code ec;
    std::filesystem::create_directories(view.shown[i], ec);
    const std::string from = absl::StrCat("/proc/self/fd/", fds[i]);
    if (ec || mount(from.c_str(), view.shown[i].c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      *failed = "bind " + view.shown[i];
      return ec ? ec.value() : errno;
    }
    close(fds[i]);
  }
  for (const std::string& r : roots) {
    if (mount(nullptr, r.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | kFlags, kHiddenOptions) != 0) {
      *failed = "remount read-only " + r;
      return errno;
    }
  }
  return 0;
}

}  // namespace peloton::backend::local
