// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/common/remote_file.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::files {
namespace {

using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kDigest(64, 'a');

TEST(ParseRemoteUri, FileUrls) {
  PELOTON_ASSERT_OK_AND_ASSIGN(ParsedUri u, ParseRemoteUri("file:///srv/data/model.bin"));
  EXPECT_EQ(u.scheme, ParsedUri::Scheme::kFile);
  EXPECT_EQ(u.path, "/srv/data/model.bin");
  EXPECT_EQ(u.location, "file:///srv/data/model.bin");
  EXPECT_EQ(u.sha256, "");
  PELOTON_ASSERT_OK_AND_ASSIGN(u, ParseRemoteUri("file://localhost/a#sha256=" + kDigest));
  EXPECT_EQ(u.path, "/a");
  EXPECT_EQ(u.location, "file://localhost/a");
  EXPECT_EQ(u.sha256, kDigest);
}

TEST(ParseRemoteUri, HttpUrls) {
  PELOTON_ASSERT_OK_AND_ASSIGN(ParsedUri u,
                               ParseRemoteUri("http://Files.Example:8080/v2/app.tgz?x=1"));
  EXPECT_EQ(u.scheme, ParsedUri::Scheme::kHttp);
  EXPECT_EQ(u.host, "files.example");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.path, "/v2/app.tgz?x=1");
  PELOTON_ASSERT_OK_AND_ASSIGN(u, ParseRemoteUri("http://127.0.0.1/f#sha256=" +
                                                 std::string(64, 'F')));
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.sha256, std::string(64, 'f'));
}

TEST(ParseRemoteUri, RefusesWhatIsNotAnImmutableUrl) {
  const struct {
    std::string uri;
    std::string rule;
  } cases[] = {
      {"https://example/f", "file:// or http://"},
      {"ftp://example/f", "file:// or http://"},
      {"relative/path", "file:// or http://"},
      {"file://other-host/f", "file:///absolute/path"},
      {"file:///a/../etc/passwd", "no empty, . or .. parts"},
      {"file:///a?b", "without a query"},
      {"http://example", "http://host[:port]/path"},
      {"http://user@example/f", "no user"},
      {"http://[::1]/f", "no brackets"},
      {"http://example:0/f", "a port is 1 to 65535"},
      {"http://example:99999/f", "a port is 1 to 65535"},
      {"http://example/a b", "without spaces"},
      {"http://example/f#v2", "#sha256= and 64 hex digits"},
      {"http://example/f#sha256=abc", "#sha256= and 64 hex digits"},
      {"http://example/f#sha256=" + std::string(64, 'g'), "#sha256= and 64 hex digits"},
      {"http://example/" + std::string(kMaxUriSize, 'x'), "at most 2048 characters"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseRemoteUri(c.uri),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.rule)))
        << c.uri;
  }
}

TEST(OutputPathOf, TheUrlsFileNameUnlessGiven) {
  PELOTON_ASSERT_OK_AND_ASSIGN(ParsedUri u, ParseRemoteUri("http://h/v1/app.tar.gz?sig=1"));
  EXPECT_EQ(OutputPathOf({"http://h/v1/app.tar.gz?sig=1"}, u), "app.tar.gz");
  EXPECT_EQ(OutputPathOf({"http://h/v1/app.tar.gz?sig=1", "lib/app.tgz"}, u), "lib/app.tgz");
  EXPECT_TRUE(IsTarArchive("app.tar.gz"));
  EXPECT_TRUE(IsTarArchive("a.txz"));
  EXPECT_FALSE(IsTarArchive(".tar"));
  EXPECT_FALSE(IsTarArchive("app.zip"));
}

TEST(ValidateRemoteFiles, NamesTheFieldAndTheRule) {
  PELOTON_EXPECT_OK(ValidateRemoteFiles(
      {{"file:///a/x.txt"}, {"http://h/x.txt", "y.txt"}, {"http://h/dir/", "dir.tgz", false, true}},
      "uris"));
  EXPECT_THAT(ValidateRemoteFiles({{"file:///ok"}, {"gopher://h/x"}}, "command.uris"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("command.uris[1].value: 'gopher://h/x'")));
  EXPECT_THAT(ValidateRemoteFiles({{"http://h/dir/"}}, "uris"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("uris[0].output_file: '' (rule: a relative path")));
  EXPECT_THAT(ValidateRemoteFiles({{"http://h/x", "../x"}}, "uris"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("uris[0].output_file")));
  EXPECT_THAT(ValidateRemoteFiles({{"http://h/x", "/etc/x"}}, "uris"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("uris[0].output_file")));
  EXPECT_THAT(ValidateRemoteFiles({{"http://h/a/x"}, {"file:///b/x"}}, "uris"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("uris[1].output_file: 'x' (rule: each file")));
  std::vector<RemoteFile> many(kMaxRemoteFiles + 1, RemoteFile{"file:///x"});
  EXPECT_THAT(ValidateRemoteFiles(many, "uris"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 16")));
}

}  // namespace
}  // namespace peloton::files
