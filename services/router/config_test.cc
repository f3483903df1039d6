// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::router {
namespace {

using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

RouterConfig Valid() {
  RouterConfig c;
  c.set_master("unix:/tmp/api.sock");
  c.set_state_dir("/tmp/r");
  RouteConfig* r = c.add_routes();
  r->set_job("job-1");
  r->set_port("http");
  r->set_listen("127.0.0.1:8080");
  return c;
}

std::string Write(const std::string& text) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp == nullptr ? "/tmp" : tmp) + "/router.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(RouterConfigTest, ReadsTheFile) {
  absl::StatusOr<RouterConfig> c = LoadRouterConfig(
      Write("master: unix:/run/api.sock\nstate_dir: /var/r\nminReloadIntervalMs: 100\n"
            "routes:\n- {job: j1, port: http, listen: ':80', mode: http}\n- {job: j2}\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->master(), "unix:/run/api.sock");
  EXPECT_EQ(c->min_reload_interval_ms(), 100u);
  ASSERT_EQ(c->routes_size(), 2);
  EXPECT_EQ(c->routes(0).mode(), "http");
  EXPECT_THAT(ValidateRouterConfig(*c), peloton::testing::IsOk());
  EXPECT_THAT(LoadRouterConfig(Write("master: x\nroute: []\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key route")));
  EXPECT_THAT(LoadRouterConfig("/nonexistent/router.yaml"), Not(peloton::testing::IsOk()));
}

TEST(RouterConfigTest, EachFieldIsChecked) {
  const auto broken = [](auto change) {
    RouterConfig c = Valid();
    change(c);
    return ValidateRouterConfig(c);
  };
  EXPECT_THAT(ValidateRouterConfig(Valid()), peloton::testing::IsOk());
  EXPECT_THAT(broken([](RouterConfig& c) { c.clear_master(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("master: empty")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.clear_routes(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("routes: none")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.mutable_routes(0)->set_job("a b"); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("routes[0].job: 'a b' (rule: a job id")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.mutable_routes(0)->set_port("a/b"); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("routes[0].port")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.mutable_routes(0)->set_listen("8080"); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("routes[0].listen: '8080' is not a listen address")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.mutable_routes(0)->clear_port(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without a port")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.mutable_routes(0)->set_mode("udp"); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tcp or http")));
  EXPECT_THAT(broken([](RouterConfig& c) { c.set_min_reload_interval_ms(60'001); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 60000")));
}

TEST(RouterConfigTest, RoutesComeFromTheFileAndFromLabels) {
  RouterConfig c = Valid();
  RouteConfig* labelled = c.add_routes();
  labelled->set_job("job-2");
  labelled->set_mode("http");
  std::vector<std::string> asked;
  const LabelLookup labels =
      [&](const std::vector<std::string>& jobs) -> absl::StatusOr<std::vector<Route>> {
    asked.insert(asked.end(), jobs.begin(), jobs.end());
    return std::vector<Route>{{.job = jobs[0], .port = "http", .listen = {"", 9000}},
                              {.job = jobs[0], .port = "admin", .listen = {"", 9001}}};
  };
  absl::StatusOr<std::vector<Route>> routes = ResolveRoutes(c, labels);
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_THAT(asked, ::testing::ElementsAre("job-2"));  // job-1's route is in the file
  ASSERT_EQ(routes->size(), 3u);
  EXPECT_EQ((*routes)[0].listen.port, 8080);
  EXPECT_FALSE((*routes)[0].http);
  EXPECT_TRUE((*routes)[1].http);  // the entry's mode
  EXPECT_EQ((*routes)[2].port, "admin");

  labelled->set_port("admin");  // only that one
  routes = ResolveRoutes(c, labels);
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(routes->size(), 2u);
  labelled->set_port("grpc");
  EXPECT_THAT(ResolveRoutes(c, labels), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("no label peloton.router/grpc")));

  // One address, one route.
  labelled->set_port("http");
  labelled->set_listen("127.0.0.1:8080");
  EXPECT_THAT(ResolveRoutes(c, labels),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listen on one address")));
  labelled->set_job("job-1");
  labelled->set_listen("127.0.0.1:8081");
  EXPECT_THAT(ResolveRoutes(c, labels),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("routed twice")));
  // A lookup that fails fails the whole.
  labelled->clear_listen();
  labelled->set_job("job-3");
  EXPECT_THAT(
      ResolveRoutes(c,
                    [](const std::vector<std::string>&) -> absl::StatusOr<std::vector<Route>> {
                      return absl::NotFoundError("job job-3: not found");
                    }),
      StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace peloton::router
