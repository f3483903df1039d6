// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_leases.h"

#include <algorithm>

#include "peloton/common/ownership.h"

namespace peloton::hostmgr {

const std::vector<std::string>& HostLeases::Renew(const std::string& engine, absl::Time now) {
  if (!engine.empty()) {
    auto [it, added] = until_.try_emplace(engine, now + term_);
    if (!added) it->second = now + term_;
    changed_ = changed_ || added;
  }
  // A lease that ended drops its engine; until then the list stands.
  changed_ =
      absl::erase_if(until_, [now](const auto& e) { return e.second <= now; }) > 0 || changed_;
  if (changed_) {
    engines_.clear();
    for (const auto& [name, until] : until_) engines_.push_back(name);
    std::sort(engines_.begin(), engines_.end());
    changed_ = false;
  }
  return engines_;
}

bool HostLeases::Holds(const std::vector<std::string>& engines, const std::string& engine,
                       absl::string_view host) {
  if (engine.empty()) return true;
  const std::optional<size_t> owner = OwnerOf(host, engines);
  return !owner.has_value() || engines[*owner] == engine;
}

}  // namespace peloton::hostmgr
