// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Peloton's v0 procedures (JobManager, ResourceManager, HostService; reference §5.1) in
// Peloton's own request and response messages (services/api/*_svc.proto), each answered by
// calling the public API (peloton.capnp) — the service code the CLI reaches, never a second
// implementation. The HTTP/JSON endpoint (yarpc_http.h) serves them.
//
// A refusal travels as Peloton's does: in the response's `error` field where the message has
// one for it (Get of an unknown job: error.notFound), otherwise as the call's status, which the
// transport turns into an error response.

#ifndef PELOTON_SERVICES_RPC_V0_PROCEDURES_H_
#define PELOTON_SERVICES_RPC_V0_PROCEDURES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "kj/async.h"
#include "services/api/peloton.capnp.h"

namespace peloton::rpc {

using V0Reply = absl::StatusOr<std::unique_ptr<google::protobuf::Message>>;

struct V0Procedure {
  std::string service;  // Peloton's full service name: "peloton.api.v0.job.JobManager"
  std::string method;   // "Get"
  const google::protobuf::Message* request;  // the request's type (its default instance)
  // `request` is of the request's type; it is read before the promise is returned. `api`
  // outlives the promise.
  std::function<kj::Promise<V0Reply>(api::Peloton::Client& api,
                                     const google::protobuf::Message& request)>
      call;
};

// Every procedure served.
std::vector<V0Procedure> V0Procedures();

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_V0_PROCEDURES_H_
