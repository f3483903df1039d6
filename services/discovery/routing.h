// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The job labels that route a job's instances through peloton-router (issue 18), without the
// router: where each named port is served, and how long an instance about to be killed is
// taken out of its routes first.
//
//   labels:
//   - {key: peloton.router/http, value: "127.0.0.1:8080"}   # port "http" served there
//   - {key: peloton.discovery/drain-seconds, value: "5"}       # taken out 5 s before a kill
//
// Thread-safe: pure functions.

#ifndef PELOTON_SERVICES_DISCOVERY_ROUTING_H_
#define PELOTON_SERVICES_DISCOVERY_ROUTING_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace peloton::discovery {

// `peloton.router/<port name>`: the address the router serves the port on ([host]:port; no
// host: every address).
inline constexpr char kRouteLabelPrefix[] = "peloton.router/";
// `peloton.discovery/drain-seconds`: how long an instance is not routable (its endpoint says
// so, the announcer withdraws it, routers drain it) before its kill is sent: whole seconds,
// 0 to kMaxDrainSeconds.
inline constexpr char kDrainLabel[] = "peloton.discovery/drain-seconds";
inline constexpr uint32_t kMaxDrainSeconds = 3600;
// The drain of a job that is routed (a kRouteLabelPrefix or kPathLabel label) and does not set
// kDrainLabel: time for routers and serverset clients to see the change and for requests in
// flight to finish. Other jobs are killed at once.
inline constexpr absl::Duration kDefaultDrain = absl::Seconds(2);

// An address to listen on.
struct ListenAddress {
  std::string host;  // empty: every address
  uint16_t port = 0;
};

// "[host]:port", host a name or an IPv4 address (letters, digits, '.', '-'; at most 253) and
// port 1..65535. InvalidArgument saying the rule.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text);

// Whether `name` may be routed: 1 to 64 letters, digits, '.', '_' and '-' (HAProxy's names).
bool IsRoutablePortName(absl::string_view name);

// A port a job's labels route.
struct LabelRoute {
  std::string port;
  ListenAddress listen;
};

// Labels as (key, value) pairs, whatever message holds them.
using Labels = std::vector<std::pair<std::string, std::string>>;

// The pairs of `labels`: any range of messages with key() and value() (Peloton's Label).
template <typename LabelRange>
Labels LabelsOf(const LabelRange& labels) {
  Labels pairs;
  pairs.reserve(labels.size());
  for (const auto& l : labels) pairs.emplace_back(l.key(), l.value());
  return pairs;
}

// The routes `labels` ask for, in label order. InvalidArgument naming the label and the rule
// for a port name or address that is not valid, or a port routed twice.
absl::StatusOr<std::vector<LabelRoute>> RoutesOf(const Labels& labels);

// How long an instance of a job with `labels` is drained before its kill (see kDrainLabel and
// kDefaultDrain). InvalidArgument saying the rule for a value that is not valid.
absl::StatusOr<absl::Duration> DrainOf(const Labels& labels);

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_ROUTING_H_
