// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/auth.h"

#include <crypt.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/api/yaml_proto.h"
#include "services/common/files.h"

namespace peloton::rpc {
namespace {

using security::Role;
using security::SecurityConfig;
using security::User;

constexpr size_t kMaxField = 4096;

absl::Status Invalid(const std::string& field, const std::string& rule) {
  return absl::InvalidArgumentError(absl::StrCat("security file: ", field, ": ", rule));
}

// "*", or "<service>:<method>" with a non-empty service and method.
bool IsPattern(absl::string_view p) {
  if (p == "*") return true;
  const size_t colon = p.find(':');
  return colon != absl::string_view::npos && colon > 0 && colon + 1 < p.size() &&
         p.find(':', colon + 1) == absl::string_view::npos && p.size() <= kMaxField;
}

// Compares without leaving a trace of where they differ in the time it takes.
bool SameSecret(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

bool PasswordMatches(const std::string& stored, absl::string_view given) {
  if (!absl::StartsWith(stored, "$")) return SameSecret(stored, given);
  struct crypt_data data {};
  const char* hashed = crypt_r(std::string(given).c_str(), stored.c_str(), &data);
  return hashed != nullptr && hashed[0] != '*' && SameSecret(hashed, stored);
}

}  // namespace

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative, with one back-up point: linear in practice, never exponential.
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Authorizer::Authorizer(std::shared_ptr<const SecurityConfig> config) : config_(std::move(config)) {
  for (const User& u : config_->users()) {
    users_[u.username()] = &u;
    // The costliest check of the file: a crypt(3) hash where there is one.
    if (absl::StartsWith(u.password(), "$") || decoy_.empty()) decoy_ = u.password();
  }
  for (const Role& r : config_->roles()) roles_[r.role()] = &r;
}

absl::StatusOr<Authorizer> Authorizer::Parse(absl::string_view yaml) {
  auto config = std::make_shared<SecurityConfig>();
  absl::StatusOr<std::vector<std::string>> ignored = api::YamlToProto(yaml, *config);
  if (!ignored.ok()) return Invalid("YAML", std::string(ignored.status().message()));
  if (!ignored->empty()) {
    // A misspelt `reject` would silently allow what it meant to refuse.
    return Invalid(absl::StrJoin(*ignored, ", "), "unknown key (rule: users, roles, "
                                                  "internal_user and their fields)");
  }
  absl::flat_hash_map<std::string, const Role*> roles;
  for (int i = 0; i < config->roles_size(); ++i) {
    const Role& r = config->roles(i);
    const std::string at = absl::StrCat("roles[", i, "]");
    if (r.role().empty() || r.role().size() > kMaxField) {
      return Invalid(at + ".role", "empty or too long (rule: 1 to 4096 bytes)");
    }
    if (!roles.emplace(r.role(), &r).second) {
      return Invalid(at + ".role", absl::StrCat("'", r.role(), "' twice (rule: once)"));
    }
    for (const auto& [list, name] : {std::pair{&r.accept(), "accept"}, {&r.reject(), "reject"}}) {
      for (int j = 0; j < list->size(); ++j) {
        if (!IsPattern((*list)[j])) {
          return Invalid(absl::StrCat(at, ".", name, "[", j, "]"),
                         absl::StrCat("'", (*list)[j],
                                      "' (rule: * or <service>:<method>, * for any run)"));
        }
      }
    }
  }
  absl::flat_hash_map<std::string, const User*> users;
  for (int i = 0; i < config->users_size(); ++i) {
    const User& u = config->users(i);
    const std::string at = absl::StrCat("users[", i, "]");
    if (!roles.contains(u.role())) {
      return Invalid(at + ".role", absl::StrCat("'", u.role(), "' (rule: a role of roles)"));
    }
    if (u.username().size() > kMaxField || u.password().size() > kMaxField) {
      return Invalid(at, "username or password over 4096 bytes");
    }
    if (u.username().empty() && !u.password().empty()) {
      return Invalid(at + ".password", "given without a username (rule: the entry without a "
                                       "username is for callers without credentials)");
    }
    if (!users.emplace(u.username(), &u).second) {
      return Invalid(at + ".username",
                     u.username().empty()
                         ? std::string("a second entry without one (rule: at most one)")
                         : absl::StrCat("'", u.username(), "' twice (rule: once)"));
    }
  }
  if (!config->internal_user().empty()) {
    auto user = users.find(config->internal_user());
    if (user == users.end()) {
      return Invalid("internal_user", absl::StrCat("'", config->internal_user(),
                                                   "' (rule: a username of users)"));
    }
    const Role& role = *roles.at(user->second->role());
    const bool all = std::find(role.accept().begin(), role.accept().end(), "*") !=
                     role.accept().end();
    if (!all || role.reject_size() > 0) {
      return Invalid("internal_user",
                     absl::StrCat("'", config->internal_user(), "' has role '", role.role(),
                                  "' (rule: a role that accepts * and rejects nothing: the "
                                  "components call every procedure)"));
    }
  }
  return Authorizer(std::move(config));
}

absl::StatusOr<Authorizer> Authorizer::Load(const std::string& path) {
  absl::StatusOr<std::string> yaml = files::ReadFile(path);
  if (!yaml.ok()) return yaml.status();
  absl::StatusOr<Authorizer> a = Parse(*yaml);
  if (!a.ok()) {
    return absl::Status(a.status().code(), absl::StrCat(path, ": ", a.status().message()));
  }
  return a;
}

absl::StatusOr<std::string> Authorizer::Authenticate(absl::string_view username,
                                                     absl::string_view password) const {
  auto it = users_.find(username);
  if (it == users_.end()) {
    // As long as a known user's check takes: the time says nothing of who exists.
    if (!decoy_.empty()) (void)PasswordMatches(decoy_, password);  // the answer is no anyway
    return absl::UnauthenticatedError("wrong or missing credentials");
  }
  if (!username.empty() && !PasswordMatches(it->second->password(), password)) {
    return absl::UnauthenticatedError("wrong or missing credentials");
  }
  return it->second->role();
}

absl::StatusOr<security::Credentials> Authorizer::InternalCredentials() const {
  if (config_->internal_user().empty()) {
    return absl::FailedPreconditionError(
        "security file: internal_user: none (rule: the components run apart call each other "
        "as internal_user)");
  }
  const User& user = *users_.at(config_->internal_user());
  if (absl::StartsWith(user.password(), "$")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "security file: internal_user '", user.username(),
        "': its password is a hash (rule: plain, for the components to log in with; keep "
        "the file 0600)"));
  }
  security::Credentials credentials;
  credentials.set_username(user.username());
  credentials.set_password(user.password());
  return credentials;
}

bool Authorizer::Allows(absl::string_view role, absl::string_view procedure) const {
  auto it = roles_.find(role);
  if (it == roles_.end()) return false;
  const auto matches = [procedure](const auto& patterns) {
    for (const std::string& p : patterns) {
      if (GlobMatch(p, procedure)) return true;
    }
    return false;
  };
  return matches(it->second->accept()) && !matches(it->second->reject());
}

absl::Status Authorizer::Check(absl::string_view username, absl::string_view password,
                               absl::string_view procedure) const {
  absl::StatusOr<std::string> role = Authenticate(username, password);
  if (!role.ok()) return role.status();
  if (!Allows(*role, procedure)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role '", *role, "' may not call ", procedure));
  }
  return absl::OkStatus();
}

}  // namespace peloton::rpc
