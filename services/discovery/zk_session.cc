// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/zk_session.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace peloton::discovery {
namespace {

// Session events read by polling zoo_state: nothing to do on a notification.
void IgnoreEvents(zhandle_t*, int, int, const char*, void*) {}

}  // namespace

absl::StatusOr<zhandle_t*> OpenZkSession(const std::string& servers,
                                         absl::Duration session_timeout,
                                         absl::Duration connect_timeout, absl::string_view what,
                                         watcher_fn watcher, void* context) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zhandle_t* zh = zookeeper_init(servers.c_str(), watcher != nullptr ? watcher : IgnoreEvents,
                                 static_cast<int>(absl::ToInt64Milliseconds(session_timeout)),
                                 nullptr, context, 0);
  if (zh == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot use ZooKeeper '", servers, "'"));
  }
  const absl::Time deadline = absl::Now() + connect_timeout;
  while (connect_timeout > absl::ZeroDuration() && zoo_state(zh) != ZOO_CONNECTED_STATE) {
    if (absl::Now() > deadline) {
      zookeeper_close(zh);
      return absl::UnavailableError(absl::StrCat(what, ": ZooKeeper ", servers,
                                                 " not reached within ",
                                                 absl::FormatDuration(connect_timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return zh;
}

absl::Status CreateZkPath(zhandle_t* zh, const std::string& path, absl::string_view what) {
  std::string at;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StrAppend(&at, "/", part);
    const int rc = zoo_create(zh, at.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return ZkError(what, absl::StrCat("creating ", at), rc);
  }
  return absl::OkStatus();
}

absl::Status ZkError(absl::string_view what, absl::string_view doing, int rc) {
  return absl::UnavailableError(absl::StrCat(what, ": ", doing, ": ZooKeeper: ", zerror(rc)));
}

}  // namespace peloton::discovery
