// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/ownership.h"

#include "peloton/common/fnv.h"

namespace peloton {
namespace {

// MurmurHash3's fmix64: every input bit moves every output bit, which FNV alone does not do
// well for keys that differ in their last bytes.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t OwnershipScore(absl::string_view member, absl::string_view key) {
  // The member's length first, so that ("ab", "c") and ("a", "bc") differ.
  return Mix(Fnv1a(key, Fnv1a(member, Fnv1aLength(member.size()))));
}

std::optional<size_t> OwnerOf(absl::string_view key, absl::Span<const std::string> members) {
  std::optional<size_t> best;
  uint64_t best_score = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const uint64_t score = OwnershipScore(members[i], key);
    if (!best.has_value() || score > best_score ||
        (score == best_score && members[i] < members[*best])) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

}  // namespace peloton
