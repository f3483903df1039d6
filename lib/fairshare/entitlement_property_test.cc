// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Property test of the entitlement calculation over 1,000 seeded random pool trees (depth up
// to 4, up to 200 pools, 4 kinds), against a brute-force reference written here: claims are
// recomputed from scratch and each division is found by bisection on the water level in
// long double, independently of the library's integer water-filling. On every tree it also
// checks, exactly:
//   - nothing exceeds the parent's entitlement (so the capacity) or the pool's limit;
//   - every pool gets min(claim, reservation) (all of it when STATIC) when the parent's
//     entitlement covers the reservations;
//   - work conservation: when the children claim at least the parent's entitlement, all of
//     it is handed out;
//   - max-min optimality: a child left below its claim has the highest share-normalised
//     excess over its reservation among its siblings (up to one unit of rounding each).

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::fairshare {
namespace {

using ::peloton::testing::IsOk;

struct RandomTree {
  PoolTree tree;
  ClusterCapacity capacity;
};

// Quantities in configured units (cores, MB, MB, GPUs), integers for readability.
RandomTree MakeRandomTree(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  RandomTree out;
  const int max_pools = static_cast<int>(uniform(1, 200));
  const int max_depth = static_cast<int>(uniform(1, 4));
  const int64_t scale = uniform(50, 2000);

  struct Pending {
    std::string path;
    int depth;
    std::array<int64_t, 4> limit;        // the parent's limit bounds the children's
    std::array<int64_t, 4> reservation;  // what the children may still reserve
  };
  std::vector<Pending> frontier = {{"", 0, {}, {}}};
  int created = 0;
  for (size_t next = 0; next < frontier.size() && created < max_pools; ++next) {
    Pending parent = frontier[next];
    if (parent.depth >= max_depth) continue;
    const int fanout = static_cast<int>(uniform(1, 8));
    for (int c = 0; c < fanout && created < max_pools; ++c) {
      PoolConfig config;
      Pending child{parent.path + "/p" + std::to_string(created), parent.depth + 1, {}, {}};
      for (int k = 0; k < 4; ++k) {
        const int64_t max_limit = parent.depth == 0 ? 2 * scale : parent.limit[k];
        const int64_t limit = uniform(0, max_limit);
        const int64_t max_res =
            std::min(limit, parent.depth == 0 ? scale / 2 : parent.reservation[k]);
        const int64_t reservation =
            uniform(0, 3) == 0 ? 0 : uniform(0, std::max<int64_t>(0, max_res));
        if (parent.depth > 0) frontier[next].reservation[k] -= reservation;
        parent.reservation[k] -= reservation;
        const double share = uniform(0, 9) == 0 ? 0.0 : 0.5 * uniform(1, 8);
        const ReservationType type =
            uniform(0, 9) == 0 ? ReservationType::kStatic : ReservationType::kElastic;
        config.resources.push_back({std::string(ResourceKindName(kAllResourceKinds[k])),
                                    static_cast<double>(reservation), static_cast<double>(limit),
                                    share, type});
        child.limit[k] = limit;
        child.reservation[k] = reservation;
      }
      if (uniform(0, 4) == 0) config.slack_limit_percent = static_cast<double>(uniform(0, 100));
      EXPECT_THAT(out.tree.Create(child.path, config), IsOk()) << child.path;
      frontier.push_back(child);
      ++created;
    }
  }
  for (PoolHandle leaf : out.tree.Leaves()) {
    if (leaf == out.tree.root()) continue;
    Resources demand, slack_demand;
    Allocation alloc;
    for (int k = 0; k < 4; ++k) {
      const int64_t unit = FixedPointScale(kAllResourceKinds[k]);
      demand.at(k) = uniform(0, 2) == 0 ? 0 : uniform(0, scale) * unit;
      alloc.total.at(k) = uniform(0, 1) == 0 ? 0 : uniform(0, scale / 2) * unit;
      slack_demand.at(k) = uniform(0, 4) == 0 ? uniform(0, scale / 4) * unit : 0;
    }
    alloc.slack = Resources::Min(alloc.total, slack_demand);
    EXPECT_THAT(out.tree.SetDemand(leaf, demand, slack_demand), IsOk());
    EXPECT_THAT(out.tree.SetAllocation(leaf, alloc), IsOk());
  }
  for (int k = 0; k < 4; ++k) {
    // From scarce (demand far above capacity) to plentiful.
    out.capacity.total.at(k) =
        uniform(0, 8) == 0 ? 0 : uniform(1, scale * 3) * FixedPointScale(kAllResourceKinds[k]);
  }
  out.capacity.slack = Resources::Of(uniform(0, scale) * 1000, 0, 0, 0);
  return out;
}

// ----- The reference ---------------------------------------------------------------------

struct RefNode {
  const Pool* pool;
  std::vector<int> children;
  std::array<long double, 4> claim{}, usable{}, entitlement{};
};

// Max-min division of `amount` with weights and caps, by bisection on the level.
std::vector<long double> RefFill(long double amount, const std::vector<long double>& w,
                                 const std::vector<long double>& cap) {
  const size_t n = w.size();
  std::vector<long double> out(n, 0);
  long double total_cap_pos = 0, total_cap_zero = 0;
  for (size_t i = 0; i < n; ++i) (w[i] > 0 ? total_cap_pos : total_cap_zero) += cap[i];
  auto level_fill = [&](const std::vector<long double>& weights, long double a, bool positive) {
    long double lo = 0, hi = 1;
    auto given = [&](long double level) {
      long double s = 0;
      for (size_t i = 0; i < n; ++i) {
        if ((weights[i] > 0) == positive)
          s += std::min(cap[i], (positive ? weights[i] : 1) * level);
      }
      return s;
    };
    while (given(hi) < a) hi *= 2;
    for (int it = 0; it < 200; ++it) {
      long double mid = (lo + hi) / 2;
      (given(mid) < a ? lo : hi) = mid;
    }
    for (size_t i = 0; i < n; ++i) {
      if ((weights[i] > 0) == positive) out[i] = std::min(cap[i], (positive ? weights[i] : 1) * hi);
    }
  };
  if (amount <= 0) return out;
  if (total_cap_pos >= amount) {
    level_fill(w, amount, true);
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    if (w[i] > 0) out[i] = cap[i];
  }
  long double rest = amount - total_cap_pos;
  if (total_cap_zero <= rest) {
    for (size_t i = 0; i < n; ++i) {
      if (w[i] <= 0) out[i] = cap[i];
    }
  } else {
    level_fill(w, rest, false);
  }
  return out;
}

class Reference {
 public:
  explicit Reference(const PoolTree& tree) {
    // Nodes in parent-before-child order; index 0 is the root.
    std::vector<PoolHandle> pools = tree.Pools();
    for (PoolHandle h : pools) {
      index_of_[h.index()] = static_cast<int>(nodes_.size());
      nodes_.push_back({&tree.pool(h), {}, {}, {}, {}});
    }
    for (PoolHandle h : pools) {
      if (auto parent = tree.Parent(h)) {
        nodes_[index_of_[parent->index()]].children.push_back(index_of_[h.index()]);
      }
    }
    for (int i = static_cast<int>(nodes_.size()) - 1; i > 0; --i) Claims(nodes_[i]);
  }

  void Compute(const ClusterCapacity& cap) {
    for (int k = 0; k < 4; ++k) nodes_[0].entitlement[k] = cap.total.at(k);
    for (RefNode& n : nodes_) Divide(n);
  }

  const RefNode& node(PoolHandle h) const { return nodes_.at(index_of_.at(h.index())); }

 private:
  void Claims(RefNode& n) {
    const Pool& p = *n.pool;
    for (int k = 0; k < 4; ++k) {
      long double raw = 0, usable = p.limit().at(k);
      if (n.children.empty()) {
        const Allocation& a = p.allocation();
        raw = (a.total.at(k) - a.slack.at(k)) + p.demand().at(k) +
              std::min<long double>(p.slack_limit().at(k), a.slack.at(k) + p.slack_demand().at(k));
      } else {
        long double usable_sum = 0;
        for (int c : n.children) {
          raw += nodes_[c].claim[k];
          usable_sum += nodes_[c].usable[k];
        }
        usable = std::min(usable, usable_sum);
      }
      const bool is_static = p.reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic;
      const long double floor = is_static ? p.reservation().at(k) : 0;
      n.claim[k] = std::min<long double>(p.limit().at(k), std::max(floor, raw));
      n.usable[k] = usable;
    }
  }

  void Divide(const RefNode& parent) {
    const size_t m = parent.children.size();
    if (m == 0) return;
    for (int k = 0; k < 4; ++k) {
      std::vector<long double> w(m), base(m), caps(m), assign(m);
      long double base_sum = 0;
      for (size_t j = 0; j < m; ++j) {
        const RefNode& c = nodes_[parent.children[j]];
        w[j] = c.pool->share(kAllResourceKinds[k]);
        const long double res = c.pool->reservation().at(k);
        base[j] = c.pool->reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic
                      ? res
                      : std::min(c.claim[k], res);
        base_sum += base[j];
      }
      const long double e = parent.entitlement[k];
      if (base_sum > e) {
        assign = RefFill(e, w, base);
      } else {
        assign = base;
        long double rest = e - base_sum;
        for (size_t j = 0; j < m; ++j)
          caps[j] = std::max<long double>(0, nodes_[parent.children[j]].claim[k] - assign[j]);
        std::vector<long double> g = RefFill(rest, w, caps);
        for (size_t j = 0; j < m; ++j) {
          assign[j] += g[j];
          rest -= g[j];
        }
        for (size_t j = 0; j < m; ++j)
          caps[j] = std::max<long double>(0, nodes_[parent.children[j]].usable[k] - assign[j]);
        g = RefFill(rest, w, caps);
        for (size_t j = 0; j < m; ++j) assign[j] += g[j];
      }
      for (size_t j = 0; j < m; ++j) nodes_[parent.children[j]].entitlement[k] = assign[j];
    }
  }

  std::vector<RefNode> nodes_;
  std::map<uint32_t, int> index_of_;
};

// ----- The properties ----------------------------------------------------------------------

void CheckInvariants(const PoolTree& tree, uint64_t seed) {
  for (PoolHandle h : tree.Pools()) {
    const Pool& parent = tree.pool(h);
    if (parent.is_leaf()) continue;
    std::vector<PoolHandle> children = tree.Children(h);
    for (int k = 0; k < 4; ++k) {
      const int64_t e = parent.entitlement().total.at(k);
      int64_t sum = 0, claims = 0, bases = 0;
      for (PoolHandle c : children) {
        const Pool& p = tree.pool(c);
        const int64_t got = p.entitlement().total.at(k);
        sum += got;
        claims += p.claim().at(k);
        const bool st = p.reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic;
        bases += st ? p.reservation().at(k) : std::min(p.claim().at(k), p.reservation().at(k));
        ASSERT_LE(got, p.limit().at(k)) << "seed " << seed << " " << p.path() << " kind " << k;
        ASSERT_GE(got, 0);
      }
      ASSERT_LE(sum, e) << "seed " << seed << " under " << parent.path() << " kind " << k;
      if (claims >= e) {
        ASSERT_EQ(sum, e) << "not work-conserving: seed " << seed << " under " << parent.path();
      }
      if (bases > e) continue;  // reservations not satisfiable: shared by weight instead
      for (PoolHandle c : children) {
        const Pool& p = tree.pool(c);
        const bool st = p.reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic;
        const int64_t base =
            st ? p.reservation().at(k) : std::min(p.claim().at(k), p.reservation().at(k));
        ASSERT_GE(p.entitlement().total.at(k), base)
            << "reservation not honoured: seed " << seed << " " << p.path() << " kind " << k;
      }
      // Max-min: an unsatisfied child (below its claim, positive weight) has the highest
      // normalised excess among siblings with positive weight.
      for (PoolHandle c : children) {
        const Pool& p = tree.pool(c);
        const double wc = p.share(kAllResourceKinds[k]);
        const int64_t got = p.entitlement().total.at(k);
        const bool st = p.reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic;
        const int64_t base_c =
            st ? p.reservation().at(k) : std::min(p.claim().at(k), p.reservation().at(k));
        if (got >= p.claim().at(k) || wc <= 0) continue;
        const long double level_c = (got - base_c + 1) / static_cast<long double>(wc);
        for (PoolHandle o : children) {
          const Pool& q = tree.pool(o);
          const double wo = q.share(kAllResourceKinds[k]);
          if (wo <= 0 || o == c) continue;
          const bool sq = q.reservation_type(kAllResourceKinds[k]) == ReservationType::kStatic;
          const int64_t base_o =
              sq ? q.reservation().at(k) : std::min(q.claim().at(k), q.reservation().at(k));
          const long double level_o =
              (q.entitlement().total.at(k) - base_o - 1) / static_cast<long double>(wo);
          ASSERT_LE(level_o, level_c + 1e-9) << "not max-min: seed " << seed << " " << q.path()
                                             << " gets more than " << p.path() << " kind " << k;
        }
      }
    }
  }
}

TEST(EntitlementPropertyTest, RandomTreesAgainstReference) {
  int compared = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    RandomTree t = MakeRandomTree(seed);
    t.tree.ComputeEntitlements(t.capacity);
    ASSERT_NO_FATAL_FAILURE(CheckInvariants(t.tree, seed));

    Reference ref(t.tree);
    ref.Compute(t.capacity);
    for (PoolHandle h : t.tree.Pools()) {
      const Pool& p = t.tree.pool(h);
      const RefNode& r = ref.node(h);
      for (int k = 0; k < 4; ++k) {
        ASSERT_EQ(p.claim().at(k), static_cast<int64_t>(r.claim[k]))
            << "seed " << seed << " " << p.path();
        ASSERT_EQ(p.usable_limit().at(k), static_cast<int64_t>(r.usable[k]))
            << "seed " << seed << " " << p.path();
        // Integer rounding (at most one unit per division) accumulates down the tree.
        ASSERT_NEAR(static_cast<long double>(p.entitlement().total.at(k)), r.entitlement[k], 16)
            << "seed " << seed << " " << p.path() << " kind " << k;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 100000);
}

TEST(EntitlementPropertyTest, IncrementalEqualsFullUnderRandomChanges) {
  std::mt19937_64 rng(7);
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    RandomTree t = MakeRandomTree(seed);
    t.tree.ComputeEntitlements(t.capacity);
    std::vector<PoolHandle> leaves = t.tree.Leaves();
    if (leaves.front() == t.tree.root()) continue;
    for (int step = 0; step < 20; ++step) {
      PoolHandle leaf = leaves[rng() % leaves.size()];
      Resources d;
      for (int k = 0; k < 4; ++k) d.at(k) = static_cast<int64_t>(rng() % 100000);
      ASSERT_THAT(t.tree.SetDemand(leaf, d, {}), IsOk());
      if (step % 5 == 0) t.capacity.total[ResourceKind::kCpu] += 1000;
      t.tree.ComputeEntitlements(t.capacity);
      PoolTree full = t.tree;
      full.ComputeEntitlements(t.capacity, ComputeMode::kFull);
      for (PoolHandle h : t.tree.Pools()) {
        ASSERT_EQ(t.tree.pool(h).entitlement(), full.pool(h).entitlement())
            << "seed " << seed << " step " << step << " " << t.tree.pool(h).path();
      }
    }
  }
}

}  // namespace
}  // namespace peloton::fairshare
