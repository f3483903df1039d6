// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/yaml_proto.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "peloton/common/status_macros.h"

namespace peloton::api {
namespace {

// Bounds on what a file may be and expand to (YamlToProto's comment).
constexpr size_t kMaxYamlBytes = 16 << 20;
constexpr uint64_t kMaxValues = 1'000'000;
constexpr uint64_t kMaxAliasValues = 10'000;
constexpr int kMaxDepth = 32;

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Invalid(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(path.empty() ? "(top level)" : path, ": ", problem));
}

// Lower case without '_' and '-': the spelling-free form of a key or a field name.
std::string Fold(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c != '_' && c != '-') out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const FieldDescriptor* FindField(const Descriptor* d, absl::string_view key) {
  const std::string folded = Fold(key);
  for (int i = 0; i < d->field_count(); ++i) {
    if (Fold(d->field(i)->name()) == folded) return d->field(i);
  }
  return nullptr;
}

// The prefix every value of the enum shares up to an underscore ("PLACEMENT_STRATEGY_").
std::string CommonPrefix(const EnumDescriptor* e) {
  std::string prefix = e->value(0)->name();
  for (int i = 1; i < e->value_count(); ++i) {
    const std::string& n = e->value(i)->name();
    size_t k = 0;
    while (k < prefix.size() && k < n.size() && prefix[k] == n[k]) ++k;
    prefix.resize(k);
  }
  const size_t underscore = prefix.rfind('_');
  return underscore == std::string::npos ? "" : prefix.substr(0, underscore + 1);
}

absl::StatusOr<const EnumValueDescriptor*> ParseEnum(const EnumDescriptor* e,
                                                     absl::string_view text,
                                                     absl::string_view path) {
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) {
    if (const EnumValueDescriptor* v = e->FindValueByNumber(number)) return v;
  } else {
    const std::string upper = absl::AsciiStrToUpper(text);
    const std::string prefix = CommonPrefix(e);
    for (int i = 0; i < e->value_count(); ++i) {
      const std::string& name = e->value(i)->name();
      if (name == upper || (!prefix.empty() && name == prefix + upper)) return e->value(i);
    }
  }
  std::vector<std::string> accepted;
  for (int i = 0; i < e->value_count(); ++i) {
    accepted.push_back(absl::StrCat(e->value(i)->name(), " (", e->value(i)->number(), ")"));
  }
  return Invalid(path, absl::StrCat("'", text, "' is not a ", e->name(), " (rule: one of ",
                                    absl::StrJoin(accepted, ", "), ")"));
}

template <typename Int>
absl::StatusOr<Int> ParseInt(absl::string_view text, absl::string_view path) {
  int64_t wide = 0;
  uint64_t uwide = 0;
  if constexpr (std::is_signed_v<Int>) {
    if (absl::SimpleAtoi(text, &wide) && wide >= std::numeric_limits<Int>::min() &&
        wide <= std::numeric_limits<Int>::max()) {
      return static_cast<Int>(wide);
    }
  } else {
    if (absl::SimpleAtoi(text, &uwide) && uwide <= std::numeric_limits<Int>::max()) {
      return static_cast<Int>(uwide);
    }
  }
  return Invalid(
      path, absl::StrCat("'", text, "' is not an integer in [", std::numeric_limits<Int>::min(),
                         ", ", std::numeric_limits<Int>::max(), "]"));
}

absl::StatusOr<double> ParseDouble(absl::string_view text, absl::string_view path) {
  double v = 0;
  if (absl::SimpleAtod(text, &v) && std::isfinite(v)) return v;
  return Invalid(path, absl::StrCat("'", text, "' is not a number"));
}

absl::StatusOr<bool> ParseBool(absl::string_view text, absl::string_view path) {
  bool v = false;
  if (absl::SimpleAtob(text, &v)) return v;
  return Invalid(path, absl::StrCat("'", text, "' is not true or false"));
}

// What a read keeps across the tree: the keys it ignored, and the budget that bounds what a
// file may expand to (an alias reads the node it names again each time it is used).
struct Context {
  std::vector<std::string> ignored;
  uint64_t values = 0;          // nodes read, each use of an alias counted
  uint64_t alias_values = 0;    // of those, nodes read again (through an alias)
  absl::flat_hash_set<size_t> seen;  // the nodes read once, by where they start in the file
  int depth = 0;
};

// Counts a node read at `path`; an error once the file expands past the limits.
absl::Status Count(const YAML::Node& node, const std::string& path, Context& ctx) {
  ++ctx.values;
  if (!ctx.seen.insert(node.Mark().pos).second && ++ctx.alias_values > kMaxAliasValues) {
    return Invalid(path, absl::StrCat("YAML aliases expand to more than ", kMaxAliasValues,
                                      " values (rule: at most ", kMaxAliasValues, ")"));
  }
  if (ctx.values > kMaxValues) {
    return Invalid(path, absl::StrCat("more than ", kMaxValues, " values (rule: at most ",
                                      kMaxValues, ")"));
  }
  return absl::OkStatus();
}

absl::Status ReadMessage(const YAML::Node& node, Message& message, const std::string& path,
                         Context& ctx);

// Sets a singular field (index < 0) or appends to a repeated one, from a scalar or a mapping.
absl::Status ReadValue(const YAML::Node& node, Message& message, const FieldDescriptor* f,
                       bool append, const std::string& path, Context& ctx) {
  PELOTON_RETURN_IF_ERROR(Count(node, path, ctx));
  const Reflection* r = message.GetReflection();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    Message* sub = append ? r->AddMessage(&message, f) : r->MutableMessage(&message, f);
    return ReadMessage(node, *sub, path, ctx);
  }
  if (!node.IsScalar()) return Invalid(path, "expected a single value");
  const std::string& text = node.Scalar();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      PELOTON_ASSIGN_OR_RETURN(int32_t v, ParseInt<int32_t>(text, path));
      append ? r->AddInt32(&message, f, v) : r->SetInt32(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      PELOTON_ASSIGN_OR_RETURN(int64_t v, ParseInt<int64_t>(text, path));
      append ? r->AddInt64(&message, f, v) : r->SetInt64(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      PELOTON_ASSIGN_OR_RETURN(uint32_t v, ParseInt<uint32_t>(text, path));
      append ? r->AddUInt32(&message, f, v) : r->SetUInt32(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      PELOTON_ASSIGN_OR_RETURN(uint64_t v, ParseInt<uint64_t>(text, path));
      append ? r->AddUInt64(&message, f, v) : r->SetUInt64(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      PELOTON_ASSIGN_OR_RETURN(double v, ParseDouble(text, path));
      append ? r->AddDouble(&message, f, v) : r->SetDouble(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      PELOTON_ASSIGN_OR_RETURN(double v, ParseDouble(text, path));
      append ? r->AddFloat(&message, f, static_cast<float>(v))
             : r->SetFloat(&message, f, static_cast<float>(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      PELOTON_ASSIGN_OR_RETURN(bool v, ParseBool(text, path));
      append ? r->AddBool(&message, f, v) : r->SetBool(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      append ? r->AddString(&message, f, text) : r->SetString(&message, f, text);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      PELOTON_ASSIGN_OR_RETURN(const EnumValueDescriptor* v, ParseEnum(f->enum_type(), text, path));
      append ? r->AddEnum(&message, f, v) : r->SetEnum(&message, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;  // handled above
  }
  return absl::OkStatus();
}

absl::Status ReadField(const YAML::Node& node, Message& message, const FieldDescriptor* f,
                       const std::string& path, Context& ctx) {
  const Reflection* r = message.GetReflection();
  r->ClearField(&message, f);
  if (node.IsNull()) return absl::OkStatus();
  if (f->is_map()) {
    if (!node.IsMap()) return Invalid(path, "expected a mapping");
    const FieldDescriptor* key_field = f->message_type()->map_key();
    const FieldDescriptor* value_field = f->message_type()->map_value();
    absl::flat_hash_set<std::string> keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) return Invalid(path, "a key is not a single value");
      const std::string sub = absl::StrCat(path, ".", it->first.Scalar());
      if (!keys.insert(it->first.Scalar()).second) {
        return Invalid(sub, "the key appears twice (rule: each key once)");
      }
      Message* entry = r->AddMessage(&message, f);
      PELOTON_RETURN_IF_ERROR(ReadValue(it->first, *entry, key_field, false, sub, ctx));
      PELOTON_RETURN_IF_ERROR(ReadValue(it->second, *entry, value_field, false, sub, ctx));
    }
    return absl::OkStatus();
  }
  if (f->is_repeated()) {
    if (!node.IsSequence()) return Invalid(path, "expected a list");
    for (size_t i = 0; i < node.size(); ++i) {
      PELOTON_RETURN_IF_ERROR(
          ReadValue(node[i], message, f, true, absl::StrCat(path, "[", i, "]"), ctx));
    }
    return absl::OkStatus();
  }
  return ReadValue(node, message, f, false, path, ctx);
}

absl::Status ReadMessage(const YAML::Node& node, Message& message, const std::string& path,
                         Context& ctx) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return Invalid(path, "expected a mapping of keys to values");
  if (ctx.depth >= kMaxDepth) {
    return Invalid(path, absl::StrCat("nested more than ", kMaxDepth, " deep (rule: at most ",
                                      kMaxDepth, ")"));
  }
  ++ctx.depth;
  absl::flat_hash_set<const FieldDescriptor*> fields;
  absl::flat_hash_set<std::string> unknown;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return Invalid(path, "a key is not a single value");
    const std::string& key = it->first.Scalar();
    const std::string sub = path.empty() ? key : absl::StrCat(path, ".", key);
    const FieldDescriptor* f = FindField(message.GetDescriptor(), key);
    // Twice, or in two spellings of one field (owningteam, owningTeam): which one would win is
    // a guess, so neither does.
    if (f != nullptr ? !fields.insert(f).second : !unknown.insert(Fold(key)).second) {
      return Invalid(sub, "the key appears twice (rule: each key once, in any spelling)");
    }
    if (f == nullptr) {
      ctx.ignored.push_back(sub);
      continue;
    }
    PELOTON_RETURN_IF_ERROR(ReadField(it->second, message, f, sub, ctx));
  }
  --ctx.depth;
  return absl::OkStatus();
}

// The offset of the first byte of `text` that is not well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF); npos when it is all well formed.
size_t FirstInvalidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size()) return i;
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return absl::string_view::npos;
}

absl::Status Malformed(const YAML::Mark& mark, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed YAML at line ", mark.line + 1,
                                                 ", column ", mark.column + 1, ": ", what));
}

// Where each document of a stream starts.
class DocumentStarts final : public YAML::EventHandler {
 public:
  YAML::Mark start = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// How many documents `yaml` has: 0, 1, or 2 for "more than one". yaml-cpp 0.7 reads some
// malformed streams (a lone ',') as the same document again and again, never reaching the end
// (its LoadAll loops forever on them; a fuzzer found it): a document that starts where the
// one before did is refused as malformed. Throws what yaml-cpp throws.
absl::StatusOr<int> CountDocuments(absl::string_view yaml) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  int count = 0;
  YAML::Mark last = YAML::Mark::null_mark();
  while (count < 2) {
    DocumentStarts handler;
    if (!parser.HandleNextDocument(handler)) break;
    if (count > 0 && handler.start.pos == last.pos) {
      return Malformed(handler.start, "no document can be read from here");
    }
    last = handler.start;
    ++count;
  }
  return count;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> YamlToProto(absl::string_view yaml, Message& message) {
  if (yaml.size() > kMaxYamlBytes) {
    return Invalid("", absl::StrCat("the file is ", yaml.size(), " bytes (rule: at most ",
                                    kMaxYamlBytes, ")"));
  }
  if (const size_t bad = FirstInvalidUtf8(yaml); bad != absl::string_view::npos) {
    const absl::string_view before = yaml.substr(0, bad);
    const size_t line_start = before.rfind('\n');
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", std::count(before.begin(), before.end(), '\n') + 1, ", column ",
        bad - (line_start == absl::string_view::npos ? 0 : line_start + 1) + 1,
        ": not UTF-8 (rule: a file is UTF-8 text)"));
  }
  YAML::Node root;
  try {
    PELOTON_ASSIGN_OR_RETURN(const int documents, CountDocuments(yaml));
    if (documents > 1) {
      return Invalid("", "more than one YAML document (rule: one document a file)");
    }
    if (documents == 1) root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Malformed(e.mark, e.msg);
  }
  if (root.IsNull()) return Invalid("", "the file says nothing (rule: a file is not empty)");
  // Read into a fresh message so that a failure leaves `message` as it was.
  std::unique_ptr<Message> read(message.New());
  Context ctx;
  PELOTON_RETURN_IF_ERROR(ReadMessage(root, *read, "", ctx));
  message.CopyFrom(*read);
  return std::move(ctx.ignored);
}

}  // namespace peloton::api
