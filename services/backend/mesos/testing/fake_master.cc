// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/testing/fake_master.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace peloton::backend::mesos::testing {

using ::mesos::v1::scheduler::Call;
using ::mesos::v1::scheduler::Event;

namespace {

// An agent's resources less `used` (scalars at or below zero left out) and its port range.
void AddResources(const FakeAgent& a, double cpus, double mem, double disk, double gpus,
                  google::protobuf::RepeatedPtrField<::mesos::v1::Resource>* out) {
  const std::pair<const char*, double> scalars[] = {
      {"cpus", cpus}, {"mem", mem}, {"disk", disk}, {"gpus", gpus}};
  for (const auto& [name, value] : scalars) {
    if (value <= 1e-9) continue;
    auto* r = out->Add();
    r->set_name(name);
    r->set_type(::mesos::v1::Value::SCALAR);
    r->mutable_scalar()->set_value(value);
  }
  auto* ports = out->Add();
  ports->set_name("ports");
  ports->set_type(::mesos::v1::Value::RANGES);
  auto* range = ports->mutable_ranges()->add_range();
  range->set_begin(a.port_begin);
  range->set_end(a.port_end);
}

void AddRevocableCpus(double cpus, google::protobuf::RepeatedPtrField<::mesos::v1::Resource>* out) {
  if (cpus <= 1e-9) return;
  auto* r = out->Add();
  r->set_name("cpus");
  r->set_type(::mesos::v1::Value::SCALAR);
  r->mutable_scalar()->set_value(cpus);
  r->mutable_revocable();
}

void AddAttributes(const FakeAgent& a,
                   google::protobuf::RepeatedPtrField<::mesos::v1::Attribute>* out) {
  for (const auto& [name, value] : a.attributes) {
    auto* attribute = out->Add();
    attribute->set_name(name);
    attribute->set_type(::mesos::v1::Value::TEXT);
    attribute->mutable_text()->set_value(value);
  }
}

}  // namespace

FakeMesosMaster::FakeMesosMaster(kj::AsyncIoContext& io, std::vector<FakeAgent> agents)
    : io_(io), agents_(std::move(agents)) {
  kj::HttpHeaderTable::Builder builder;
  stream_id_header_ = builder.add("Mesos-Stream-Id");
  authorization_header_ = builder.add("Authorization");
  table_ = builder.build();
  server_ = kj::heap<kj::HttpServer>(io_.provider->getTimer(), *table_, *this);
}

FakeMesosMaster::~FakeMesosMaster() {
  // The server's connections go first: a subscription's end (below, in Handle) touches the
  // members, which must still be there.
  listening_ = nullptr;
  listener_ = nullptr;
  server_ = nullptr;
}

std::string FakeMesosMaster::Listen() {
  auto address = io_.provider->getNetwork().parseAddress("127.0.0.1", 0).wait(io_.waitScope);
  listener_ = address->listen();
  listening_ = server_->listenHttp(*listener_).eagerlyEvaluate([](kj::Exception&&) {});
  return absl::StrCat("127.0.0.1:", listener_->getPort());
}

kj::Promise<void> FakeMesosMaster::request(kj::HttpMethod method, kj::StringPtr url,
                                           const kj::HttpHeaders& headers,
                                           kj::AsyncInputStream& body, Response& response) {
  const bool scheduler = url == "/api/v1/scheduler";
  if (method != kj::HttpMethod::POST || (!scheduler && url != "/api/v1")) {
    return response.sendError(404, "Not Found", *table_);
  }
  if (!authorization_.empty()) {
    bool authorized = false;
    KJ_IF_MAYBE (given, headers.get(authorization_header_)) {
      authorized = *given == authorization_.c_str();
    }
    if (!authorized) return response.sendError(401, "Unauthorized", *table_);
  }
  // Headers are only valid until the body is read: keep what is needed.
  auto kept = kj::heap<kj::HttpHeaders>(headers.clone());
  return body.readAllBytes().then(
      [this, scheduler, kept = kj::mv(kept), &response](kj::Array<kj::byte> bytes) mutable {
        if (!scheduler) return HandleOperator(*kept, kj::mv(bytes), response).attach(kj::mv(kept));
        return Handle(*kept, kj::mv(bytes), response).attach(kj::mv(kept));
      });
}

void FakeMesosMaster::HoldSubscriptions() {
  if (release_.get() != nullptr) return;
  auto paf = kj::newPromiseAndFulfiller<void>();
  release_ = kj::mv(paf.fulfiller);
  released_ = paf.promise.fork();
}

void FakeMesosMaster::ReleaseSubscriptions() {
  if (release_.get() == nullptr) return;
  release_->fulfill();
  release_ = nullptr;
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
  if (call.type() == Call::SUBSCRIBE) ++subscribe_requests_;
  if (call.type() == Call::SUBSCRIBE && release_.get() != nullptr) {
    // Waiting until released (or the request is cancelled).
    ++held_subscriptions_;
    return released_.addBranch()
        .attach(kj::defer([this] { --held_subscriptions_; }))
        .then([this, &headers, call = std::move(call), encoding, &response]() {
          return HandleCall(headers, call, encoding, response);
        });
  }
  return HandleCall(headers, call, encoding, response);
}

kj::Promise<void> FakeMesosMaster::HandleCall(const kj::HttpHeaders& headers, const Call& call,
                                              Encoding encoding, Response& response) {
  calls_.push_back(call);
  kj::HttpHeaders out(*table_);
  if (call.type() == Call::SUBSCRIBE) {
    if (stream_done_.get() != nullptr) {  // a second subscription replaces the first
      stream_ = nullptr;
      stream_done_->fulfill();
      stream_done_ = nullptr;
    }
    ++subscriptions_;
    stream_broken_ = false;
    requested_framework_id_ = call.subscribe().framework_info().id().value();
    takes_revocable_ = false;
    for (const auto& c : call.subscribe().framework_info().capabilities()) {
      takes_revocable_ |= c.type() == ::mesos::v1::FrameworkInfo::Capability::REVOCABLE_RESOURCES;
    }
    framework_id_ =
        assigned_framework_id_.empty() ? call.framework_id().value() : assigned_framework_id_;
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
    // When the framework's connection goes (it was killed), the server cancels this request and
    // tears the connection down: the stream must not be written, nor outlive it.
    const int generation = subscriptions_;
    return kj::mv(paf.promise).attach(kj::defer([this, generation] {
      if (generation != subscriptions_) return;
      stream_broken_ = true;
      writes_ = nullptr;  // pending writes are cancelled (no allocation: this runs in teardown)
      stream_ = nullptr;
      stream_done_ = nullptr;
    }));
  }
  bool same_stream = false;
  KJ_IF_MAYBE (stream, headers.get(stream_id_header_)) {
    same_stream = *stream == stream_id_.c_str();
  }
  if (!same_stream || call.framework_id().value() != framework_id_) {
    return response.sendError(400, "Bad Request", *table_);  // as a master does
  }
  switch (call.type()) {
    case Call::ACCEPT: {
      // The offers' agent (the backend accepts the offers of one agent at a time).
      std::string agent;
      for (const auto& id : call.accept().offer_ids()) {
        outstanding_offers_.erase(id.value());
        if (auto it = offer_agent_.find(id.value()); it != offer_agent_.end()) {
          agent = it->second;
          offer_agent_.erase(it);
        }
      }
      bool refused = false;  // an operation was: the launch after it fails
      for (const auto& op : call.accept().operations()) {
        if (op.type() != ::mesos::v1::Offer::Operation::LAUNCH) {
          refused |= !Operate(agent, op);
          continue;
        }
        for (const auto& task : op.launch().task_infos()) {
          std::string volume_error = refused ? "an operation before the launch was refused" : "";
          Volume* volume = nullptr;
          for (const auto& r : task.resources()) {
            if (!r.has_disk() || !r.disk().has_persistence()) continue;
            auto& on = volumes_[task.agent_id().value()];
            auto it = on.find(r.disk().persistence().id());
            if (it == on.end()) {
              volume_error = "volume " + r.disk().persistence().id() + " is not on the agent";
            } else if (!it->second.user.empty()) {
              volume_error = "volume " + r.disk().persistence().id() + " is in use";
            } else {
              volume = &it->second;
            }
          }
          if (!volume_error.empty()) {
            Update(task.task_id().value(), task.agent_id().value(), ::mesos::v1::TASK_ERROR,
                   volume_error, true);
            continue;
          }
          if (volume != nullptr) volume->user = task.task_id().value();
          Used& on_agent = used_[task.agent_id().value()];
          Used& of_task = task_used_[task.task_id().value()];
          for (const auto& r : task.resources()) {
            if (r.has_disk() && r.disk().has_persistence()) continue;  // counted when reserved
            const double v = r.scalar().value();
            for (Used* u : {&on_agent, &of_task}) {
              if (r.name() == "cpus" && r.has_revocable()) {
                u->revocable_cpus += v;
                continue;
              }
              if (r.name() == "cpus") u->cpus += v;
              if (r.name() == "mem") u->mem += v;
              if (r.name() == "disk") u->disk += v;
              if (r.name() == "gpus") u->gpus += v;
            }
          }
          running_[task.task_id().value()] = task.agent_id().value();
          Update(task.task_id().value(), task.agent_id().value(), ::mesos::v1::TASK_RUNNING, "",
                 true);
        }
      }
      break;
    }
    case Call::DECLINE:
      for (const auto& id : call.decline().offer_ids()) {
        outstanding_offers_.erase(id.value());
        offer_agent_.erase(id.value());
      }
      break;
    case Call::KILL:
      if (!ignore_kills_)
        EndTask(call.kill().task_id().value(), ::mesos::v1::TASK_KILLED, "killed");
      break;
    case Call::SHUTDOWN:  // a command task's executor has the task's id
      EndTask(call.shutdown().executor_id().value(), ::mesos::v1::TASK_KILLED,
              "executor shut down");
      break;
    case Call::ACKNOWLEDGE:
      acknowledged_.insert(call.acknowledge().task_id().value());
      break;
    case Call::RECONCILE:
      if (ignore_reconcile_) break;
      if (call.reconcile().tasks().empty()) {
        for (const auto& [task, agent] : running_) {
          Update(task, agent, ::mesos::v1::TASK_RUNNING, "reconciliation", false);
        }
      }
      for (const auto& t : call.reconcile().tasks()) {
        auto it = running_.find(t.task_id().value());
        // (A real master answers TASK_UNKNOWN to a PARTITION_AWARE framework here.) The answer
        // names the task's agent, which the question may not have.
        Update(t.task_id().value(), it != running_.end() ? it->second : t.agent_id().value(),
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

kj::Promise<void> FakeMesosMaster::HandleOperator(const kj::HttpHeaders& headers,
                                                  kj::Array<kj::byte> bytes, Response& response) {
  Encoding encoding = Encoding::kProtobuf;
  KJ_IF_MAYBE (type, headers.get(kj::HttpHeaderId::CONTENT_TYPE)) {
    if (*type == "application/json") encoding = Encoding::kJson;
  }
  ::mesos::v1::master::Call call;
  const absl::string_view raw(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  if (!Decode(raw, encoding, &call).ok()) return response.sendError(400, "Bad Request", *table_);
  operator_calls_.push_back(call);
  using OperatorCall = ::mesos::v1::master::Call;
  kj::HttpHeaders out(*table_);
  out.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(ContentType(encoding).data()));
  const auto scheduled = [this](const ::mesos::v1::MachineID& m) {
    for (const auto& w : schedule_.windows()) {
      for (const auto& id : w.machine_ids()) {
        if (id.hostname() == m.hostname() && id.ip() == m.ip()) return true;
      }
    }
    return false;
  };
  switch (call.type()) {
    case OperatorCall::GET_AGENTS:
      break;  // below
    case OperatorCall::UPDATE_MAINTENANCE_SCHEDULE:
      schedule_ = call.update_maintenance_schedule().schedule();
      response.send(200, "OK", out, uint64_t{0});
      return kj::READY_NOW;
    case OperatorCall::START_MAINTENANCE:
      // As Mesos: only scheduled machines go down; their agents leave, their tasks are gone.
      for (const auto& m : call.start_maintenance().machines()) {
        if (!scheduled(m)) return response.sendError(400, "Bad Request", *table_);
      }
      for (const auto& m : call.start_maintenance().machines()) {
        down_.insert(m.hostname());
        std::vector<std::string> gone;
        for (const auto& [task, agent] : running_) {
          for (const FakeAgent& a : agents_) {
            if (a.id == agent && a.hostname == m.hostname()) gone.push_back(task);
          }
        }
        for (const std::string& t : gone) {
          EndTask(t, ::mesos::v1::TASK_GONE_BY_OPERATOR, "machine down for maintenance");
        }
      }
      response.send(200, "OK", out, uint64_t{0});
      return kj::READY_NOW;
    case OperatorCall::STOP_MAINTENANCE: {
      for (const auto& m : call.stop_maintenance().machines()) {
        if (!down_.contains(m.hostname())) return response.sendError(400, "Bad Request", *table_);
      }
      ::mesos::v1::maintenance::Schedule kept;
      for (const auto& m : call.stop_maintenance().machines()) down_.erase(m.hostname());
      for (const auto& w : schedule_.windows()) {
        ::mesos::v1::maintenance::Window window = w;
        window.clear_machine_ids();
        for (const auto& id : w.machine_ids()) {
          bool stopped = false;
          for (const auto& m : call.stop_maintenance().machines()) {
            stopped |= m.hostname() == id.hostname();
          }
          if (!stopped) *window.add_machine_ids() = id;
        }
        if (!window.machine_ids().empty()) *kept.add_windows() = std::move(window);
      }
      schedule_ = std::move(kept);
      response.send(200, "OK", out, uint64_t{0});
      return kj::READY_NOW;
    }
    case OperatorCall::GET_MAINTENANCE_SCHEDULE:
    case OperatorCall::GET_MAINTENANCE_STATUS: {
      ::mesos::v1::master::Response answer;
      if (call.type() == OperatorCall::GET_MAINTENANCE_SCHEDULE) {
        answer.set_type(::mesos::v1::master::Response::GET_MAINTENANCE_SCHEDULE);
        *answer.mutable_get_maintenance_schedule()->mutable_schedule() = schedule_;
      } else {
        answer.set_type(::mesos::v1::master::Response::GET_MAINTENANCE_STATUS);
        auto* status = answer.mutable_get_maintenance_status()->mutable_status();
        for (const auto& w : schedule_.windows()) {
          for (const auto& id : w.machine_ids()) {
            if (down_.contains(id.hostname())) {
              *status->add_down_machines() = id;
            } else {
              *status->add_draining_machines()->mutable_id() = id;
            }
          }
        }
      }
      return Answer(answer, encoding, response);
    }
    default:
      return response.sendError(501, "Not Implemented", *table_);
  }
  ::mesos::v1::master::Response answer;
  answer.set_type(::mesos::v1::master::Response::GET_AGENTS);
  for (const FakeAgent& a : agents_) {
    if (down_.contains(a.hostname)) continue;
    auto* agent = answer.mutable_get_agents()->add_agents();
    agent->set_active(true);
    agent->set_pid(absl::StrCat("slave(1)@", a.ip, ":5051"));
    agent->set_version("1.11.0");
    auto* info = agent->mutable_agent_info();
    info->set_hostname(a.hostname);
    info->mutable_id()->set_value(a.id);
    AddResources(a, a.cpus, a.mem, a.disk, a.gpus, agent->mutable_total_resources());
    AddRevocableCpus(a.revocable_cpus, agent->mutable_total_resources());
    AddAttributes(a, info->mutable_attributes());
  }
  return Answer(answer, encoding, response);
}

kj::Promise<void> FakeMesosMaster::Answer(const ::mesos::v1::master::Response& answer,
                                          Encoding encoding, Response& response) {
  const std::string body = Encode(answer, encoding);
  kj::HttpHeaders out(*table_);
  out.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(ContentType(encoding).data()));
  auto stream = response.send(200, "OK", out, body.size());
  auto buffer = kj::heapString(body.data(), body.size());
  auto promise = stream->write(buffer.begin(), buffer.size());
  return promise.attach(kj::mv(stream), kj::mv(buffer));
}

void FakeMesosMaster::AddAgent(FakeAgent agent) { agents_.push_back(std::move(agent)); }

void FakeMesosMaster::RemoveAgent(const std::string& agent_id) {
  agents_.erase(std::remove_if(agents_.begin(), agents_.end(),
                               [&](const FakeAgent& a) { return a.id == agent_id; }),
                agents_.end());
  std::vector<std::string> lost;
  for (const auto& [task, agent] : running_) {
    if (agent == agent_id) lost.push_back(task);
  }
  for (const std::string& task : lost)
    EndTask(task, ::mesos::v1::TASK_GONE_BY_OPERATOR, "agent removed");
  Event failure;  // as a master tells its frameworks of an agent it removed
  failure.set_type(Event::FAILURE);
  failure.mutable_failure()->mutable_agent_id()->set_value(agent_id);
  Send(failure);
  used_.erase(agent_id);
  volumes_.erase(agent_id);
  reserved_.erase(agent_id);
}

std::set<std::string> FakeMesosMaster::volumes(const std::string& agent_id) const {
  std::set<std::string> out;
  if (auto it = volumes_.find(agent_id); it != volumes_.end()) {
    for (const auto& [id, volume] : it->second) out.insert(id);
  }
  return out;
}

double FakeMesosMaster::reserved_disk(const std::string& agent_id) const {
  auto it = reserved_.find(agent_id);
  return it != reserved_.end() ? it->second : 0;
}

bool FakeMesosMaster::Operate(const std::string& agent_id,
                              const ::mesos::v1::Offer::Operation& op) {
  using Op = ::mesos::v1::Offer::Operation;
  const auto refuse = [&](const std::string& why) {
    refused_operations_.push_back(absl::StrCat(Op::Type_Name(op.type()), " on ", agent_id, ": ", why));
    return false;
  };
  auto agent = std::find_if(agents_.begin(), agents_.end(),
                            [&](const FakeAgent& a) { return a.id == agent_id; });
  if (agent == agents_.end()) return refuse("no such agent");
  // Each resource: disk of the framework's role, dynamically reserved.
  const auto reserved_disk = [&](const ::mesos::v1::Resource& r) {
    return r.name() == "disk" && r.type() == ::mesos::v1::Value::SCALAR &&
           r.reservations_size() == 1 &&
           r.reservations(0).type() == ::mesos::v1::Resource::ReservationInfo::DYNAMIC &&
           !r.reservations(0).role().empty() && r.scalar().value() > 0;
  };
  Used& used = used_[agent_id];
  double& reserved = reserved_[agent_id];
  auto& volumes = volumes_[agent_id];
  switch (op.type()) {
    case Op::RESERVE:
      for (const auto& r : op.reserve().resources()) {
        if (!reserved_disk(r) || r.has_disk()) return refuse("not a dynamic reservation of disk");
        if (agent->disk - used.disk < r.scalar().value() - 1e-9) return refuse("not enough disk");
        used.disk += r.scalar().value();
        reserved += r.scalar().value();
      }
      return true;
    case Op::CREATE:
      for (const auto& r : op.create().volumes()) {
        if (!reserved_disk(r) || !r.disk().has_persistence() || !r.disk().has_volume()) {
          return refuse("not a volume of reserved disk");
        }
        const std::string& id = r.disk().persistence().id();
        if (volumes.contains(id)) return refuse("volume " + id + " exists");
        if (reserved < r.scalar().value() - 1e-9) return refuse("not enough reserved disk");
        reserved -= r.scalar().value();
        volumes[id] = Volume{r, r.scalar().value(), ""};
      }
      return true;
    case Op::DESTROY:
      for (const auto& r : op.destroy().volumes()) {
        const std::string id = r.has_disk() ? r.disk().persistence().id() : "";
        auto it = volumes.find(id);
        if (it == volumes.end()) return refuse("no volume " + id);
        if (!it->second.user.empty()) return refuse("volume " + id + " is in use");
        reserved += it->second.size;
        volumes.erase(it);
      }
      return true;
    case Op::UNRESERVE:
      for (const auto& r : op.unreserve().resources()) {
        if (!reserved_disk(r) || r.has_disk()) return refuse("not reserved disk");
        if (reserved < r.scalar().value() - 1e-9) return refuse("not that much reserved");
        reserved -= r.scalar().value();
        used.disk -= r.scalar().value();
      }
      return true;
    default:
      return refuse("not supported by the double");
  }
}

void FakeMesosMaster::Rescind(const std::string& offer_id) {
  if (outstanding_offers_.erase(offer_id) == 0) return;
  offer_agent_.erase(offer_id);
  Event e;
  e.set_type(Event::RESCIND);
  e.mutable_rescind()->mutable_offer_id()->set_value(offer_id);
  Send(e);
}

void FakeMesosMaster::Send(const Event& event) {
  if (stream_.get() == nullptr) return;
  const std::string record = EncodeRecord(Encode(event, encoding_));
  SendRaw(record);
}

void FakeMesosMaster::SendRaw(const std::string& bytes) {
  if (stream_.get() == nullptr || stream_broken_) return;
  auto buffer = kj::heapArray<kj::byte>(bytes.size());
  memcpy(buffer.begin(), bytes.data(), bytes.size());
  kj::AsyncOutputStream* stream = stream_.get();
  writes_ = writes_
                .then([stream, buffer = kj::mv(buffer)]() mutable {
                  auto ptr = buffer.begin();
                  auto size = buffer.size();
                  return stream->write(ptr, size).attach(kj::mv(buffer));
                })
                // The framework went away (killed): write nothing more on this stream.
                .eagerlyEvaluate([this](kj::Exception&&) { stream_broken_ = true; });
}

void FakeMesosMaster::Update(const std::string& task_id, const std::string& agent_id,
                             ::mesos::v1::TaskState state, const std::string& message, bool ack,
                             std::optional<bool> healthy) {
  Event e;
  e.set_type(Event::UPDATE);
  auto* s = e.mutable_update()->mutable_status();
  s->mutable_task_id()->set_value(task_id);
  if (!agent_id.empty()) s->mutable_agent_id()->set_value(agent_id);
  s->set_state(state);
  s->set_message(message);
  s->set_timestamp(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));  // as a master does
  if (healthy.has_value()) {
    s->set_healthy(*healthy);
    if (state == ::mesos::v1::TASK_RUNNING) {
      s->set_reason(::mesos::v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
    }
  }
  if (ack) {
    s->set_uuid(absl::StrCat("uuid-", task_id, "-", static_cast<int>(state), "-", ++next_update_));
  }
  Send(e);
}

void FakeMesosMaster::ReportHealth(const std::string& task_id, bool healthy,
                                   const std::string& message) {
  auto it = running_.find(task_id);
  if (it == running_.end()) return;
  Update(task_id, it->second, ::mesos::v1::TASK_RUNNING, message, true, healthy);
}

void FakeMesosMaster::OfferAll() {
  Event e;
  e.set_type(Event::OFFERS);
  for (const FakeAgent& a : agents_) {
    const Used& used = used_[a.id];
    if (a.cpus - used.cpus <= 1e-9) continue;  // nothing worth offering
    if (down_.contains(a.hostname)) continue;
    auto* o = e.mutable_offers()->add_offers();
    const std::string id = absl::StrCat("offer-", ++next_offer_);
    outstanding_offers_.insert(id);
    offer_agent_[id] = a.id;
    o->mutable_id()->set_value(id);
    o->mutable_framework_id()->set_value(framework_id_);
    o->mutable_agent_id()->set_value(a.id);
    o->set_hostname(a.hostname);
    for (const auto& w : schedule_.windows()) {  // a scheduled machine: say when it goes
      for (const auto& id : w.machine_ids()) {
        if (id.hostname() == a.hostname) *o->mutable_unavailability() = w.unavailability();
      }
    }
    AddResources(a, a.cpus - used.cpus, a.mem - used.mem, a.disk - used.disk, a.gpus - used.gpus,
                 o->mutable_resources());
    if (takes_revocable_) {
      AddRevocableCpus(a.revocable_cpus - used.revocable_cpus, o->mutable_resources());
    }
    for (const auto& [persistence_id, volume] : volumes_[a.id]) {
      if (volume.user.empty()) *o->add_resources() = volume.resource;
    }
    AddAttributes(a, o->mutable_attributes());
  }
  Send(e);
}

void FakeMesosMaster::EndTask(const std::string& task_id, ::mesos::v1::TaskState state,
                              const std::string& message, std::optional<bool> healthy) {
  auto it = running_.find(task_id);
  const bool was_running = it != running_.end();
  const std::string agent = was_running ? it->second : "";
  if (was_running) {
    running_.erase(it);
    const Used t = task_used_[task_id];
    Used& u = used_[agent];
    u.cpus -= t.cpus;
    u.mem -= t.mem;
    u.disk -= t.disk;
    u.gpus -= t.gpus;
    u.revocable_cpus -= t.revocable_cpus;
    task_used_.erase(task_id);
    for (auto& [persistence_id, volume] : volumes_[agent]) {
      if (volume.user == task_id) volume.user.clear();
    }
  }
  // Killing a task the master does not know: it answers TASK_LOST.
  Update(task_id, agent, was_running ? state : ::mesos::v1::TASK_LOST, message, true, healthy);
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
