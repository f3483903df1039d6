// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The files of a task: in its sandbox (the task's own directory, its working directory)
//
//   stdout, stderr   the task's output
//
// and in its state directory (local_backend.h), which the task cannot reach, those the local
// backend and peloton-task-runner tell each other (the backend reads them, also after a
// restart of the master):
//
//   host             the (virtual) host the task was launched on, written by the backend
//   runner.pid       "<pid> <start time> <boot id>" of the runner (start time: /proc/<pid>/stat
//                    field 22, against pid reuse; boot id: the kernel's, to tell a runner that
//                    died from a machine that restarted), written by the backend before Launch
//                    returns
//   task.pid         the task's process group, written by the runner
//   volume           "<volume id> <size MB>" of its persistent volume, if it has one, written
//                    by the backend (the volume itself is linked into the sandbox at its
//                    container path)
//   disk             its sandbox's limit in MB (LaunchSpec::resources' disk less its volume),
//                    if it has one, written by the backend
//   cgroup           the name of its cgroups (cgroups.h: a slot's, kept for a later task),
//                    where it has them, written by the backend before its runner starts
//                    (without it, an older version's, they are named by the task id)
//   uris             how many remote files it fetches, if any, written by the backend: until
//                    task.pid is there, its runner is fetching them
//   exit_status      "exited <code> <requested>" or "signaled <signal> <requested>", written
//                    atomically when the task ends; requested is 1 when it was killed on
//                    request, 2 when its health checks failed too often in a row and killed it,
//                    3 when it failed after the kernel killed a process of it over its memory
//                    limit (cgroups.h);
//                    or "unfetched <why>" when a remote file (LaunchSpec::uris) could not be
//                    had, and the command never ran (why: one line)
//   health           written atomically when the task's health check finds it healthy or
//                    unhealthy (a change): "healthy" or "unhealthy", a line break, and what the
//                    last check found
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_SANDBOX_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_SANDBOX_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/files.h"
#include "services/common/remote_file.h"

namespace peloton::backend::local {

using files::ReadFile;
using files::WriteFileAtomically;

// The process's start time in clock ticks since boot, or -1 when there is no such process.
int64_t ProcessStartTime(pid_t pid);
// Whether `pid` is the process that started at `start_time` (not a reused pid) and has not
// ended (a zombie has ended).
bool ProcessAlive(pid_t pid, int64_t start_time);
// This boot's id (/proc/sys/kernel/random/boot_id), or "" where there is none.
std::string BootId();

struct ExitStatus {
  bool exited = false;  // else: ended by a signal
  int value = 0;        // the exit code or the signal
  bool requested = false;
  bool unhealthy = false;  // killed by its health checks
  bool memory = false;     // killed by the kernel, over its memory limit (its cgroup's)
  std::string unfetched;   // why its remote files could not be had (it never ran)
};
// The exit_status line of a task whose remote files could not be had.
std::string FormatUnfetched(absl::string_view why);
// InvalidArgument for anything but the runner's line.
absl::StatusOr<ExitStatus> ParseExitStatus(absl::string_view line);

// A remote file as the runner and its helper take it (--fetch=VALUE):
// "<x|-><e|-><TAB><output file><TAB><url>" (x: executable, e: extract).
std::string FormatFetchArg(const files::RemoteFile& file);
// False for anything else.
bool ParseFetchArg(absl::string_view value, files::RemoteFile& file);

// The health file's content.
struct HealthReport {
  bool healthy = false;
  std::string message;  // one line
};
absl::StatusOr<HealthReport> ParseHealth(absl::string_view content);  // InvalidArgument
std::string FormatHealth(const HealthReport& report);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_SANDBOX_H_
