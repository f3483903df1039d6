// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peloton/placement/plugin.h"

namespace peloton::placement {

absl::Status PluginRegistry::RegisterFilter(std::string name, FilterFactory factory) {
  if (name.empty()) return absl::InvalidArgumentError("filter plugin: name is empty");
  if (!filters_.emplace(name, std::move(factory)).second) {
    return absl::AlreadyExistsError(absl::StrCat("filter plugin '", name, "' is registered"));
  }
  return absl::OkStatus();
}

absl::Status PluginRegistry::RegisterScorer(std::string name, ScoreFactory factory) {
  if (name.empty()) return absl::InvalidArgumentError("score plugin: name is empty");
  if (!scorers_.emplace(name, std::move(factory)).second) {
    return absl::AlreadyExistsError(absl::StrCat("score plugin '", name, "' is registered"));
  }
  return absl::OkStatus();
}

absl::Status PluginRegistry::RegisterProfile(std::string name, ProfileDefinition definition) {
  if (name.empty()) return absl::InvalidArgumentError("profile: name is empty");
  for (const std::string& f : definition.filters) {
    if (!filters_.contains(f)) {
      return absl::NotFoundError(
          absl::StrCat("profile '", name, "': filter plugin '", f, "' is not registered"));
    }
  }
  for (const auto& [s, weight] : definition.scorers) {
    if (!scorers_.contains(s)) {
      return absl::NotFoundError(
          absl::StrCat("profile '", name, "': score plugin '", s, "' is not registered"));
    }
    if (weight <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("profile '", name, "': weight of '", s,
                                                     "' is ", weight, " (rule: weights are > 0)"));
    }
  }
  if (!profiles_.emplace(name, std::move(definition)).second) {
    return absl::AlreadyExistsError(absl::StrCat("profile '", name, "' is registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Profile> PluginRegistry::Build(absl::string_view name,
                                              const ProfileOptions& options) const {
  auto it = profiles_.find(name);
  if (it == profiles_.end()) {
    return absl::NotFoundError(absl::StrCat("placement profile '", name, "' is unknown (known: ",
                                            absl::StrJoin(ProfileNames(), ", "), ")"));
  }
  Profile profile(std::string(name), options);
  for (const std::string& f : it->second.filters) profile.AddFilter(filters_.at(f)(options));
  for (const auto& [s, weight] : it->second.scorers) {
    profile.AddScorer(scorers_.at(s)(options), weight);
  }
  return profile;
}

std::vector<std::string> PluginRegistry::ProfileNames() const {
  std::vector<std::string> out;
  for (const auto& [name, def] : profiles_) out.push_back(name);
  return out;
}

}  // namespace peloton::placement
