// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/auth.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::rpc {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

// Peloton's own test file (pkg/auth/impl/basic/testdata), with a hashed password and an
// internal user added.
constexpr char kFile[] = R"yaml(
users:
- username: user1
  password: password1
  role: role1
- username: user2
  password: '$6$5aCyqJ6q8KtqCWbr$rc9X/B7WOkMnGlyGewR8.4geqU.ORt1GZvoTV3SJlDPDunMaULfAqwvIxK6ZlYQVIPfP1lWgXNOLNvfTADUIb/'
  role: role2
- role: role3
roles:
- role: role1
  accept:
  - 'peloton.api.v1alpha.job.stateless.svc.JobService:Get*'
  - 'peloton.api.v1alpha.respool.svc.ResourcePoolService:*'
  reject:
  - 'peloton.api.v1alpha.job.stateless.svc.JobService:GetJobCache'
- role: role2
  accept:
  - '*'
- role: role3
  accept:
  - 'peloton.api.v1alpha.job.stateless.svc.JobService:*'
internal_user: user2
)yaml";

constexpr char kGetJob[] = "peloton.api.v1alpha.job.stateless.svc.JobService:GetJob";
constexpr char kGetCache[] = "peloton.api.v1alpha.job.stateless.svc.JobService:GetJobCache";
constexpr char kCreatePool[] =
    "peloton.api.v1alpha.respool.svc.ResourcePoolService:CreateResourcePool";
constexpr char kCreateJob[] = "peloton.api.v1alpha.job.stateless.svc.JobService:CreateJob";

TEST(AuthTest, RolesAcceptAndRejectWins) {
  PELOTON_ASSERT_OK_AND_ASSIGN(Authorizer a, Authorizer::Parse(kFile));
  EXPECT_THAT(a.Check("user1", "password1", kGetJob), IsOk());
  EXPECT_THAT(a.Check("user1", "password1", kCreatePool), IsOk());
  EXPECT_THAT(a.Check("user1", "password1", kGetCache),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("GetJobCache")));
  EXPECT_THAT(a.Check("user1", "password1", kCreateJob),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The hashed password, checked with crypt(3).
  EXPECT_THAT(a.Check("user2", "s3cret", kCreateJob), IsOk());
  EXPECT_THAT(a.Check("user2", "$6$5aCyqJ6q8KtqCWbr$rc9X", kCreateJob),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Without credentials: the entry without a username.
  EXPECT_THAT(a.Check("", "", kCreateJob), IsOk());
  EXPECT_THAT(a.Check("", "", kCreatePool), StatusIs(absl::StatusCode::kPermissionDenied));
  // Wrong or unknown: the same answer, naming nothing.
  for (const auto& [user, password] : {std::pair{"user1", "wrong"}, {"nobody", "password1"},
                                       {"user1", ""}}) {
    EXPECT_THAT(a.Check(user, password, kGetJob),
                StatusIs(absl::StatusCode::kUnauthenticated, "wrong or missing credentials"))
        << user;
  }
  EXPECT_EQ(a.internal_user(), "user2");
}

TEST(AuthTest, NoAnonymousEntryMeansNoAnonymousCalls) {
  PELOTON_ASSERT_OK_AND_ASSIGN(
      Authorizer a, Authorizer::Parse("users: [{username: u, password: p, role: r}]\n"
                                      "roles: [{role: r, accept: ['*']}]\n"));
  EXPECT_THAT(a.Check("", "", kGetJob), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(a.Check("u", "p", kGetJob), IsOk());
}

TEST(AuthTest, BadFilesAreRefusedNamingTheField) {
  const std::pair<const char*, const char*> bad[] = {
      {"users: [{username: u, password: p, role: missing}]\nroles: []\n",
       "users[0].role: 'missing' (rule: a role of roles)"},
      {"roles: [{role: r, rejects: ['*']}]\n", "unknown key"},
      {"roles: [{role: r, accept: ['JobService']}]\n", "roles[0].accept[0]: 'JobService'"},
      {"roles: [{role: r}, {role: r}]\n", "roles[1].role: 'r' twice"},
      {"users: [{role: r}, {role: r}]\nroles: [{role: r}]\n", "a second entry without one"},
      {"users: [{username: u, password: p, role: r}, {username: u, password: q, role: r}]\n"
       "roles: [{role: r}]\n",
       "users[1].username: 'u' twice"},
      {"users: [{username: u, password: p, role: r}]\nroles: [{role: r, accept: ['a:b']}]\n"
       "internal_user: u\n",
       "internal_user: 'u' has role 'r' (rule: a role that accepts * and rejects nothing"},
      {"roles: [{role: r}]\ninternal_user: ghost\n", "internal_user: 'ghost'"},
      {"users: [{password: p, role: r}]\nroles: [{role: r}]\n", "users[0].password"},
  };
  for (const auto& [yaml, why] : bad) {
    EXPECT_THAT(Authorizer::Parse(yaml).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)))
        << yaml;
  }
  EXPECT_THAT(Authorizer::Load("/no/such/file").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST(AuthTest, Globs) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*c", "abbbd"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_TRUE(GlobMatch("s:Get*", "s:Get"));
  EXPECT_FALSE(GlobMatch("s:Get*", "t:Get"));
  // No blow-up on a pattern built to make a naive matcher backtrack.
  EXPECT_FALSE(GlobMatch(std::string(50, '*') + "b", std::string(10000, 'a')));
}

}  // namespace
}  // namespace peloton::rpc
