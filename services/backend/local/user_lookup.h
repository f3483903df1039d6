// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Users from the password database (glibc's name service: files, LDAP, systemd...), for the
// local backend, which passes them to peloton-task-runner by number. Apart from task_user.h
// because the runner is linked statically, and a static program cannot load the name service's
// modules safely: it must not link these.
//
// Thread-safety: thread-safe (the reentrant lookups).

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_USER_LOOKUP_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_USER_LOOKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/backend/local/task_user.h"

namespace peloton::backend::local {

// The user of that name (as getpwnam), with its groups. InvalidArgument for a name that is no
// user name; NotFound naming it.
absl::StatusOr<TaskUser> LookUpUser(const std::string& name);
// The user this process runs as (its effective uid); its name is the uid's number where the
// database has none.
TaskUser CurrentUser();

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_USER_LOOKUP_H_
