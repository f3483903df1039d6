// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/routing.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/discovery/serverset.h"

namespace peloton::discovery {
namespace {

std::string Quoted(absl::string_view s) {
  return absl::StrCat("'", absl::CHexEscape(s.substr(0, 64)), "'");
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text) {
  const size_t colon = text.rfind(':');
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(Quoted(text),
                     " is not a listen address (rule: [host]:port, host letters, digits, '.' "
                     "and '-', at most 253, port 1 to 65535)"));
  };
  if (colon == absl::string_view::npos) return invalid();
  ListenAddress a;
  a.host = std::string(text.substr(0, colon));
  uint32_t port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port == 0 || port > 65535 ||
      !absl::ascii_isdigit(text[colon + 1])) {
    return invalid();
  }
  if (a.host.size() > 253) return invalid();
  for (const char c : a.host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-') return invalid();
  }
  a.port = static_cast<uint16_t>(port);
  return a;
}

bool IsRoutablePortName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

absl::StatusOr<std::vector<LabelRoute>> RoutesOf(const Labels& labels) {
  std::vector<LabelRoute> routes;
  for (const auto& [key, value] : labels) {
    if (!absl::StartsWith(key, kRouteLabelPrefix)) continue;
    LabelRoute r;
    r.port = key.substr(sizeof(kRouteLabelPrefix) - 1);
    if (!IsRoutablePortName(r.port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("label ", Quoted(key), ": ", Quoted(r.port),
                       " is not a port name to route (rule: 1 to 64 letters, digits, '.', '_' "
                       "and '-')"));
    }
    absl::StatusOr<ListenAddress> listen = ParseListenAddress(value);
    if (!listen.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("label ", Quoted(key), ": ", listen.status().message()));
    }
    for (const LabelRoute& other : routes) {
      if (other.port == r.port) {
        return absl::InvalidArgumentError(absl::StrCat(
            "label ", Quoted(key), ": port ", Quoted(r.port), " twice (rule: one route a port)"));
      }
    }
    r.listen = *std::move(listen);
    routes.push_back(std::move(r));
  }
  return routes;
}

absl::StatusOr<absl::Duration> DrainOf(const Labels& labels) {
  bool routed = false;
  for (const auto& [key, value] : labels) {
    if (key == kDrainLabel) {
      uint32_t seconds = 0;
      if (value.empty() || !absl::ascii_isdigit(value[0]) || !absl::SimpleAtoi(value, &seconds) ||
          seconds > kMaxDrainSeconds) {
        return absl::InvalidArgumentError(absl::StrCat("label ", kDrainLabel, ": ", Quoted(value),
                                                       " (rule: whole seconds, 0 to ",
                                                       kMaxDrainSeconds, ")"));
      }
      return absl::Seconds(seconds);
    }
    routed = routed || key == kPathLabel || absl::StartsWith(key, kRouteLabelPrefix);
  }
  return routed ? kDefaultDrain : absl::ZeroDuration();
}

}  // namespace peloton::discovery
