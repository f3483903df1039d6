// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// HostIndex: hosts of one class (with or without GPUs) in cluster order, in a tree whose nodes
// hold the per-dimension maximum of their hosts' free resources. A search visits, in cluster
// order, only hosts whose free resources could hold a demand (every dimension at least the
// demand), skipping whole subtrees that cannot; the caller's visitor decides (runs the
// filters) and stops the search. First fit is then O(log n) per host visited, and a change to
// one host is O(log n).
//
// The tree is 8-ary. A node keeps its eight children's maxima side by side per dimension
// (three cache lines), so one step of a descent tests eight children with a few vector
// instructions, and a path from the root is 5 nodes at 10,000 hosts (a binary tree: 14).
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
    if (hosts_.empty()) return false;
    // Depth first, children in order; each level remembers the covering children not yet
    // tried.
    struct Level {
      size_t node;
      uint32_t untried;
    };
    std::array<Level, kMaxLevels> stack;
    int depth = 0;
    stack[0] = {0, Covering(nodes_[0], need)};
    while (depth >= 0) {
      Level& at = stack[depth];
      if (at.untried == 0) {
        --depth;
        continue;
      }
      const int child = __builtin_ctz(at.untried);
      at.untried &= at.untried - 1;
      if (depth == levels_ - 1) {  // the children are hosts
        const size_t position = (at.node - bottom_) * kFanout + child;
        if (position < hosts_.size() && visit(hosts_[position])) return true;
        continue;
      }
      const size_t node = kFanout * at.node + 1 + child;
      if (node >= nodes_.size()) continue;  // an empty subtree (only a negative need gets here)
      stack[++depth] = {node, Covering(nodes_[node], need)};
    }
    return false;
  }

 private:
  static constexpr int kFanout = 8;
  static constexpr int kMaxLevels = 11;  // 8^11 > 2^32 hosts

  // Per dimension, the maximum of each child's subtree (at the last level: each host's key).
  // An empty child holds -1 everywhere.
  struct alignas(64) Node {
    std::array<std::array<int32_t, kFanout>, kIndexDims> max;
  };
  static Node EmptyNode();
  // Bit i set when child i's maxima are >= need in every dimension.
  static uint32_t Covering(const Node& node, const IndexKey& need);
  // The maxima over a node's children: what its parent keeps for it.
  static IndexKey Maxima(const Node& node);
  static void SetChild(Node& node, int child, const IndexKey& key);
  static bool ChildIs(const Node& node, int child, const IndexKey& key);

  void Grow();  // one more level: eight times the capacity

  std::vector<uint32_t> hosts_;  // position -> host index
  int levels_ = 0;               // levels of nodes; hosts are the children of the last
  size_t bottom_ = 0;            // the first node of the last level
  size_t capacity_ = 0;          // hosts the levels can hold: 8^levels_
  std::vector<Node> nodes_;      // implicit: node i's children are 8i+1..8i+8
};

}  // namespace peloton::placement::internal

#endif  // PELOTON_PLACEMENT_INTERNAL_HOST_INDEX_H_
