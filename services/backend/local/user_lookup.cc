// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/user_lookup.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace peloton::backend::local {
namespace {

TaskUser FromPasswd(const struct passwd& pw) {
  TaskUser u{pw.pw_name, pw.pw_uid, pw.pw_gid, {}};
  int count = 64;
  u.groups.resize(static_cast<size_t>(count));
  if (getgrouplist(pw.pw_name, pw.pw_gid, u.groups.data(), &count) < 0) {
    u.groups.resize(static_cast<size_t>(count));  // count now says how many there are
    if (getgrouplist(pw.pw_name, pw.pw_gid, u.groups.data(), &count) < 0) count = 0;
  }
  u.groups.resize(static_cast<size_t>(count));
  if (u.groups.empty()) u.groups.push_back(pw.pw_gid);
  return u;
}

}  // namespace

absl::StatusOr<TaskUser> LookUpUser(const std::string& name) {
  if (!IsUserName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user '", name, "' (rule: 1 to 32 letters, digits, '.', '_' or '-', not first '-')"));
  }
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  const int e = getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (e != 0 || found == nullptr) {
    return absl::NotFoundError(absl::StrCat("user '", name, "' is no user on this machine",
                                            e != 0 ? absl::StrCat(": ", std::strerror(e)) : ""));
  }
  return FromPasswd(pw);
}

TaskUser CurrentUser() {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(geteuid(), &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return FromPasswd(pw);
  }
  return TaskUser{std::to_string(geteuid()), geteuid(), getegid(), {getegid()}};
}

}  // namespace peloton::backend::local
