// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Who a local task runs as, and what it sees of this machine's files: shared by the local
// backend (which decides) and peloton-task-runner (which, as the task's parent, makes it so).
//
// A master that runs as root runs each task as an unprivileged user (Mesos' CommandInfo.user,
// else the configured default, nobody by default); never as root unless the operator allows it.
// Before it drops root, the task's process enters a mount namespace of its own in which the
// master's private directories (the data directory: the store, the runners' state, the other
// tasks' sandboxes and volumes) are empty and read-only, but for the task's own sandbox and
// volume, bound back at their places. A master that does not run as root cannot switch users:
// its tasks run as its own user, with the same view where the kernel allows unprivileged user
// namespaces (Debian's does), else seeing what the master sees.
//
// Thread-safety: stateless. The functions marked "in a child" are for a process just forked
// from a single-threaded one (the runner), before it execs the task.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_TASK_USER_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_TASK_USER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/files.h"

namespace peloton::backend::local {

using files::IsUserName;

struct TaskUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // its supplementary groups (the primary one included)
};

// Looking users up is user_lookup.h's: the runner, linked statically, is given them by number.

// In a child: becomes `user` (its groups, then its gid, then its uid). 0, or the errno of the
// step that failed.
int BecomeUser(const TaskUser& user);

// Whether this process can become `user`: tried in a child process. Unavailable naming why
// (e.g. in a user namespace that maps root alone, as Bazel's sandbox does). Then, as the user,
// whether it can pass through each of `dirs`: those it cannot go into *closed.
absl::Status ProbeBecomeUser(const TaskUser& user, const std::vector<std::string>& dirs,
                             std::vector<std::string>* closed);

// What a task sees (see the top of this file). `hidden`: directories that look empty (each
// skipped when it lies inside another); `shown`: directories inside them bound back at their
// places (the task's sandbox and volume).
struct TaskView {
  std::vector<std::string> hidden;
  std::vector<std::string> shown;
};
// In a child: enters the view (not as root: in a user namespace of its own that maps only its
// own ids, where the kernel allows unprivileged ones). 0, or the errno of the step that failed,
// with the step in *failed.
int EnterTaskView(const TaskView& view, std::string* failed);
// Whether this process's children can enter a view that hides `dir`: tried in a child.
absl::Status ProbeTaskView(const std::string& dir);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_TASK_USER_H_
