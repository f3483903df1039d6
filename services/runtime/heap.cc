// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/heap.h"

#include <malloc.h>

namespace peloton::runtime {

size_t ReturnFreedMemory(size_t threshold) {
  const size_t free_bytes = mallinfo2().fordblks;
  if (free_bytes <= threshold) return 0;
  // The return value only says whether any memory was released; either way is fine.
  malloc_trim(0);
  return free_bytes;
}

}  // namespace peloton::runtime
