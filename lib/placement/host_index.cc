// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/placement/internal/host_index.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace peloton::placement::internal {
namespace {

constexpr IndexKey kEmpty = {-1, -1, -1, -1, -1, -1};

}  // namespace

HostIndex::Node HostIndex::EmptyNode() {
  Node n;
  for (auto& lanes : n.max) lanes.fill(-1);
  return n;
}

uint32_t HostIndex::Covering(const Node& node, const IndexKey& need) {
#if defined(__SSE2__)
  __m128i short_lo = _mm_setzero_si128(), short_hi = _mm_setzero_si128();
  for (int d = 0; d < kIndexDims; ++d) {
    const __m128i n = _mm_set1_epi32(need[d]);
    const __m128i* lanes = reinterpret_cast<const __m128i*>(node.max[d].data());
    short_lo = _mm_or_si128(short_lo, _mm_cmplt_epi32(_mm_load_si128(lanes), n));
    short_hi = _mm_or_si128(short_hi, _mm_cmplt_epi32(_mm_load_si128(lanes + 1), n));
  }
  const int short_of = _mm_movemask_ps(_mm_castsi128_ps(short_lo)) |
                       (_mm_movemask_ps(_mm_castsi128_ps(short_hi)) << 4);
  return ~static_cast<uint32_t>(short_of) & 0xFFu;
#else
  uint32_t covering = 0xFFu;
  for (int d = 0; d < kIndexDims; ++d) {
    for (int c = 0; c < kFanout; ++c) {
      if (node.max[d][c] < need[d]) covering &= ~(1u << c);
    }
  }
  return covering;
#endif
}

#if defined(__SSE2__)
namespace {
__m128i Max32(__m128i a, __m128i b) {  // SSE2 has no pmaxsd
  const __m128i a_greater = _mm_cmpgt_epi32(a, b);
  return _mm_or_si128(_mm_and_si128(a_greater, a), _mm_andnot_si128(a_greater, b));
}
}  // namespace
#endif

IndexKey HostIndex::Maxima(const Node& node) {
  IndexKey key;
  for (int d = 0; d < kIndexDims; ++d) {
#if defined(__SSE2__)
    const __m128i* lanes = reinterpret_cast<const __m128i*>(node.max[d].data());
    __m128i m = Max32(_mm_load_si128(lanes), _mm_load_si128(lanes + 1));
    m = Max32(m, _mm_shuffle_epi32(m, 0x4E));  // lanes 2,3,0,1
    m = Max32(m, _mm_shuffle_epi32(m, 0xB1));  // lanes 1,0,3,2
    key[d] = _mm_cvtsi128_si32(m);
#else
    key[d] = *std::max_element(node.max[d].begin(), node.max[d].end());
#endif
  }
  return key;
}

void HostIndex::SetChild(Node& node, int child, const IndexKey& key) {
  for (int d = 0; d < kIndexDims; ++d) node.max[d][child] = key[d];
}

bool HostIndex::ChildIs(const Node& node, int child, const IndexKey& key) {
  for (int d = 0; d < kIndexDims; ++d) {
    if (node.max[d][child] != key[d]) return false;
  }
  return true;
}

void HostIndex::Grow() {
  // The hosts' keys, from the last level.
  std::vector<IndexKey> keys(hosts_.size());
  for (size_t p = 0; p < hosts_.size(); ++p) {
    const Node& n = nodes_[bottom_ + p / kFanout];
    for (int d = 0; d < kIndexDims; ++d) keys[p][d] = n.max[d][p % kFanout];
  }
  ++levels_;
  // The last level starts after 1 + 8 + ... + 8^(levels_-2) nodes and holds 8^(levels_-1).
  bottom_ = 0;
  size_t level_size = 1;
  for (int l = 1; l < levels_; ++l) {
    bottom_ += level_size;
    level_size *= kFanout;
  }
  capacity_ = level_size * kFanout;
  nodes_.assign(bottom_ + (hosts_.size() + kFanout - 1) / kFanout, EmptyNode());
  if (nodes_.empty()) nodes_.push_back(EmptyNode());  // the root
  for (size_t p = 0; p < keys.size(); ++p) {
    SetChild(nodes_[bottom_ + p / kFanout], static_cast<int>(p % kFanout), keys[p]);
  }
  // Upper levels from the bottom up: a node's children have larger indices.
  for (size_t i = bottom_; i-- > 0;) {
    for (int c = 0; c < kFanout; ++c) {
      const size_t child = kFanout * i + 1 + c;
      SetChild(nodes_[i], c, child < nodes_.size() ? Maxima(nodes_[child]) : kEmpty);
    }
  }
}

void HostIndex::Add(uint32_t host, const IndexKey& key) {
  if (hosts_.size() == capacity_) Grow();
  hosts_.push_back(host);
  const size_t node = bottom_ + (hosts_.size() - 1) / kFanout;
  if (node >= nodes_.size()) nodes_.resize(node + 1, EmptyNode());
  Update(static_cast<uint32_t>(hosts_.size() - 1), key);
}

void HostIndex::Update(uint32_t position, const IndexKey& key) {
  size_t node = bottom_ + position / kFanout;
  SetChild(nodes_[node], static_cast<int>(position % kFanout), key);
  // Up the tree until a node's maxima do not change (usually after a level or two).
  while (node > 0) {
    const IndexKey maxima = Maxima(nodes_[node]);
    const size_t parent = (node - 1) / kFanout;
    const int child = static_cast<int>((node - 1) % kFanout);
    if (ChildIs(nodes_[parent], child, maxima)) return;
    SetChild(nodes_[parent], child, maxima);
    node = parent;
  }
}

void HostIndex::Raise(uint32_t position, const IndexKey& key) {
  size_t node = bottom_ + position / kFanout;
  SetChild(nodes_[node], static_cast<int>(position % kFanout), key);
  while (node > 0) {
    const size_t parent = (node - 1) / kFanout;
    const int child = static_cast<int>((node - 1) % kFanout);
    bool changed = false;
    for (int d = 0; d < kIndexDims; ++d) {
      int32_t& m = nodes_[parent].max[d][child];
      if (key[d] > m) {
        m = key[d];
        changed = true;
      }
    }
    if (!changed) return;
    node = parent;
  }
}

}  // namespace peloton::placement::internal
