// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/testing/zk_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace peloton::backend::mesos::testing {
namespace {

void IgnoreEvents(zhandle_t*, int, int, const char*, void*) {}

}  // namespace

ZkTestServer::ZkTestServer(const std::string& dir) : dir_(dir), port_(FreePort()) {
  std::filesystem::create_directories(dir_);
  server_ = fork();
  if (server_ == 0) {
    const std::string log = dir_ + "/server.log";
    if (freopen(log.c_str(), "w", stdout) != nullptr) dup2(fileno(stdout), 2);
    const std::string port = std::to_string(port_);
    // tickTime 500 ms: sessions of 1 to 10 s (2 to 20 ticks), as short as elections use.
    execlp("java", "java", "-cp", "/usr/share/java/zookeeper.jar",
           "org.apache.zookeeper.server.ZooKeeperServerMain", port.c_str(), dir_.c_str(), "500",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zh_ = zookeeper_init(servers().c_str(), IgnoreEvents, 10000, nullptr, nullptr, 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (zh_ != nullptr && !connected() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
}

ZkTestServer::~ZkTestServer() {
  if (zh_ != nullptr) zookeeper_close(zh_);
  if (server_ > 0) {
    kill(server_, SIGKILL);
    waitpid(server_, nullptr, 0);
  }
}

void ZkTestServer::Pause() {
  if (server_ > 0) kill(server_, SIGSTOP);
}

void ZkTestServer::Resume() {
  if (server_ > 0) kill(server_, SIGCONT);
}

bool ZkTestServer::connected() const {
  return zh_ != nullptr && zoo_state(zh_) == ZOO_CONNECTED_STATE;
}

std::string ZkTestServer::servers() const { return absl::StrCat("127.0.0.1:", port_); }

std::string ZkTestServer::url(const std::string& path) const {
  return absl::StrCat("zk://", servers(), path);
}

std::string ZkTestServer::Register(const std::string& group, const std::string& content) {
  zoo_create(zh_, group.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  char created[512] = {};
  zoo_create(zh_, (group + "/json.info_").c_str(), content.data(), static_cast<int>(content.size()),
             &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, created, sizeof created);
  return created;
}

std::string ZkTestServer::RegisterMaster(const std::string& group, const std::string& host,
                                         int port) {
  return Register(group, absl::StrCat(R"({"id":"master-)", port, R"(","ip":16777343,"port":)", port,
                                      R"(,"address":{"hostname":")", host, R"(","ip":")", host,
                                      R"(","port":)", port, "}}"));
}

bool ZkTestServer::Remove(const std::string& node) {
  return zoo_delete(zh_, node.c_str(), -1) == ZOK;
}

std::map<std::string, std::string> ZkTestServer::Children(const std::string& dir) const {
  std::map<std::string, std::string> out;
  String_vector children{};
  if (zoo_get_children(zh_, dir.c_str(), 0, &children) != ZOK) return out;
  for (int i = 0; i < children.count; ++i) {
    std::string buffer(64 << 10, '\0');
    int length = static_cast<int>(buffer.size());
    const std::string node = dir + "/" + children.data[i];
    if (zoo_get(zh_, node.c_str(), 0, buffer.data(), &length, nullptr) == ZOK) {
      buffer.resize(static_cast<size_t>(std::max(length, 0)));
      out[children.data[i]] = std::move(buffer);
    }
  }
  deallocate_String_vector(&children);
  return out;
}

}  // namespace peloton::backend::mesos::testing
