// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Placement: each plugin, reference §7 scenarios 7 (host limit), 8 (exclusive hosts) and 9
// (pack vs spread) at library level, the GPU rules, gang atomicity and the registry.

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/placement/placer.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::placement {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Cond = LabelConstraint::Condition;

HostSpec CpuHost(const std::string& name, int64_t cores = 12, int64_t mem = 32768) {
  HostSpec h;
  h.name = name;
  h.capacity = Resources::Of(cores * 1000, mem, 100000, 0);
  h.ports = {{31000, 31009}};
  return h;
}

HostSpec GpuHost(const std::string& name, int gpus, const std::string& model = "V100") {
  HostSpec h = CpuHost(name, 64, 262144);
  h.capacity[ResourceKind::kGpu] = 1000 * gpus;
  h.gpus.assign(gpus, GpuDevice{model, 1000});
  return h;
}

TaskSpec Task(const std::string& id, int64_t milli_cpu = 1000, int64_t milli_gpu = 0) {
  TaskSpec t;
  t.id = id;
  t.job_id = "job";
  t.demand = Resources::Of(milli_cpu, 128, 0, milli_gpu);
  return t;
}

std::vector<Gang> Singles(const std::vector<TaskSpec>& tasks) {
  std::vector<Gang> out;
  for (const TaskSpec& t : tasks) out.push_back({{t}});
  return out;
}

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(RegisterBuiltinPlugins(registry_), IsOk()); }

  PlacementResult PlaceWith(const std::string& profile, const std::vector<Gang>& gangs,
                            ProfileOptions options = {}) {
    auto p = registry_.Build(profile, options);
    EXPECT_THAT(p, IsOk());
    auto r = Place(gangs, cluster_, *p);
    EXPECT_THAT(r, IsOk());
    return *std::move(r);
  }
  std::string HostOf(const Allocation& a) { return cluster_.host(a.host).name; }
  std::string HostOf(const Placed& p) { return HostOf(p.allocation); }
  std::set<std::string> Hosts(const PlacementResult& r) {
    std::set<std::string> out;
    for (const Placed& p : r.placed) out.insert(HostOf(p));
    return out;
  }

  PluginRegistry registry_;
  Cluster cluster_;
};

// Busy hosts are "not now"; a demand, a GPU model or a label no host has is "never".
TEST_F(PlacementTest, NeverFitTellsABusyClusterFromOneTooSmall) {
  HostSpec labelled = CpuHost("a");
  labelled.attributes["zone"] = "z1";
  ASSERT_THAT(cluster_.AddHost(labelled), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("g", 2, "T4")), IsOk());
  // Fill both hosts' cpu; what waits now could still fit an empty host.
  ASSERT_THAT(cluster_.Allocate(0, Task("fill-a", 12000)), IsOk());
  ASSERT_THAT(cluster_.Allocate(1, Task("fill-g", 64000)), IsOk());
  ASSERT_THAT(cluster_.SetHostState(0, HostState::kDraining), IsOk());
  auto profile = registry_.Build("pack");
  ASSERT_THAT(profile, IsOk());
  Cluster empty = cluster_.EmptyTwin();
  ASSERT_EQ(empty.size(), 2u);
  EXPECT_EQ(empty.host(0).free, empty.host(0).capacity);
  EXPECT_EQ(empty.host(0).state, HostState::kUp);
  EXPECT_EQ(empty.host(1).free_port_count, 10u);

  const auto never = [&](const Gang& g) {
    absl::StatusOr<std::optional<FilterReason>> r = NeverFitReason(g, empty, *profile);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : std::optional<FilterReason>(FilterReason::kUnknown);
  };
  EXPECT_EQ(never({{Task("small", 4000)}}), std::nullopt);
  EXPECT_EQ(never({{Task("gpu", 1000, 2000)}}), std::nullopt);
  // Nothing was left taken on the twin.
  EXPECT_EQ(empty.host(1).free, empty.host(1).capacity);
  EXPECT_EQ(never({{Task("huge", 65000)}}), FilterReason::kInsufficientResources);
  EXPECT_EQ(never({{Task("three-gpus", 1000, 3000)}}), FilterReason::kInsufficientResources);
  TaskSpec a100 = Task("a100", 1000, 1000);
  a100.gpu_models = {"A100"};
  EXPECT_EQ(never({{a100}}), FilterReason::kMismatchGpu);
  TaskSpec ports = Task("ports");
  ports.num_ports = 11;
  EXPECT_EQ(never({{ports}}), FilterReason::kInsufficientPorts);
  TaskSpec ssh = Task("ssh");
  ssh.static_ports = {22};  // outside every host's ranges
  EXPECT_EQ(never({{ssh}}), FilterReason::kInsufficientPorts);
  ssh.static_ports = {31005};
  EXPECT_EQ(never({{ssh}}), std::nullopt);
  TaskSpec zone = Task("zone");
  zone.constraint = Constraint::Host("zone", "z2", Cond::kEqual, 1);
  EXPECT_EQ(never({{zone}}), FilterReason::kMismatchConstraints);
  zone.constraint = Constraint::Host("zone", "z1", Cond::kEqual, 1);
  EXPECT_EQ(never({{zone}}), std::nullopt);
  // Each of a gang fits alone, not all at once: the gang never fits.
  EXPECT_EQ(never({{Task("g0", 40000), Task("g1", 40000)}}), FilterReason::kInsufficientResources);
  Cluster none;
  EXPECT_EQ(NeverFitReason({{Task("x")}}, none, *profile).value(), FilterReason::kNoOffer);
}

// A revocable task's cpu is its host's revocable cpu (slack), its memory the host's capacity:
// slack cpu does not crowd out regular work, nor regular cpu slack work; a host declaring no
// slack can never hold a revocable task that asks for cpu.
TEST_F(PlacementTest, RevocableTasksTakeTheirCpuFromTheHostsSlack) {
  HostSpec slack = CpuHost("slack", 2, 1024);
  slack.revocable_milli_cpu = 1500;
  ASSERT_THAT(cluster_.AddHost(slack), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("plain", 2, 1024)), IsOk());
  const auto revocable = [](const std::string& id, int64_t milli_cpu) {
    TaskSpec t = Task(id, milli_cpu);
    t.revocable = true;
    return t;
  };
  PlacementResult r = PlaceWith("pack", Singles({revocable("r1", 1000), revocable("r2", 1000)}));
  ASSERT_THAT(r.placed, SizeIs(1));  // 1.5 revocable cores: one of the two
  EXPECT_EQ(HostOf(r.placed[0]), "slack");
  EXPECT_TRUE(r.placed[0].allocation.revocable);
  const Host& h = cluster_.host(0);
  EXPECT_EQ(h.revocable_free_cpu, 500);
  EXPECT_EQ(h.free.milli_cpu(), 2000);  // the regular cpu is untouched ...
  EXPECT_EQ(h.free.memory_mb(), 1024 - 128);  // ... its memory is the host's
  // Regular work still has both hosts' cpu.
  r = PlaceWith("pack", Singles({Task("n1", 2000), Task("n2", 2000)}));
  EXPECT_THAT(r.placed, SizeIs(2));
  // Given back, the revocable cpu is free again; another copy claims the same allocation.
  Cluster copy = cluster_;
  PlacementResult again = PlaceWith("pack", Singles({revocable("r3", 500)}));
  ASSERT_THAT(again.placed, SizeIs(1));
  ASSERT_THAT(copy.Claim(again.placed[0].allocation), IsOk());
  EXPECT_EQ(copy.host(0).revocable_free_cpu, 0);
  EXPECT_THAT(copy.Claim(again.placed[0].allocation),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("revocable")));
  ASSERT_THAT(cluster_.Release(again.placed[0].allocation), IsOk());
  EXPECT_EQ(cluster_.host(0).revocable_free_cpu, 500);
  // Never: more revocable cpu than any host declares, or a cluster without slack.
  auto profile = registry_.Build("pack");
  ASSERT_THAT(profile, IsOk());
  Cluster empty = cluster_.EmptyTwin();
  EXPECT_EQ(empty.host(0).revocable_free_cpu, 1500);
  EXPECT_EQ(NeverFitReason({{revocable("big", 1600)}}, empty, *profile).value(),
            FilterReason::kInsufficientResources);
  EXPECT_EQ(NeverFitReason({{revocable("ok", 1500)}}, empty, *profile).value(), std::nullopt);
  HostSpec bad = CpuHost("bad");
  bad.revocable_milli_cpu = -1;
  EXPECT_THAT(cluster_.AddHost(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("revocable cpu is negative")));
}

// Counts not known (what will run on a host) satisfy their label constraint; known ones decide.
TEST(SatisfiesTest, UnknownCountsSatisfyTheirLabelConstraint) {
  const Constraint zone = Constraint::Host("zone", "z1", Cond::kEqual, 1);
  const Constraint apart = Constraint::Task("app", "x", Cond::kLessThan, 1);
  const auto host_only = [](uint32_t zone_count) {
    return [zone_count](const LabelConstraint& l) -> std::optional<uint32_t> {
      if (l.kind != LabelConstraint::Kind::kHost) return std::nullopt;
      return zone_count;
    };
  };
  EXPECT_TRUE(Satisfies(Constraint::And({zone, apart}), host_only(1)));
  EXPECT_FALSE(Satisfies(Constraint::And({zone, apart}), host_only(0)));
  EXPECT_TRUE(Satisfies(Constraint::Or({zone, apart}), host_only(0)));
  EXPECT_FALSE(Satisfies(apart, [](const LabelConstraint&) { return std::optional<uint32_t>(2); }));
  EXPECT_TRUE(Satisfies(Constraint(), host_only(0)));
  const std::string z1 = "z1";
  EXPECT_EQ(HostLabelCount("h", &z1, {"zone", "z1"}), 1u);
  EXPECT_EQ(HostLabelCount("h", nullptr, {"zone", "z1"}), 0u);
  EXPECT_EQ(HostLabelCount("h", nullptr, {std::string(kHostnameLabel), "h"}), 1u);
}

// A task's labels count on its host while it holds the allocation, each label on its own: a
// key and value that join alike ("a=b" "c", "a" "b=c") are two labels.
TEST_F(PlacementTest, ATasksLabelsCountOnItsHostUntilReleased) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  TaskSpec t = Task("t");
  t.labels = {{"a=b", "c"}, {"app", "x"}};
  auto held = cluster_.Allocate(0, t);
  ASSERT_THAT(held, IsOk());
  auto again = cluster_.Allocate(0, t);
  ASSERT_THAT(again, IsOk());
  const Host& h = cluster_.host(0);
  EXPECT_EQ(h.LabelCount(LabelConstraint::Kind::kTask, {"a=b", "c"}), 2u);
  EXPECT_EQ(h.LabelCount(LabelConstraint::Kind::kTask, {"app", "x"}), 2u);
  EXPECT_EQ(h.LabelCount(LabelConstraint::Kind::kTask, {"a", "b=c"}), 0u);
  EXPECT_NE(LabelKey({"a=b", "c"}), LabelKey({"a", "b=c"}));
  ASSERT_THAT(cluster_.Release(*held), IsOk());
  EXPECT_EQ(h.LabelCount(LabelConstraint::Kind::kTask, {"app", "x"}), 1u);
  ASSERT_THAT(cluster_.Release(*again), IsOk());
  EXPECT_EQ(h.LabelCount(LabelConstraint::Kind::kTask, {"a=b", "c"}), 0u);
  EXPECT_TRUE(h.task_labels.empty());
}

// A pinned task goes to its host or nowhere; a hint alone falls back to any host.
TEST_F(PlacementTest, APinnedTaskGoesToItsHostOrWaits) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("b")), IsOk());
  auto profile = registry_.Build("pack");
  ASSERT_THAT(profile, IsOk());
  const auto place = [&](TaskSpec t) {
    absl::StatusOr<PlacementResult> r = Place({Gang{{std::move(t)}}}, cluster_, *profile);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *std::move(r) : PlacementResult{};
  };
  TaskSpec pinned = Task("pinned", 1000);
  pinned.desired_host = "b";
  pinned.pinned = true;
  PlacementResult r = place(pinned);
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(cluster_.host(r.placed[0].allocation.host).name, "b");

  // Its host full: it waits, with the host's reason, though "a" is free.
  ASSERT_THAT(cluster_.Allocate(1, Task("fill-b", 11000)), IsOk());
  pinned.id = "pinned-2";
  r = place(pinned);
  EXPECT_TRUE(r.placed.empty());
  ASSERT_EQ(r.unplaced.size(), 1u);
  EXPECT_EQ(r.unplaced[0].reason, FilterReason::kInsufficientResources);
  EXPECT_EQ(r.rejections[FilterReason::kInsufficientResources], 1);
  // The same as a hint lands on "a".
  TaskSpec hinted = pinned;
  hinted.pinned = false;
  r = place(hinted);
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(cluster_.host(r.placed[0].allocation.host).name, "a");

  // A host that is not in the cluster: no offer, now and on an empty cluster (never, until it
  // joins).
  pinned.desired_host = "c";
  r = place(pinned);
  ASSERT_EQ(r.unplaced.size(), 1u);
  EXPECT_EQ(r.unplaced[0].reason, FilterReason::kNoOffer);
  Cluster empty = cluster_.EmptyTwin();
  EXPECT_EQ(NeverFitReason({{pinned}}, empty, *profile).value(), FilterReason::kNoOffer);
  pinned.desired_host = "b";
  EXPECT_EQ(NeverFitReason({{pinned}}, empty, *profile).value(), std::nullopt);

  pinned.desired_host.clear();
  EXPECT_THAT(Place({Gang{{pinned}}}, cluster_, *profile).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty desired_host")));
}

// Scenario 9 (test_placement_strategy_pack / _spread).
TEST_F(PlacementTest, PackPutsSmallTasksOnOneHostSpreadJobOnDistinctHosts) {
  for (const char* h : {"a", "b", "c"}) ASSERT_THAT(cluster_.AddHost(CpuHost(h)), IsOk());
  std::vector<TaskSpec> small;
  for (int i = 0; i < 5; ++i) small.push_back(Task("pack-" + std::to_string(i)));
  PlacementResult packed = PlaceWith("pack", Singles(small));
  EXPECT_THAT(packed.placed, SizeIs(5));
  EXPECT_THAT(Hosts(packed), ElementsAre("a"));

  std::vector<TaskSpec> spread;
  for (int i = 0; i < 3; ++i) {
    TaskSpec t = Task("spread-" + std::to_string(i));
    t.job_id = "spread-job";
    t.strategy = PlacementStrategy::kSpreadJob;
    spread.push_back(t);
  }
  PlacementResult spreaded = PlaceWith("pack", Singles(spread));
  EXPECT_THAT(Hosts(spreaded), ElementsAre("a", "b", "c"));
  // More SPREAD_JOB tasks than hosts: the rest still run (best effort).
  TaskSpec extra = spread[0];
  extra.id = "spread-3";
  EXPECT_THAT(PlaceWith("pack", Singles({extra})).placed, SizeIs(1));
}

// Resources another framework holds come out of free: placement sees what is really there.
TEST_F(PlacementTest, ReservedResourcesAreNotPlacedOn) {
  for (const char* h : {"a", "b"}) ASSERT_THAT(cluster_.AddHost(CpuHost(h)), IsOk());
  const Resources all = cluster_.host(0).free;
  ASSERT_THAT(cluster_.SetReserved(0, Resources::Of(all.milli_cpu(), 0, 0, 0)), IsOk());
  EXPECT_EQ(cluster_.host(0).free.milli_cpu(), 0);
  PlacementResult r = PlaceWith("pack", Singles({Task("t")}));
  ASSERT_THAT(r.placed, SizeIs(1));
  EXPECT_EQ(HostOf(r.placed[0]), "b");  // a is taken by someone else
  // Given back: a is first fit again; an allocation there is released with its host's reserve.
  ASSERT_THAT(cluster_.SetReserved(0, Resources()), IsOk());
  PlacementResult again = PlaceWith("pack", Singles({Task("u")}));
  ASSERT_THAT(again.placed, SizeIs(1));
  EXPECT_EQ(HostOf(again.placed[0]), "a");
  ASSERT_THAT(cluster_.SetReserved(0, Resources::Of(1000, 0, 0, 0)), IsOk());
  EXPECT_THAT(cluster_.Release(again.placed[0].allocation), IsOk());
  EXPECT_EQ(cluster_.host(0).free + cluster_.host(0).reserved, all);
  // Refusals change nothing.
  EXPECT_THAT(cluster_.SetReserved(0, Resources::Of(0, 0, 0, 1000)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(cluster_.SetReserved(0, Resources::Of(all.milli_cpu() + 1, 0, 0, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(cluster_.host(0).reserved.milli_cpu(), 1000);
  EXPECT_THAT(cluster_.SetReserved(9, Resources()), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Release takes back only what the host's allocations can hold (capacity less what is
// reserved): an allocation released twice is refused once its second return would exceed
// that, also beyond 2^31 (where the host's first-line copy of the limit saturates), and a
// refusal changes nothing.
TEST_F(PlacementTest, ReleaseRefusesMoreThanTheHostsAllocationsHold) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("small", 8)), IsOk());
  HostSpec huge = CpuHost("huge", 8, int64_t{3} << 31);
  ASSERT_THAT(cluster_.AddHost(huge), IsOk());
  ASSERT_THAT(cluster_.SetReserved(0, Resources::Of(2000, 0, 0, 0)), IsOk());
  absl::StatusOr<Allocation> four = cluster_.Allocate(0, Task("four", 4000));
  absl::StatusOr<Allocation> two = cluster_.Allocate(0, Task("two", 2000));
  ASSERT_THAT(four, IsOk());
  ASSERT_THAT(two, IsOk());
  ASSERT_THAT(cluster_.Release(*four), IsOk());
  const Resources free = cluster_.host(0).free;
  // 4 free + 4 returned = 8 = capacity, but 2 of it is reserved.
  EXPECT_THAT(cluster_.Release(*four), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(cluster_.host(0).free, free);
  EXPECT_EQ(cluster_.host(0).tasks, 1u);

  TaskSpec big = Task("big");
  big.demand[ResourceKind::kMemory] = int64_t{2} << 31;
  absl::StatusOr<Allocation> most = cluster_.Allocate(1, big);
  absl::StatusOr<Allocation> rest = cluster_.Allocate(1, Task("rest"));
  ASSERT_THAT(most, IsOk());
  ASSERT_THAT(rest, IsOk());
  ASSERT_THAT(cluster_.Release(*most), IsOk());
  EXPECT_THAT(cluster_.Release(*most), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(cluster_.host(1).free.memory_mb(), (int64_t{3} << 31) - 128);
  ASSERT_THAT(cluster_.Release(*rest), IsOk());
  EXPECT_EQ(cluster_.host(1).free, huge.capacity);
}

// Job keys are the same in every process (allocations travel between copies of a cluster):
// FNV-1a 64, whose published value for "a" is fixed; never 0, which means "not counted".
TEST(JobKeyTest, IsStableAndNeverZero) {
  EXPECT_EQ(JobKey("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(JobKey(""), 0xcbf29ce484222325ull);
  EXPECT_NE(JobKey("job-1"), JobKey("job-2"));
}

// Scenario 7 (test__host_limit): 4 instances with a TASK-label host limit of 1 on 3 hosts.
TEST_F(PlacementTest, HostLimitSpreadsAndLeavesOneUnplaced) {
  for (const char* h : {"a", "b", "c"}) ASSERT_THAT(cluster_.AddHost(CpuHost(h)), IsOk());
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < 4; ++i) {
    TaskSpec t = Task("limited-" + std::to_string(i));
    t.labels = {{"app", "limited"}};
    t.constraint = Constraint::Task("app", "limited", Cond::kLessThan, 1);
    tasks.push_back(t);
  }
  PlacementResult r = PlaceWith("pack", Singles(tasks));
  ASSERT_THAT(r.placed, SizeIs(3));
  EXPECT_THAT(Hosts(r), ElementsAre("a", "b", "c"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.placed[i].task_id, "limited-" + std::to_string(i));
  ASSERT_THAT(r.unplaced, SizeIs(1));
  EXPECT_EQ(r.unplaced[0].task_id, "limited-3");
  EXPECT_EQ(r.unplaced[0].reason, FilterReason::kMismatchConstraints);
  // Rejections are counted for the task that found no host: all three turned it away.
  EXPECT_EQ(r.rejections[FilterReason::kMismatchConstraints], 3);
}

// Scenario 8 (test_placement_exclusive_job / _non_exclusive_job).
TEST_F(PlacementTest, ExclusiveHostsOnlyTakeTasksThatAskForThem) {
  HostSpec exclusive = CpuHost("exclusive");
  exclusive.attributes[std::string(kExclusiveAttribute)] = "exclusive-test-label";
  ASSERT_THAT(cluster_.AddHost(exclusive), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("shared")), IsOk());
  std::vector<TaskSpec> plain, pinned;
  for (int i = 0; i < 3; ++i) {
    plain.push_back(Task("plain-" + std::to_string(i)));
    TaskSpec t = Task("pinned-" + std::to_string(i));
    t.constraint =
        Constraint::Host(std::string(kExclusiveAttribute), "exclusive-test-label", Cond::kEqual, 1);
    pinned.push_back(t);
  }
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles(plain))), ElementsAre("shared"));
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles(pinned))), ElementsAre("exclusive"));
}

TEST_F(PlacementTest, HostConstraintsAndAndOr) {
  HostSpec a = CpuHost("a"), b = CpuHost("b");
  a.attributes["zone"] = "z1";
  b.attributes["zone"] = "z2";
  b.attributes["ssd"] = "true";
  ASSERT_THAT(cluster_.AddHost(a), IsOk());
  ASSERT_THAT(cluster_.AddHost(b), IsOk());
  TaskSpec t = Task("t");
  t.constraint = Constraint::And({Constraint::Host("zone", "z2", Cond::kEqual, 1),
                                  Constraint::Host("ssd", "true", Cond::kEqual, 1)});
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles({t}))), ElementsAre("b"));
  t.id = "u";
  t.constraint = Constraint::Or({Constraint::Host("zone", "z9", Cond::kEqual, 1),
                                 Constraint::Host("hostname", "a", Cond::kEqual, 1)});
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles({t}))), ElementsAre("a"));
  t.id = "v";
  t.constraint = Constraint::Host("zone", "z1", Cond::kEqual, 0);  // not in z1
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles({t}))), ElementsAre("b"));
}

TEST_F(PlacementTest, CpuTasksAvoidGpuHostsWhileACpuHostFits) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("gpu", 4)), IsOk());  // first in cluster order
  ASSERT_THAT(cluster_.AddHost(CpuHost("cpu", 2)), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("gpu-2", 4)), IsOk());
  PlacementResult r = PlaceWith("pack", Singles({Task("c0"), Task("c1"), Task("c2")}));
  ASSERT_THAT(r.placed, SizeIs(3));
  EXPECT_EQ(HostOf(r.placed[0]), "cpu");
  EXPECT_EQ(HostOf(r.placed[1]), "cpu");
  EXPECT_EQ(HostOf(r.placed[2]), "gpu");  // the CPU host is full: soft rule lets it through
  // Hard mode: never on a GPU host.
  PlacementResult hard = PlaceWith("pack", Singles({Task("c3")}), {.scarce_gpu_hard = true});
  EXPECT_THAT(hard.placed, IsEmpty());
  ASSERT_THAT(hard.unplaced, SizeIs(1));
  EXPECT_EQ(hard.unplaced[0].reason, FilterReason::kScarceResources);
}

TEST_F(PlacementTest, GpuModelsAndWholeDevices) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("t4", 2, "T4")), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("v100", 2, "V100")), IsOk());
  TaskSpec t = Task("needs-v100", 1000, 2000);
  t.gpu_models = {"V100", "A100"};
  PlacementResult r = PlaceWith("pack", Singles({t}));
  ASSERT_THAT(r.placed, SizeIs(1));
  EXPECT_EQ(HostOf(r.placed[0]), "v100");
  EXPECT_THAT(r.placed[0].allocation.gpus(), SizeIs(2));  // two whole devices
  TaskSpec again = t;
  again.id = "needs-v100-again";
  PlacementResult full = PlaceWith("pack", Singles({again}));
  ASSERT_THAT(full.unplaced, SizeIs(1));
  // t4 has the wrong model, v100 no free GPU: a tie, reported as the lower reason number.
  EXPECT_EQ(full.unplaced[0].reason, FilterReason::kMismatchGpu);
  EXPECT_EQ(full.rejections[FilterReason::kMismatchGpu], 1);
  EXPECT_EQ(full.rejections[FilterReason::kInsufficientResources], 1);
}

TEST_F(PlacementTest, FractionalTasksShareADeviceWithoutExceedingIt) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("g", 2)), IsOk());
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(Task("f" + std::to_string(i), 100, 400));
  PlacementResult r = PlaceWith("pack", Singles(tasks));
  EXPECT_THAT(r.placed, SizeIs(4));  // 2 per device: 400 + 400 <= 1000, a third would not fit
  for (const GpuDevice& d : cluster_.host(0).gpus) EXPECT_EQ(d.free_milli, 200);
  // A whole-GPU task no longer fits: 400 milli-gpu free in all.
  PlacementResult whole = PlaceWith("pack", Singles({Task("w", 100, 1000)}));
  ASSERT_THAT(whole.unplaced, SizeIs(1));
  EXPECT_EQ(whole.unplaced[0].reason, FilterReason::kInsufficientResources);
  // Best-fit device choice: a 200 share goes to a device with exactly 200 left.
  PlacementResult exact = PlaceWith("pack", Singles({Task("e", 100, 200)}));
  ASSERT_THAT(exact.placed, SizeIs(1));
  EXPECT_EQ(cluster_.host(0).gpus[exact.placed[0].allocation.gpus()[0].first].free_milli, 0);
}

TEST_F(PlacementTest, GangIsAllOrNothing) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a", 2)), IsOk());
  Gang gang{{Task("g0"), Task("g1"), Task("g2")}};
  PlacementResult r = PlaceWith("pack", {gang});
  EXPECT_THAT(r.placed, IsEmpty());
  ASSERT_THAT(r.unplaced, SizeIs(3));
  EXPECT_EQ(r.unplaced[2].reason, FilterReason::kInsufficientResources);
  EXPECT_EQ(r.unplaced[0].reason, FilterReason::kGangIncomplete);
  EXPECT_EQ(cluster_.host(0).free, cluster_.host(0).capacity);  // released
  EXPECT_EQ(cluster_.host(0).tasks, 0u);
}

TEST_F(PlacementTest, HostStatePortsAndDesiredHost) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("b")), IsOk());
  ASSERT_THAT(cluster_.SetHostState(0, HostState::kDraining), IsOk());
  PlacementResult r = PlaceWith("pack", Singles({Task("t")}));
  EXPECT_THAT(Hosts(r), ElementsAre("b"));
  ASSERT_THAT(cluster_.SetHostState(0, HostState::kUp), IsOk());
  TaskSpec ported = Task("p");
  ported.num_ports = 11;  // hosts have 10
  PlacementResult none = PlaceWith("pack", Singles({ported}));
  ASSERT_THAT(none.unplaced, SizeIs(1));
  EXPECT_EQ(none.unplaced[0].reason, FilterReason::kInsufficientPorts);
  ported.num_ports = 3;
  PlacementResult three = PlaceWith("pack", Singles({ported}));
  ASSERT_THAT(three.placed, SizeIs(1));
  EXPECT_THAT(three.placed[0].allocation.ports(), ElementsAre(31000, 31001, 31002));
  TaskSpec hinted = Task("h");
  hinted.desired_host = "b";
  EXPECT_THAT(Hosts(PlaceWith("pack", Singles({hinted}))), ElementsAre("b"));
}

// A static port is one of the host's, held by one task at a time, and never handed out as a
// dynamic one.
TEST_F(PlacementTest, StaticPortsAreTheHostsAndHeldByOneTaskAtATime) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("b")), IsOk());
  TaskSpec web = Task("web");
  web.static_ports = {31000};
  web.num_ports = 2;
  PlacementResult first = PlaceWith("pack", Singles({web}));
  ASSERT_THAT(first.placed, SizeIs(1));
  EXPECT_EQ(HostOf(first.placed[0]), "a");
  // Dynamic ports first, then the static one; the dynamic ones skip it.
  EXPECT_THAT(first.placed[0].allocation.ports(), ElementsAre(31001, 31002, 31000));
  EXPECT_EQ(cluster_.host(0).free_port_count, 7u);
  web.id = "web2";
  PlacementResult second = PlaceWith("pack", Singles({web}));
  ASSERT_THAT(second.placed, SizeIs(1));
  EXPECT_EQ(HostOf(second.placed[0]), "b");  // a's 31000 is taken
  web.id = "web3";
  PlacementResult third = PlaceWith("pack", Singles({web}));
  ASSERT_THAT(third.unplaced, SizeIs(1));
  EXPECT_EQ(third.unplaced[0].reason, FilterReason::kInsufficientPorts);
  EXPECT_THAT(cluster_.Allocate(0, web), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                  HasSubstr("static port")));
  // Released, it is free again; a claim of it elsewhere is refused while it is held.
  ASSERT_THAT(cluster_.Claim(first.placed[0].allocation), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(cluster_.Release(first.placed[0].allocation), IsOk());
  EXPECT_EQ(cluster_.host(0).free_port_count, 10u);
  EXPECT_THAT(PlaceWith("pack", Singles({web})).placed, SizeIs(1));
  // Out of range, or twice: a bad task.
  web.static_ports = {0};
  EXPECT_THAT(cluster_.Allocate(1, web), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  HasSubstr("static port 0")));
  web.static_ports = {31008, 31008};
  EXPECT_THAT(cluster_.Allocate(1, web), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  HasSubstr("static port 31008")));
}

TEST_F(PlacementTest, BestFitAndSpreadScorers) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("big", 16)), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("small", 4)), IsOk());
  EXPECT_THAT(Hosts(PlaceWith("best-fit", Singles({Task("bf")}))), ElementsAre("small"));
  EXPECT_THAT(Hosts(PlaceWith("spread", Singles({Task("sp")}))), ElementsAre("big"));
}

// The fragmentation-aware scorer keeps whole GPUs whole for whole-GPU work.
TEST_F(PlacementTest, GpuFragPrefersAlreadySharedDevices) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("fresh", 1)), IsOk());
  HostSpec used = GpuHost("used", 1);
  used.gpus[0].free_milli = 500;
  used.capacity = Resources::Of(64000, 262144, 100000, 1000);
  ASSERT_THAT(cluster_.AddHost(used), IsOk());
  const ProfileOptions whole_gpu_workload{.workload = {{Resources::Of(1000, 1024, 0, 1000), 1},
                                                       {Resources::Of(1000, 1024, 0, 500), 1}}};
  PlacementResult frag =
      PlaceWith("gpu-frag", Singles({Task("half", 1000, 500)}), whole_gpu_workload);
  EXPECT_THAT(Hosts(frag), ElementsAre("used"));  // "fresh" stays free for a whole-GPU task
}

// A shape that asks for a GPU model counts a host of another model as all fragment: work that
// takes any GPU goes where it leaves the T4s to the shapes that need them.
TEST_F(PlacementTest, GpuFragKeepsModelsForTheShapesThatNeedThem) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("t4", 1, "T4")), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("v100", 1, "V100")), IsOk());
  ProfileOptions t4_workload;
  t4_workload.workload = {{Resources::Of(1000, 1024, 0, 1000), 1, {"T4"}}};
  EXPECT_THAT(Hosts(PlaceWith("gpu-frag", Singles({Task("any", 1000, 1000)}), t4_workload)),
              ElementsAre("v100"));
  // Without the model, both hosts look alike to the shape: the first in order.
  ProfileOptions any_workload;
  any_workload.workload = {{Resources::Of(1000, 1024, 0, 1000), 1}};
  EXPECT_THAT(Hosts(PlaceWith("gpu-frag", Singles({Task("any2", 1000, 1000)}), any_workload)),
              ElementsAre("t4"));
}

// Bound to scarce models, a shape weighs more: work that takes any GPU leaves the one G3 to
// the G3 shape and takes T4s while they are the more plentiful, where FGD's model term alone
// calls every placement a tie (and takes the G3, first in order).
TEST_F(PlacementTest, GpuFragWeighsShapesByHowScarceTheirModelsAre) {
  ASSERT_THAT(cluster_.AddHost(GpuHost("g3", 1, "G3")), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("t4", 4, "T4")), IsOk());
  ProfileOptions bound;
  bound.workload = {{Resources::Of(1000, 1024, 0, 1000), 1, {"G3"}},
                    {Resources::Of(1000, 1024, 0, 1000), 1, {"T4"}}};
  // Three such tasks, one by one, all go to the T4s: down to the last one, the T4 shape has
  // more GPUs of its model left than the G3 shape has.
  EXPECT_THAT(
      Hosts(PlaceWith(
          "gpu-frag",
          Singles({Task("a", 1000, 1000), Task("b", 1000, 1000), Task("c", 1000, 1000)}), bound)),
      ElementsAre("t4"));
}

// A device whose host has too little cpu left to feed it is fragment, before the cpu runs out.
TEST_F(PlacementTest, GpuFragCountsDevicesTheCpuCannotFeed) {
  HostSpec lean = CpuHost("lean", 12, 262144);
  lean.capacity[ResourceKind::kGpu] = 3000;
  lean.gpus.assign(3, GpuDevice{"V100", 1000});
  ASSERT_THAT(cluster_.AddHost(lean), IsOk());
  HostSpec rich = lean;
  rich.name = "rich";
  rich.capacity[ResourceKind::kCpu] = 64000;
  ASSERT_THAT(cluster_.AddHost(rich), IsOk());
  // On "lean" the task leaves 6 cores: one more 4-core GPU task, two devices free.
  ProfileOptions four_cores{.workload = {{Resources::Of(4000, 128, 0, 1000), 1}}};
  EXPECT_THAT(Hosts(PlaceWith("gpu-frag", Singles({Task("hungry", 6000, 1000)}), four_cores)),
              ElementsAre("rich"));
}

// What the scarcity weights read: free milli-gpu per kind of GPU host, of UP hosts only.
TEST_F(PlacementTest, ClusterCountsFreeGpusByHostKindOnUpHosts) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("cpu")), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("t4", 2, "T4")), IsOk());
  ASSERT_THAT(cluster_.AddHost(GpuHost("v100", 4, "V100")), IsOk());
  HostSpec down = GpuHost("down", 2, "T4");  // the kind of "t4"
  down.state = HostState::kDown;
  ASSERT_THAT(cluster_.AddHost(down), IsOk());
  const auto supply = [this] {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const GpuSupply& k : cluster_.GpuSupplies()) out.emplace_back(k.model, k.free_milli);
    return out;
  };
  using Kinds = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(supply(), (Kinds{{"T4", 2000}, {"V100", 4000}}));
  EXPECT_EQ(cluster_.GpuSupplies()[1].capacity, GpuHost("v100", 4).capacity);
  EXPECT_EQ(cluster_.FreeGpuMilli(), 6000);

  auto share = cluster_.Allocate(1, Task("share", 1000, 300));
  ASSERT_THAT(share, IsOk());
  auto whole = cluster_.Allocate(2, Task("whole", 1000, 2000));
  ASSERT_THAT(whole, IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 1700}, {"V100", 2000}}));
  EXPECT_EQ(cluster_.FreeGpuMilli(), 3700);

  // A host that goes down takes its free devices out; back up, it brings them back.
  ASSERT_THAT(cluster_.SetHostState(2, HostState::kDraining), IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 1700}, {"V100", 0}}));
  ASSERT_THAT(cluster_.Release(*whole), IsOk());  // released while down: not counted yet
  ASSERT_THAT(cluster_.SetHostState(2, HostState::kDown), IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 1700}, {"V100", 0}}));
  ASSERT_THAT(cluster_.SetHostState(2, HostState::kUp), IsOk());
  ASSERT_THAT(cluster_.SetHostState(3, HostState::kUp), IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 3700}, {"V100", 4000}}));

  // Released, and claimed on another copy, as Allocate counts it.
  ASSERT_THAT(cluster_.Release(*share), IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 4000}, {"V100", 4000}}));
  ASSERT_THAT(cluster_.Claim(*share), IsOk());
  EXPECT_EQ(supply(), (Kinds{{"T4", 3700}, {"V100", 4000}}));
  EXPECT_EQ(cluster_.FreeGpuMilli(), 7700);
}

// What the resource manager divides: the capacity and revocable cpu of the UP hosts only,
// whatever their tasks hold, followed through every change of state.
TEST_F(PlacementTest, ClusterCountsTheCapacityOfUpHosts) {
  HostSpec a = CpuHost("a", 12);
  a.revocable_milli_cpu = 3000;
  HostSpec b = GpuHost("b", 2);
  b.revocable_milli_cpu = 500;
  b.state = HostState::kDown;
  ASSERT_THAT(cluster_.AddHost(a), IsOk());
  ASSERT_THAT(cluster_.AddHost(b), IsOk());
  EXPECT_EQ(cluster_.UpCapacity(), a.capacity);
  EXPECT_EQ(cluster_.UpRevocableCpu(), 3000);

  ASSERT_THAT(cluster_.Allocate(0, Task("t", 4000)), IsOk());  // tasks change free, not these
  EXPECT_EQ(cluster_.UpCapacity(), a.capacity);
  ASSERT_THAT(cluster_.SetHostState(1, HostState::kUp), IsOk());
  EXPECT_EQ(cluster_.UpCapacity(), a.capacity + b.capacity);
  EXPECT_EQ(cluster_.UpRevocableCpu(), 3500);
  ASSERT_THAT(cluster_.SetHostState(1, HostState::kUp), IsOk());  // no change: counted once
  EXPECT_EQ(cluster_.UpCapacity(), a.capacity + b.capacity);

  ASSERT_THAT(cluster_.SetHostState(0, HostState::kDraining), IsOk());
  EXPECT_EQ(cluster_.UpCapacity(), b.capacity);
  ASSERT_THAT(cluster_.SetHostState(0, HostState::kDown), IsOk());  // out once, not twice
  EXPECT_EQ(cluster_.UpCapacity(), b.capacity);
  EXPECT_EQ(cluster_.UpRevocableCpu(), 500);
  ASSERT_THAT(cluster_.SetHostState(1, HostState::kDown), IsOk());
  EXPECT_EQ(cluster_.UpCapacity(), Resources());
  EXPECT_EQ(cluster_.UpRevocableCpu(), 0);
  ASSERT_THAT(cluster_.SetHostState(0, HostState::kUp), IsOk());
  EXPECT_EQ(cluster_.UpCapacity(), a.capacity);
  EXPECT_EQ(cluster_.UpRevocableCpu(), 3000);
}

TEST_F(PlacementTest, InvalidInputIsRejectedBeforeAnythingIsPlaced) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  auto p = registry_.Build("pack");
  TaskSpec bad = Task("bad", 1000, 1500);
  EXPECT_THAT(Place(Singles({Task("ok"), bad}), cluster_, *p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task bad: gpu 1500")));
  EXPECT_EQ(cluster_.host(0).tasks, 0u);
  TaskSpec c = Task("c");
  c.constraint = Constraint::And({});
  EXPECT_THAT(Place(Singles({c}), cluster_, *p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("andConstraint")));
  c.constraint = Constraint::Host("", "x", Cond::kEqual, 1);
  EXPECT_THAT(Place(Singles({c}), cluster_, *p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label.key")));
}

TEST_F(PlacementTest, ClusterValidatesHosts) {
  HostSpec h = CpuHost("");
  EXPECT_THAT(cluster_.AddHost(h), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  h = GpuHost("g", 2);
  h.capacity[ResourceKind::kGpu] = 3000;
  EXPECT_THAT(cluster_.AddHost(h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1000 per device")));
  h = CpuHost("p");
  h.ports = {{100, 200}, {150, 300}};
  EXPECT_THAT(cluster_.AddHost(h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlap")));
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  EXPECT_THAT(cluster_.AddHost(CpuHost("a")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already used")));
  EXPECT_EQ(cluster_.size(), 1u);
}

// Two copies of one host, compared on everything Allocate and Claim change.
void ExpectSameHost(const Host& a, const Host& b) {
  EXPECT_EQ(a.free, b.free);
  EXPECT_EQ(a.tasks, b.tasks);
  EXPECT_EQ(a.free_port_count, b.free_port_count);
  ASSERT_EQ(a.free_ports.size(), b.free_ports.size());
  for (size_t i = 0; i < a.free_ports.size(); ++i) {
    EXPECT_EQ(a.free_ports[i].begin, b.free_ports[i].begin);
    EXPECT_EQ(a.free_ports[i].end, b.free_ports[i].end);
  }
  ASSERT_EQ(a.gpus.size(), b.gpus.size());
  for (size_t i = 0; i < a.gpus.size(); ++i) EXPECT_EQ(a.gpus[i].free_milli, b.gpus[i].free_milli);
  EXPECT_EQ(a.task_labels, b.task_labels);
  EXPECT_EQ(a.job_tasks, b.job_tasks);
}

TEST_F(PlacementTest, ClaimTakesExactlyWhatAnotherCopyAllocated) {
  Cluster copy;
  for (Cluster* c : {&cluster_, &copy}) {
    ASSERT_THAT(c->AddHost(GpuHost("g", 2)), IsOk());
  }
  TaskSpec whole = Task("whole", 1000, 1000);
  whole.num_ports = 3;
  whole.labels = {{"app", "x"}};
  whole.strategy = PlacementStrategy::kSpreadJob;
  TaskSpec part = Task("part", 1000, 300);
  part.num_ports = 2;
  std::vector<Allocation> made;
  for (const TaskSpec& t : {whole, part}) {
    auto a = cluster_.Allocate(0, t);
    ASSERT_THAT(a, IsOk());
    made.push_back(*a);
  }
  // A port out of the middle of a range: the copy splits its range.
  ASSERT_THAT(cluster_.Release(made[0]), IsOk());
  Allocation middle = made[0];
  middle.mutable_ports() = {31007};
  ASSERT_THAT(cluster_.Claim(middle), IsOk());
  for (const Allocation& a : {middle, made[1]}) ASSERT_THAT(copy.Claim(a), IsOk());
  ExpectSameHost(cluster_.host(0), copy.host(0));

  // Taken twice: refused, nothing changes.
  const Host before = copy.host(0);
  EXPECT_THAT(copy.Claim(made[1]),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("port")));
  Allocation gpu = made[1];
  gpu.mutable_ports().clear();
  gpu.mutable_gpus() = {{0, 300}};  // device 0 is held whole by `middle`
  EXPECT_THAT(copy.Claim(gpu),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("GPU device 0")));
  gpu.mutable_gpus() = {{1, 200}};  // does not add up to the 300 milli-gpu asked for
  EXPECT_THAT(copy.Claim(gpu), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("add up")));
  gpu.mutable_gpus() = {{7, 300}};
  EXPECT_THAT(copy.Claim(gpu),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a device")));
  Allocation big = made[1];
  big.mutable_ports().clear();
  big.mutable_gpus().clear();
  big.resources = Resources::Of(1000 * 1000, 1, 0, 0);
  EXPECT_THAT(copy.Claim(big),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("does not fit")));
  big.host = 5;
  EXPECT_THAT(copy.Claim(big),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  ExpectSameHost(before, copy.host(0));

  // What was claimed is released like anything allocated.
  for (const Allocation& a : {middle, made[1]}) {
    ASSERT_THAT(copy.Release(a), IsOk());
    ASSERT_THAT(cluster_.Release(a), IsOk());
  }
  ExpectSameHost(cluster_.host(0), copy.host(0));
  EXPECT_EQ(copy.host(0).free, copy.host(0).capacity);
  EXPECT_EQ(copy.host(0).free_ports.size(), 1u);
}

// A filter that counts the hosts it is asked about, and refuses none.
class CountingFilter final : public FilterPlugin {
 public:
  CountingFilter(uint32_t needs, int* calls) : needs_(needs), calls_(calls) {}
  absl::string_view Name() const override { return "counting"; }
  FilterReason Filter(const CycleState&, const Host&) const override {
    ++*calls_;
    return FilterReason::kMatch;
  }
  uint32_t Needs() const override { return needs_; }

 private:
  uint32_t needs_;
  int* calls_;
};

// A filter runs on the hosts of an index search only for the tasks it says it may refuse one
// of (its Needs); the default is every task. The scan that explains a failure runs them all.
TEST_F(PlacementTest, FiltersRunOnlyForTheTasksTheyMayRefuse) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  ASSERT_THAT(cluster_.AddHost(CpuHost("b")), IsOk());
  int constraint_calls = 0, always_calls = 0;
  Profile profile("counting", {});
  profile.AddFilter(std::make_unique<CountingFilter>(kFilterConstraint, &constraint_calls));
  profile.AddFilter(std::make_unique<CountingFilter>(kFilterAlways, &always_calls));
  ASSERT_THAT(Place(Singles({Task("plain")}), cluster_, profile), IsOk());
  EXPECT_EQ(constraint_calls, 0);
  EXPECT_EQ(always_calls, 1);  // the first host it was offered took it

  TaskSpec constrained = Task("constrained");
  constrained.constraint = Constraint::Host("zone", "z1", Cond::kLessThan, 1);
  ASSERT_THAT(Place(Singles({constrained}), cluster_, profile), IsOk());
  EXPECT_EQ(constraint_calls, 1);

  constraint_calls = always_calls = 0;
  auto none = Place(Singles({Task("huge", 100'000)}), cluster_, profile);  // hosts have 12 cores
  ASSERT_THAT(none, IsOk());
  ASSERT_THAT(none->unplaced, SizeIs(1));
  EXPECT_EQ(none->unplaced[0].reason, FilterReason::kNoOffer);  // no filter refused a host
  EXPECT_EQ(constraint_calls, 2);  // the failure scan: every host, every filter
  EXPECT_EQ(always_calls, 2);
}

// The index saturates at 2^31 in each dimension: a demand beyond it is still checked in full.
TEST_F(PlacementTest, DemandsBeyondWhatTheIndexHoldsAreCheckedInFull) {
  HostSpec big = CpuHost("big");
  big.capacity[ResourceKind::kMemory] = int64_t{3'000'000'000};  // MB: above 2^31
  ASSERT_THAT(cluster_.AddHost(big), IsOk());
  TaskSpec more = Task("more");
  more.demand[ResourceKind::kMemory] = int64_t{3'500'000'000};
  EXPECT_FALSE(Cluster::SearchIsExact(more));
  PlacementResult r = PlaceWith("pack", Singles({more}));
  ASSERT_THAT(r.unplaced, SizeIs(1));
  EXPECT_EQ(r.unplaced[0].reason, FilterReason::kInsufficientResources);
  more.demand[ResourceKind::kMemory] = int64_t{2'500'000'000};
  EXPECT_THAT(PlaceWith("pack", Singles({more})).placed, SizeIs(1));
  // A need below zero is not exact either (the index keeps hosts that are not UP at -1): the
  // filters check it in full, and a host that is not UP is never taken.
  ASSERT_THAT(cluster_.AddHost(CpuHost("drained")), IsOk());
  ASSERT_THAT(cluster_.SetHostState(1, HostState::kDraining), IsOk());
  TaskSpec negative = Task("negative", 11'500);  // more than "big" has left, less than 12 cores
  negative.demand[ResourceKind::kDisk] = -1;
  EXPECT_FALSE(Cluster::SearchIsExact(negative));
  EXPECT_THAT(PlaceWith("pack", Singles({negative})).placed, IsEmpty());
  ASSERT_THAT(cluster_.SetHostState(1, HostState::kUp), IsOk());
  PlacementResult up = PlaceWith("pack", Singles({negative}));
  ASSERT_THAT(up.placed, SizeIs(1));
  EXPECT_EQ(HostOf(up.placed[0]), "drained");
}

// PlaceInto reuses its result: what an earlier call left is replaced, never added to, and an
// invalid task leaves it empty.
TEST_F(PlacementTest, PlaceIntoReplacesWhatTheResultHeld) {
  ASSERT_THAT(cluster_.AddHost(CpuHost("a")), IsOk());
  auto pack = registry_.Build("pack");
  ASSERT_THAT(pack, IsOk());
  PlacementResult r;
  ASSERT_THAT(PlaceInto(Singles({Task("t1"), Task("t2")}), cluster_, *pack, r), IsOk());
  ASSERT_THAT(r.placed, SizeIs(2));
  ASSERT_THAT(PlaceInto(Singles({Task("t3"), Task("huge", 100'000)}), cluster_, *pack, r), IsOk());
  ASSERT_THAT(r.placed, SizeIs(1));
  EXPECT_EQ(r.placed[0].task_id, "t3");
  ASSERT_THAT(r.unplaced, SizeIs(1));
  EXPECT_EQ(r.unplaced[0].task_id, "huge");
  EXPECT_EQ(cluster_.host(0).tasks, 3u);
  TaskSpec bad = Task("");
  EXPECT_THAT(PlaceInto(Singles({Task("t4"), bad}), cluster_, *pack, r),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.placed, IsEmpty());
  EXPECT_THAT(r.unplaced, IsEmpty());
  EXPECT_EQ(cluster_.host(0).tasks, 3u);  // nothing placed
}

TEST_F(PlacementTest, RegistryIsExplicitAndValidated) {
  EXPECT_THAT(registry_.ProfileNames(), ElementsAre("best-fit", "gpu-frag", "pack", "spread"));
  EXPECT_THAT(registry_.Build("nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("known: best-fit, gpu-frag")));
  EXPECT_THAT(registry_.RegisterProfile("x", {{"no-such-filter"}, {}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no-such-filter")));
  EXPECT_THAT(registry_.RegisterProfile("y", {{"resources"}, {{"best-fit", 0}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("weight")));
  EXPECT_THAT(RegisterBuiltinPlugins(registry_), StatusIs(absl::StatusCode::kAlreadyExists));
  PluginRegistry empty;
  EXPECT_THAT(empty.Build("pack"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace peloton::placement
