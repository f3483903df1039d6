// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/heap.h"

#include <malloc.h>

#include <cstdint>
#include <string>

// jemalloc's control interface: defined when the program links jemalloc, null when it does not
// (weak, so that the library needs no allocator of its own).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace peloton::runtime {
namespace {

// jemalloc's name for "every arena" in arena.<i>.* and stats.arenas.<i>.* (MALLCTL_ARENAS_ALL).
constexpr const char* kAllArenas = "4096";

template <typename T>
bool Read(const std::string& name, T& value) {
  size_t size = sizeof(value);
  return mallctl(name.c_str(), &value, &size, nullptr, 0) == 0 && size == sizeof(value);
}

// jemalloc's statistics are a snapshot: a new epoch takes a fresh one.
bool RefreshStats() {
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  return mallctl("epoch", &epoch, &size, &epoch, size) == 0;
}

// Bytes in pages that jemalloc holds free but resident (dirty, or muzzy: purgeable lazily).
size_t JemallocFreeResident() {
  if (!RefreshStats()) return 0;
  size_t page = 0, dirty = 0, muzzy = 0;
  const std::string arenas = std::string("stats.arenas.") + kAllArenas;
  if (!Read("arenas.page", page) || !Read(arenas + ".pdirty", dirty) ||
      !Read(arenas + ".pmuzzy", muzzy)) {
    return 0;
  }
  return (dirty + muzzy) * page;
}

}  // namespace

bool UsesJemalloc() { return mallctl != nullptr; }

size_t AllocatedBytes() {
  size_t allocated = 0;
  if (!UsesJemalloc() || !RefreshStats() || !Read("stats.allocated", allocated)) return 0;
  return allocated;
}

size_t ReturnFreedMemory(size_t threshold) {
  if (UsesJemalloc()) {
    const size_t free_bytes = JemallocFreeResident();
    if (free_bytes <= threshold) return 0;
    const std::string purge = std::string("arena.") + kAllArenas + ".purge";
    // Fails only for a bad name; what is purged either way needs no answer.
    (void)mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
    return free_bytes;
  }
  const size_t free_bytes = mallinfo2().fordblks;
  if (free_bytes <= threshold) return 0;
  // The return value only says whether any memory was released; either way is fine.
  malloc_trim(0);
  return free_bytes;
}

}  // namespace peloton::runtime
