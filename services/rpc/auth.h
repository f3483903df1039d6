// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Authentication and authorization with Peloton's basic-auth security file (security.proto;
// Peloton's pkg/auth/impl/basic reads the same YAML):
//
//   users:
//   - {username: alice, password: '$y$j9T$...', role: admin}   # crypt(3) hash, or plain
//   - {role: reader}                                            # callers without credentials
//   roles:
//   - role: admin
//     accept: ['*']
//   - role: reader
//     accept: ['peloton.api.v0.job.JobManager:Get*', 'peloton.api.v0.job.JobManager:Query']
//     reject: ['peloton.api.v0.job.JobManager:GetCache']
//   internal_user: alice
//
// A procedure is named "<service>:<method>" with Peloton's service names. A role allows one
// that an accept pattern matches and no reject pattern does (reject wins). The internal user,
// as which the components call each other, must have a role that accepts "*" and rejects
// nothing.
//
// Thread-safety: immutable once made; safe to share.

#ifndef PELOTON_SERVICES_RPC_AUTH_H_
#define PELOTON_SERVICES_RPC_AUTH_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/rpc/security.pb.h"

namespace peloton::rpc {

// Whether `text` matches `pattern`, in which `*` matches any run of characters (none too).
bool GlobMatch(absl::string_view pattern, absl::string_view text);

class Authorizer {
 public:
  // The file's YAML. InvalidArgument naming the field and the rule: an unknown key, a user
  // without a role or with a role no entry of roles defines, a username twice, more than one
  // entry without a username, a pattern that is not "*" or "<service>:<method>", an
  // internal_user that is no user or whose role does not accept everything.
  static absl::StatusOr<Authorizer> Parse(absl::string_view yaml);
  // Parse of a file (NotFound naming it).
  static absl::StatusOr<Authorizer> Load(const std::string& path);

  // The role of these credentials; an empty username: the entry without one. Unauthenticated
  // for an unknown user, a wrong password, or no credentials where no entry takes them (the
  // message never says which).
  absl::StatusOr<std::string> Authenticate(absl::string_view username,
                                           absl::string_view password) const;
  // Whether `role` may call `procedure` ("<service>:<method>").
  bool Allows(absl::string_view role, absl::string_view procedure) const;
  // Authenticate, then Allows: Unauthenticated, or PermissionDenied naming the procedure.
  absl::Status Check(absl::string_view username, absl::string_view password,
                     absl::string_view procedure) const;

  const std::string& internal_user() const { return config_->internal_user(); }
  // What the components log in to each other with: the internal_user and its password.
  // FailedPrecondition naming the rule when the file names no internal_user or gives its
  // password hashed (a component must send it).
  absl::StatusOr<security::Credentials> InternalCredentials() const;

 private:
  explicit Authorizer(std::shared_ptr<const security::SecurityConfig> config);

  // Shared, so that the maps' pointers into it outlive moves and copies.
  std::shared_ptr<const security::SecurityConfig> config_;
  absl::flat_hash_map<std::string, const security::User*> users_;  // by username
  absl::flat_hash_map<std::string, const security::Role*> roles_;  // by role
  // A password of the file (a hash where there is one), checked for unknown users too.
  std::string decoy_;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_AUTH_H_
