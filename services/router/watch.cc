// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/watch.h"

#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/taskfsm/enums.h"
#include "services/api/job.pb.h"
#include "services/api/peloton.capnp.h"
#include "services/api/wire_util.h"
#include "services/discovery/routing.h"
#include "services/rpc/guard.h"
#include "services/rpc/rpc_client.h"
#include "spdlog/spdlog.h"

namespace peloton::router {
using api::Peloton;

namespace {

// How long one watch call waits for a change before asking again.
constexpr uint32_t kWaitMs = 30'000;
// How often the loop looks at `stop` and at a reload that waits.
constexpr auto kTick = 20 * kj::MILLISECONDS;

struct Connection {
  std::unique_ptr<rpc::RpcClient> client;
  Peloton::Client api = nullptr;
};

// Throws what the connection throws.
absl::StatusOr<Connection> Connect(const MasterOptions& master) {
  Connection c;
  c.client = std::make_unique<rpc::RpcClient>(master.address, master.tls);
  c.api = c.client->Main().castAs<Peloton>();
  if (!master.user.has_value()) return c;
  absl::StatusOr<capnp::Capability::Client> in =
      rpc::LogIn(c.api, *master.user).wait(c.client->wait_scope());
  if (!in.ok()) {
    return absl::Status(in.status().code(),
                        absl::StrCat("logging in to ", master.address, " as ",
                                     master.user->username(), ": ", in.status().message()));
  }
  c.api = in->castAs<Peloton>();
  return c;
}

// One connection's watches, and the loop that applies what they bring.
class Watcher {
 public:
  Watcher(Peloton::Client api, kj::Timer& timer, Router& router, const std::atomic<bool>& stop,
          absl::Duration retry)
      : api_(kj::mv(api)), timer_(timer), router_(router), stop_(stop), retry_(retry) {}

  // Never resolves; rejects with the connection's failure.
  kj::Promise<void> Watch(std::string job, uint64_t since) {
    auto request = api_.endpointsRequest();
    request.setJobId(job);
    request.setSince(since);
    request.setWaitMs(since == 0 ? 0 : kWaitMs);
    return request.send().then(
        [this, job = kj::mv(job),
         since](capnp::Response<Peloton::EndpointsResults>&& r) mutable -> kj::Promise<void> {
          if (r.getStatus().getCode() != 0) {
            spdlog::warn(
                "router: job {}: {} (its routes keep their last servers; asking again "
                "in {})",
                job, api::Str(r.getStatus().getMessage()), absl::FormatDuration(retry_));
            return timer_.afterDelay(absl::ToInt64Milliseconds(retry_) * kj::MILLISECONDS)
                .then([this, job = kj::mv(job)]() mutable { return Watch(kj::mv(job), 0); });
          }
          if (r.getVersion() != since) {
            router_.SetEndpoints(job, EndpointsOf(r.getEndpoints()));
            Apply();
          }
          return Watch(kj::mv(job), r.getVersion());
        });
  }

  // Resolves when `stop` is set; meanwhile applies a reload that waited.
  kj::Promise<void> Tick() {
    if (stop_.load()) return kj::READY_NOW;
    if (absl::Now() >= next_apply_) Apply();
    return timer_.afterDelay(kTick).then([this] { return Tick(); });
  }

 private:
  void Apply() {
    const absl::Time now = absl::Now();
    absl::StatusOr<absl::Time> next = router_.Apply(now);
    if (next.ok()) {
      next_apply_ = *next;
      return;
    }
    spdlog::error("router: HAProxy not brought in step: {} (trying again in {})",
                  std::string(next.status().message()), absl::FormatDuration(retry_));
    next_apply_ = now + retry_;
  }

  Peloton::Client api_;
  kj::Timer& timer_;
  Router& router_;
  const std::atomic<bool>& stop_;
  const absl::Duration retry_;
  absl::Time next_apply_ = absl::InfiniteFuture();
};

void SleepUnlessStopped(absl::Duration d, const std::atomic<bool>& stop) {
  for (const absl::Time until = absl::Now() + d; !stop.load() && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace

std::vector<Endpoint> EndpointsOf(capnp::List<api::Endpoint>::Reader list) {
  std::vector<Endpoint> out;
  out.reserve(list.size());
  for (api::Endpoint::Reader e : list) {
    Endpoint& x = out.emplace_back();
    x.instance = e.getInstanceId();
    x.host = api::Str(e.getHost());
    x.routable = e.getRoutable();
    // A state this version does not know is taken as not ended: its server stays, drained.
    const absl::StatusOr<taskfsm::TaskState> state =
        taskfsm::ParseTaskState(api::Str(e.getState()));
    x.ended = state.ok() && taskfsm::IsTerminal(*state);
    for (api::NamedPort::Reader p : e.getPorts())
      x.ports.emplace_back(api::Str(p.getName()), p.getPort());
  }
  return out;
}

absl::StatusOr<std::vector<Route>> RoutesFromLabels(const MasterOptions& master,
                                                    const std::vector<std::string>& jobs,
                                                    bool http) {
  std::vector<Route> routes;
  try {
    absl::StatusOr<Connection> c = Connect(master);
    if (!c.ok()) return c.status();
    for (const std::string& job : jobs) {
      auto request = c->api.getJobRequest();
      request.setJobId(job);
      auto response = request.send().wait(c->client->wait_scope());
      if (response.getStatus().getCode() != 0) {
        return absl::NotFoundError(
            absl::StrCat("job ", job, ": ", api::Str(response.getStatus().getMessage())));
      }
      peloton::api::v0::job::JobConfig config;
      if (!api::ParseInto(response.getJobConfig(), config)) {
        return absl::InternalError(absl::StrCat("job ", job, ": its config does not parse"));
      }
      absl::StatusOr<std::vector<discovery::LabelRoute>> of =
          discovery::RoutesOf(discovery::LabelsOf(config.labels()));
      if (!of.ok())
        return absl::InvalidArgumentError(absl::StrCat("job ", job, ": ", of.status().message()));
      if (of->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("job ", job, ": no label routes it (rule: ", discovery::kRouteLabelPrefix,
                         "<port name>: [host]:port)"));
      }
      for (discovery::LabelRoute& r : *of) {
        routes.push_back({.job = job, .port = r.port, .listen = r.listen, .http = http});
      }
    }
  } catch (const kj::Exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "asking ", master.address, " for the jobs' labels: ", e.getDescription().cStr()));
  }
  return routes;
}

absl::Status WatchEndpoints(const MasterOptions& master, Router& router,
                            const std::atomic<bool>& stop, absl::Duration retry) {
  std::set<std::string> jobs;
  for (const Route& r : router.routes()) jobs.insert(r.job);
  while (!stop.load()) {
    try {
      absl::StatusOr<Connection> c = Connect(master);
      if (!c.ok()) return c.status();  // the login refused (a broken connection throws)
      Watcher watcher(c->api, c->client->timer(), router, stop, retry);
      kj::Promise<void> any = watcher.Tick();
      for (const std::string& job : jobs) any = any.exclusiveJoin(watcher.Watch(job, 0));
      any.wait(c->client->wait_scope());
    } catch (const kj::Exception& e) {
      spdlog::warn(
          "router: the connection to {} failed: {} (connecting again in {}; HAProxy "
          "serves the last endpoints meanwhile)",
          master.address, e.getDescription().cStr(), absl::FormatDuration(retry));
      SleepUnlessStopped(retry, stop);
    }
  }
  return absl::OkStatus();
}

}  // namespace peloton::router
