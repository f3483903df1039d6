// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// fake-mesos-master: the FakeMesosMaster TEST DOUBLE (not Mesos) as a process, for tests that
// run peloton-master or peloton-hostmgr with --backend=mesos. Scripted: identical agents, all
// free resources offered every --offer-every-ms, and every task finishing (TASK_FINISHED)
// --finish-after-ms after it started. It writes its address to --address-file and logs the
// framework id each subscription asked for on stdout; --framework-id makes it assign that id.
//
//   fake-mesos-master --address-file=ADDR --agents=3 --agent-cpus=4 --finish-after-ms=200

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "services/backend/mesos/testing/fake_master.h"

int main(int argc, char** argv) {
  using peloton::backend::mesos::testing::FakeAgent;
  using peloton::backend::mesos::testing::FakeMesosMaster;
  CLI::App app{"fake-mesos-master: a test double of a Mesos master (not Mesos)"};
  std::string address_file;
  std::string framework_id;
  int agents = 3, gpu_agents = 0, offer_every_ms = 100, finish_after_ms = 200;
  double cpus = 4, mem = 4096, gpus = 0;
  app.add_option("--address-file", address_file, "where to write host:port")->required();
  app.add_option("--framework-id", framework_id, "the framework id every SUBSCRIBED assigns");
  app.add_option("--agents", agents)->check(CLI::Range(1, 1000));
  app.add_option("--agent-cpus", cpus)->check(CLI::PositiveNumber);
  app.add_option("--agent-mem", mem)->check(CLI::PositiveNumber);
  app.add_option("--agent-gpus", gpus, "GPUs of each of the first --gpu-agents agents")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--gpu-agents", gpu_agents, "how many agents have GPUs (default: all if any)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--offer-every-ms", offer_every_ms)->check(CLI::Range(1, 60'000));
  app.add_option("--finish-after-ms", finish_after_ms)->check(CLI::Range(0, 3'600'000));
  CLI11_PARSE(app, argc, argv);

  auto io = kj::setupAsyncIo();
  if (app.count("--gpu-agents") == 0) gpu_agents = agents;
  std::vector<FakeAgent> list;
  for (int i = 0; i < agents; ++i) {
    const bool gpu = i < gpu_agents && gpus > 0;
    list.push_back(FakeAgent{.id = "agent-" + std::to_string(i),
                             .hostname = (gpu ? "mesos-gpu-" : "mesos-") + std::to_string(i),
                             .cpus = cpus,
                             .mem = mem,
                             .gpus = gpu ? gpus : 0});
  }
  FakeMesosMaster master(io, list);
  if (!framework_id.empty()) master.set_assigned_framework_id(framework_id);
  const std::string address = master.Listen();
  std::ofstream(address_file) << address << "\n";
  std::printf("fake-mesos-master: listening on %s\n", address.c_str());
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  std::map<std::string, Clock::time_point> started;
  int subscriptions = 0;
  size_t operator_calls = 0;
  Clock::time_point last_offer{};
  for (;;) {
    io.provider->getTimer().afterDelay(5 * kj::MILLISECONDS).wait(io.waitScope);
    const Clock::time_point now = Clock::now();
    if (master.subscriptions() != subscriptions) {
      subscriptions = master.subscriptions();
      std::printf("fake-mesos-master: subscription %d asked for framework %s\n", subscriptions,
                  master.requested_framework_id().c_str());
      std::fflush(stdout);
    }
    for (; operator_calls < master.operator_calls().size(); ++operator_calls) {
      const auto& call = master.operator_calls()[operator_calls];
      if (call.type() == ::mesos::v1::master::Call::GET_AGENTS) continue;  // every minute: noise
      std::printf("fake-mesos-master: operator %s\n",
                  ::mesos::v1::master::Call::Type_Name(call.type()).c_str());
      std::fflush(stdout);
    }
    for (const auto& [task, agent] : master.running()) started.emplace(task, now);
    for (auto it = started.begin(); it != started.end();) {
      if (!master.running().contains(it->first)) {
        it = started.erase(it);
      } else if (now - it->second >= std::chrono::milliseconds(finish_after_ms)) {
        master.EndTask(it->first, ::mesos::v1::TASK_FINISHED);
        it = started.erase(it);
      } else {
        ++it;
      }
    }
    if (now - last_offer >= std::chrono::milliseconds(offer_every_ms)) {
      last_offer = now;
      master.OfferAll();
    }
  }
}
