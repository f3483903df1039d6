// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The security file (auth.h) enforced on the Cap'n Proto API. A server given one hands each
// connection Guard(its capability), as callers without credentials may call it: every call is
// named by the Peloton procedure it stands for (ProcedureOf) and let through only where the
// caller's role allows it; Login.login with a username and password hands out the same
// capability guarded for that user's role. A refused call does nothing and answers
// PermissionDenied in its result's status (or, for a method whose result has none, fails
// with that message).
//
//   peloton --basicAuthConfig creds.yaml job get <id>   # the CLI logs in first (LogIn)
//
// The components log in to each other as the file's internal_user (Peer, remote.h).

#ifndef PELOTON_SERVICES_RPC_GUARD_H_
#define PELOTON_SERVICES_RPC_GUARD_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "capnp/capability.h"
#include "kj/async.h"
#include "services/api/peloton.capnp.h"
#include "services/rpc/auth.h"
#include "services/rpc/security.pb.h"

namespace peloton::rpc {

// Peloton's name of the procedure that a call of `method_id` of interface `interface_id` with
// `params` stands for: "peloton.api.v0.job.JobManager:Create" for Peloton.createJob (the
// names of the v0 procedures the HTTP endpoint serves, v1alpha's JobService for the stateless
// calls), "peloton.private.HostManager:launch" for the internal interfaces. Empty for
// Login.login and for an interface or method that is not ours.
std::string ProcedureOf(uint64_t interface_id, uint16_t method_id,
                        capnp::AnyPointer::Reader params);

// `inner` (an interface of peloton.capnp or internal.capnp) as callers without credentials
// may call it (the role of the security file's entry without a username; none: only login).
capnp::Capability::Client Guard(capnp::Capability::Client inner,
                                std::shared_ptr<const Authorizer> auth);

// Login.login of a server without a security file: the capability itself, whatever the
// credentials. Each server mixes it in.
class OpenLogin : public virtual api::Login::Server {
 protected:
  kj::Promise<void> login(LoginContext context) override;
};

// Logs in on `cap` (an interface that extends Login): the capability as the user may call it,
// or the server's refusal (Unauthenticated). Throws what the connection throws.
kj::Promise<absl::StatusOr<capnp::Capability::Client>> LogIn(capnp::Capability::Client cap,
                                                             const security::Credentials& user);

// A credentials file (Peloton's CLI --basicAuthConfig): YAML `username:` and `password:`, both
// required, nothing else. InvalidArgument naming the file and the field.
absl::StatusOr<security::Credentials> LoadCredentials(const std::string& path);

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_GUARD_H_
