// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The routable instances of jobs as members of Aurora/Finagle serversets in ZooKeeper (issue
// 18's open counterpart of UNS): under `<root>/<path>`, one ephemeral sequential znode
// `member_<sequence>` per instance, holding Aurora's JSON:
//
//   {"serviceEndpoint":{"host":"h","port":31000},
//    "additionalEndpoints":{"http":{"host":"h","port":31000},"admin":{...}},
//    "status":"ALIVE","shard":0}
//
//   auto announcer = Announcer::Connect({.servers = "zk1:2181,zk2:2181"});
//   announcer->Sync("web/prod/frontend", "http", members);   // each tick
//
// Sync makes the members under a path exactly the given ones: it creates what is new, replaces
// what changed (a new run, host or port) and removes what is gone. The first Sync of a path
// in a session also removes the members an earlier session left there (a job manager that was
// killed: its ephemeral nodes live until its session expires), so a restart announces
// nothing twice. Uses the ZooKeeper C client's synchronous calls (libzookeeper_mt, threads of
// its own); each call waits for its answer.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_DISCOVERY_ANNOUNCER_H_
#define PELOTON_SERVICES_DISCOVERY_ANNOUNCER_H_

#include <zookeeper/zookeeper.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/discovery/serverset.h"

namespace peloton::discovery {

class Announcer {
 public:
  struct Options {
    std::string servers;                  // "host:port[,host:port]"
    std::string root = "/peloton/discovery";
    absl::Duration session_timeout = absl::Seconds(10);
    absl::Duration connect_timeout = absl::Seconds(10);
  };
  // Unavailable when ZooKeeper cannot be reached within connect_timeout; with a zero
  // connect_timeout it does not wait (see connected()).
  static absl::StatusOr<std::unique_ptr<Announcer>> Connect(Options options);
  // Whether its session is connected now (the client reconnects by itself), and whether it
  // has expired (then only a new Announcer announces again).
  bool connected() const { return zoo_state(zh_) == ZOO_CONNECTED_STATE; }
  bool expired() const { return zoo_state(zh_) == ZOO_EXPIRED_SESSION_STATE; }
  ~Announcer();
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // The members under `path` (IsServersetPath) become `members`, each on its port `primary`.
  // Unavailable when ZooKeeper fails (what was done stays; the next Sync goes on from it).
  absl::Status Sync(const std::string& path, const std::string& primary,
                    const std::vector<Member>& members);
  // Removes every member it announced under `path`.
  absl::Status Withdraw(const std::string& path);
  // The paths it announces under now.
  std::vector<std::string> paths() const;

 private:
  Announcer(Options options, zhandle_t* zh);
  struct Announced {
    std::string node;  // its znode
    std::string key;   // what it holds: host, primary port name, ports, in a fixed order
  };
  // Members under `dir` that another session left.
  absl::Status RemoveStrangers(const std::string& dir);

  Options options_;
  zhandle_t* zh_;
  // By path, then by shard.
  absl::flat_hash_map<std::string, std::map<uint32_t, Announced>> announced_;
};

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_ANNOUNCER_H_
