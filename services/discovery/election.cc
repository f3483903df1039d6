// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/election.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"
#include "services/discovery/zk_session.h"

namespace peloton::discovery {
namespace {

constexpr char kCandidate[] = "candidate_";

absl::Status ZkError(absl::string_view doing, int rc) {
  return discovery::ZkError("election", doing, rc);
}

// The children of `path` (none if it does not exist); with `watch`, the session's watcher is
// told of the next change.
absl::StatusOr<std::vector<std::string>> Children(zhandle_t* zh, const std::string& path,
                                                  bool watch = false) {
  String_vector children{};
  const int rc = zoo_get_children(zh, path.c_str(), watch ? 1 : 0, &children);
  if (rc == ZNONODE) return std::vector<std::string>();
  if (rc != ZOK) return ZkError(absl::StrCat("listing ", path), rc);
  std::vector<std::string> names(children.data, children.data + children.count);
  deallocate_String_vector(&children);
  return names;
}

// The id a candidate's node holds; nullopt when the node is gone (its candidate left).
absl::StatusOr<std::optional<std::string>> CandidateId(zhandle_t* zh, const std::string& path,
                                                       const std::string& name) {
  char data[1024];
  int length = sizeof data;
  const int rc = zoo_get(zh, absl::StrCat(path, "/", name).c_str(), 0, data, &length, nullptr);
  if (rc == ZNONODE) return std::nullopt;
  if (rc != ZOK) return ZkError(absl::StrCat("reading ", path, "/", name), rc);
  return std::string(data, std::max(length, 0));
}

}  // namespace

std::vector<std::string> CandidatesInOrder(const std::vector<std::string>& children) {
  std::vector<std::pair<uint64_t, std::string>> candidates;
  for (const std::string& child : children) {
    uint64_t sequence = 0;
    if (!absl::StartsWith(child, kCandidate) ||
        !absl::SimpleAtoi(absl::string_view(child).substr(sizeof kCandidate - 1), &sequence)) {
      continue;
    }
    candidates.emplace_back(sequence, child);
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<std::string> ordered;
  for (auto& [sequence, name] : candidates) ordered.push_back(std::move(name));
  return ordered;
}

absl::StatusOr<std::unique_ptr<Election>> Election::Join(Options options) {
  if (options.servers.empty()) {
    return absl::InvalidArgumentError("election.servers: empty (rule: host:port[,host:port])");
  }
  if (!absl::StartsWith(options.path, "/") || absl::EndsWith(options.path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "election.path: '", options.path, "' (rule: absolute, no trailing '/': /peloton/resmgr)"));
  }
  if (options.id.empty()) return absl::InvalidArgumentError("election.id: empty (rule: non-empty)");
  if (options.session_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("election.session_timeout: not positive (rule: > 0)");
  }
  std::unique_ptr<Election> election(new Election(std::move(options), nullptr));
  const Options& o = election->options_;
  absl::StatusOr<zhandle_t*> zh = OpenZkSession(o.servers, o.session_timeout, o.connect_timeout,
                                                "election", &Election::OnEvent, election.get());
  if (!zh.ok()) return zh.status();
  election->zh_ = *zh;
  {
    absl::MutexLock lock(&election->mu_);
    election->disconnected_since_ = absl::InfinitePast();  // connected now
  }
  PELOTON_RETURN_IF_ERROR(CreateZkPath(*zh, o.path, "election"));
  char created[1024] = {};
  const int rc = zoo_create(*zh, absl::StrCat(o.path, "/", kCandidate).c_str(), o.id.data(),
                            static_cast<int>(o.id.size()), &ZOO_OPEN_ACL_UNSAFE,
                            ZOO_EPHEMERAL | ZOO_SEQUENCE, created, sizeof created);
  if (rc != ZOK) return ZkError(absl::StrCat("joining under ", o.path), rc);
  election->node_ = created;
  return election;
}

Election::Election(Options options, zhandle_t* zh) : options_(std::move(options)), zh_(zh) {
  disconnected_since_ = absl::Now();  // not yet connected
}

Election::~Election() {
  if (zh_ != nullptr) zookeeper_close(zh_);  // the ephemeral node goes with the session
}

void Election::OnEvent(zhandle_t*, int type, int state, const char*, void* context) {
  if (context == nullptr) return;
  auto* self = static_cast<Election*>(context);
  absl::MutexLock lock(&self->mu_);
  if (type == ZOO_CHILD_EVENT) {
    self->members_changed_ = true;
    return;
  }
  if (type != ZOO_SESSION_EVENT) return;
  if (state == ZOO_EXPIRED_SESSION_STATE) {
    self->expired_ = true;
  } else if (state == ZOO_CONNECTED_STATE) {
    self->disconnected_since_ = absl::InfinitePast();
  } else if (self->disconnected_since_ == absl::InfinitePast()) {
    self->disconnected_since_ = absl::Now();
  }
}

bool Election::Lost() const {
  // The session's timeout as the server granted it.
  const absl::Duration timeout =
      zh_ != nullptr ? absl::Milliseconds(zoo_recv_timeout(zh_)) : options_.session_timeout;
  absl::MutexLock lock(&mu_);
  return expired_ || (disconnected_since_ != absl::InfinitePast() &&
                      absl::Now() - disconnected_since_ >= timeout * 2 / 3);
}

absl::Status Election::Confirm(absl::Duration max_age) {
  if (Lost()) return absl::UnavailableError(absl::StrCat("election: ", node_, " lost its session"));
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    if (now - confirmed_ < max_age) return absl::OkStatus();
  }
  Stat stat{};
  const int rc = zoo_exists(zh_, node_.c_str(), 0, &stat);
  if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
    // No answer now (a ZooKeeper server restarting): as Lost() says, a session cut off for
    // less than two thirds of its timeout still holds. The store's fence covers the rest.
    if (!Lost()) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat("election: ", node_, " could not be confirmed: ", zerror(rc)));
  }
  absl::MutexLock lock(&mu_);
  if (rc == ZOK && stat.ephemeralOwner == zoo_client_id(zh_)->client_id) {
    confirmed_ = now;
    return absl::OkStatus();
  }
  // Gone, another session's, or expired: it no longer leads.
  expired_ = true;
  return absl::UnavailableError(absl::StrCat("election: ", node_, " could not be confirmed: ",
                                             rc == ZOK ? "not this session's" : zerror(rc)));
}

bool Election::MembersChanged() const {
  absl::MutexLock lock(&mu_);
  return members_changed_;
}

absl::StatusOr<std::vector<std::string>> Election::Members() {
  {
    absl::MutexLock lock(&mu_);
    members_changed_ = false;  // a change from now on fires the watch set below
  }
  absl::StatusOr<std::vector<std::string>> names = Children(zh_, options_.path, /*watch=*/true);
  if (!names.ok()) {
    absl::MutexLock lock(&mu_);
    members_changed_ = true;  // no watch was left: ask again
    return names.status();
  }
  absl::flat_hash_map<std::string, std::string> known;
  {
    absl::MutexLock lock(&mu_);
    known.swap(ids_);
  }
  std::vector<std::string> members;
  absl::flat_hash_map<std::string, std::string> ids;
  for (const std::string& name : CandidatesInOrder(*names)) {
    std::string id;
    if (auto it = known.find(name); it != known.end()) {
      id = std::move(it->second);
    } else {
      absl::StatusOr<std::optional<std::string>> read = CandidateId(zh_, options_.path, name);
      if (!read.ok()) {
        absl::MutexLock lock(&mu_);
        members_changed_ = true;
        return read.status();
      }
      if (!read->has_value()) continue;  // gone meanwhile (the watch has fired)
      id = **std::move(read);
    }
    members.push_back(id);
    ids.emplace(name, std::move(id));
  }
  absl::MutexLock lock(&mu_);
  ids_ = std::move(ids);
  return members;
}

absl::Status Election::AwaitLeadership(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string mine = node_.substr(node_.rfind('/') + 1);
  while (true) {
    if (Lost()) {
      return absl::UnavailableError(
          absl::StrCat("election: lost the ZooKeeper session of ", node_, " while standing by"));
    }
    absl::StatusOr<std::vector<std::string>> children = Children(zh_, options_.path);
    if (children.ok()) {
      const std::vector<std::string> order = CandidatesInOrder(*children);
      if (!order.empty() && order.front() == mine) return absl::OkStatus();
      if (std::find(order.begin(), order.end(), mine) == order.end()) {
        return absl::UnavailableError(absl::StrCat("election: ", node_, " is gone"));
      }
    }  // else: ZooKeeper is away for now; the client reconnects by itself
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("election: ", node_, " does not lead after ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<std::string> CurrentLeader(const std::string& servers, const std::string& path,
                                          absl::Duration timeout) {
  absl::StatusOr<zhandle_t*> zh = OpenZkSession(servers, absl::Seconds(10), timeout, "election");
  if (!zh.ok()) return zh.status();
  absl::StatusOr<std::string> leader = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<std::vector<std::string>> children = Children(*zh, path);
    if (!children.ok()) return children.status();
    for (const std::string& name : CandidatesInOrder(*children)) {
      PELOTON_ASSIGN_OR_RETURN(std::optional<std::string> id, CandidateId(*zh, path, name));
      if (id.has_value()) return *std::move(id);  // else gone meanwhile: the next one leads
    }
    return absl::NotFoundError(absl::StrCat("election: no candidate under ", path));
  }();
  zookeeper_close(*zh);
  return leader;
}

}  // namespace peloton::discovery
