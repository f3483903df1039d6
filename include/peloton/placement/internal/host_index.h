// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// HostIndex: hosts of one class (with or without GPUs) in cluster order, in a segment tree
// whose nodes hold the per-dimension maximum of their hosts' free resources. A search visits,
// in cluster order, only hosts whose free resources could hold a demand (every dimension at
// least the demand), skipping whole subtrees that cannot; the caller's visitor decides (runs
// the filters) and stops the search. First fit is then O(log n) per host visited, and a
// change to one host is O(log n).
//
// Internal: used by Cluster; only peloton code may include it. Thread-compatible.

#ifndef PELOTON_PLACEMENT_INTERNAL_HOST_INDEX_H_
#define PELOTON_PLACEMENT_INTERNAL_HOST_INDEX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace peloton::placement::internal {

// cpu, memory, disk, sum of free GPU, largest free device share, free ports; 32 bits each
// (saturated) to keep the tree small: the index is a filter of candidates, not the truth.
inline constexpr int kIndexDims = 6;
using IndexKey = std::array<int32_t, kIndexDims>;

class HostIndex {
 public:
  // Appends a host (its position is the number of hosts added before).
  void Add(uint32_t host, const IndexKey& key);
  void Update(uint32_t position, const IndexKey& key);
  // Update for a key that grew in no dimension smaller (a release): the maxima above only
  // need raising, without reading siblings, and usually stop after a level or two.
  void Raise(uint32_t position, const IndexKey& key);
  size_t size() const { return hosts_.size(); }

  // Calls visit(host) for the hosts, in order, whose key is >= `need` in every dimension,
  // until visit returns true. Returns whether some visit returned true.
  template <typename Visit>
  bool Search(const IndexKey& need, Visit&& visit) const {
    if (hosts_.empty() || !Covers(tree_[1], need)) return false;
    // Iterative depth-first descent, left child first. A node that covers the demand may
    // have no child that does (the maxima come from different children): then, as after a
    // visited leaf, go on with the next subtree to the right that covers.
    size_t node = 1;
    while (true) {
      if (node >= capacity_) {
        const size_t position = node - capacity_;
        if (position < hosts_.size() && visit(hosts_[position])) return true;
      } else if (Covers(tree_[2 * node], need)) {
        node = 2 * node;
        continue;
      } else if (Covers(tree_[2 * node + 1], need)) {
        node = 2 * node + 1;
        continue;
      }
      // Up to the nearest left child whose right sibling covers.
      while (true) {
        if (node == 1) return false;
        if ((node & 1) == 0 && Covers(tree_[node + 1], need)) {
          ++node;
          break;
        }
        node /= 2;
      }
    }
  }

 private:
  static bool Covers(const IndexKey& have, const IndexKey& need) {
    for (int d = 0; d < kIndexDims; ++d) {
      if (have[d] < need[d]) return false;
    }
    return true;
  }
  void Grow();
  // Recomputes a node's maxima from its children; whether they changed.
  bool Pull(size_t node);

  std::vector<uint32_t> hosts_;  // position -> host index
  size_t capacity_ = 0;          // leaves (a power of two)
  std::vector<IndexKey> tree_;   // 1-based heap layout; empty leaves hold -1
};

}  // namespace peloton::placement::internal

#endif  // PELOTON_PLACEMENT_INTERNAL_HOST_INDEX_H_
