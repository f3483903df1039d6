// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// CompactString: a string in the size of one pointer, for fields that a million records carry:
// mostly empty or rarely read ones (a task's reason, message, desired host) and ids that several
// components hold at once (a task's id: its runtime, its gang in the resource manager's queue,
// the index of what it holds). std::string takes 32 bytes even when empty and each copy has
// characters of its own; this takes 8, one heap block (a count of holders, the size, then the
// characters and a NUL) when not empty, and its copies share that block: it is never changed,
// only replaced (assignment gives the string a new one). Reading it gives an absl::string_view.
//
//   CompactString reason = "REASON_COMMAND_EXECUTOR_FAILED";
//   absl::StrCat("failed: ", reason.view());
//   CompactString id = runtime.mesos_task_id;  // the same characters, no copy of them
//
// Value semantics. Thread-compatible, like std::string: a string read by several threads while
// none assigns it is safe, and copies may be used and dropped on any thread (the count is atomic).
// Maps keyed by it look up by any string with CompactString::Hash and CompactString::Eq.

#ifndef PELOTON_COMMON_COMPACT_STRING_H_
#define PELOTON_COMMON_COMPACT_STRING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "peloton/common/check.h"

namespace peloton {

class CompactString {
 public:
  CompactString() = default;
  CompactString(absl::string_view s) : block_(Allocate(s)) {}  // NOLINT: implicit, like string
  CompactString(const char* s) : CompactString(absl::string_view(s)) {}         // NOLINT
  CompactString(const std::string& s) : CompactString(absl::string_view(s)) {}  // NOLINT
  CompactString(const CompactString& o) : block_(Share(o.block_)) {}
  CompactString(CompactString&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  CompactString& operator=(const CompactString& o) {
    Block* block = Share(o.block_);  // before letting go: `o` may be this string
    Unshare(block_);
    block_ = block;
    return *this;
  }
  CompactString& operator=(CompactString&& o) noexcept {
    std::swap(block_, o.block_);
    return *this;
  }
  CompactString& operator=(absl::string_view s) {
    if (s != view()) {
      Block* block = Allocate(s);  // before letting go: `s` may be a part of this string
      Unshare(block_);
      block_ = block;
    }
    return *this;
  }
  CompactString& operator=(const char* s) { return *this = absl::string_view(s); }
  CompactString& operator=(const std::string& s) { return *this = absl::string_view(s); }
  ~CompactString() { Unshare(block_); }

  // Never a null data pointer, even when empty (SQLite, for one, binds a null pointer as NULL).
  absl::string_view view() const { return absl::string_view(data(), size()); }
  operator absl::string_view() const { return view(); }  // NOLINT: implicit, like string's
  // So that a std::string may be assigned one, or constructed from one explicitly.
  operator std::string_view() const { return {data(), size()}; }  // NOLINT
  std::string str() const { return std::string(view()); }
  bool empty() const { return block_ == nullptr; }
  size_t size() const { return block_ == nullptr ? 0 : block_->size; }
  // NUL-terminated; "" when empty.
  const char* data() const { return block_ == nullptr ? "" : block_->chars(); }
  const char* c_str() const { return data(); }
  void clear() {
    Unshare(block_);
    block_ = nullptr;
  }
  // Whether `o` holds the same block (copies of one another).
  bool SharesWith(const CompactString& o) const { return block_ != nullptr && block_ == o.block_; }
  // How many strings hold this one's block (0 when empty), as shared_ptr's use_count: exact
  // while no other thread copies or drops one of them (a table of shared names, for one, may
  // drop those it alone holds).
  size_t use_count() const {
    return block_ == nullptr ? 0 : block_->holders.load(std::memory_order_relaxed);
  }

  // Transparent hashing and equality for maps keyed by it (or holding it), so that a lookup by
  // absl::string_view or std::string makes no CompactString.
  struct Hash {
    using is_transparent = void;
    size_t operator()(absl::string_view s) const { return absl::Hash<absl::string_view>()(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(absl::string_view a, absl::string_view b) const { return a == b; }
  };

  friend bool operator==(const CompactString& a, const CompactString& b) {
    return a.view() == b.view();
  }
  friend bool operator!=(const CompactString& a, const CompactString& b) { return !(a == b); }
  friend bool operator==(const CompactString& a, absl::string_view b) { return a.view() == b; }
  friend bool operator!=(const CompactString& a, absl::string_view b) { return a.view() != b; }
  friend bool operator==(const CompactString& a, const char* b) { return a.view() == b; }
  friend bool operator!=(const CompactString& a, const char* b) { return a.view() != b; }
  friend bool operator==(const CompactString& a, const std::string& b) { return a.view() == b; }
  friend bool operator!=(const CompactString& a, const std::string& b) { return a.view() != b; }
  friend std::ostream& operator<<(std::ostream& os, const CompactString& s) {
    return os << s.view();
  }
  template <typename H>
  friend H AbslHashValue(H h, const CompactString& s) {
    return H::combine(std::move(h), s.view());
  }

 private:
  // The characters follow the header, then a NUL.
  struct Block {
    std::atomic<uint32_t> holders;
    uint32_t size;
    char* chars() { return reinterpret_cast<char*>(this + 1); }
  };
  static_assert(sizeof(Block) == 8);

  // Null for "": an empty string allocates nothing. Sizes of 4 GiB and more cannot be stored;
  // every field is bounded far below that (an abort rather than a silent cut if not).
  static Block* Allocate(absl::string_view s) {
    if (s.empty()) return nullptr;
    PELOTON_CHECK(s.size() < std::numeric_limits<uint32_t>::max());
    const uint32_t n = static_cast<uint32_t>(s.size());
    Block* block = new (::operator new(sizeof(Block) + n + 1)) Block{{1}, n};
    std::memcpy(block->chars(), s.data(), n);
    block->chars()[n] = '\0';
    return block;
  }
  static Block* Share(Block* block) {
    // Relaxed, as shared_ptr's: a new holder comes from an existing one, which keeps it alive.
    if (block != nullptr) block->holders.fetch_add(1, std::memory_order_relaxed);
    return block;
  }
  static void Unshare(Block* block) {
    // The last holder frees it, after every other holder's reads (acquire-release).
    if (block != nullptr && block->holders.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      block->~Block();
      ::operator delete(block);
    }
  }

  Block* block_ = nullptr;
};

}  // namespace peloton

#endif  // PELOTON_COMMON_COMPACT_STRING_H_
