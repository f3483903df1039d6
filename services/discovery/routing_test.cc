// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/routing.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::discovery {
namespace {

using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RoutingTest, ListenAddresses) {
  absl::StatusOr<ListenAddress> a = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  a = ParseListenAddress(":80");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "");
  EXPECT_EQ(a->port, 80);
  for (const char* bad :
       {"", "8080", "h:", "h:0", "h:65536", "h:+80", "h:80x", "a b:80", "h;evil:80", "[::1]:80"}) {
    EXPECT_THAT(ParseListenAddress(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rule: [host]:port")))
        << bad;
  }
}

TEST(RoutingTest, PortNames) {
  EXPECT_TRUE(IsRoutablePortName("http"));
  EXPECT_TRUE(IsRoutablePortName("grpc-tls_2.0"));
  EXPECT_FALSE(IsRoutablePortName(""));
  EXPECT_FALSE(IsRoutablePortName("a/b"));
  EXPECT_FALSE(IsRoutablePortName("a b"));
  EXPECT_FALSE(IsRoutablePortName(std::string(65, 'a')));
}

TEST(RoutingTest, RoutesFromLabels) {
  absl::StatusOr<std::vector<LabelRoute>> routes =
      RoutesOf({{"team", "web"},
                {"peloton.router/http", "127.0.0.1:8080"},
                {"peloton.router/admin", ":9090"}});
  ASSERT_TRUE(routes.ok()) << routes.status();
  ASSERT_EQ(routes->size(), 2u);
  EXPECT_EQ((*routes)[0].port, "http");
  EXPECT_EQ((*routes)[0].listen.port, 8080);
  EXPECT_EQ((*routes)[1].port, "admin");
  EXPECT_EQ((*routes)[1].listen.host, "");

  EXPECT_THAT(RoutesOf({{"peloton.router/", ":80"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a port name")));
  EXPECT_THAT(RoutesOf({{"peloton.router/http", "80"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("label 'peloton.router/http': '80' is not a listen address")));
  EXPECT_THAT(RoutesOf({{"peloton.router/http", ":80"}, {"peloton.router/http", ":81"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
}

TEST(RoutingTest, DrainBeforeKill) {
  // Jobs nobody routes are killed at once; routed ones drain for the default, or as set.
  EXPECT_THAT(DrainOf({{"team", "web"}}), IsOkAndHolds(absl::ZeroDuration()));
  EXPECT_THAT(DrainOf({{"peloton.router/http", ":80"}}), IsOkAndHolds(kDefaultDrain));
  EXPECT_THAT(DrainOf({{"peloton.discovery/path", "web/prod/api"}}), IsOkAndHolds(kDefaultDrain));
  EXPECT_THAT(DrainOf({{"peloton.router/http", ":80"}, {kDrainLabel, "0"}}),
              IsOkAndHolds(absl::ZeroDuration()));
  EXPECT_THAT(DrainOf({{kDrainLabel, "7"}}), IsOkAndHolds(absl::Seconds(7)));
  for (const char* bad : {"", "-1", "+3", "1.5", "3601", "x"}) {
    EXPECT_THAT(DrainOf({{kDrainLabel, bad}}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 to 3600")))
        << bad;
  }
}

}  // namespace
}  // namespace peloton::discovery
