// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/placement/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "peloton/common/enum_names.h"

namespace peloton::placement {
namespace {

constexpr EnumName<FilterReason> kReasonNames[] = {
    {FilterReason::kUnknown, "UNKNOWN"},
    {FilterReason::kMatch, "MATCH"},
    {FilterReason::kInsufficientOfferResources, "INSUFFICIENT_OFFER_RESOURCES"},
    {FilterReason::kMismatchConstraints, "MISMATCH_CONSTRAINTS"},
    {FilterReason::kMismatchGpu, "MISMATCH_GPU"},
    {FilterReason::kMismatchStatus, "MISMATCH_STATUS"},
    {FilterReason::kMismatchMaxHostLimit, "MISMATCH_MAX_HOST_LIMIT"},
    {FilterReason::kNoOffer, "NO_OFFER"},
    {FilterReason::kInsufficientResources, "INSUFFICIENT_RESOURCES"},
    {FilterReason::kScarceResources, "SCARCE_RESOURCES"},
    {FilterReason::kInsufficientPorts, "INSUFFICIENT_PORTS"},
    {FilterReason::kMismatchExclusive, "MISMATCH_EXCLUSIVE"},
    {FilterReason::kGangIncomplete, "GANG_INCOMPLETE"}};

absl::Status ValidateAt(const Constraint& c, const std::string& path) {
  switch (c.type) {
    case Constraint::Type::kNone:
      return absl::OkStatus();
    case Constraint::Type::kLabel: {
      const LabelConstraint& l = c.label;
      if (l.kind != LabelConstraint::Kind::kHost && l.kind != LabelConstraint::Kind::kTask) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".labelConstraint.kind: must be TASK (1) or HOST (2)"));
      }
      if (l.condition != LabelConstraint::Condition::kLessThan &&
          l.condition != LabelConstraint::Condition::kEqual &&
          l.condition != LabelConstraint::Condition::kGreaterThan) {
        return absl::InvalidArgumentError(absl::StrCat(
            path,
            ".labelConstraint.condition: must be LESS_THAN (1), EQUAL (2) or GREATER_THAN (3)"));
      }
      if (l.label.key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".labelConstraint.label.key: is empty (rule: a label has a key)"));
      }
      return absl::OkStatus();
    }
    case Constraint::Type::kAnd:
    case Constraint::Type::kOr: {
      const char* name = c.type == Constraint::Type::kAnd ? "andConstraint" : "orConstraint";
      if (c.children.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".", name, ".constraints: is empty (rule: at least one)"));
      }
      for (size_t i = 0; i < c.children.size(); ++i) {
        absl::Status s =
            ValidateAt(c.children[i], absl::StrCat(path, ".", name, ".constraints[", i, "]"));
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ".type: must be LABEL (1), AND (2) or OR (3)"));
}

}  // namespace

absl::string_view Name(FilterReason r) { return EnumNameOf(r, kReasonNames); }

Constraint Constraint::Host(std::string key, std::string value, LabelConstraint::Condition c,
                            uint32_t requirement) {
  Constraint out;
  out.type = Type::kLabel;
  out.label = {LabelConstraint::Kind::kHost, c, {std::move(key), std::move(value)}, requirement};
  return out;
}

Constraint Constraint::Task(std::string key, std::string value, LabelConstraint::Condition c,
                            uint32_t requirement) {
  Constraint out = Host(std::move(key), std::move(value), c, requirement);
  out.label.kind = LabelConstraint::Kind::kTask;
  return out;
}

Constraint Constraint::And(std::vector<Constraint> children) {
  Constraint out;
  out.type = Type::kAnd;
  out.children = std::move(children);
  return out;
}

Constraint Constraint::Or(std::vector<Constraint> children) {
  Constraint out = And(std::move(children));
  out.type = Type::kOr;
  return out;
}

bool Constraint::NamesHostKey(absl::string_view key) const {
  if (type == Type::kNone) return false;
  if (type == Type::kLabel) {
    return label.kind == LabelConstraint::Kind::kHost && label.label.key == key;
  }
  for (const Constraint& c : children) {
    if (c.NamesHostKey(key)) return true;
  }
  return false;
}

absl::Status ValidateConstraint(const Constraint& c) {
  if (c.type == Constraint::Type::kNone) return absl::OkStatus();  // most tasks': no path to build
  return ValidateAt(c, "constraint");
}

bool Satisfies(const Constraint& c,
               absl::FunctionRef<std::optional<uint32_t>(const LabelConstraint&)> count) {
  switch (c.type) {
    case Constraint::Type::kNone:
      return true;
    case Constraint::Type::kLabel: {
      const std::optional<uint32_t> n = count(c.label);
      if (!n.has_value()) return true;
      switch (c.label.condition) {
        case LabelConstraint::Condition::kLessThan:
          return *n < c.label.requirement;
        case LabelConstraint::Condition::kEqual:
          return *n == c.label.requirement;
        case LabelConstraint::Condition::kGreaterThan:
          return *n > c.label.requirement;
        case LabelConstraint::Condition::kUnknown:
          return true;
      }
      return true;
    }
    case Constraint::Type::kAnd:
      return std::all_of(c.children.begin(), c.children.end(),
                         [count](const Constraint& k) { return Satisfies(k, count); });
    case Constraint::Type::kOr:
      return std::any_of(c.children.begin(), c.children.end(),
                         [count](const Constraint& k) { return Satisfies(k, count); });
  }
  return true;
}

namespace {

// ValidateTask's refusals, out of its way: it runs for every task placed, and its hot path then
// keeps a small frame.
[[gnu::cold, gnu::noinline]] absl::Status BadTask(const TaskSpec& t, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("task ", t.id, ": ", what));
}
[[gnu::cold, gnu::noinline]] absl::Status BadGpu(const TaskSpec& t) {
  return BadTask(t, absl::StrCat("gpu ", t.demand.milli_gpu(),
                                 " milli-gpu (rule: a fraction of one GPU, or whole GPUs)"));
}
[[gnu::cold, gnu::noinline]] absl::Status BadStaticPort(const TaskSpec& t, uint32_t port) {
  return BadTask(t, absl::StrCat("static port ", port, " (rule: 1 to 65535, each once)"));
}
[[gnu::cold, gnu::noinline]] absl::Status BadConstraint(const TaskSpec& t) {
  absl::Status s = ValidateConstraint(t.constraint);
  return BadTask(t, s.message());
}

}  // namespace

absl::Status ValidateTask(const TaskSpec& t) {
  if (t.id.empty()) return absl::InvalidArgumentError("task: id is empty (rule: tasks have ids)");
  const int64_t gpu = t.demand.milli_gpu();
  if (gpu > 1000 && gpu % 1000 != 0) return BadGpu(t);
  if (t.pinned && t.desired_host.empty()) {
    return BadTask(t, "pinned with an empty desired_host (rule: a pin names its host)");
  }
  for (size_t i = 0; i < t.static_ports.size(); ++i) {
    const uint32_t p = t.static_ports[i];
    if (p < 1 || p > 65535 ||
        std::find(t.static_ports.begin(), t.static_ports.begin() + i, p) !=
            t.static_ports.begin() + i) {
      return BadStaticPort(t, p);
    }
  }
  if (t.constraint.type != Constraint::Type::kNone && !ValidateConstraint(t.constraint).ok()) {
    return BadConstraint(t);
  }
  return absl::OkStatus();
}

}  // namespace peloton::placement
