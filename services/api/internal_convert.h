// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The library's types to and from their wire forms in internal.capnp. Writers never fail;
// readers check what the schema cannot (enum numbers in range, a host index that names the
// host it says) and answer InvalidArgument naming the field.

#ifndef PELOTON_SERVICES_API_INTERNAL_CONVERT_H_
#define PELOTON_SERVICES_API_INTERNAL_CONVERT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "capnp/list.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/placement/cluster.h"
#include "services/api/internal.capnp.h"
#include "services/api/peloton.capnp.h"
#include "services/api/wire_util.h"
#include "services/backend/backend.h"

namespace peloton::api::internal {

// The wire's Status: code is absl::StatusCode's number, 0 = OK.
void SetStatus(const absl::Status& status, api::Status::Builder out);
absl::Status StatusOf(api::Status::Reader in);

using ::peloton::api::Bytes;
using ::peloton::api::Str;

void Set(const peloton::Resources& r, Resources::Builder out);
peloton::Resources Get(Resources::Reader in);

void Set(const placement::TaskSpec& t, TaskSpec::Builder out);
absl::StatusOr<placement::TaskSpec> Get(TaskSpec::Reader in);

// `hostname`: the name of allocation.host, sent so that the receiver can check the index.
void Set(const placement::Allocation& a, absl::string_view hostname, Allocation::Builder out);
// The allocation, with its host index checked against `cluster` (the host's name must match).
absl::StatusOr<placement::Allocation> Get(Allocation::Reader in, const placement::Cluster& cluster);
// Without a cluster to check against (the host index is trusted; the name is returned).
placement::Allocation GetUnchecked(Allocation::Reader in);

// A host as the snapshot sends it: its spec (devices all free) and its state.
void Set(const placement::HostSpec& h, Host::Builder out);
absl::StatusOr<placement::HostSpec> Get(Host::Reader in);

void Set(const fairshare::Gang& g, Gang::Builder out);
fairshare::Gang Get(Gang::Reader in);

void Set(const fairshare::Allocation& a, PoolAllocation::Builder out);
fairshare::Allocation Get(PoolAllocation::Reader in);

void Set(const backend::LaunchSpec& s, LaunchSpec::Builder out);
absl::StatusOr<backend::LaunchSpec> Get(LaunchSpec::Reader in);  // InvalidArgument for a bad enum

void Set(const backend::TaskStatus& s, TaskStatus::Builder out);
absl::StatusOr<backend::TaskStatus> Get(TaskStatus::Reader in);

// Key-value pairs (environments, labels, attributes) into a list of the internal wire's Label
// or the public API's (both have key and value), and back from the internal one.
using Pairs = std::vector<std::pair<std::string, std::string>>;
template <typename LabelListBuilder>
void SetPairs(const Pairs& pairs, LabelListBuilder out) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    out[i].setKey(pairs[i].first);
    out[i].setValue(pairs[i].second);
  }
}
Pairs GetPairs(capnp::List<Label>::Reader in);

// Lists of strings.
void Set(const std::vector<std::string>& in, capnp::List<capnp::Text>::Builder out);
std::vector<std::string> Get(capnp::List<capnp::Text>::Reader in);
// A host state off the wire: InvalidArgument naming "host.state" for an unknown number.
absl::StatusOr<placement::HostState> HostStateOf(uint8_t value);

}  // namespace peloton::api::internal

#endif  // PELOTON_SERVICES_API_INTERNAL_CONVERT_H_
