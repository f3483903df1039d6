// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/discovery/serverset.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/discovery/serverset.pb.h"

namespace peloton::discovery {

absl::StatusOr<std::string> MemberJson(const Member& m, const std::string& primary) {
  if (m.ports.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("serverset: instance ", m.shard, " has no port to announce"));
  }
  ServersetMember member;
  const std::pair<std::string, uint32_t>* service = nullptr;
  for (const auto& port : m.ports) {
    ServersetEndpoint& e = (*member.mutable_additional_endpoints())[port.first];
    e.set_host(m.host);
    e.set_port(static_cast<int32_t>(port.second));
    if (port.first == primary) service = &port;
  }
  if (primary.empty()) service = &m.ports.front();
  if (service == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("serverset: instance ", m.shard,
                                                   " has no port named '", primary, "'"));
  }
  member.mutable_service_endpoint()->set_host(m.host);
  member.mutable_service_endpoint()->set_port(static_cast<int32_t>(service->second));
  member.set_status("ALIVE");
  member.set_shard(static_cast<int32_t>(m.shard));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // shard 0 is written, as Aurora writes it
  if (!google::protobuf::util::MessageToJsonString(member, &json, options).ok()) {
    return absl::InternalError("serverset: the member cannot be written as JSON");
  }
  return json;
}

bool IsServersetPath(const std::string& path) {
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  if (parts.empty() || parts.size() > 8) return false;
  for (absl::string_view p : parts) {
    if (p.empty() || p.size() > 255 || p == "." || p == "..") return false;
    for (const char c : p) {
      if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
    }
  }
  return true;
}

}  // namespace peloton::discovery
