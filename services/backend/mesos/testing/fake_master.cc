// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/testing/fake_master.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace peloton::backend::mesos::testing {

using ::mesos::v1::scheduler::Call;
using ::mesos::v1::scheduler::Event;

FakeMesosMaster::FakeMesosMaster(kj::AsyncIoContext& io, std::vector<FakeAgent> agents)
    : io_(io), agents_(std::move(agents)) {
  kj::HttpHeaderTable::Builder builder;
  stream_id_header_ = builder.add("Mesos-Stream-Id");
  table_ = builder.build();
  server_ = kj::heap<kj::HttpServer>(io_.provider->getTimer(), *table_, *this);
}

FakeMesosMaster::~FakeMesosMaster() = default;

std::string FakeMesosMaster::Listen() {
  auto address = io_.provider->getNetwork().parseAddress("127.0.0.1", 0).wait(io_.waitScope);
  listener_ = address->listen();
  listening_ = server_->listenHttp(*listener_).eagerlyEvaluate([](kj::Exception&&) {});
  return absl::StrCat("127.0.0.1:", listener_->getPort());
}

kj::Promise<void> FakeMesosMaster::request(kj::HttpMethod method, kj::StringPtr url,
                                           const kj::HttpHeaders& headers,
                                           kj::AsyncInputStream& body, Response& response) {
  if (method != kj::HttpMethod::POST || url != "/api/v1/scheduler") {
    return response.sendError(404, "Not Found", *table_);
  }
  // Headers are only valid until the body is read: keep what is needed.
  auto kept = kj::heap<kj::HttpHeaders>(headers.clone());
  return body.readAllBytes().then(
      [this, kept = kj::mv(kept), &response](kj::Array<kj::byte> bytes) mutable {
        return Handle(*kept, kj::mv(bytes), response).attach(kj::mv(kept));
      });
}

kj::Promise<void> FakeMesosMaster::Handle(const kj::HttpHeaders& headers, kj::Array<kj::byte> bytes,
                                          Response& response) {
  Encoding encoding = Encoding::kProtobuf;
  KJ_IF_MAYBE (type, headers.get(kj::HttpHeaderId::CONTENT_TYPE)) {
    if (*type == "application/json") encoding = Encoding::kJson;
  }
  Call call;
  const absl::string_view raw(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  if (!Decode(raw, encoding, &call).ok()) {
    return response.sendError(400, "Bad Request", *table_);
  }
  calls_.push_back(call);
  kj::HttpHeaders out(*table_);
  if (call.type() == Call::SUBSCRIBE) {
    if (stream_done_.get() != nullptr) {  // a second subscription replaces the first
      stream_ = nullptr;
      stream_done_->fulfill();
      stream_done_ = nullptr;
    }
    ++subscriptions_;
    framework_id_ = call.framework_id().value();
    stream_id_ = absl::StrCat("stream-", subscriptions_);
    encoding_ = encoding;
    out.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(ContentType(encoding).data()));
    out.set(stream_id_header_, kj::str(stream_id_.c_str()));
    stream_ = response.send(200, "OK", out);
    auto paf = kj::newPromiseAndFulfiller<void>();
    stream_done_ = kj::mv(paf.fulfiller);
    writes_ = kj::READY_NOW;
    Event subscribed;
    subscribed.set_type(Event::SUBSCRIBED);
    subscribed.mutable_subscribed()->mutable_framework_id()->set_value(framework_id_);
    subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
    Send(subscribed);
    return kj::mv(paf.promise);
  }
  bool same_stream = false;
  KJ_IF_MAYBE (stream, headers.get(stream_id_header_)) {
    same_stream = *stream == stream_id_.c_str();
  }
  if (!same_stream || call.framework_id().value() != framework_id_) {
    return response.sendError(400, "Bad Request", *table_);  // as a master does
  }
  switch (call.type()) {
    case Call::ACCEPT:
      for (const auto& id : call.accept().offer_ids()) outstanding_offers_.erase(id.value());
      for (const auto& op : call.accept().operations()) {
        for (const auto& task : op.launch().task_infos()) {
          for (const auto& r : task.resources()) {
            if (r.name() == "cpus") used_cpus_[task.agent_id().value()] += r.scalar().value();
          }
          running_[task.task_id().value()] = task.agent_id().value();
          Update(task.task_id().value(), task.agent_id().value(), ::mesos::v1::TASK_RUNNING, "",
                 true);
        }
      }
      break;
    case Call::DECLINE:
      for (const auto& id : call.decline().offer_ids()) outstanding_offers_.erase(id.value());
      break;
    case Call::KILL:
      EndTask(call.kill().task_id().value(), ::mesos::v1::TASK_KILLED, "killed");
      break;
    case Call::ACKNOWLEDGE:
      acknowledged_.insert(call.acknowledge().task_id().value());
      break;
    case Call::RECONCILE:
      if (call.reconcile().tasks().empty()) {
        for (const auto& [task, agent] : running_) {
          Update(task, agent, ::mesos::v1::TASK_RUNNING, "reconciliation", false);
        }
      }
      for (const auto& t : call.reconcile().tasks()) {
        auto it = running_.find(t.task_id().value());
        // (A real master answers TASK_UNKNOWN to a PARTITION_AWARE framework here.)
        Update(t.task_id().value(), t.agent_id().value(),
               it != running_.end() ? ::mesos::v1::TASK_RUNNING : ::mesos::v1::TASK_LOST,
               "reconciliation", false);
      }
      break;
    default:
      break;
  }
  response.send(202, "Accepted", out, uint64_t{0});
  return kj::READY_NOW;
}

void FakeMesosMaster::Send(const Event& event) {
  if (stream_.get() == nullptr) return;
  const std::string record = EncodeRecord(Encode(event, encoding_));
  SendRaw(record);
}

void FakeMesosMaster::SendRaw(const std::string& bytes) {
  if (stream_.get() == nullptr) return;
  auto buffer = kj::heapArray<kj::byte>(bytes.size());
  memcpy(buffer.begin(), bytes.data(), bytes.size());
  kj::AsyncOutputStream* stream = stream_.get();
  writes_ = writes_
                .then([stream, buffer = kj::mv(buffer)]() mutable {
                  auto ptr = buffer.begin();
                  auto size = buffer.size();
                  return stream->write(ptr, size).attach(kj::mv(buffer));
                })
                .eagerlyEvaluate([](kj::Exception&&) {});
}

void FakeMesosMaster::Update(const std::string& task_id, const std::string& agent_id,
                             ::mesos::v1::TaskState state, const std::string& message, bool ack) {
  Event e;
  e.set_type(Event::UPDATE);
  auto* s = e.mutable_update()->mutable_status();
  s->mutable_task_id()->set_value(task_id);
  if (!agent_id.empty()) s->mutable_agent_id()->set_value(agent_id);
  s->set_state(state);
  s->set_message(message);
  s->set_timestamp(1'700'000'000);
  if (ack) s->set_uuid(absl::StrCat("uuid-", task_id, "-", static_cast<int>(state)));
  Send(e);
}

void FakeMesosMaster::OfferAll() {
  Event e;
  e.set_type(Event::OFFERS);
  for (const FakeAgent& a : agents_) {
    auto* o = e.mutable_offers()->add_offers();
    const std::string id = absl::StrCat("offer-", ++next_offer_);
    outstanding_offers_.insert(id);
    o->mutable_id()->set_value(id);
    o->mutable_framework_id()->set_value(framework_id_);
    o->mutable_agent_id()->set_value(a.id);
    o->set_hostname(a.hostname);
    const std::pair<const char*, double> scalars[] = {
        {"cpus", a.cpus - used_cpus_[a.id]}, {"mem", a.mem}, {"disk", a.disk}, {"gpus", a.gpus}};
    for (const auto& [name, value] : scalars) {
      if (value <= 0) continue;
      auto* r = o->add_resources();
      r->set_name(name);
      r->set_type(::mesos::v1::Value::SCALAR);
      r->mutable_scalar()->set_value(value);
    }
    auto* ports = o->add_resources();
    ports->set_name("ports");
    ports->set_type(::mesos::v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(a.port_begin);
    range->set_end(a.port_end);
    for (const auto& [name, value] : a.attributes) {
      auto* attribute = o->add_attributes();
      attribute->set_name(name);
      attribute->set_type(::mesos::v1::Value::TEXT);
      attribute->mutable_text()->set_value(value);
    }
  }
  Send(e);
}

void FakeMesosMaster::EndTask(const std::string& task_id, ::mesos::v1::TaskState state,
                              const std::string& message) {
  auto it = running_.find(task_id);
  const bool was_running = it != running_.end();
  const std::string agent = was_running ? it->second : "";
  if (was_running) running_.erase(it);
  // Killing a task the master does not know: it answers TASK_LOST.
  Update(task_id, agent, was_running ? state : ::mesos::v1::TASK_LOST, message, true);
}

void FakeMesosMaster::Heartbeat() {
  Event e;
  e.set_type(Event::HEARTBEAT);
  Send(e);
}

void FakeMesosMaster::Disconnect() {
  if (stream_done_.get() == nullptr) return;
  writes_ = writes_
                .then([this]() {
                  stream_ = nullptr;
                  if (stream_done_.get() != nullptr) stream_done_->fulfill();
                  stream_done_ = nullptr;
                })
                .eagerlyEvaluate([](kj::Exception&&) {});
}

}  // namespace peloton::backend::mesos::testing
