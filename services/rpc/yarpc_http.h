// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The HTTP/JSON endpoint: Peloton's v0 procedures (v0_procedures.h) over yarpc's HTTP transport,
// so that what reaches Peloton over HTTP reaches this scheduler unchanged (and, beside them,
// GET /metrics; HttpEndpoint below):
//
//   curl -X POST -H 'content-type: application/json' -H 'Rpc-Procedure: JobManager.Get'
//        -H 'Rpc-Service: peloton-jobmgr' -H 'Rpc-Caller: peloton-client'
//        -H 'Context-TTL-MS: 1000' -H 'Rpc-Encoding: json'
//        --data '{"id": {"value": "<job id>"}}' localhost:5292/api/v1
//
// yarpc's conventions (as its HTTP inbound keeps them):
// - Rpc-Caller, Rpc-Service, Rpc-Procedure, Rpc-Encoding and Context-TTL-MS are required; like
//   yarpc's inbound, the method and path are not looked at.
// - The procedure is Peloton's "peloton.api.v0.job.JobManager::Get" or the short "JobManager.Get".
// - The encoding is "json" (the protobuf JSON mapping of Peloton's messages) or "proto" (their
//   binary encoding); the reply comes in the request's encoding. Context-TTL-MS is the deadline.
// - Success: 200 and the response message. Failure: the HTTP status of yarpc's code (400
//   invalid-argument and failed-precondition, 404 not-found, 409 already-exists and aborted, 501
//   unimplemented for an unknown procedure or service, 503 unavailable, 504 deadline-exceeded,
//   ...), the code in Rpc-Error-Code, and the message as text/plain.
// - The body is at most kMaxRequestBytes.
// - With a security file (auth.h), each call is checked by its procedure's Peloton name
//   ("peloton.api.v0.job.JobManager:Get") against the role of `Authorization: Basic` (RFC 7617;
//   no header: the callers without credentials): 401 (unauthenticated, with
//   WWW-Authenticate) for wrong credentials and for a call that needs some, 403
//   (permission-denied) for a procedure the caller's role may not call; nothing is done.
//
// Every procedure calls the public API (peloton.capnp) on `api`: the process's own service
// (peloton-master, peloton-jobmgr), never a second implementation.

#ifndef PELOTON_SERVICES_RPC_YARPC_HTTP_H_
#define PELOTON_SERVICES_RPC_YARPC_HTTP_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "services/api/peloton.capnp.h"
#include "services/rpc/auth.h"
#include "services/rpc/bounded_listener.h"
#include "services/rpc/v0_procedures.h"

namespace peloton::rpc {

inline constexpr size_t kMaxRequestBytes = 4 << 20;

// yarpc's name of a status code ("not-found") and its HTTP status (404).
absl::string_view YarpcCodeName(absl::StatusCode code);
unsigned YarpcHttpStatus(absl::StatusCode code);

// Told of each call answered: the procedure as asked for, yarpc's code ("ok", "not-found", ...)
// and the seconds it took.
using HttpCallObserver =
    std::function<void(absl::string_view procedure, absl::string_view code, double seconds)>;

class YarpcHttpService final : public kj::HttpService {
 public:
  // Adds the headers it reads to `headers`; the table built from it must outlive the service.
  // `auth`: null lets every call through.
  YarpcHttpService(kj::HttpHeaderTable::Builder& headers, kj::Timer& timer,
                   api::Peloton::Client api, HttpCallObserver observe = nullptr,
                   std::shared_ptr<const Authorizer> auth = nullptr);

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override;

 private:
  struct Call {
    std::string caller, service, procedure, encoding;
    unsigned ttl_ms = 0;
    const V0Procedure* handler = nullptr;
  };
  // The call the headers ask for, or why it cannot be made.
  absl::StatusOr<Call> CallOf(const kj::HttpHeaders& headers) const;
  // Whether the credentials of the headers may make `call`.
  absl::Status Authorize(const kj::HttpHeaders& headers, const Call& call) const;
  // Each sets `code` to yarpc's code of its answer.
  kj::Promise<void> Answer(const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                           Response& response, std::string& code);
  kj::Promise<void> Reply(const Call& call, V0Reply reply, Response& response,
                          std::string& code) const;
  kj::Promise<void> Fail(const absl::Status& status, Response& response, std::string& code) const;

  const kj::HttpHeaderTable& table_;
  kj::Timer& timer_;
  api::Peloton::Client api_;
  HttpCallObserver observe_;
  std::shared_ptr<const Authorizer> auth_;
  kj::HttpHeaderId caller_, service_, procedure_, encoding_, ttl_, error_code_, status_,
      authorization_, authenticate_;
  std::vector<V0Procedure> procedures_;
  // By "peloton.api.v0.job.JobManager::Get" and "JobManager.Get".
  absl::flat_hash_map<std::string, const V0Procedure*> by_name_;
};

// What a process's HTTP endpoint serves: Peloton's procedures (with `api`, the process's public
// API, as `auth` allows), GET /metrics (open to all, as Prometheus scrapes it) (with `metrics`,
// which gives Prometheus' text exposition) and the web UI (with `files`). Anything else is answered
// 404.
struct HttpFile {
  absl::string_view content_type;
  absl::string_view data;  // outlives the endpoint
};
struct HttpRoutes {
  std::optional<api::Peloton::Client> api;
  HttpCallObserver observe;  // may be null
  std::shared_ptr<const Authorizer> auth;  // checks the procedures' calls; null: none
  std::function<kj::Promise<std::string>()> metrics;
  // GET of a path under /ui/ (and / and /ui, sent on to /ui/): the web UI's files.
  std::function<std::optional<HttpFile>(absl::string_view path)> files;
};

// The endpoint on `address` ("host:port" or "unix:PATH"), serving until dropped. Listen's
// promise fails (kj::Exception) when it cannot listen.
class HttpEndpoint {
 public:
  // Connections are bounded as the Cap'n Proto server's are (bounded_listener.h); a request's
  // headers must arrive within options.request_timeout, its body within its Context-TTL-MS,
  // and kj's HTTP server closes a connection idle for 5 s between requests.
  static kj::Promise<kj::Own<HttpEndpoint>> Listen(kj::AsyncIoProvider& io,
                                                   const std::string& address, HttpRoutes routes,
                                                   ListenerOptions options = {});
  HttpEndpoint(kj::Own<kj::ConnectionReceiver> listener, kj::Timer& timer, HttpRoutes routes,
               ListenerOptions options = {});
  ~HttpEndpoint();
  // The TCP port it listens on (0 for a Unix socket).
  unsigned port() { return listener_->port(); }
  const ConnectionCounts& counts() const { return listener_->counts(); }

 private:
  class Router;
  kj::Own<kj::HttpHeaderTable> table_;
  kj::Own<kj::HttpService> service_;
  kj::Own<kj::HttpServer> server_;
  kj::Own<BoundedListener> listener_;  // last: its connections use the server
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_YARPC_HTTP_H_
