// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/cli/discover.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "fmt/format.h"

namespace peloton::cli {
namespace {

// How long one watch call waits for a change before asking again.
constexpr uint32_t kWatchWaitMs = 30'000;

struct Flags {
  std::string job, port, output;
  bool watch = false;
};

// The endpoints as `output` says; 1 (said) when they cannot be printed so.
int Show(const Global& g, const Flags& f, Peloton::EndpointsResults::Reader r) {
  const std::string output = f.output.empty() ? g.output : f.output;
  if (output == "json" || output == "yaml") {
    Global as = g;
    as.output = output;
    Print(as, r.getEndpoints());
    return 0;
  }
  if (output == "haproxy") {
    // One port: the named one, or the job's only one.
    std::string port = f.port;
    if (port.empty()) {
      std::vector<std::string> names;
      for (auto e : r.getEndpoints()) {
        for (auto p : e.getPorts()) {
          if (std::find(names.begin(), names.end(), Str(p.getName())) == names.end()) {
            names.push_back(Str(p.getName()));
          }
        }
      }
      if (names.size() != 1) {
        std::cerr << "peloton: -o haproxy: the job has " << names.size() << " port names ("
                  << absl::StrJoin(names, ", ") << "): name one with --port\n";
        return 1;
      }
      port = names[0];
    }
    for (auto e : r.getEndpoints()) {
      if (!e.getRoutable()) continue;
      for (auto p : e.getPorts()) {
        if (Str(p.getName()) != port) continue;
        std::cout << fmt::format("server {}-{} {}:{} check\n", f.job, e.getInstanceId(),
                                 Str(e.getHost()), p.getPort());
      }
    }
    return 0;
  }
  constexpr std::string_view kRow = "{:>8}  {:<10} {:<14} {:<8} {:<20} {}\n";
  std::cout << fmt::format(kRow, "Instance", "State", "Health", "Routable", "Host", "Ports");
  for (auto e : r.getEndpoints()) {
    std::vector<std::string> ports;
    for (auto p : e.getPorts()) {
      if (f.port.empty() || Str(p.getName()) == f.port) {
        ports.push_back(absl::StrCat(Str(p.getName()), "=", p.getPort()));
      }
    }
    std::cout << fmt::format(kRow, e.getInstanceId(), Str(e.getState()), Health(e.getHealthy()),
                             e.getRoutable() ? "yes" : "no", Str(e.getHost()),
                             absl::StrJoin(ports, " "));
  }
  return 0;
}

int Discover(const Global& g, const Flags& f) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    uint64_t since = 0;
    while (true) {
      auto request = peloton.endpointsRequest();
      request.setJobId(f.job);
      request.setSince(since);
      request.setWaitMs(f.watch && since != 0 ? kWatchWaitMs : 0);
      auto response = request.send().wait(wait);
      if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
      if (!f.watch) return Show(g, f, response);
      if (response.getVersion() != since) {
        std::cout << "--- " << Time(absl::ToUnixMicros(absl::Now())) << "\n";
        if (const int shown = Show(g, f, response); shown != 0) return shown;
        std::cout << std::flush;
        since = response.getVersion();
      }
    }
  });
}

}  // namespace

void AddDiscoverCommand(CLI::App& app, const Global& g, int& status) {
  auto flags = std::make_shared<Flags>();
  CLI::App* d = app.add_subcommand(
      "discover", "a job's endpoints: each instance's host and named ports, and whether it "
                  "may take traffic (RUNNING and healthy)");
  d->add_option("job", flags->job, "job id")->required();
  d->add_option("--port", flags->port, "only this named port");
  d->add_flag("--watch", flags->watch, "print them again as they change, until interrupted");
  // Its own -o (after the verb): haproxy is discover's alone.
  d->add_option("-o,--output", flags->output, "table, json, yaml or haproxy (server lines)")
      ->check(CLI::IsMember({"table", "json", "yaml", "haproxy"}));
  d->callback([flags, &g, &status] { status = Discover(g, *flags); });
}

}  // namespace peloton::cli
