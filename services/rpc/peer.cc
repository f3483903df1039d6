// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/peer.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/discovery/election.h"
#include "services/discovery/zk_url.h"
#include "services/rpc/guard.h"

namespace peloton::rpc {

namespace {
// How long a connection waits for ZooKeeper to name a zk:// peer's leader.
constexpr absl::Duration kLeaderLookupTimeout = absl::Seconds(5);
}  // namespace

Peer::Peer(std::string name, std::string address, std::string export_name, PeerOptions options)
    : name_(std::move(name)),
      addresses_(absl::StrSplit(address, ',', absl::SkipWhitespace())),
      export_(std::move(export_name)),
      options_(std::move(options)) {
  if (addresses_.empty()) addresses_.push_back(address);  // "": fails, naming it
}

void Peer::Connect() {
  if (client_ != nullptr) return;
  target_ = address();
  if (absl::StartsWith(target_, "zk://")) {
    absl::StatusOr<discovery::ZkUrl> zk = discovery::ParseZkUrl(target_, name_);
    absl::StatusOr<std::string> leader =
        zk.ok() ? discovery::CurrentLeader(zk->servers, zk->path, kLeaderLookupTimeout)
                : zk.status();
    if (!leader.ok()) {
      const std::string why = absl::StrCat("finding the leader: ", leader.status().message());
      throw kj::Exception(kj::Exception::Type::DISCONNECTED, __FILE__, __LINE__,
                          kj::heapString(why.data(), why.size()));
    }
    target_ = absl::StrCat(*leader, " (the leader at ", address(), ")");
    client_ = std::make_unique<RpcClient>(*leader, options_.tls.get());
  } else {
    client_ = std::make_unique<RpcClient>(target_, options_.tls.get());
  }
  capnp::Capability::Client cap = export_.empty() ? client_->Main() : client_->Import(export_);
  if (options_.login.has_value()) {
    absl::StatusOr<capnp::Capability::Client> in =
        LogIn(kj::mv(cap), *options_.login).wait(client_->wait_scope());
    if (!in.ok()) {
      refused_ = absl::Status(
          in.status().code(),
          absl::StrCat(name_, " at ", target_, ": logging in as ", options_.login->username(),
                       " (the security file's internal_user): ", in.status().message()));
      throw kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                          kj::heapString(refused_.message().data(), refused_.message().size()));
    }
    cap = *std::move(in);
  }
  cap_ = kj::mv(cap);
}

absl::Status Peer::Failed(const kj::Exception& e) {
  cap_.reset();
  if (client_ != nullptr) failed_.push_back(std::move(client_));
  const std::string failed_at = target_.empty() ? address() : target_;
  current_ = (current_ + 1) % addresses_.size();  // the next candidate, if there are several
  if (!refused_.ok()) return std::exchange(refused_, absl::OkStatus());
  return absl::UnavailableError(
      absl::StrCat(name_, " at ", failed_at, ": ", e.getDescription().cStr()));
}

}  // namespace peloton::rpc
