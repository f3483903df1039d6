// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A connection to another component's process over Cap'n Proto, as its clients (remote.h) and
// the all-active job managers' links to each other (job_manager_peers.h) make it.

#ifndef PELOTON_SERVICES_RPC_PEER_H_
#define PELOTON_SERVICES_RPC_PEER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kj/async.h"
#include "services/rpc/rpc_client.h"
#include "services/rpc/security.pb.h"
#include "services/rpc/tls.h"

namespace peloton::rpc {

// How a component reaches the others: the credentials each connection logs in with first
// (guard.h), where they have a security file, and TLS for TCP addresses (tls.h).
struct PeerOptions {
  std::optional<security::Credentials> login;
  std::shared_ptr<Tls> tls;
};

// A connection to another component's process, made on first use and again after a failure.
// A component that runs as several candidates of which one leads (peloton-resmgr and
// peloton-hostmgr with ZooKeeper; only the leader listens) is given as its candidates'
// addresses, and a connection that fails moves on to the next; or as its election's path in
// ZooKeeper, zk://host:port[,host:port]/peloton/resmgr, and each connection goes to the leader
// of the moment (discovery::CurrentLeader).
class Peer {
 public:
  // `address`: host:port or unix:PATH, or several, comma-separated, or a zk:// URL. `name`:
  // the component, for messages. `export_name`: the capability to import, or empty for the server's
  // main one.
  Peer(std::string name, std::string address, std::string export_name = "",
       PeerOptions options = {});

  template <typename T>
  typename T::Client Get() {
    Connect();
    return cap_->castAs<T>();
  }
  kj::WaitScope& wait_scope() {
    Connect();
    return client_->wait_scope();
  }
  // Unavailable naming the peer (or the peer's refusal of the credentials, Unauthenticated);
  // forgets the connection.
  absl::Status Failed(const kj::Exception& e);
  const std::string& name() const { return name_; }
  // The address it connects to now.
  const std::string& address() const { return addresses_[current_]; }

 private:
  void Connect();

  std::string name_;
  std::vector<std::string> addresses_;  // never empty
  size_t current_ = 0;
  std::string target_;  // what the connection went to (the leader a zk:// URL named)
  std::string export_;
  PeerOptions options_;
  absl::Status refused_;  // the peer refused options_.login (Connect), for Failed to return
  std::unique_ptr<RpcClient> client_;
  // The peer's capability, asked for once per connection (asking again on a connection that
  // broke throws from inside Cap'n Proto 0.9).
  std::optional<capnp::Capability::Client> cap_;
  // Connections that failed. Destroying one whose peer went away can throw from a destructor
  // in Cap'n Proto 0.9, so they are kept (one per peer restart) until the process ends.
  std::vector<std::unique_ptr<RpcClient>> failed_;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_PEER_H_
