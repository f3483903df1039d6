// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Giving freed memory back to the system. glibc keeps what a process frees for its next
// allocations; after a large job ends (its tasks, configs and events let go), a scheduler
// process would otherwise keep its peak size for good. Each process's loop calls
// ReturnFreedMemory now and then (runtime::Serve: every 10 s).
//
// Thread-safe (glibc's own locking).

#ifndef PELOTON_SERVICES_RUNTIME_HEAP_H_
#define PELOTON_SERVICES_RUNTIME_HEAP_H_

#include <cstddef>

namespace peloton::runtime {

// When more than `threshold` bytes of the heap are free, returns its free pages to the system
// (malloc_trim) and says how many bytes were free; otherwise 0, and nothing is done. Pages
// already returned still count as free, so a later call trims again: about 2 ms for a heap of
// 125 MB free in 130,000 pieces, as much as asking how much is free.
size_t ReturnFreedMemory(size_t threshold = 16 << 20);

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_HEAP_H_
