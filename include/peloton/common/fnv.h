// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// FNV-1a, 64 bits: a fixed hash, the same on every machine, build and run (unlike absl::Hash),
// for keys that cross processes or restarts (job owners, SPREAD_JOB and label keys, endpoint
// versions). Hash several parts by passing each part the hash so far:
//
//   uint64_t h = Fnv1aLength(key.size());   // ("ab", "c") and ("a", "bc") then differ
//   h = Fnv1a(value, Fnv1a(key, h));
//
// Pure functions; thread-safe.

#ifndef PELOTON_COMMON_FNV_H_
#define PELOTON_COMMON_FNV_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace peloton {

inline constexpr uint64_t kFnv1aOffset = 14695981039346656037ULL;

// `bytes` hashed on from `h` (by default, from the start).
inline uint64_t Fnv1a(absl::string_view bytes, uint64_t h = kFnv1aOffset) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// A length (or any 64-bit number) hashed on from `h`: its eight bytes, least significant first.
inline uint64_t Fnv1aLength(uint64_t n, uint64_t h = kFnv1aOffset) {
  for (int i = 0; i < 8; ++i) {
    h ^= (n >> (8 * i)) & 0xff;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace peloton

#endif  // PELOTON_COMMON_FNV_H_
