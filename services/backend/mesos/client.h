// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The HTTP side of the Mesos v1 scheduler API (reference §6.2): SUBSCRIBE opens the event
// stream (RecordIO, its Mesos-Stream-Id kept for every later call), other calls are POSTs that
// the master answers 202. Events are read as the event loop runs and handed to the
// SchedulerSession; a closed or malformed stream resets the session (the owner subscribes again,
// with the same framework id).
//
// Runs on the caller's kj event loop: call its methods at the top level (Send, Operator and
// Subscribe wait; StartSubscribe and SendLater do not).

#ifndef PELOTON_SERVICES_BACKEND_MESOS_CLIENT_H_
#define PELOTON_SERVICES_BACKEND_MESOS_CLIENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "services/backend/mesos/master.pb.h"
#include "services/backend/mesos/recordio.h"
#include "services/backend/mesos/session.h"

namespace peloton::backend::mesos {

// "Basic <base64 of principal:secret>", HTTP basic authentication as Mesos masters take it.
std::string BasicAuthorization(const std::string& principal, const std::string& secret);

class MesosClient : private kj::TaskSet::ErrorHandler {
 public:
  // `master`: host:port of the master (its leader). `authorization`: the value of the
  // Authorization header of every request (BasicAuthorization), or empty for none.
  MesosClient(kj::AsyncIoProvider& io, kj::WaitScope& wait, std::string master,
              SchedulerSession& session, Encoding encoding = Encoding::kProtobuf,
              std::string authorization = "");
  ~MesosClient();

  // Sends SUBSCRIBE without waiting: the answer is taken as the event loop runs (Pump).
  // subscribing() is true until the response headers come or `timeout` passes; then
  // subscribe_status() says how it went: Unavailable when the master cannot be reached, answers
  // other than 200, or not in time. On success the event stream is open and its events go to
  // the session. A subscription under way is abandoned by the next StartSubscribe.
  void StartSubscribe(absl::Duration timeout);
  bool subscribing() const { return subscribing_; }
  const absl::Status& subscribe_status() const { return subscribe_status_; }
  // StartSubscribe, then waits for the answer: subscribe_status().
  absl::Status Subscribe(absl::Duration timeout);
  // Sends a call on a connection of its own; Unavailable unless the master answers 202.
  absl::Status Send(const SchedulerSession::Call& call);
  // Sends a call without waiting for the answer, for calls nothing waits on (acknowledgements,
  // declines, reconciliation): many go out at once. A failure is logged and counted.
  void SendLater(const SchedulerSession::Call& call);
  // Calls sent with SendLater not answered yet, and those that failed.
  size_t in_flight() const { return sends_in_flight_; }
  uint64_t failed_sends() const { return failed_sends_; }
  // A call of the operator API (POST /api/v1, no stream): its response, empty for calls that
  // answer none. Unavailable when the master cannot be reached or answers other than 200/202.
  absl::StatusOr<::mesos::v1::master::Response> Operator(const ::mesos::v1::master::Call& call);
  // Lets the event loop run what is ready: events that arrived go to the session. The error of
  // a stream that broke (malformed, or an event the session refused), once.
  absl::Status Pump();
  bool streaming() const { return streaming_; }

 private:
  struct Answer {
    uint code = 0;
    std::string body;
  };
  // Content type, Accept, the stream id (when asked) and the authorization.
  kj::HttpHeaders Headers(bool stream_id) const;
  // POSTs `body` to `path` (with the Mesos-Stream-Id when `stream_id`) without waiting: the
  // response once its headers come. A failure to send is the promise's exception.
  kj::Promise<kj::HttpClient::Response> Request(const char* path, const std::string& body,
                                                bool stream_id);
  // Request, waiting for the answer and reading it.
  absl::StatusOr<Answer> Post(const char* path, const std::string& body, bool stream_id);
  // The SUBSCRIBE response: the stream id, then the event stream read by ReadLoop.
  void OnSubscribed(kj::HttpClient::Response&& response);
  kj::Promise<void> ReadLoop();
  void taskFailed(kj::Exception&& exception) override;

  kj::AsyncIoProvider& io_;
  kj::WaitScope& wait_;
  std::string master_;
  SchedulerSession& session_;
  Encoding encoding_;
  std::string authorization_;
  kj::Own<kj::HttpHeaderTable> table_;
  kj::HttpHeaderId stream_id_header_;
  kj::Own<kj::HttpClient> http_;
  std::string stream_id_;
  kj::Own<kj::AsyncInputStream> events_;
  RecordReader reader_;
  kj::Promise<void> reading_ = nullptr;
  kj::Promise<void> subscribe_ = nullptr;  // the SUBSCRIBE under way (StartSubscribe)
  bool subscribing_ = false;
  absl::Status subscribe_status_;
  bool streaming_ = false;
  absl::Status broken_;
  kj::byte buffer_[65536];
  kj::TaskSet sends_{*this};  // SendLater's calls
  size_t sends_in_flight_ = 0;
  uint64_t failed_sends_ = 0;
};

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_CLIENT_H_
