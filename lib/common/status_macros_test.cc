// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/status_macros.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::Not;

absl::Status FailIf(bool fail) { return fail ? absl::NotFoundError("missing") : absl::OkStatus(); }

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool fail, int v) {
  if (fail) return absl::InvalidArgumentError("bad");
  return std::make_unique<int>(v);
}

absl::Status UsesReturnIfError(bool fail, int* reached) {
  PELOTON_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return absl::OkStatus();
}

absl::StatusOr<int> UsesAssignOrReturn(bool fail) {
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakeInt(fail, 7));  // move-only value
  int doubled = 0;
  PELOTON_ASSIGN_OR_RETURN(doubled, absl::StatusOr<int>(*p * 2));  // existing variable
  return doubled;
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsEarly) {
  int reached = 0;
  EXPECT_THAT(UsesReturnIfError(true, &reached), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(reached, 0);
  EXPECT_THAT(UsesReturnIfError(false, &reached), IsOk());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturn) {
  EXPECT_THAT(UsesAssignOrReturn(false), IsOkAndHolds(14));
  EXPECT_THAT(UsesAssignOrReturn(true), StatusIs(absl::StatusCode::kInvalidArgument, "bad"));
}

TEST(StatusMatchersTest, MatchersCanFail) {
  EXPECT_THAT(absl::NotFoundError("x"), Not(IsOk()));
  EXPECT_THAT(absl::OkStatus(), Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(absl::StatusOr<int>(3), Not(IsOkAndHolds(4)));
  EXPECT_THAT(absl::StatusOr<int>(absl::InternalError("e")), Not(IsOkAndHolds(4)));
}

}  // namespace
}  // namespace peloton
