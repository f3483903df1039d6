// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/heap.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace peloton::runtime {
namespace {

// This process's resident memory, in KiB.
long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

// 64 MiB in small blocks (from the heap, not mmap), touched, then freed while a block
// allocated after them stays: glibc's heap top cannot shrink, and it keeps the rest; jemalloc
// keeps the emptied pages as dirty until they decay. (Through a volatile pointer to malloc,
// which the compiler cannot leave out.) Returns the pin.
char* UseAndFree64Mib() {
  void* (*volatile allocate)(size_t) = std::malloc;
  std::vector<char*> blocks;
  for (int i = 0; i < 64 * 1024; ++i) {
    char* b = static_cast<char*>(allocate(1000));
    for (int j = 0; j < 1000; j += 64) static_cast<volatile char*>(b)[j] = 1;
    blocks.push_back(b);
  }
  char* pin = static_cast<char*>(allocate(1000));
  for (char* b : blocks) std::free(b);
  return pin;
}

// Built twice: heap_test with glibc's malloc, heap_jemalloc_test with jemalloc (the daemons').
TEST(HeapTest, TheAllocatorIsTheOneLinked) {
#if defined(PELOTON_TEST_JEMALLOC)
  EXPECT_TRUE(UsesJemalloc());
#else
  EXPECT_FALSE(UsesJemalloc());
#endif
}

// What is allocated counts until it is freed; without jemalloc there is nothing to tell.
TEST(HeapTest, AllocatedBytesCountWhatIsLive) {
#if defined(PELOTON_TEST_JEMALLOC)
  void* (*volatile allocate)(size_t) = std::malloc;
  const size_t before = AllocatedBytes();
  EXPECT_GT(before, 0u);
  char* big = static_cast<char*>(allocate(size_t{32} << 20));
  // Within a MiB of 32 more: the test's own small allocations come and go meanwhile.
  EXPECT_GT(AllocatedBytes(), before + (size_t{31} << 20));
  std::free(big);
  EXPECT_LT(AllocatedBytes(), before + (size_t{1} << 20));
#else
  EXPECT_EQ(AllocatedBytes(), 0u);
#endif
}

TEST(HeapTest, FreedMemoryGoesBackToTheSystem) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator is neither glibc's nor jemalloc";
#endif
  EXPECT_EQ(ReturnFreedMemory(size_t{1} << 40), 0u);  // not that much free: nothing done
  for (int round = 0; round < 2; ++round) {  // and again after the memory was used again
    char* pin = UseAndFree64Mib();
    const long before = RssKib();
    EXPECT_GT(ReturnFreedMemory(16 << 20), size_t{32} << 20);
    const long after = RssKib();
    EXPECT_LT(after, before - 32 * 1024) << "RSS " << before << " KiB -> " << after << " KiB";
    std::free(pin);
  }
}

}  // namespace
}  // namespace peloton::runtime
