// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// FakeMesosMaster: a TEST DOUBLE of a Mesos master, not Mesos. It speaks the v1 scheduler HTTP
// API (POST /api/v1/scheduler, protobuf or JSON, RecordIO event stream, Mesos-Stream-Id) and
// the operator API's GET_AGENTS and maintenance calls (POST /api/v1) well enough to test the Mesos
// backend against, with scripted agents. It checks what a master checks of the calls we make
// (stream id, framework id, offer ids, resources of a launch), and the test drives the rest: which
// offers go out, how tasks end, disconnects.
//
// One subscribed framework at a time. Runs on the test's kj event loop.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_TESTING_FAKE_MASTER_H_
#define PELOTON_SERVICES_BACKEND_MESOS_TESTING_FAKE_MASTER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "services/backend/mesos/master.pb.h"
#include "services/backend/mesos/recordio.h"
#include "services/backend/mesos/scheduler.pb.h"

namespace peloton::backend::mesos::testing {

struct FakeAgent {
  std::string id;
  std::string hostname;
  double cpus = 8, mem = 8192, disk = 10000, gpus = 0;
  // Revocable cpus its resource estimator offers (in its total; offered to a framework with
  // REVOCABLE_RESOURCES only).
  double revocable_cpus = 0;
  uint32_t port_begin = 31000, port_end = 31099;
  std::string ip = "127.0.0.1";  // with the hostname, the machine id maintenance names
  std::map<std::string, std::string> attributes;  // text attributes
};

class FakeMesosMaster final : public kj::HttpService {
 public:
  FakeMesosMaster(kj::AsyncIoContext& io, std::vector<FakeAgent> agents);
  ~FakeMesosMaster();

  // Listens on 127.0.0.1, on a port of the system's choosing; returns "127.0.0.1:<port>".
  std::string Listen();

  // Scripting. Each sends events to the subscribed framework (nothing if none).
  void OfferAll();  // one offer per agent of what is free on it (none for a full agent)
  void AddAgent(FakeAgent agent);
  // Its tasks are TASK_GONE_BY_OPERATOR, and the framework gets a FAILURE naming the agent.
  void RemoveAgent(const std::string& agent_id);
  void Rescind(const std::string& offer_id);
  // Machines in maintenance (down), by hostname.
  const std::set<std::string>& down() const { return down_; }
  const ::mesos::v1::maintenance::Schedule& schedule() const { return schedule_; }
  // Offers not yet accepted, declined or rescinded.
  const std::set<std::string>& outstanding_offers() const { return outstanding_offers_; }
  // `healthy`: the end of a task its health checks killed carries healthy false.
  void EndTask(const std::string& task_id, ::mesos::v1::TaskState state,
               const std::string& message = "", std::optional<bool> healthy = std::nullopt);
  // What an agent's health checker reports of a running task (TASK_RUNNING, healthy,
  // REASON_TASK_HEALTH_CHECK_STATUS_UPDATED): the double runs no checks itself.
  void ReportHealth(const std::string& task_id, bool healthy, const std::string& message = "");
  void Heartbeat();
  void Disconnect();                       // ends the event stream (the framework resubscribes)
  void SendRaw(const std::string& bytes);  // anything on the stream (malformed frames)

  // Persistent volumes (made by RESERVE then CREATE, undone by DESTROY then UNRESERVE), by
  // agent id: their persistence ids. Free ones are offered (as a master offers them, reserved
  // for the role that made them); a LAUNCH that names one that is missing or in use fails
  // with TASK_ERROR, as does a task whose operations before it were refused.
  std::set<std::string> volumes(const std::string& agent_id) const;
  // Disk reserved on an agent and not made into a volume.
  double reserved_disk(const std::string& agent_id) const;
  // The operations refused so far, each with why.
  const std::vector<std::string>& refused_operations() const { return refused_operations_; }

  // What it saw.
  const std::vector<::mesos::v1::scheduler::Call>& calls() const { return calls_; }
  const std::map<std::string, std::string>& running() const { return running_; }  // task -> agent
  const std::set<std::string>& acknowledged() const { return acknowledged_; }     // task ids
  const std::vector<::mesos::v1::master::Call>& operator_calls() const { return operator_calls_; }
  std::string framework_id() const { return framework_id_; }
  // The framework id the last SUBSCRIBE asked for (the master answers with framework_id()).
  std::string requested_framework_id() const { return requested_framework_id_; }
  // RECONCILE gets no answer (a slow master).
  void set_ignore_reconcile(bool ignore) { ignore_reconcile_ = ignore; }
  // KILL does nothing (a task stuck in KILLING); SHUTDOWN still ends it.
  void set_ignore_kills(bool ignore) { ignore_kills_ = ignore; }
  // Refuse (401) every request whose Authorization header is not this (empty: none needed).
  void require_authorization(std::string value) { authorization_ = std::move(value); }
  // Answer every SUBSCRIBE with this id, as a master assigning one (default: the id asked for).
  void set_assigned_framework_id(std::string id) { assigned_framework_id_ = std::move(id); }
  int subscriptions() const { return subscriptions_; }
  // While held, SUBSCRIBE requests wait unanswered (a master that hangs); released, they are
  // answered.
  void HoldSubscriptions();
  void ReleaseSubscriptions();
  int held_subscriptions() const { return held_subscriptions_; }  // waiting now
  int subscribe_requests() const { return subscribe_requests_; }  // every SUBSCRIBE, held or not

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override;

 private:
  // A scheduler call: decoded, then answered by HandleCall (once released, for a SUBSCRIBE
  // while subscriptions are held).
  kj::Promise<void> Handle(const kj::HttpHeaders& headers, kj::Array<kj::byte> body,
                           Response& response);
  kj::Promise<void> HandleCall(const kj::HttpHeaders& headers,
                               const ::mesos::v1::scheduler::Call& call, Encoding encoding,
                               Response& response);
  kj::Promise<void> HandleOperator(const kj::HttpHeaders& headers, kj::Array<kj::byte> body,
                                   Response& response);
  kj::Promise<void> Answer(const ::mesos::v1::master::Response& answer, Encoding encoding,
                           Response& response);
  // What a task's resources take on its agent (cpus, mem, disk, gpus).
  struct Used {
    double cpus = 0, mem = 0, disk = 0, gpus = 0, revocable_cpus = 0;
  };
  struct Volume {
    ::mesos::v1::Resource resource;  // as created: what offers hold and a LAUNCH names
    double size = 0;
    std::string user;  // the running task that has it
  };
  // One RESERVE, CREATE, DESTROY or UNRESERVE on an agent; false (noted in
  // refused_operations_) when a master would refuse it.
  bool Operate(const std::string& agent_id, const ::mesos::v1::Offer::Operation& op);
  void Send(const ::mesos::v1::scheduler::Event& event);
  void Update(const std::string& task_id, const std::string& agent_id, ::mesos::v1::TaskState state,
              const std::string& message, bool ack, std::optional<bool> healthy = std::nullopt);

  kj::AsyncIoContext& io_;
  std::vector<FakeAgent> agents_;
  kj::Own<kj::HttpHeaderTable> table_;
  kj::HttpHeaderId stream_id_header_;
  kj::HttpHeaderId authorization_header_;
  kj::Own<kj::HttpServer> server_;
  kj::Own<kj::ConnectionReceiver> listener_;
  kj::Promise<void> listening_ = nullptr;

  std::string framework_id_;
  std::string requested_framework_id_;
  bool takes_revocable_ = false;  // the subscribed framework has REVOCABLE_RESOURCES
  std::string assigned_framework_id_;
  std::string authorization_;
  bool ignore_kills_ = false;
  bool ignore_reconcile_ = false;
  std::string stream_id_;
  Encoding encoding_ = Encoding::kProtobuf;
  kj::Own<kj::AsyncOutputStream> stream_;  // the subscribed framework's event stream
  kj::Own<kj::PromiseFulfiller<void>> stream_done_;
  kj::Promise<void> writes_ = kj::READY_NOW;  // events are written one after another
  bool stream_broken_ = false;                // a write failed: the framework is gone
  int subscriptions_ = 0;
  kj::Own<kj::PromiseFulfiller<void>> release_;  // set while subscriptions are held
  kj::ForkedPromise<void> released_ = nullptr;
  int held_subscriptions_ = 0;
  int subscribe_requests_ = 0;
  int next_offer_ = 0;
  int next_update_ = 0;
  std::set<std::string> outstanding_offers_;
  std::map<std::string, std::string> offer_agent_;  // outstanding offer id -> agent id
  std::map<std::string, Used> used_;       // by agent
  std::map<std::string, Used> task_used_;  // by task
  std::map<std::string, std::map<std::string, Volume>> volumes_;  // agent -> persistence id ->
  std::map<std::string, double> reserved_;  // agent -> reserved disk not in a volume
  std::vector<std::string> refused_operations_;
  std::vector<::mesos::v1::scheduler::Call> calls_;
  std::map<std::string, std::string> running_;
  std::set<std::string> acknowledged_;
  std::vector<::mesos::v1::master::Call> operator_calls_;
  ::mesos::v1::maintenance::Schedule schedule_;
  std::set<std::string> down_;  // hostnames of machines in maintenance
};

}  // namespace peloton::backend::mesos::testing

#endif  // PELOTON_SERVICES_BACKEND_MESOS_TESTING_FAKE_MASTER_H_
