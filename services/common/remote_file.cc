// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/common/remote_file.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/files.h"

namespace peloton::files {
namespace {

constexpr absl::string_view kFileScheme = "file://";
constexpr absl::string_view kHttpScheme = "http://";
constexpr absl::string_view kDigest = "sha256=";

absl::Status Bad(absl::string_view uri, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("'", uri, "' (rule: ", rule, ")"));
}

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ParsedUri> ParseRemoteUri(absl::string_view uri) {
  if (uri.size() > kMaxUriSize) {
    return Bad(uri.substr(0, 64), absl::StrCat("at most ", kMaxUriSize, " characters"));
  }
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return Bad(uri, "printable ASCII without spaces");
    }
  }
  ParsedUri out;
  absl::string_view rest = uri;
  if (const size_t hash = rest.find('#'); hash != absl::string_view::npos) {
    const absl::string_view fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
    if (!absl::StartsWith(fragment, kDigest) || fragment.size() != kDigest.size() + 64) {
      return Bad(uri, "a fragment is #sha256= and 64 hex digits");
    }
    for (char c : fragment.substr(kDigest.size())) {
      if (!absl::ascii_isxdigit(c)) return Bad(uri, "a fragment is #sha256= and 64 hex digits");
    }
    out.sha256 = absl::AsciiStrToLower(fragment.substr(kDigest.size()));
  }
  out.location = std::string(rest);
  if (absl::StartsWithIgnoreCase(rest, kFileScheme)) {
    out.scheme = ParsedUri::Scheme::kFile;
    rest.remove_prefix(kFileScheme.size());
    if (absl::StartsWith(rest, "localhost/")) rest.remove_prefix(9);
    if (!absl::StartsWith(rest, "/") || rest.find('?') != absl::string_view::npos) {
      return Bad(uri, "file:///absolute/path, on this host, without a query");
    }
    out.path = std::string(rest);
    if (!IsPathInside(absl::string_view(out.path).substr(1), kMaxUriSize)) {
      return Bad(uri, "a file URL's path has no empty, . or .. parts");
    }
    return out;
  }
  if (!absl::StartsWithIgnoreCase(rest, kHttpScheme)) {
    return Bad(uri, "file:// or http://");
  }
  out.scheme = ParsedUri::Scheme::kHttp;
  rest.remove_prefix(kHttpScheme.size());
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return Bad(uri, "http://host[:port]/path");
  absl::string_view authority = rest.substr(0, slash);
  out.path = std::string(rest.substr(slash));
  if (authority.find_first_of("@[]") != absl::string_view::npos) {
    return Bad(uri, "an http host is a name or an IPv4 address (no user, no brackets)");
  }
  if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    uint32_t port = 0;
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port < 1 || port > 65535) {
      return Bad(uri, "a port is 1 to 65535");
    }
    out.port = static_cast<uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  if (!IsHostName(authority)) {
    return Bad(uri, "an http host is a name or an IPv4 address (no user, no brackets)");
  }
  out.host = absl::AsciiStrToLower(authority);
  return out;
}

std::string OutputPathOf(const RemoteFile& file, const ParsedUri& uri) {
  if (!file.output_file.empty()) return file.output_file;
  absl::string_view path = uri.path;
  if (const size_t query = path.find('?'); query != absl::string_view::npos) {
    path = path.substr(0, query);
  }
  return std::string(path.substr(path.rfind('/') + 1));
}

bool IsTarArchive(absl::string_view name) {
  for (absl::string_view suffix :
       {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz"}) {
    if (absl::EndsWith(name, suffix) && name.size() > suffix.size()) return true;
  }
  return false;
}

absl::Status ValidateRemoteFiles(const std::vector<RemoteFile>& files, absl::string_view field) {
  if (files.size() > kMaxRemoteFiles) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", files.size(), " files (rule: at most ",
                                                   kMaxRemoteFiles, ")"));
  }
  absl::flat_hash_set<std::string> outputs;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    absl::StatusOr<ParsedUri> uri = ParseRemoteUri(files[i].value);
    if (!uri.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".value: ", uri.status().message()));
    }
    const std::string output = OutputPathOf(files[i], *uri);
    if (!IsPathInside(output, kMaxOutputPath)) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".output_file: '", output,
          "' (rule: a relative path in the sandbox without empty, . or .. parts, at most ",
          kMaxOutputPath, " characters; give one when the URL's path ends in '/')"));
    }
    if (!outputs.insert(output).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".output_file: '", output, "' (rule: each file of a task has a path of its own)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace peloton::files
