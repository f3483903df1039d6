// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/announcer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/discovery/zk_session.h"

namespace peloton::discovery {
namespace {

constexpr char kMember[] = "member_";

absl::Status ZkError(absl::string_view doing, int rc) {
  return discovery::ZkError("serverset", doing, rc);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Announcer>> Announcer::Connect(Options options) {
  absl::StatusOr<zhandle_t*> zh = OpenZkSession(options.servers, options.session_timeout,
                                                options.connect_timeout, "serverset");
  if (!zh.ok()) return zh.status();
  return std::unique_ptr<Announcer>(new Announcer(std::move(options), *zh));
}

Announcer::Announcer(Options options, zhandle_t* zh) : options_(std::move(options)), zh_(zh) {}

Announcer::~Announcer() {
  // The session's ephemeral members go with it.
  zookeeper_close(zh_);
}

absl::Status Announcer::RemoveStrangers(const std::string& dir) {
  String_vector children{};
  const int rc = zoo_get_children(zh_, dir.c_str(), 0, &children);
  if (rc != ZOK) return ZkError(absl::StrCat("listing ", dir), rc);
  const int64_t session = zoo_client_id(zh_)->client_id;
  absl::Status result;
  for (int i = 0; i < children.count; ++i) {
    if (!absl::StartsWith(children.data[i], kMember)) continue;
    const std::string node = absl::StrCat(dir, "/", children.data[i]);
    Stat stat{};
    if (zoo_exists(zh_, node.c_str(), 0, &stat) != ZOK) continue;  // gone meanwhile
    if (stat.ephemeralOwner == session) continue;
    const int deleted = zoo_delete(zh_, node.c_str(), -1);
    if (deleted != ZOK && deleted != ZNONODE) {
      result = ZkError(absl::StrCat("removing ", node), deleted);
    }
  }
  deallocate_String_vector(&children);
  return result;
}

absl::Status Announcer::Sync(const std::string& path, const std::string& primary,
                             const std::vector<Member>& members) {
  if (!IsServersetPath(path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "serverset: path '", path,
        "' (rule: 1 to 8 segments of letters, digits, '.', '_' and '-', joined by '/')"));
  }
  const std::string dir = absl::StrCat(options_.root, "/", path);
  auto [it, first] = announced_.try_emplace(path);
  std::map<uint32_t, Announced>& announced = it->second;
  if (first) {
    if (absl::Status s = CreateZkPath(zh_, dir, "serverset"); !s.ok()) {
      announced_.erase(it);
      return s;
    }
    if (absl::Status s = RemoveStrangers(dir); !s.ok()) {
      announced_.erase(it);
      return s;
    }
  }
  absl::Status result;
  struct Wanted {
    std::string key;   // what it announces, in a fixed order (JSON maps have none)
    std::string json;
  };
  std::map<uint32_t, Wanted> wanted;
  for (const Member& m : members) {
    absl::StatusOr<std::string> json = MemberJson(m, primary);
    if (!json.ok()) {
      result.Update(json.status());
      continue;
    }
    std::vector<std::pair<std::string, uint32_t>> ports = m.ports;
    std::sort(ports.begin(), ports.end());
    std::string key = absl::StrCat(m.host, "|", primary);
    for (const auto& [name, port] : ports) absl::StrAppend(&key, "|", name, "=", port);
    wanted[m.shard] = {std::move(key), *std::move(json)};
  }
  // Gone or changed: removed first, so that no shard is ever announced twice.
  for (auto a = announced.begin(); a != announced.end();) {
    auto w = wanted.find(a->first);
    if (w != wanted.end() && w->second.key == a->second.key) {
      ++a;
      continue;
    }
    const int rc = zoo_delete(zh_, a->second.node.c_str(), -1);
    if (rc != ZOK && rc != ZNONODE) {
      result.Update(ZkError(absl::StrCat("removing ", a->second.node), rc));
      ++a;
      continue;
    }
    a = announced.erase(a);
  }
  for (const auto& [shard, w] : wanted) {
    if (announced.contains(shard)) continue;
    const std::string& json = w.json;
    const std::string prefix = absl::StrCat(dir, "/", kMember);
    std::string created(prefix.size() + 32, '\0');
    const int rc = zoo_create(zh_, prefix.c_str(), json.data(), static_cast<int>(json.size()),
                              &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, created.data(),
                              static_cast<int>(created.size()));
    if (rc != ZOK) {
      result.Update(ZkError(absl::StrCat("announcing shard ", shard, " under ", dir), rc));
      continue;
    }
    created.resize(created.find('\0'));
    announced[shard] = {created, w.key};
  }
  return result;
}

absl::Status Announcer::Withdraw(const std::string& path) {
  auto it = announced_.find(path);
  if (it == announced_.end()) return absl::OkStatus();
  absl::Status result;
  for (const auto& [shard, a] : it->second) {
    const int rc = zoo_delete(zh_, a.node.c_str(), -1);
    if (rc != ZOK && rc != ZNONODE) result.Update(ZkError(absl::StrCat("removing ", a.node), rc));
  }
  if (result.ok()) announced_.erase(it);
  return result;
}

std::vector<std::string> Announcer::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, members] : announced_) out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace peloton::discovery
