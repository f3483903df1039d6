// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Which member of a group owns a key (all-active job managers, issue 19: each job has one
// owning job manager at a time): rendezvous hashing, also called highest random weight. Each
// member scores each key; the member with the highest score owns the key. When a member leaves,
// only its keys move (each to the member that scored next highest); when one joins, it takes
// about 1/N of the keys from the others and nothing else moves. Every process that sees the
// same members computes the same owner: the scores come from a fixed hash (FNV-1a, then
// MurmurHash3's 64-bit finalizer), the same on every machine, build and run, unlike absl::Hash.
//
//   const std::vector<std::string> members = {"10.0.0.5:5392", "10.0.0.6:5392"};
//   std::optional<size_t> i = OwnerOf(job_id.value(), members);   // nullopt: no members
//
// Pure functions; thread-safe.

#ifndef PELOTON_COMMON_OWNERSHIP_H_
#define PELOTON_COMMON_OWNERSHIP_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace peloton {

// The score of `member` for `key`: a stable 64-bit hash of the two.
uint64_t OwnershipScore(absl::string_view member, absl::string_view key);

// The index in `members` of the member that owns `key`: the highest score, ties (equal
// scores) to the lower member name, so that the order of `members` does not matter.
// nullopt when `members` is empty.
std::optional<size_t> OwnerOf(absl::string_view key, absl::Span<const std::string> members);

}  // namespace peloton

#endif  // PELOTON_COMMON_OWNERSHIP_H_
