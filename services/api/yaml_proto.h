// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Reads Peloton's YAML files (jobs, resource pools, updates) into the protobuf messages they
// describe, the way Peloton's own reader does:
// - a key matches a field whatever its case and underscores: `owningteam`, `owningTeam` and
//   `owning_team` are the same field;
// - an enum is a name in any case, with or without the prefix its values share
//   (`PACK_HOST` or `PLACEMENT_STRATEGY_PACK_HOST`), or its number;
// - `null` (or `~`, or nothing) leaves a field unset;
// - a key that names no field is ignored (Peloton's example files carry legacy keys such as
//   `minimuminstancecount`), and reported back so that a caller can warn about typos.
// A value of the wrong kind is an InvalidArgument naming its path as the file spells it
// (`defaultconfig.resource.cpulimit: 'lots' is not a number`); malformed YAML names the line
// and column.
//
// Strict where YAML is loose, and bounded (each refusal names the rule): a file is UTF-8, one
// document, not empty, at most 16 MiB; a key appears once in a mapping, in any spelling; it
// expands to at most 1,000,000 values, of which at most 10,000 through aliases (each use of
// an alias reads what it names again: a small file of nested aliases would otherwise expand
// to millions), nested at most 32 mappings deep.
//
// Thread-safety: stateless.

#ifndef PELOTON_SERVICES_API_YAML_PROTO_H_
#define PELOTON_SERVICES_API_YAML_PROTO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace peloton::api {

// Replaces `message` with what `yaml` describes. Returns the paths of the keys it ignored.
// On error `message` is left as it was.
absl::StatusOr<std::vector<std::string>> YamlToProto(absl::string_view yaml,
                                                     google::protobuf::Message& message);

}  // namespace peloton::api

#endif  // PELOTON_SERVICES_API_YAML_PROTO_H_
