// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/version.h"

namespace peloton {

std::string VersionLine(absl::string_view argv0) {
  const size_t slash = argv0.rfind('/');
  return absl::StrCat(slash == absl::string_view::npos ? argv0 : argv0.substr(slash + 1), " ",
                      Version());
}

void AddVersionFlag(CLI::App& app) {
  app.set_version_flag(
      "--version", [&app] { return VersionLine(app.get_name()); }, "print the version and exit");
}

}  // namespace peloton
