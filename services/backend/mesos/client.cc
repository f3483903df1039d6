// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/client.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace peloton::backend::mesos {

MesosClient::MesosClient(kj::AsyncIoProvider& io, kj::WaitScope& wait, std::string master,
                         SchedulerSession& session, Encoding encoding, std::string authorization)
    : io_(io),
      wait_(wait),
      master_(std::move(master)),
      session_(session),
      encoding_(encoding),
      authorization_(std::move(authorization)) {
  kj::HttpHeaderTable::Builder builder;
  stream_id_header_ = builder.add("Mesos-Stream-Id");
  table_ = builder.build();
  http_ = kj::newHttpClient(io_.getTimer(), *table_, io_.getNetwork(), nullptr);
}

MesosClient::~MesosClient() = default;

std::string BasicAuthorization(const std::string& principal, const std::string& secret) {
  return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(principal, ":", secret)));
}

kj::HttpHeaders MesosClient::Headers(bool stream_id) const {
  kj::HttpHeaders headers(*table_);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(ContentType(encoding_).data()));
  headers.add("Accept", kj::str(ContentType(encoding_).data()));
  if (stream_id) headers.set(stream_id_header_, kj::str(stream_id_.c_str()));
  if (!authorization_.empty()) headers.add("Authorization", kj::str(authorization_.c_str()));
  return headers;
}

kj::Promise<kj::HttpClient::Response> MesosClient::Request(const char* path,
                                                           const std::string& body,
                                                           bool stream_id) {
  return kj::evalNow([&] {
    auto bytes = kj::heapString(body.data(), body.size());
    const kj::HttpHeaders headers = Headers(stream_id);
    auto request = http_->request(kj::HttpMethod::POST, kj::str("http://", master_.c_str(), path),
                                  headers, bytes.size());
    return request.body->write(bytes.begin(), bytes.size())
        .attach(kj::mv(request.body), kj::mv(bytes))
        .then([response = kj::mv(request.response)]() mutable { return kj::mv(response); });
  });
}

void MesosClient::StartSubscribe(absl::Duration timeout) {
  // The stream of an earlier subscription, if any, is done with.
  reading_ = nullptr;
  events_ = nullptr;
  streaming_ = false;
  subscribing_ = true;
  subscribe_status_ = absl::UnavailableError("mesos: SUBSCRIBE not answered yet");
  kj::Promise<void> answered =
      Request("/api/v1/scheduler", Encode(session_.Subscribe(), encoding_), false)
          .then([this](kj::HttpClient::Response&& response) { OnSubscribed(kj::mv(response)); });
  subscribe_ =
      io_.getTimer()
          .timeoutAfter(absl::ToInt64Nanoseconds(timeout) * kj::NANOSECONDS, kj::mv(answered))
          .eagerlyEvaluate([this](kj::Exception&& e) {
            subscribing_ = false;
            subscribe_status_ = absl::UnavailableError(absl::StrCat(
                "mesos: cannot subscribe at ", master_, ": ", e.getDescription().cStr()));
          });
}

absl::Status MesosClient::Subscribe(absl::Duration timeout) {
  StartSubscribe(timeout);
  kj::mv(subscribe_).wait(wait_);
  subscribe_ = nullptr;
  return subscribe_status_;
}

void MesosClient::OnSubscribed(kj::HttpClient::Response&& response) {
  subscribing_ = false;
  if (response.statusCode != 200) {
    subscribe_status_ = absl::UnavailableError(absl::StrCat(
        "mesos: SUBSCRIBE answered ", response.statusCode, " ", response.statusText.cStr()));
    return;
  }
  KJ_IF_MAYBE (id, response.headers->get(stream_id_header_)) {
    stream_id_ = id->cStr();
  } else {
    subscribe_status_ =
        absl::UnavailableError("mesos: SUBSCRIBE answered without a Mesos-Stream-Id");
    return;
  }
  events_ = kj::mv(response.body);
  reader_ = RecordReader();
  streaming_ = true;
  broken_ = absl::OkStatus();
  subscribe_status_ = absl::OkStatus();
  reading_ = ReadLoop().eagerlyEvaluate([this](kj::Exception&& e) {
    streaming_ = false;
    broken_ = absl::UnavailableError(
        absl::StrCat("mesos: the event stream broke: ", e.getDescription().cStr()));
    session_.Reset();
  });
}

kj::Promise<void> MesosClient::ReadLoop() {
  return events_->tryRead(buffer_, 1, sizeof buffer_).then([this](size_t n) -> kj::Promise<void> {
    if (n == 0) {  // the master ended the stream
      streaming_ = false;
      session_.Reset();
      return kj::READY_NOW;
    }
    absl::StatusOr<std::vector<std::string>> records =
        reader_.Feed(absl::string_view(reinterpret_cast<const char*>(buffer_), n));
    absl::Status status = records.status();
    for (size_t i = 0; status.ok() && i < records->size(); ++i) {
      SchedulerSession::Event event;
      status = Decode((*records)[i], encoding_, &event);
      if (status.ok()) status = session_.OnEvent(event, absl::Now());
    }
    if (!status.ok()) {
      streaming_ = false;
      broken_ = status;
      session_.Reset();
      events_ = nullptr;  // drop the connection: the owner subscribes again
      return kj::READY_NOW;
    }
    return ReadLoop();
  });
}

absl::StatusOr<MesosClient::Answer> MesosClient::Post(const char* path, const std::string& body,
                                                      bool stream_id) {
  try {
    kj::HttpClient::Response response = Request(path, body, stream_id).wait(wait_);
    Answer answer;
    answer.code = response.statusCode;
    kj::String text = response.body->readAllText().wait(wait_);
    answer.body.assign(text.begin(), text.size());
    return answer;
  } catch (const kj::Exception& e) {
    return absl::UnavailableError(absl::StrCat("mesos: ", e.getDescription().cStr()));
  }
}

absl::Status MesosClient::Send(const SchedulerSession::Call& call) {
  absl::StatusOr<Answer> answer = Post("/api/v1/scheduler", Encode(call, encoding_), true);
  if (!answer.ok()) return answer.status();
  if (answer->code != 202) {
    return absl::UnavailableError(absl::StrCat(
        "mesos: ", SchedulerSession::Call::Type_Name(call.type()), " answered ", answer->code));
  }
  return absl::OkStatus();
}

void MesosClient::SendLater(const SchedulerSession::Call& call) {
  const SchedulerSession::Call::Type type = call.type();
  ++sends_in_flight_;
  sends_.add(Request("/api/v1/scheduler", Encode(call, encoding_), true)
                 .then([this, type](kj::HttpClient::Response&& response) {
                   const uint code = response.statusCode;
                   return response.body->readAllBytes().then(
                       [this, type, code, body = kj::mv(response.body)](kj::Array<kj::byte>&&) {
                         --sends_in_flight_;
                         if (code != 202) {
                           ++failed_sends_;
                           spdlog::warn("mesos: {} answered {}",
                                        SchedulerSession::Call::Type_Name(type), code);
                         }
                       });
                 }));
}

void MesosClient::taskFailed(kj::Exception&& e) {
  --sends_in_flight_;
  ++failed_sends_;
  spdlog::warn("mesos: a call failed: {}", e.getDescription().cStr());
}

absl::StatusOr<::mesos::v1::master::Response> MesosClient::Operator(
    const ::mesos::v1::master::Call& call) {
  absl::StatusOr<Answer> answer = Post("/api/v1", Encode(call, encoding_), false);
  if (!answer.ok()) return answer.status();
  if (answer->code != 200 && answer->code != 202) {
    return absl::UnavailableError(absl::StrCat("mesos: operator ",
                                               ::mesos::v1::master::Call::Type_Name(call.type()),
                                               " answered ", answer->code, ": ", answer->body));
  }
  ::mesos::v1::master::Response response;
  if (!answer->body.empty()) {
    if (absl::Status s = Decode(answer->body, encoding_, &response); !s.ok()) return s;
  }
  return response;
}

absl::Status MesosClient::Pump() {
  wait_.poll();
  return std::exchange(broken_, absl::OkStatus());
}

}  // namespace peloton::backend::mesos
