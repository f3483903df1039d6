// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// CompactString: an owned string in the size of one pointer, for fields that a million records
// carry and that are mostly empty or rarely read (a task's reason, message, desired host).
// std::string takes 32 bytes even when empty; this takes 8, and one heap block (the size, then
// the characters and a NUL) when not empty. Reading it gives an absl::string_view.
//
//   CompactString reason = "REASON_COMMAND_EXECUTOR_FAILED";
//   absl::StrCat("failed: ", reason.view());
//
// Value semantics (copies copy the characters); thread-compatible.

#ifndef PELOTON_COMMON_COMPACT_STRING_H_
#define PELOTON_COMMON_COMPACT_STRING_H_

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/string_view.h"
#include "peloton/common/check.h"

namespace peloton {

class CompactString {
 public:
  CompactString() = default;
  CompactString(absl::string_view s) : block_(Allocate(s)) {}  // NOLINT: implicit, like string
  CompactString(const char* s) : CompactString(absl::string_view(s)) {}         // NOLINT
  CompactString(const std::string& s) : CompactString(absl::string_view(s)) {}  // NOLINT
  CompactString(const CompactString& o) : block_(Allocate(o.view())) {}
  CompactString(CompactString&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  CompactString& operator=(const CompactString& o) { return *this = o.view(); }
  CompactString& operator=(CompactString&& o) noexcept {
    std::swap(block_, o.block_);
    return *this;
  }
  CompactString& operator=(absl::string_view s) {
    if (s != view()) {
      char* block = Allocate(s);  // before freeing: `s` may be a part of this string
      Free(block_);
      block_ = block;
    }
    return *this;
  }
  CompactString& operator=(const char* s) { return *this = absl::string_view(s); }
  CompactString& operator=(const std::string& s) { return *this = absl::string_view(s); }
  ~CompactString() { Free(block_); }

  // Never a null data pointer, even when empty (SQLite, for one, binds a null pointer as NULL).
  absl::string_view view() const { return absl::string_view(data(), size()); }
  operator absl::string_view() const { return view(); }  // NOLINT: implicit, like string's
  // So that a std::string may be assigned one, or constructed from one explicitly.
  operator std::string_view() const { return {data(), size()}; }  // NOLINT
  std::string str() const { return std::string(view()); }
  bool empty() const { return block_ == nullptr; }
  size_t size() const {
    uint32_t n = 0;
    if (block_ != nullptr) std::memcpy(&n, block_, sizeof(n));
    return n;
  }
  // NUL-terminated; "" when empty.
  const char* data() const { return block_ == nullptr ? "" : block_ + sizeof(uint32_t); }
  const char* c_str() const { return data(); }
  void clear() {
    Free(block_);
    block_ = nullptr;
  }

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
  // Null for "": an empty string allocates nothing. Sizes of 4 GiB and more cannot be stored;
  // every field is bounded far below that (an abort rather than a silent cut if not).
  static char* Allocate(absl::string_view s) {
    if (s.empty()) return nullptr;
    PELOTON_CHECK(s.size() < std::numeric_limits<uint32_t>::max());
    const uint32_t n = static_cast<uint32_t>(s.size());
    char* block = static_cast<char*>(::operator new(sizeof(n) + n + 1));
    std::memcpy(block, &n, sizeof(n));
    std::memcpy(block + sizeof(n), s.data(), n);
    block[sizeof(n) + n] = '\0';
    return block;
  }
  static void Free(char* block) { ::operator delete(block); }

  char* block_ = nullptr;
};

}  // namespace peloton

#endif  // PELOTON_COMMON_COMPACT_STRING_H_
