// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/enum_names.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton {
namespace {

using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

enum class Color { kInvalid = 0, kRed = 1, kDarkBlue = 5 };
constexpr EnumName<Color> kColorNames[] = {
    {Color::kInvalid, "INVALID"}, {Color::kRed, "RED"}, {Color::kDarkBlue, "DARK_BLUE"}};

TEST(EnumNamesTest, NameOf) {
  EXPECT_EQ(EnumNameOf(Color::kDarkBlue, kColorNames), "DARK_BLUE");
  EXPECT_EQ(EnumNameOf(static_cast<Color>(3), kColorNames), "");
}

TEST(EnumNamesTest, ParsesNamesPrefixesAndNumbers) {
  EXPECT_THAT(ParseEnumName("DARK_BLUE", kColorNames, "color"), IsOkAndHolds(Color::kDarkBlue));
  EXPECT_THAT(ParseEnumName("dark_blue", kColorNames, "color"), IsOkAndHolds(Color::kDarkBlue));
  EXPECT_THAT(ParseEnumName("COLOR_RED", kColorNames, "color", {"COLOR_"}),
              IsOkAndHolds(Color::kRed));
  EXPECT_THAT(ParseEnumName("5", kColorNames, "color"), IsOkAndHolds(Color::kDarkBlue));
}

TEST(EnumNamesTest, RejectsUnknownListingTheAcceptedNames) {
  EXPECT_THAT(ParseEnumName("green", kColorNames, "color"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown color 'green' (rule: one of INVALID (0), RED (1), "
                                 "DARK_BLUE (5))")));
  EXPECT_THAT(ParseEnumName("3", kColorNames, "color"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEnumName("COLOR_RED", kColorNames, "color"),
              StatusIs(absl::StatusCode::kInvalidArgument));  // no prefix declared
}

}  // namespace
}  // namespace peloton
