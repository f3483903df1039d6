// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/placement/internal/host_index.h"

#include <algorithm>

namespace peloton::placement::internal {
namespace {

constexpr IndexKey kEmpty = {-1, -1, -1, -1, -1, -1};

}  // namespace

void HostIndex::Grow() {
  const size_t capacity = std::max<size_t>(1, capacity_ * 2);
  std::vector<IndexKey> tree(2 * capacity, kEmpty);
  for (size_t i = 0; i < capacity_; ++i) tree[capacity + i] = tree_[capacity_ + i];
  tree_ = std::move(tree);
  capacity_ = capacity;
  for (size_t node = capacity_ - 1; node >= 1; --node) Pull(node);
}

bool HostIndex::Pull(size_t node) {
  bool changed = false;
  for (int d = 0; d < kIndexDims; ++d) {
    const int32_t v = std::max(tree_[2 * node][d], tree_[2 * node + 1][d]);
    changed |= v != tree_[node][d];
    tree_[node][d] = v;
  }
  return changed;
}

void HostIndex::Add(uint32_t host, const IndexKey& key) {
  if (hosts_.size() == capacity_) Grow();
  hosts_.push_back(host);
  Update(static_cast<uint32_t>(hosts_.size() - 1), key);
}

void HostIndex::Update(uint32_t position, const IndexKey& key) {
  size_t node = capacity_ + position;
  tree_[node] = key;
  // Up the tree until a node's maxima do not change (usually after a few levels).
  for (node /= 2; node >= 1 && Pull(node); node /= 2) {
  }
}

void HostIndex::Raise(uint32_t position, const IndexKey& key) {
  size_t node = capacity_ + position;
  tree_[node] = key;
  for (node /= 2; node >= 1; node /= 2) {
    bool changed = false;
    for (int d = 0; d < kIndexDims; ++d) {
      if (key[d] > tree_[node][d]) {
        tree_[node][d] = key[d];
        changed = true;
      }
    }
    if (!changed) return;
  }
}

}  // namespace peloton::placement::internal
