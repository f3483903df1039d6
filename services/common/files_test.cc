// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/common/files.h"

#include <sys/stat.h>
#include <unistd.h>

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

// What a task may leave where its output should be: each is refused at once, reading nothing.
TEST(FilesTest, ReadFileRangeRefusesLinksFifosAndOthersFiles) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/untrusted";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string secret = TempFile("secret");
  ASSERT_EQ(symlink(secret.c_str(), (dir + "/link").c_str()), 0);
  EXPECT_THAT(ReadFileRange(dir + "/link", 0, 10), StatusIs(absl::StatusCode::kPermissionDenied));
  // Nothing writes into the FIFO: a blocking open would hang here.
  ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0644), 0);
  EXPECT_THAT(ReadFileRange(dir + "/fifo", 0, 10), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ReadFileRange(dir, 0, 10), StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(WriteFileAtomically(dir + "/own", "mine"), IsOk());
  EXPECT_THAT(ReadFileRange(dir + "/own", 0, 10), IsOk());
  if (geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  // As a hard link to another user's file would be: its owner is not the directory's.
  ASSERT_EQ(chown((dir + "/own").c_str(), 65534, 65534), 0);
  EXPECT_THAT(ReadFileRange(dir + "/own", 0, 10), StatusIs(absl::StatusCode::kPermissionDenied));
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
