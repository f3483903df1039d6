// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/config.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path) << text;
  return path;
}

TEST(MasterConfigTest, TheOverlayReplacesTheBaseAndDefaultsFillTheRest) {
  const std::string base = Write("base.yaml",
                                 "listen: 127.0.0.1:7000\ntick_ms: 50\n"
                                 "hosts: [{name: a, cpu: 1, memory_mb: 100}]\n");
  const std::string dev = Write("dev.yaml",
                                "tickMs: 20\nlog_level: debug\n"
                                "hosts: [{name: b, cpu: 2, memoryMb: 200, gpus: 1, "
                                "gpu_model: T4, labels: [{key: zone, value: z}], "
                                "port_begin: 31000, port_end: 31009}]\n");
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig c, LoadMasterConfig({base, dev}));
  EXPECT_EQ(c.listen(), "127.0.0.1:7000");  // from the base
  EXPECT_EQ(c.tick_ms(), 20u);              // the overlay wins
  EXPECT_EQ(c.log_level(), "debug");
  EXPECT_EQ(c.data_dir(), "./var");  // a default
  EXPECT_EQ(c.placement_profile(), "pack");
  ASSERT_EQ(c.hosts_size(), 1);  // lists replace lists
  EXPECT_EQ(c.hosts(0).name(), "b");

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts,
                               LocalHostsOf(c, backend::HostInfo{}));
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].capacity, Resources::Of(2000, 200, 0, 1000));
  EXPECT_EQ(hosts[0].gpus[0].model, "T4");
  EXPECT_EQ(hosts[0].attributes.at("zone"), "z");
  EXPECT_EQ(hosts[0].attributes.at("hostname"), "b");
  EXPECT_EQ(hosts[0].ports[0].end, 31009u);
}

TEST(MasterConfigTest, TheGoalStateWaitsDefaultToPelotonsAndAreChecked) {
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig defaults,
                               LoadMasterConfig({Write("empty.yaml", "{}\n")}));
  const jobmgr::JobManagerOptions o = JobManagerOptionsOf(defaults);
  EXPECT_EQ(o.launch_timeout, absl::Minutes(180));
  EXPECT_EQ(o.restart_base_delay, absl::Seconds(30));
  EXPECT_EQ(o.max_restart_delay, absl::Minutes(60));
  EXPECT_EQ(o.failure_count_reset, absl::Minutes(10));
  EXPECT_EQ(o.kill_timeout_margin, absl::Seconds(30));
  EXPECT_EQ(o.daemon_period, absl::Seconds(1));

  PELOTON_ASSERT_OK_AND_ASSIGN(
      MasterConfig set,
      LoadMasterConfig({Write("goal.yaml",
                              "goalState: {restartBaseDelaySeconds: 0.5, launch_timeout_seconds: "
                              "60, daemon_period_seconds: 5}\n")}));
  EXPECT_EQ(JobManagerOptionsOf(set).daemon_period, absl::Seconds(5));
  EXPECT_EQ(JobManagerOptionsOf(set).restart_base_delay, absl::Milliseconds(500));
  EXPECT_EQ(JobManagerOptionsOf(set).launch_timeout, absl::Minutes(1));

  EXPECT_THAT(
      LoadMasterConfig({Write("neg.yaml", "goal_state: {kill_timeout_margin_seconds: -1}\n")})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("goal_state.kill_timeout_margin_seconds: -1 (rule: > 0")));
  EXPECT_THAT(LoadMasterConfig({Write("order.yaml",
                                      "goal_state: {restart_base_delay_seconds: 120, "
                                      "max_restart_delay_seconds: 60}\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("goal_state.max_restart_delay_seconds: 60 (rule: at least")));
  EXPECT_THAT(
      LoadMasterConfig({Write("daemon.yaml", "goal_state: {daemon_period_seconds: -2}\n")})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("goal_state.daemon_period_seconds: -2 (rule: > 0")));
}

TEST(MasterConfigTest, TheConnectionBoundsDefaultAndAreChecked) {
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig defaults,
                               LoadMasterConfig({Write("empty.yaml", "{}\n")}));
  EXPECT_EQ(defaults.max_connections(), 1000u);
  EXPECT_EQ(defaults.idle_timeout_seconds(), 600);
  EXPECT_EQ(defaults.request_timeout_seconds(), 60);
  EXPECT_THAT(LoadMasterConfig({Write("slow.yaml", "request_timeout_seconds: 7200\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request_timeout_seconds: 7200 (rule: 0.1 to 3600)")));
  EXPECT_THAT(LoadMasterConfig({Write("idle.yaml", "idle_timeout_seconds: -1\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("idle_timeout_seconds: -1")));
  EXPECT_THAT(LoadMasterConfig({Write("many.yaml", "max_connections: 1000000\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_connections: 1000000")));
}

// Slack: the machine's revocable cpu is split among its virtual hosts; declared hosts give
// their own; each is checked.
TEST(MasterConfigTest, RevocableCpuIsDeclaredAndChecked) {
  PELOTON_ASSERT_OK_AND_ASSIGN(
      MasterConfig split, LoadMasterConfig({Write("split.yaml", "local_hosts: 4\nrevocable_cpu: 2\n")}));
  backend::HostInfo machine;
  machine.hostname = "m";
  machine.capacity = Resources::Of(8000, 8192, 100, 0);
  machine.ports = {{31000, 31999}};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts, LocalHostsOf(split, machine));
  ASSERT_EQ(hosts.size(), 4u);
  EXPECT_EQ(hosts[3].revocable_milli_cpu, 500);
  PELOTON_ASSERT_OK_AND_ASSIGN(
      MasterConfig declared,
      LoadMasterConfig({Write("declared.yaml",
                              "hosts: [{name: a, cpu: 2, memory_mb: 100, revocable_cpu: 1.5}]\n")}));
  PELOTON_ASSERT_OK_AND_ASSIGN(hosts, LocalHostsOf(declared, machine));
  EXPECT_EQ(hosts[0].revocable_milli_cpu, 1500);
  EXPECT_THAT(LoadMasterConfig({Write("neg.yaml", "revocable_cpu: -1\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("revocable_cpu: -1 (rule: 0 to 1000000 cores)")));
  EXPECT_THAT(LoadMasterConfig({Write("both.yaml",
                                      "revocable_cpu: 1\nhosts: [{name: a, cpu: 2, memory_mb: "
                                      "100}]\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("revocable_cpu: set with hosts")));
  EXPECT_THAT(LoadMasterConfig({Write("host.yaml",
                                      "hosts: [{name: a, cpu: 2, memory_mb: 100, revocable_cpu: "
                                      "-3}]\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hosts[0].revocable_cpu: -3")));
}

TEST(MasterConfigTest, ThePlacementRetryDefaultsAndIsChecked) {
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig defaults,
                               LoadMasterConfig({Write("empty.yaml", "{}\n")}));
  const resmgr::ResourceManagerOptions o = ResourceManagerOptionsOf(defaults);
  EXPECT_EQ(o.placing_timeout, absl::Minutes(10));
  EXPECT_EQ(o.placement_backoff, absl::Seconds(2));
  EXPECT_EQ(o.max_placement_backoff, absl::Minutes(1));
  EXPECT_EQ(o.placement_attempts_per_cycle, 3u);
  EXPECT_EQ(o.readmission_after, absl::Minutes(10));
  EXPECT_EQ(o.preemption.sustained_over_allocation_count, 3);

  PELOTON_ASSERT_OK_AND_ASSIGN(
      MasterConfig set,
      LoadMasterConfig({Write("retry.yaml",
                              "placementRetry: {placingTimeoutSeconds: 20, backoff_seconds: 10, "
                              "attemptsPerCycle: 5}\n")}));
  EXPECT_EQ(ResourceManagerOptionsOf(set).placing_timeout, absl::Seconds(20));
  EXPECT_EQ(ResourceManagerOptionsOf(set).placement_backoff, absl::Seconds(10));
  EXPECT_EQ(ResourceManagerOptionsOf(set).placement_attempts_per_cycle, 5u);

  EXPECT_THAT(LoadMasterConfig({Write("slow.yaml",
                                      "placement_retry: {backoff_seconds: 120, "
                                      "max_backoff_seconds: 60}\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("placement_retry.max_placement_backoff: 1m (rule: at least")));
  EXPECT_THAT(
      LoadMasterConfig({Write("neg.yaml", "placement_retry: {placing_timeout_seconds: -5}\n")})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("placement_retry.placing_timeout: -5s (rule: > 0")));
}

TEST(MasterConfigTest, BadFilesNameTheFileAndTheField) {
  EXPECT_THAT(LoadMasterConfig({"/no/such.yaml"}).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/no/such.yaml")));
  const std::string typo = Write("typo.yaml", "tick_msec: 5\n");
  EXPECT_THAT(
      LoadMasterConfig({typo}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("typo.yaml: tick_msec: unknown key")));
  EXPECT_THAT(LoadMasterConfig({Write("sync.yaml", "sync: sometimes\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sync: 'sometimes'")));
  // A store that is not PostgreSQL's URL; the message keeps the password out.
  EXPECT_THAT(LoadMasterConfig({Write("store.yaml", "store: mysql://u:pw@db/peloton\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("store: 'mysql://u:***@db/peloton'"),
                             HasSubstr("rule: unset for SQLite"))));
  EXPECT_THAT(LoadMasterConfig({Write("pg.yaml", "store: postgresql://u:pw@db/peloton\n")}),
              IsOk());
  // Leader election's ZooKeeper, root and session timeout.
  EXPECT_THAT(LoadMasterConfig({Write("zk.yaml", "zk: zk1\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("zk: 'zk1' (rule: host:port[,host:port])")));
  EXPECT_THAT(LoadMasterConfig({Write("root.yaml", "zk: zk1:2181\nzk_root: peloton/\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zk_root: 'peloton/'")));
  EXPECT_THAT(
      LoadMasterConfig({Write("session.yaml", "zk_session_timeout_seconds: 0.5\n")}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("zk_session_timeout_seconds: 0.5 (rule: 1 to 600)")));
  // A candidate must announce an address others can dial.
  EXPECT_THAT(LoadMasterConfig({Write("wild2.yaml", "zk: zk1:2181\nadvertise: '[::]:5392'\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("advertise: '[::]:5392' (rule: with zk, an address others")));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      MasterConfig advertised,
      LoadMasterConfig({Write("advertised.yaml", "zk: zk1:2181\nadvertise: 10.0.0.1:5392\n")}));
  EXPECT_EQ(advertised.advertise(), "10.0.0.1:5392");
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig ha,
                               LoadMasterConfig({Write("ha.yaml", "zk: zk1:2181,zk2:2181\n")}));
  EXPECT_EQ(ha.zk_root(), "/peloton");
  EXPECT_EQ(ha.zk_session_timeout_seconds(), 4);
  EXPECT_THAT(LoadMasterConfig({Write("tick.yaml", "tick_ms: 100000\n")}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tick_ms")));
  EXPECT_THAT(LoadMasterConfig({Write("dup.yaml",
                                      "hosts: [{name: a, cpu: 1, memory_mb: 1}, "
                                      "{name: a, cpu: 1, memory_mb: 1}]\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hosts[1].name")));
  EXPECT_THAT(LoadMasterConfig({Write("both.yaml",
                                      "local_hosts: 2\nhosts: [{name: a, cpu: 1, "
                                      "memory_mb: 1}]\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("local_hosts")));
  EXPECT_THAT(LoadMasterConfig({Write("ports.yaml",
                                      "hosts: [{name: a, cpu: 1, memory_mb: 1, "
                                      "port_begin: 9, port_end: 3}]\n")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hosts[0].port_begin")));
}

TEST(MasterConfigTest, TheHttpEndpointFollowsTheListenAddressUnlessGiven) {
  MasterConfig c;
  FillDefaults(c);
  EXPECT_EQ(HttpAddressOf(c, kJobmgrHttpAddress), "127.0.0.1:5292");
  EXPECT_EQ(HttpAddressOf(c, kResmgrHttpAddress), "127.0.0.1:5290");
  c.set_listen("unix:/run/peloton/master.sock");
  EXPECT_EQ(HttpAddressOf(c, kJobmgrHttpAddress), "unix:/run/peloton/master.sock.http");
  c.set_http("0.0.0.0:8080");
  EXPECT_EQ(HttpAddressOf(c, kJobmgrHttpAddress), "0.0.0.0:8080");
  c.set_http("off");
  EXPECT_EQ(HttpAddressOf(c, kJobmgrHttpAddress), "");
  c.set_http(c.listen());
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http: 'unix:")));
}

// Without authentication, the API is served on this machine only.
TEST(MasterConfigTest, WithoutAuthenticationOnlyLoopbackIsServed) {
  MasterConfig c;
  FillDefaults(c);
  for (const char* fine : {"127.0.0.1:5391", "127.1.2.3:1", "localhost:5391", "[::1]:5391",
                           "unix:/run/peloton/master.sock"}) {
    c.set_listen(fine);
    EXPECT_THAT(ValidateMasterConfig(c), IsOk()) << fine;
  }
  for (const char* open : {"0.0.0.0:5391", "10.0.0.7:5391", "[::]:5391", "myhost:5391",
                           "127.0.0.1.evil.example:5391", "5391"}) {
    c.set_listen(open);
    EXPECT_THAT(
        ValidateMasterConfig(c),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(absl::StrCat("listen: '", open,
                                        "' (rule: without authentication (auth_config), a "))))
        << open;
  }
  c.set_listen("127.0.0.1:5391");
  c.set_http("0.0.0.0:5292");
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http: '0.0.0.0:5292'")));
  c.set_http("off");
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
  // With a security file, any address.
  c.set_auth_config("/etc/peloton/security.yaml");
  c.set_listen("0.0.0.0:5391");
  c.set_http("[::]:5292");
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
}

TEST(MasterConfigTest, DiscoveryIsChecked) {
  MasterConfig c;
  FillDefaults(c);
  EXPECT_EQ(c.discovery_root(), "/peloton/discovery");
  c.set_discovery_zk("zk1:2181,10.0.0.2:2181");
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
  for (const char* bad : {"zk1", "zk1:0", ":2181", "zk1:2181,", "zk1:99999"}) {
    c.set_discovery_zk(bad);
    EXPECT_THAT(ValidateMasterConfig(c),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("discovery_zk: '")))
        << bad;
  }
  c.set_discovery_zk("zk1:2181");
  for (const char* bad : {"peloton", "/peloton/", "/a//b"}) {
    c.set_discovery_root(bad);
    EXPECT_THAT(ValidateMasterConfig(c),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("discovery_root: '")))
        << bad;
  }
}

TEST(MasterConfigTest, TheBackendIsChecked) {
  MasterConfig c;
  FillDefaults(c);
  EXPECT_EQ(c.backend(), "local");
  EXPECT_EQ(c.sim_speed(), 1);
  c.set_backend("kubernetes");
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("backend: 'kubernetes'")));
  // Mesos needs its master's address, in host:port form, and a role of our own.
  c.set_backend("mesos");
  EXPECT_EQ(c.mesos().role(), "peloton");
  EXPECT_EQ(c.mesos().offer_hold_seconds(), 300);
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.master")));
  c.mutable_mesos()->set_zk("zk://zk1:2181,zk2:2181/mesos");
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
  c.mutable_mesos()->set_master("mesos-master:5050");  // both: which one?
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one of the two")));
  c.mutable_mesos()->clear_zk();
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
  c.mutable_mesos()->set_encoding("xml");
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.encoding")));
  c.mutable_mesos()->set_encoding("json");
  c.mutable_mesos()->set_launch_timeout_seconds(-1);
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mesos.launch_timeout")));
  c.set_backend("sim");
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sim_hosts")));
  c.set_sim_hosts(10);
  EXPECT_THAT(ValidateMasterConfig(c), IsOk());
  c.set_sim_speed(-2);
  EXPECT_THAT(ValidateMasterConfig(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sim_speed")));
}

TEST(MasterConfigTest, TheShippedFilesLoad) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string dir = absl::StrCat(srcdir != nullptr ? srcdir : ".", "/peloton/config/master/");
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig c,
                               LoadMasterConfig({dir + "base.yaml", dir + "development.yaml"}));
  EXPECT_EQ(c.hosts_size(), 3);
  EXPECT_EQ(c.listen(), "127.0.0.1:5391");
  PELOTON_ASSERT_OK_AND_ASSIGN(MasterConfig gpu,
                               LoadMasterConfig({dir + "base.yaml", dir + "gpu-hosts.yaml"}));
  ASSERT_EQ(gpu.hosts_size(), 2);
  EXPECT_EQ(gpu.hosts(1).gpus(), 1u);
  // Each component's own file, with its own address (the default given is not used).
  for (const auto& [app, listen, http] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"jobmgr", kJobmgrAddress, kJobmgrHttpAddress},
           {"resmgr", kResmgrAddress, kResmgrHttpAddress},
           {"placement", kPlacementAddress, kPlacementHttpAddress},
           {"hostmgr", kHostmgrAddress, kHostmgrHttpAddress}}) {
    PELOTON_ASSERT_OK_AND_ASSIGN(
        MasterConfig one, LoadMasterConfig({absl::StrCat(srcdir != nullptr ? srcdir : ".",
                                                         "/peloton/config/", app, "/base.yaml")},
                                           "0.0.0.0:1"));
    EXPECT_EQ(one.listen(), listen) << app;
    EXPECT_EQ(HttpAddressOf(one, http), http) << app;
    EXPECT_EQ(one.hostmgr(), kHostmgrAddress) << app;
  }
}

TEST(MasterConfigTest, EachProcessHasItsOwnDefaultAddress) {
  MasterConfig c;
  FillDefaults(c, kResmgrAddress);
  EXPECT_EQ(c.listen(), kResmgrAddress);
  EXPECT_EQ(c.jobmgr(), kJobmgrAddress);
  EXPECT_EQ(c.resmgr(), kResmgrAddress);
  EXPECT_EQ(c.hostmgr(), kHostmgrAddress);
}

}  // namespace
}  // namespace peloton::runtime
