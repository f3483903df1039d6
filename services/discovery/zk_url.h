// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// ZooKeeper addresses as the components take them: a server list ("host:port[,host:port]", what
// the ZooKeeper client connects to) and a URL naming a path in it
// ("zk://host:port[,host:port]/path", as Mesos names its masters' group and peers name a
// leader-elected component: zk://zk1:2181/peloton/resmgr).

#ifndef PELOTON_SERVICES_DISCOVERY_ZK_URL_H_
#define PELOTON_SERVICES_DISCOVERY_ZK_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::discovery {

struct ZkUrl {
  std::string servers;  // "host:port,host:port"
  std::string path;     // "/mesos", without a trailing '/'
};

// Whether `servers` is "host:port[,host:port...]" with ports 1 to 65535.
bool IsZkServerList(absl::string_view servers);

// "zk://host:port[,host:port...]/path". InvalidArgument naming `field` and the rule otherwise.
absl::StatusOr<ZkUrl> ParseZkUrl(absl::string_view url, absl::string_view field);

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_ZK_URL_H_
