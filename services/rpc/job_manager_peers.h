// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// All-active job managers' links to each other (issue 19): a call about a job that another job
// manager owns (the public API's, placement's) is sent on to its owner over these. Each
// member's public API and internal JobManager are connected from the loop's tick (connecting
// may wait, as kj allows only at the top of the loop) and used from Cap'n Proto calls as they
// arrive, without waiting.
//
//   JobManagerPeers peers(peer_options);
//   peers.Connect(members, self);            // each tick the members changed, or one failed
//   absl::StatusOr<api::Peloton::Client> api = peers.Api(owner);
//
// Thread-compatible (the process's loop owns it).

#ifndef PELOTON_SERVICES_RPC_JOB_MANAGER_PEERS_H_
#define PELOTON_SERVICES_RPC_JOB_MANAGER_PEERS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/api/internal.capnp.h"
#include "services/api/peloton.capnp.h"
#include "services/rpc/peer.h"

namespace peloton::rpc {

// What a job manager exports for the other members: its public API and its internal
// JobManager as they serve what it owns only (without peers: a call is sent on once at most).
inline constexpr char kOwnedApiExport[] = "peloton-owned";
inline constexpr char kOwnedJobManagerExport[] = "jobmgr-owned";

class JobManagerPeers {
 public:
  explicit JobManagerPeers(PeerOptions options) : options_(std::move(options)) {}

  // Connects to each member but `self` that is not connected yet, or whose connection failed;
  // the others are left alone. A member that cannot be reached now is tried at the next call.
  void Connect(const std::vector<std::string>& members, const std::string& self);
  // The member's public API, and its internal JobManager: Unavailable when not connected.
  absl::StatusOr<api::Peloton::Client> Api(const std::string& member);
  absl::StatusOr<api::internal::JobManager::Client> Internal(const std::string& member);
  // A call to the member failed: its connection is dropped, and made again by Connect.
  void Failed(const std::string& member, const kj::Exception& e);
  // Whether a connection failed since Connect last ran.
  bool broken() const { return broken_; }

 private:
  struct Link {
    std::unique_ptr<Peer> api;
    std::unique_ptr<Peer> internal;
    std::optional<api::Peloton::Client> api_cap;
    std::optional<api::internal::JobManager::Client> internal_cap;
  };

  PeerOptions options_;
  // By member address. Links are kept when a member leaves (destroying a connection whose peer
  // went away can throw in Cap'n Proto 0.9), and used again if it comes back.
  absl::flat_hash_map<std::string, Link> links_;
  bool broken_ = false;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_JOB_MANAGER_PEERS_H_
