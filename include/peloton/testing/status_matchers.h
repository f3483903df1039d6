// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// gMock matchers for absl::Status and absl::StatusOr<T> (Abseil's own arrive only in
// 20240722; Debian 12 ships 20220623). For tests only.
//
//   EXPECT_THAT(tree.Create("/a", config), IsOk());
//   EXPECT_THAT(tree.Delete("/"), StatusIs(absl::StatusCode::kInvalidArgument,
//                                          HasSubstr("root")));
//   EXPECT_THAT(tree.Lookup("/a"), IsOkAndHolds(_));
//   PELOTON_ASSERT_OK_AND_ASSIGN(auto pool, tree.Lookup("/a"));

#ifndef PELOTON_TESTING_STATUS_MATCHERS_H_
#define PELOTON_TESTING_STATUS_MATCHERS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = ::peloton::testing::GetStatus(arg);
  if (!status.ok()) *result_listener << "which is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "does not have" : "has") + " code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = ::peloton::testing::GetStatus(arg);
  *result_listener << "which is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "does not have" : "has") + " code " +
               absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = ::peloton::testing::GetStatus(arg);
  *result_listener << "which is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "which is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace peloton::testing

#define PELOTON_EXPECT_OK(expr) EXPECT_THAT((expr), ::peloton::testing::IsOk())
#define PELOTON_ASSERT_OK(expr) ASSERT_THAT((expr), ::peloton::testing::IsOk())

// Asserts that `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define PELOTON_ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                                \
  PELOTON_ASSERT_OK_AND_ASSIGN_IMPL_(PELOTON_TESTING_CONCAT_(peloton_statusor_, __LINE__), lhs, \
                                     rexpr)
#define PELOTON_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                       \
  ASSERT_THAT(statusor.status(), ::peloton::testing::IsOk());    \
  lhs = std::move(statusor).value()
#define PELOTON_TESTING_CONCAT_INNER_(x, y) x##y
#define PELOTON_TESTING_CONCAT_(x, y) PELOTON_TESTING_CONCAT_INNER_(x, y)

#endif  // PELOTON_TESTING_STATUS_MATCHERS_H_
