// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// ZkTestServer: a real ZooKeeper server (Debian's zookeeper package, `java` on PATH) started on
// a free port for a test (tickTime 500 ms: sessions of 1 to 10 s), with a session to write
// nodes as Mesos masters do. Test fixture only.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_TESTING_ZK_SERVER_H_
#define PELOTON_SERVICES_BACKEND_MESOS_TESTING_ZK_SERVER_H_

#include <sys/types.h>
#include <zookeeper/zookeeper.h>

#include <map>
#include <string>

#include "peloton/testing/ports.h"

namespace peloton::backend::mesos::testing {

class ZkTestServer {
 public:
  // Starts the server with its data under `dir` and waits (up to a minute: a JVM starting) for a
  // session. connected() says whether it came up.
  explicit ZkTestServer(const std::string& dir);
  ~ZkTestServer();
  ZkTestServer(const ZkTestServer&) = delete;
  ZkTestServer& operator=(const ZkTestServer&) = delete;

  bool connected() const;
  // SIGSTOP and SIGCONT the server: its clients see it stop answering, as in a partition.
  void Pause();
  void Resume();
  std::string servers() const;                     // "127.0.0.1:<port>"
  std::string url(const std::string& path) const;  // "zk://127.0.0.1:<port><path>"
  zhandle_t* session() const { return zh_; }

  // Registers a master in `group` as Mesos does: a sequential node "json.info_" holding its
  // MasterInfo JSON (for `host:port`). Returns the node's path.
  std::string RegisterMaster(const std::string& group, const std::string& host, int port);
  // The same with any content.
  std::string Register(const std::string& group, const std::string& content);
  bool Remove(const std::string& node);
  // The children of `dir` by name, each with what it holds (empty when `dir` does not exist).
  std::map<std::string, std::string> Children(const std::string& dir) const;

 private:
  std::string dir_;
  int port_ = 0;
  pid_t server_ = -1;
  zhandle_t* zh_ = nullptr;
};

using ::peloton::testing::FreePort;  // a port nothing listens on now

}  // namespace peloton::backend::mesos::testing

#endif  // PELOTON_SERVICES_BACKEND_MESOS_TESTING_ZK_SERVER_H_
