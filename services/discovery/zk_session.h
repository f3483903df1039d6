// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the serverset announcer and leader election share of the ZooKeeper C client: opening a
// session (zookeeper_init, then a wait until it is connected), creating a path, and errors.

#ifndef PELOTON_SERVICES_DISCOVERY_ZK_SESSION_H_
#define PELOTON_SERVICES_DISCOVERY_ZK_SESSION_H_

#include <zookeeper/zookeeper.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace peloton::discovery {

// A session to `servers` ("host:port[,host:port]"), connected within `connect_timeout` (zero:
// not waited for; the client connects by itself). `watcher` (none: events are ignored) gets
// the session's events with `context`. `what` begins the messages ("serverset", "election"):
// InvalidArgument when the client cannot use `servers`; Unavailable, the session closed, when
// it is not connected in time.
absl::StatusOr<zhandle_t*> OpenZkSession(const std::string& servers,
                                         absl::Duration session_timeout,
                                         absl::Duration connect_timeout, absl::string_view what,
                                         watcher_fn watcher = nullptr, void* context = nullptr);

// Creates `path` and every parent of it that is missing (persistent, empty nodes).
// Unavailable (ZkError) when ZooKeeper fails.
absl::Status CreateZkPath(zhandle_t* zh, const std::string& path, absl::string_view what);

// Unavailable: "<what>: <doing>: ZooKeeper: <the client's message for rc>".
absl::Status ZkError(absl::string_view what, absl::string_view doing, int rc);

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_ZK_SESSION_H_
