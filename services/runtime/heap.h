// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Giving freed memory back to the system. An allocator keeps what a process frees for its next
// allocations; after a large job ends (its tasks, configs and events let go), a scheduler
// process would otherwise keep its peak size for good. Each process's loop calls
// ReturnFreedMemory now and then (runtime::Serve: every 10 s).
//
// Either allocator a program may have: jemalloc, which the daemons link (//tools:malloc), or
// glibc's malloc, which an embedder's program may keep. Thread-safe (the allocator's locking).

#ifndef PELOTON_SERVICES_RUNTIME_HEAP_H_
#define PELOTON_SERVICES_RUNTIME_HEAP_H_

#include <cstddef>

namespace peloton::runtime {

// When more than `threshold` bytes of the heap are free and still resident, returns their pages
// to the system and says how many bytes were free; otherwise 0, and nothing is done. jemalloc:
// its dirty and muzzy pages, purged in every arena. glibc: malloc_trim, and pages it returned
// before still count as free, so a later call trims again: about 2 ms for a heap of 125 MB free
// in 130,000 pieces, as much as asking how much is free.
size_t ReturnFreedMemory(size_t threshold = 16 << 20);

// Whether this program's allocator is jemalloc.
bool UsesJemalloc();

// Bytes the program has allocated and not freed (jemalloc's stats.allocated: live objects, no
// fragmentation or pages kept free); 0 when the allocator is not jemalloc.
size_t AllocatedBytes();

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_HEAP_H_
