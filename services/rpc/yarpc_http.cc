// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/yarpc_http.h"

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {
namespace {

// Peloton's service names (its daemons' yarpc dispatchers): each is answered here, whichever
// process serves the endpoint (peloton-jobmgr passes pool and host calls on).
constexpr const char* kServiceNames[] = {"peloton-hostmgr", "peloton-jobmgr", "peloton-resmgr"};

std::string Quoted(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

// The reason phrase of the statuses YarpcHttpStatus gives.
const char* ReasonOf(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 499: return "Client Closed Request";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Internal Server Error";
  }
}

// The whole reply: `status` with `headers` and `body` (copied).
kj::Promise<void> SendBody(kj::HttpService::Response& response, unsigned status,
                           const kj::HttpHeaders& headers, absl::string_view body) {
  auto owned = kj::heapString(body.data(), body.size());
  auto stream = response.send(status, ReasonOf(status), headers, owned.size());
  auto write = stream->write(owned.begin(), owned.size());
  return write.attach(kj::mv(stream), kj::mv(owned));
}

}  // namespace

absl::string_view YarpcCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "ok";
    case absl::StatusCode::kCancelled: return "cancelled";
    case absl::StatusCode::kUnknown: return "unknown";
    case absl::StatusCode::kInvalidArgument: return "invalid-argument";
    case absl::StatusCode::kDeadlineExceeded: return "deadline-exceeded";
    case absl::StatusCode::kNotFound: return "not-found";
    case absl::StatusCode::kAlreadyExists: return "already-exists";
    case absl::StatusCode::kPermissionDenied: return "permission-denied";
    case absl::StatusCode::kResourceExhausted: return "resource-exhausted";
    case absl::StatusCode::kFailedPrecondition: return "failed-precondition";
    case absl::StatusCode::kAborted: return "aborted";
    case absl::StatusCode::kOutOfRange: return "out-of-range";
    case absl::StatusCode::kUnimplemented: return "unimplemented";
    case absl::StatusCode::kInternal: return "internal";
    case absl::StatusCode::kUnavailable: return "unavailable";
    case absl::StatusCode::kDataLoss: return "data-loss";
    case absl::StatusCode::kUnauthenticated: return "unauthenticated";
    default: return "unknown";
  }
}

unsigned YarpcHttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    default: return 500;
  }
}

YarpcHttpService::YarpcHttpService(kj::HttpHeaderTable::Builder& headers, kj::Timer& timer,
                                   api::Peloton::Client api, HttpCallObserver observe,
                                   std::shared_ptr<const Authorizer> auth)
    : table_(headers.getFutureTable()),
      timer_(timer),
      api_(kj::mv(api)),
      observe_(std::move(observe)),
      auth_(std::move(auth)),
      caller_(headers.add("Rpc-Caller")),
      service_(headers.add("Rpc-Service")),
      procedure_(headers.add("Rpc-Procedure")),
      encoding_(headers.add("Rpc-Encoding")),
      ttl_(headers.add("Context-TTL-MS")),
      error_code_(headers.add("Rpc-Error-Code")),
      status_(headers.add("Rpc-Status")),
      authorization_(headers.add("Authorization")),
      authenticate_(headers.add("WWW-Authenticate")),
      procedures_(V0Procedures()) {
  for (const V0Procedure& p : procedures_) {
    by_name_[absl::StrCat(p.service, "::", p.method)] = &p;
    by_name_[absl::StrCat(p.service.substr(p.service.rfind('.') + 1), ".", p.method)] = &p;
  }
}

absl::StatusOr<YarpcHttpService::Call> YarpcHttpService::CallOf(
    const kj::HttpHeaders& headers) const {
  Call call;
  std::vector<std::string> missing;
  std::string ttl;
  for (auto [id, field, name] : {std::tuple{service_, &call.service, "service name"},
                                 {procedure_, &call.procedure, "procedure"},
                                 {caller_, &call.caller, "caller name"},
                                 {ttl_, &ttl, "TTL"},
                                 {encoding_, &call.encoding, "encoding"}}) {
    KJ_IF_MAYBE(value, headers.get(id)) { *field = std::string(value->cStr(), value->size()); }
    if (field->empty()) missing.push_back(name);
  }
  if (!missing.empty()) {
    const std::string last = missing.back();
    missing.pop_back();
    return absl::InvalidArgumentError(absl::StrCat(
        "missing ", absl::StrJoin(missing, ", "),
        missing.empty() ? "" : (missing.size() == 1 ? " and " : ", and "), last));
  }
  if (!absl::SimpleAtoi(ttl, &call.ttl_ms) || call.ttl_ms == 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid TTL ", Quoted(ttl), " for service ",
                                                   Quoted(call.service), " and procedure ",
                                                   Quoted(call.procedure),
                                                   ": must be positive integer"));
  }
  if (std::find(std::begin(kServiceNames), std::end(kServiceNames), call.service) ==
      std::end(kServiceNames)) {
    std::vector<std::string> names;
    for (const char* n : kServiceNames) names.push_back(Quoted(n));
    return absl::UnimplementedError(absl::StrCat("unrecognized service name ", Quoted(call.service),
                                                 ", available services: ",
                                                 absl::StrJoin(names, ", ")));
  }
  const auto found = by_name_.find(call.procedure);
  if (found == by_name_.end()) {
    return absl::UnimplementedError(absl::StrCat("unrecognized procedure ", Quoted(call.procedure),
                                                 " for service ", Quoted(call.service)));
  }
  call.handler = found->second;
  if (call.encoding != "json" && call.encoding != "proto") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported encoding ", Quoted(call.encoding), " for procedure ", Quoted(call.procedure),
        " of service ", Quoted(call.service), " (rule: json or proto)"));
  }
  return call;
}

absl::Status YarpcHttpService::Authorize(const kj::HttpHeaders& headers, const Call& call) const {
  std::string username, password;
  KJ_IF_MAYBE(value, headers.get(authorization_)) {
    absl::string_view v(value->cStr(), value->size());
    std::string decoded;
    // RFC 7617: "Basic" (any case), then base64 of username:password.
    const bool basic = v.size() >= 6 && absl::EqualsIgnoreCase(v.substr(0, 6), "Basic ") &&
                       absl::Base64Unescape(absl::StripAsciiWhitespace(v.substr(6)), &decoded);
    const size_t colon = basic ? decoded.find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return absl::UnauthenticatedError(
          "Authorization: not Basic <base64 of username:password> (RFC 7617)");
    }
    username = decoded.substr(0, colon);
    password = decoded.substr(colon + 1);
  }
  const std::string procedure = absl::StrCat(call.handler->service, ":", call.handler->method);
  absl::Status allowed = auth_->Check(username, password, procedure);
  if (allowed.code() == absl::StatusCode::kPermissionDenied &&
      headers.get(authorization_) == nullptr) {
    // Credentials may allow it: 401, whose challenge makes a browser (the web UI) ask for them.
    return absl::UnauthenticatedError(absl::StrCat("callers without credentials may not call ",
                                                   procedure, " (log in: Authorization: Basic)"));
  }
  return allowed;
}

kj::Promise<void> YarpcHttpService::Fail(const absl::Status& status, Response& response,
                                         std::string& code) const {
  spdlog::debug("http: {}", status.ToString());
  code = std::string(YarpcCodeName(status.code()));
  kj::HttpHeaders headers(table_);
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    headers.set(authenticate_, "Basic realm=\"peloton\", charset=\"UTF-8\"");
  }
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, "text/plain; charset=utf-8");
  headers.set(error_code_, kj::heapString(code.data(), code.size()));
  headers.set(status_, "error");
  return SendBody(response, YarpcHttpStatus(status.code()), headers, status.message());
}

kj::Promise<void> YarpcHttpService::Reply(const Call& call, V0Reply reply, Response& response,
                                          std::string& code) const {
  if (!reply.ok()) return Fail(reply.status(), response, code);
  std::string body;
  if (call.encoding == "json") {
    google::protobuf::util::JsonPrintOptions options;
    if (auto s = google::protobuf::util::MessageToJsonString(**reply, &body, options); !s.ok()) {
      return Fail(absl::InternalError(absl::StrCat("encoding the response of ",
                                                   Quoted(call.procedure), ": ", s.ToString())),
                  response, code);
    }
  } else if (!(*reply)->SerializeToString(&body)) {
    return Fail(absl::InternalError(absl::StrCat("encoding the response of ",
                                                 Quoted(call.procedure))),
                response, code);
  }
  kj::HttpHeaders headers(table_);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE,
              call.encoding == "json" ? "application/json" : "application/octet-stream");
  headers.set(status_, "success");
  return SendBody(response, 200, headers, body);
}

kj::Promise<void> YarpcHttpService::request(kj::HttpMethod, kj::StringPtr,
                                            const kj::HttpHeaders& headers,
                                            kj::AsyncInputStream& body, Response& response) {
  // What the observer is told once the call is answered.
  struct Answered {
    explicit Answered(kj::TimePoint at) : start(at) {}
    std::string procedure;
    std::string code = "ok";
    kj::TimePoint start;
  };
  auto answered = kj::heap<Answered>(timer_.now());
  KJ_IF_MAYBE(p, headers.get(procedure_)) { answered->procedure = p->cStr(); }
  auto done = Answer(headers, body, response, answered->code);
  return done
      .then([this, &a = *answered]() {
        if (observe_ != nullptr) {
          observe_(a.procedure, a.code, (timer_.now() - a.start) / kj::NANOSECONDS * 1e-9);
        }
      })
      .attach(kj::mv(answered));
}

kj::Promise<void> YarpcHttpService::Answer(const kj::HttpHeaders& headers,
                                           kj::AsyncInputStream& body, Response& response,
                                           std::string& code) {
  absl::StatusOr<Call> parsed = CallOf(headers);
  if (!parsed.ok()) return Fail(parsed.status(), response, code);
  if (auth_ != nullptr) {
    if (absl::Status s = Authorize(headers, *parsed); !s.ok()) return Fail(s, response, code);
  }
  KJ_IF_MAYBE(length, headers.get(kj::HttpHeaderId::CONTENT_LENGTH)) {
    size_t n = 0;
    if (absl::SimpleAtoi(absl::string_view(length->cStr(), length->size()), &n) &&
        n > kMaxRequestBytes) {
      return Fail(absl::ResourceExhaustedError(absl::StrCat(
                      "request body: ", n, " bytes (rule: at most ", kMaxRequestBytes, ")")),
                  response, code);
    }
  }
  auto call = kj::heap<Call>(*std::move(parsed));
  // The limit of readAllBytes is exclusive: a body of kMaxRequestBytes is read whole.
  // The TTL is the whole call's: the body too must arrive within it.
  auto read = timer_.timeoutAfter(call->ttl_ms * kj::MILLISECONDS,
                                  body.readAllBytes(kMaxRequestBytes + 1))
                  .then([](kj::Array<kj::byte> bytes) -> absl::StatusOr<kj::Array<kj::byte>> {
                    return kj::mv(bytes);
                  },
                        [&call = *call](kj::Exception&& e) -> absl::StatusOr<kj::Array<kj::byte>> {
                          if (e.getType() == kj::Exception::Type::OVERLOADED) {
                            return absl::DeadlineExceededError(absl::StrCat(
                                "request body of ", Quoted(call.procedure), ": not whole after ",
                                call.ttl_ms, " ms (rule: within Context-TTL-MS)"));
                          }
                          return absl::ResourceExhaustedError(absl::StrCat(
                              "request body: over ", kMaxRequestBytes, " bytes (rule: at most ",
                              kMaxRequestBytes, ")"));
                        });
  return read.then([this, &call = *call, &response, &code](
                       absl::StatusOr<kj::Array<kj::byte>> bytes) -> kj::Promise<void> {
    if (!bytes.ok()) return Fail(bytes.status(), response, code);
    std::unique_ptr<google::protobuf::Message> request(call.handler->request->New());
    bool decoded = false;
    std::string why;
    if (call.encoding == "json") {
      google::protobuf::util::JsonParseOptions options;
      const auto s = google::protobuf::util::JsonStringToMessage(
          std::string(reinterpret_cast<const char*>(bytes->begin()), bytes->size()),
          request.get(), options);
      decoded = s.ok();
      why = std::string(s.message());
    } else {
      decoded = request->ParseFromArray(bytes->begin(), static_cast<int>(bytes->size()));
      why = "not a " + request->GetTypeName();
    }
    if (!decoded) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
                      "failed to decode ", Quoted(call.encoding), " request body for procedure ",
                      Quoted(call.procedure), " of service ", Quoted(call.service),
                      " from caller ", Quoted(call.caller), ": ", why)),
                  response, code);
    }
    kj::Promise<V0Reply> reply = call.handler->call(api_, *request);
    return timer_.timeoutAfter(call.ttl_ms * kj::MILLISECONDS, kj::mv(reply))
        .then([](V0Reply r) { return r; },
              [&call](kj::Exception&& e) -> V0Reply {
                if (e.getType() == kj::Exception::Type::OVERLOADED) {
                  return absl::DeadlineExceededError(absl::StrCat(
                      "call to procedure ", Quoted(call.procedure), " of service ",
                      Quoted(call.service), " from caller ", Quoted(call.caller),
                      " timed out after ", call.ttl_ms, " ms"));
                }
                if (e.getType() == kj::Exception::Type::DISCONNECTED) {
                  return absl::UnavailableError(e.getDescription().cStr());
                }
                return absl::InternalError(e.getDescription().cStr());
              })
        .then([this, &call, &response, &code](V0Reply r) {
          return Reply(call, std::move(r), response, code);
        });
  }).attach(kj::mv(call));
}

// Routes a request: yarpc's (it has Rpc-Procedure) to the procedures, GET /metrics to the
// metrics, GET /ui/... to the UI's files; anything else is not found.
class HttpEndpoint::Router final : public kj::HttpService {
 public:
  Router(kj::HttpHeaderTable::Builder& headers, kj::Timer& timer, HttpRoutes routes)
      : table_(headers.getFutureTable()),
        procedure_(headers.add("Rpc-Procedure")),
        metrics_(std::move(routes.metrics)),
        files_(std::move(routes.files)) {
    if (routes.api.has_value()) {
      yarpc_ = kj::heap<YarpcHttpService>(headers, timer, *std::move(routes.api),
                                          std::move(routes.observe), std::move(routes.auth));
    }
  }

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override {
    if (headers.get(procedure_) != nullptr && yarpc_.get() != nullptr) {
      return yarpc_->request(method, url, headers, body, response);
    }
    const absl::string_view whole(url.cStr(), url.size());
    const absl::string_view path = whole.substr(0, whole.find('?'));
    if (path == "/metrics" && method == kj::HttpMethod::GET && metrics_ != nullptr) {
      return metrics_().then([this, &response](std::string text) {
        return Send(response, 200, "text/plain; version=0.0.4; charset=utf-8", text);
      });
    }
    if (files_ != nullptr && method == kj::HttpMethod::GET) {
      if (path == "/" || path == "/ui") {
        kj::HttpHeaders headers(table_);
        headers.set(kj::HttpHeaderId::LOCATION, "/ui/");
        return Send(response, 302, "text/plain; charset=utf-8", "/ui/", &headers);
      }
      if (absl::StartsWith(path, "/ui/")) {
        if (std::optional<HttpFile> file = files_(path); file.has_value()) {
          return Send(response, 200, file->content_type, file->data);
        }
      }
    }
    return Send(response, 404, "text/plain; charset=utf-8",
                absl::StrCat("nothing at ", url.cStr(), " (", yarpc_.get() != nullptr
                                                                 ? "POST /api/v1 with yarpc's "
                                                                   "headers, or "
                                                                 : "",
                             files_ != nullptr ? "GET /ui/, " : "", "GET /metrics)"));
  }

 private:
  // `headers` (may be null) adds to the content type.
  kj::Promise<void> Send(Response& response, unsigned status, absl::string_view type,
                         absl::string_view text, const kj::HttpHeaders* headers = nullptr) {
    kj::HttpHeaders out = headers != nullptr ? headers->clone() : kj::HttpHeaders(table_);
    out.set(kj::HttpHeaderId::CONTENT_TYPE, kj::heapString(type.data(), type.size()));
    return SendBody(response, status, out, text);
  }

  const kj::HttpHeaderTable& table_;
  kj::HttpHeaderId procedure_;
  kj::Own<YarpcHttpService> yarpc_;
  std::function<kj::Promise<std::string>()> metrics_;
  std::function<std::optional<HttpFile>(absl::string_view)> files_;
};

kj::Promise<kj::Own<HttpEndpoint>> HttpEndpoint::Listen(kj::AsyncIoProvider& io,
                                                        const std::string& address,
                                                        HttpRoutes routes,
                                                        ListenerOptions options) {
  return io.getNetwork()
      .parseAddress(address)
      .then([&io, routes = std::move(routes), options](kj::Own<kj::NetworkAddress> addr) mutable {
        return kj::heap<HttpEndpoint>(addr->listen(), io.getTimer(), std::move(routes), options);
      });
}

HttpEndpoint::HttpEndpoint(kj::Own<kj::ConnectionReceiver> listener, kj::Timer& timer,
                           HttpRoutes routes, ListenerOptions options) {
  kj::HttpHeaderTable::Builder builder;
  service_ = kj::heap<Router>(builder, timer, std::move(routes));
  table_ = builder.build();
  kj::HttpServerSettings settings;
  settings.headerTimeout = options.request_timeout;
  server_ = kj::heap<kj::HttpServer>(timer, *table_, *service_, settings);
  listener_ = kj::heap<BoundedListener>(
      "http", kj::mv(listener), timer, options,
      [this](kj::AsyncIoStream& stream) {
        // Ends when the peer closes, a timeout strikes, or the endpoint is dropped.
        return server_->listenHttpCleanDrain(stream).ignoreResult();
      });
}

HttpEndpoint::~HttpEndpoint() = default;

}  // namespace peloton::rpc
