// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/zk_detector.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "services/backend/mesos/mesos.pb.h"

namespace peloton::backend::mesos {
namespace {

constexpr absl::string_view kPrefix = "json.info_";

struct Closer {
  void operator()(zhandle_t* zh) const { zookeeper_close(zh); }
};

// Session events are read by polling zoo_state; nothing to do on a notification.
void IgnoreEvents(zhandle_t*, int, int, const char*, void*) {}

}  // namespace

absl::StatusOr<std::string> LeaderAddressOf(absl::string_view json) {
  ::mesos::v1::MasterInfo info;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &info, options).ok()) {
    return absl::DataLossError("mesos leader: the node is not a MasterInfo in JSON");
  }
  std::string host = info.address().hostname();
  if (host.empty()) host = info.address().ip();
  if (host.empty()) host = info.hostname();
  const uint32_t port =
      info.address().port() > 0 ? static_cast<uint32_t>(info.address().port()) : info.port();
  if (host.empty() || port == 0 || port > 65535) {
    return absl::DataLossError("mesos leader: the MasterInfo names no host and port");
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<std::string> DetectLeader(absl::string_view url, absl::Duration timeout) {
  absl::StatusOr<discovery::ZkUrl> zk = discovery::ParseZkUrl(url, "mesos.zk");
  if (!zk.ok()) return zk.status();
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  const int session_ms = static_cast<int>(
      std::max<int64_t>(2000, std::min<int64_t>(absl::ToInt64Milliseconds(timeout) * 2, 60'000)));
  std::unique_ptr<zhandle_t, Closer> zh(
      zookeeper_init(zk->servers.c_str(), IgnoreEvents, session_ms, nullptr, nullptr, 0));
  if (zh == nullptr) {
    return absl::UnavailableError(absl::StrCat("mesos leader: cannot use ZooKeeper ", zk->servers));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (zoo_state(zh.get()) != ZOO_CONNECTED_STATE) {
    if (absl::Now() > deadline) {
      return absl::UnavailableError(absl::StrCat("mesos leader: ZooKeeper ", zk->servers,
                                                 " not reached within ",
                                                 absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  String_vector children{};
  const int rc = zoo_get_children(zh.get(), zk->path.c_str(), 0, &children);
  if (rc == ZNONODE) {
    return absl::NotFoundError(absl::StrCat("mesos leader: no path ", zk->path, " in ZooKeeper"));
  }
  if (rc != ZOK) {
    return absl::UnavailableError(absl::StrCat("mesos leader: ZooKeeper: ", zerror(rc)));
  }
  std::string leader;
  uint64_t lowest = UINT64_MAX;
  for (int i = 0; i < children.count; ++i) {
    absl::string_view name = children.data[i];
    uint64_t sequence = 0;
    if (absl::ConsumePrefix(&name, kPrefix) && absl::SimpleAtoi(name, &sequence) &&
        sequence < lowest) {
      lowest = sequence;
      leader = children.data[i];
    }
  }
  deallocate_String_vector(&children);
  if (leader.empty()) {
    return absl::NotFoundError(absl::StrCat("mesos leader: no master under ", zk->path));
  }
  std::string buffer(64 << 10, '\0');
  int length = static_cast<int>(buffer.size());
  const std::string node = absl::StrCat(zk->path, "/", leader);
  const int got = zoo_get(zh.get(), node.c_str(), 0, buffer.data(), &length, nullptr);
  if (got == ZNONODE) {  // the leader left between the two reads: the caller asks again
    return absl::NotFoundError(absl::StrCat("mesos leader: ", node, " went away"));
  }
  if (got != ZOK || length < 0) {
    return absl::UnavailableError(absl::StrCat("mesos leader: ZooKeeper: ", zerror(got)));
  }
  buffer.resize(static_cast<size_t>(length));
  return LeaderAddressOf(buffer);
}

}  // namespace peloton::backend::mesos
