// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/haproxy_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::router {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Route Web() { return {.job = "job1", .port = "http", .listen = {"127.0.0.1", 8080}, .http = true}; }

TEST(HaproxyConfigTest, RendersAFrontendAndABackendARoute) {
  Proxy p{.route = Web(), .servers = {{1, "host-b", 31001, false}, {0, "host-a", 31000, true}}};
  Proxy tcp{.route = {.job = "job2", .port = "db", .listen = {"", 5432}}, .servers = {}};
  const std::string config = RenderConfig({p, tcp}, "/run/r/admin.sock");
  EXPECT_THAT(config, HasSubstr("stats socket /run/r/admin.sock mode 600 level admin"));
  EXPECT_THAT(config, HasSubstr("frontend job1.http\n  mode http\n  bind 127.0.0.1:8080\n"
                                "  default_backend job1.http\n"));
  // Servers by instance; the one that may not take traffic starts in maintenance.
  EXPECT_THAT(config, HasSubstr("backend job1.http\n  mode http\n  balance roundrobin\n"
                                "  server i0 host-a:31000\n  server i1 host-b:31001 disabled\n"));
  EXPECT_THAT(config, HasSubstr("frontend job2.db\n  mode tcp\n  bind :5432\n"));
  EXPECT_THAT(config, HasSubstr("backend job2.db\n  mode tcp\n  balance roundrobin\n"));
  // The same routes in another order: the same file.
  EXPECT_EQ(RenderConfig({tcp, p}, "/run/r/admin.sock"), config);
}

TEST(HaproxyConfigTest, OnlyTrafficChanges_AreRuntimeCommands) {
  const Proxy before{.route = Web(), .servers = {{0, "a", 1, true}, {1, "b", 2, false}}};
  const Proxy after{.route = Web(), .servers = {{1, "b", 2, true}, {0, "a", 1, false}}};
  const Plan plan = PlanChange({before}, {after});
  EXPECT_FALSE(plan.reload);
  EXPECT_THAT(plan.commands, ElementsAre("set server job1.http/i0 state drain",
                                         "set server job1.http/i1 state ready"));
  const Plan none = PlanChange({before}, {before});
  EXPECT_FALSE(none.reload);
  EXPECT_THAT(none.commands, IsEmpty());
}

TEST(HaproxyConfigTest, ServersThatComeGoOrMove_Reload) {
  const Proxy before{.route = Web(), .servers = {{0, "a", 1, true}, {1, "b", 2, true}}};
  Proxy moved = before;
  moved.servers[1].port = 3;          // a new run of instance 1
  moved.servers[0].routable = false;  // drained at once, reload or not
  Plan plan = PlanChange({before}, {moved});
  EXPECT_TRUE(plan.reload);
  EXPECT_THAT(plan.commands, ElementsAre("set server job1.http/i0 state drain"));

  Proxy gone = before;
  gone.servers.pop_back();
  EXPECT_TRUE(PlanChange({before}, {gone}).reload);
  EXPECT_TRUE(PlanChange({gone}, {before}).reload);

  Proxy relisten = before;
  relisten.route.listen.port = 9090;
  EXPECT_TRUE(PlanChange({before}, {relisten}).reload);
  EXPECT_TRUE(PlanChange({before}, {before, Proxy{.route = {.job = "j", .port = "p"}}}).reload);
  EXPECT_TRUE(PlanChange({before}, {}).reload);
}

TEST(HaproxyConfigTest, NamesAreHaproxySafe) {
  EXPECT_EQ(ProxyName(Web()), "job1.http");
  EXPECT_EQ(ServerName(12), "i12");
  EXPECT_THAT(RenderConfig({}, "/a"), Not(HasSubstr("frontend")));
}

}  // namespace
}  // namespace peloton::router
