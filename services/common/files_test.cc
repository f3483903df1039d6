// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/common/files.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::files {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;

std::string TempFile(const std::string& content) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/range";
  EXPECT_THAT(WriteFileAtomically(path, content), IsOk());
  return path;
}

TEST(FilesTest, ReadFileRangeReadsAWindowOrTheTail) {
  const std::string path = TempFile("0123456789");
  absl::StatusOr<FileRange> r = ReadFileRange(path, 2, 3);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->content, "234");
  EXPECT_EQ(r->offset, 2u);
  EXPECT_EQ(r->size, 10u);
  r = ReadFileRange(path, -1, 4);  // the last 4 bytes
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->content, "6789");
  EXPECT_EQ(r->offset, 6u);
  r = ReadFileRange(path, -1, 100);  // more than there is: all of it
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->content, "0123456789");
  EXPECT_EQ(r->offset, 0u);
  r = ReadFileRange(path, 8, 100);  // past the end: what is there
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->content, "89");
  r = ReadFileRange(path, 50, 100);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->content, "");
  EXPECT_EQ(r->offset, 10u);
  EXPECT_THAT(ReadFileRange(path + ".missing", 0, 1), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FilesTest, NamesAndPaths) {
  EXPECT_TRUE(IsFileName("a"));
  EXPECT_FALSE(IsFileName(".."));
  EXPECT_FALSE(IsFileName("a/b"));
  EXPECT_TRUE(IsPathInside("a/b", 10));
  EXPECT_FALSE(IsPathInside("a/../b", 10));
  EXPECT_FALSE(IsPathInside("abcdef", 3));
}

}  // namespace
}  // namespace peloton::files
