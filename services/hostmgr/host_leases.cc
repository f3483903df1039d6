// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_leases.h"

#include <algorithm>

#include "peloton/common/ownership.h"

namespace peloton::hostmgr {

void HostLeases::Renew(const std::string& engine, absl::Time now) {
  if (engine.empty()) return;
  auto [it, added] = until_.try_emplace(engine, now + term_);
  if (!added) it->second = now + term_;
  changed_ = changed_ || added;
}

const std::vector<std::string>& HostLeases::Engines(absl::Time now) {
  // A lease that ended drops its engine; until then the list stands.
  for (auto it = until_.begin(); it != until_.end();) {
    if (it->second <= now) {
      until_.erase(it++);
      changed_ = true;
    } else {
      ++it;
    }
  }
  if (changed_) {
    engines_.clear();
    for (const auto& [engine, until] : until_) engines_.push_back(engine);
    std::sort(engines_.begin(), engines_.end());
    changed_ = false;
  }
  computed_ = now;
  return engines_;
}

bool HostLeases::Holds(const std::string& engine, absl::string_view host, absl::Time now) {
  if (engine.empty()) return true;
  const std::vector<std::string>& engines = now == computed_ ? engines_ : Engines(now);
  const std::optional<size_t> owner = OwnerOf(host, engines);
  return !owner.has_value() || engines[*owner] == engine;
}

}  // namespace peloton::hostmgr
