// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_leases.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::hostmgr {
namespace {

using ::testing::ElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

std::vector<std::string> Hosts(int n) {
  std::vector<std::string> hosts;
  for (int i = 0; i < n; ++i) hosts.push_back(absl::StrCat("host-", i));
  return hosts;
}

// The engines whose leases run at `now` (a renewal without a name renews nothing).
const std::vector<std::string>& Live(HostLeases& leases, absl::Time now) {
  return leases.Renew("", now);
}

// How many of the hosts each engine holds; checks that exactly one holds each.
std::vector<int> Split(HostLeases& leases, const std::vector<std::string>& engines,
                       const std::vector<std::string>& hosts, absl::Time now) {
  const std::vector<std::string> live = Live(leases, now);
  std::vector<int> held(engines.size());
  for (const std::string& host : hosts) {
    int holders = 0;
    for (size_t e = 0; e < engines.size(); ++e) {
      if (HostLeases::Holds(live, engines[e], host)) {
        ++held[e];
        ++holders;
      }
    }
    EXPECT_EQ(holders, 1) << host;
  }
  return held;
}

TEST(HostLeasesTest, OneEngineHoldsEveryHost) {
  HostLeases leases;
  leases.Renew("a", kT0);
  EXPECT_THAT(Split(leases, {"a"}, Hosts(50), kT0), ElementsAre(50));
  // Before any engine asked: nobody is excluded.
  HostLeases none;
  EXPECT_TRUE(HostLeases::Holds(Live(none, kT0), "x", "host-0"));
}

TEST(HostLeasesTest, EnginesSplitTheHostsWithoutOverlap) {
  HostLeases leases;
  for (const char* e : {"a", "b", "c"}) leases.Renew(e, kT0);
  EXPECT_THAT(Live(leases, kT0), ElementsAre("a", "b", "c"));
  const std::vector<int> held = Split(leases, {"a", "b", "c"}, Hosts(3000), kT0);
  for (int n : held) {
    EXPECT_GT(n, 850);  // about 1,000 each
    EXPECT_LT(n, 1150);
  }
}

TEST(HostLeasesTest, AnEngineThatStopsAskingLosesItsHostsWhenItsLeaseEnds) {
  HostLeases leases(absl::Seconds(5));
  leases.Renew("a", kT0);
  leases.Renew("b", kT0);
  const std::vector<std::string> hosts = Hosts(200);
  std::vector<int> held = Split(leases, {"a", "b"}, hosts, kT0 + absl::Seconds(1));
  EXPECT_GT(held[1], 0);
  // a keeps asking; b stops. Its lease still runs at 4 s ...
  leases.Renew("a", kT0 + absl::Seconds(4));
  EXPECT_THAT(Split(leases, {"a", "b"}, hosts, kT0 + absl::Seconds(4)),
              ElementsAre(held[0], held[1]));
  // ... and has ended at 6 s: a holds every host.
  leases.Renew("a", kT0 + absl::Seconds(6));
  EXPECT_THAT(Split(leases, {"a", "b"}, hosts, kT0 + absl::Seconds(6)), ElementsAre(200, 0));
  EXPECT_THAT(Live(leases, kT0 + absl::Seconds(6)), ElementsAre("a"));
  // Back, b takes its hosts again: the same ones.
  leases.Renew("b", kT0 + absl::Seconds(7));
  EXPECT_THAT(Split(leases, {"a", "b"}, hosts, kT0 + absl::Seconds(7)),
              ElementsAre(held[0], held[1]));
}

TEST(HostLeasesTest, AnEngineWithoutANameHoldsEveryHost) {
  HostLeases leases;
  leases.Renew("a", kT0);
  leases.Renew("b", kT0);
  for (const std::string& host : Hosts(20)) {
    EXPECT_TRUE(HostLeases::Holds(Live(leases, kT0), "", host));
  }
}

}  // namespace
}  // namespace peloton::hostmgr
