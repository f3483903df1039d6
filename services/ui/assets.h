// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The web UI's files (services/ui/*.html, *.js, *.css), built into the binary so that it works
// offline and installed anywhere; the HTTP endpoint serves them under /ui/.

#ifndef PELOTON_SERVICES_UI_ASSETS_H_
#define PELOTON_SERVICES_UI_ASSETS_H_

#include "absl/strings/string_view.h"

namespace peloton::ui {

struct Asset {
  absl::string_view url;  // "/ui/app.js"; index.html is "/ui/" too
  absl::string_view content_type;
  absl::string_view data;
};

// The file served at `url`, or nullptr.
const Asset* FindAsset(absl::string_view url);

}  // namespace peloton::ui

#endif  // PELOTON_SERVICES_UI_ASSETS_H_
