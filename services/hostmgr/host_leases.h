// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Which placement engine may place on which host (issue 19: several engines at once, none
// placing two tasks on the same resources). Each engine that asks for a snapshot renews its
// lease for `term`; the hosts are split among the engines whose leases run, each host to the
// one rendezvous hashing of its name picks (peloton::OwnerOf). An engine therefore places only
// on its own hosts, and two engines never pick the same free resources. When an engine joins,
// it takes about 1/N of the hosts and nothing else moves; when one stops asking, its hosts go
// to the others once its lease ends. In the moment hosts move, an engine may still place on
// one it held: the host manager's claim at launch refuses the second of two such placements.
//
//   const std::vector<std::string>& engines = leases.Renew(engine, now);
//   if (!HostLeases::Holds(engines, engine, host.name)) ... not this engine's to place on
//
// An engine without a name (an older client) holds every host. Thread-compatible.

#ifndef PELOTON_SERVICES_HOSTMGR_HOST_LEASES_H_
#define PELOTON_SERVICES_HOSTMGR_HOST_LEASES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace peloton::hostmgr {

class HostLeases {
 public:
  // An engine asks for a snapshot each round it has gangs to place, so an idle one lets its
  // hosts go within `term`, and the busy ones see every host.
  explicit HostLeases(absl::Duration term = absl::Seconds(2)) : term_(term) {}

  // `engine` asked at `now`: its lease runs until now + term (none for an engine without a
  // name). Returns the engines whose leases run at `now`, sorted.
  const std::vector<std::string>& Renew(const std::string& engine, absl::Time now);
  // Whether `engine` may place on `host`, among `engines` (Renew's answer).
  static bool Holds(const std::vector<std::string>& engines, const std::string& engine,
                    absl::string_view host);

 private:
  absl::Duration term_;
  absl::flat_hash_map<std::string, absl::Time> until_;  // by engine
  std::vector<std::string> engines_;                    // live, sorted
  bool changed_ = true;                                 // engines_ must be made again
};

}  // namespace peloton::hostmgr

#endif  // PELOTON_SERVICES_HOSTMGR_HOST_LEASES_H_
