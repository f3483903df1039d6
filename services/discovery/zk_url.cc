// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/zk_url.h"

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace peloton::discovery {

bool IsZkServerList(absl::string_view servers) {
  for (absl::string_view server : absl::StrSplit(servers, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(server, ':');
    uint32_t port = 0;
    if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &port) || port == 0 ||
        port > 65535) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<ZkUrl> ParseZkUrl(absl::string_view url, absl::string_view field) {
  const auto bad = [&](absl::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": '", url, "' (rule: ", rule, ")"));
  };
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "zk://")) return bad("zk://host:port[,host:port]/path");
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return bad("zk://host:port[,host:port]/path");
  }
  ZkUrl out{std::string(rest.substr(0, slash)), std::string(rest.substr(slash))};
  if (!IsZkServerList(out.servers)) return bad("each server host:port");
  if (absl::EndsWith(out.path, "/")) out.path.pop_back();
  return out;
}

}  // namespace peloton::discovery
