// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-task-helper: what peloton-task-runner does over the network, in a program of its own.
// The runner starts once per task and is linked statically, without the network libraries (kj,
// OpenSSL) or glibc's name service (which a static program cannot load safely); it runs this
// helper in the child processes that fetch a task's files and probe its health, and only for
// the tasks that have them.
//
//   peloton-task-helper probe --type=http|tcp --port=P [--path=/] --message-fd=N
//       An HTTP GET or a TCP connection to 127.0.0.1:P (health_probe.h). Exit code 0: passed,
//       1: failed; what it found is written to descriptor N.
//   peloton-task-helper fetch --sandbox=DIR --fetch-cache=DIR --fetch-max-mb=N
//       --fetch-timeout-ms=N --message-fd=N --fetch=SPEC...
//       Places each remote file (SPEC: <x|-><e|-><TAB><output file><TAB><url>, fetcher.h) in
//       the sandbox, in order. Exit code 0: all there; 1: one could not be had, and why is
//       written to descriptor N.
// Exit code 2: bad arguments, said on stderr.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "services/backend/local/fetcher.h"
#include "services/backend/local/health_probe.h"
#include "services/backend/local/sandbox.h"
#include "services/common/version.h"

namespace {

// Writes `message` to the descriptor the runner reads; what cannot be written is lost, and the
// exit code still says what happened.
void Tell(int fd, const std::string& message) {
  size_t done = 0;
  while (done < message.size()) {
    const ssize_t n = write(fd, message.data() + done, message.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fetches a task's files and probes its health for peloton-task-runner"};
  peloton::AddVersionFlag(app);
  app.require_subcommand(1);
  int message_fd = -1;

  CLI::App* probe = app.add_subcommand("probe", "an HTTP or TCP health check of 127.0.0.1");
  std::string type, path = "/";
  uint32_t port = 0;
  probe->add_option("--type", type, "http or tcp")
      ->required()
      ->check(CLI::IsMember({"http", "tcp"}));
  probe->add_option("--port", port, "the port checked")->required()->check(CLI::Range(1, 65535));
  probe->add_option("--path", path, "an HTTP check's path");
  probe->add_option("--message-fd", message_fd, "where what it found is written")
      ->required()
      ->check(CLI::NonNegativeNumber);

  CLI::App* fetch = app.add_subcommand("fetch", "places a task's remote files in its sandbox");
  std::string sandbox;
  std::vector<std::string> specs;
  peloton::backend::local::FetchOptions options;
  int64_t max_mb = 1024, timeout_ms = 300'000;
  fetch->add_option("--sandbox", sandbox, "the task's sandbox")->required();
  fetch->add_option("--fetch-cache", options.cache_dir, "this host's cache")->required();
  fetch->add_option("--fetch-max-mb", max_mb, "a larger file fails")->check(CLI::PositiveNumber);
  fetch->add_option("--fetch-timeout-ms", timeout_ms, "a longer fetch fails")
      ->check(CLI::PositiveNumber);
  fetch->add_option("--fetch", specs, "a remote file: <x|-><e|-><TAB><output><TAB><url>")
      ->required();
  fetch->add_option("--message-fd", message_fd, "where why a file could not be had is written")
      ->required()
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  if (probe->parsed()) {
    const peloton::backend::local::ProbeResult r =
        type == "http" ? peloton::backend::local::ProbeHttp(port, path)
                       : peloton::backend::local::ProbeTcp(port);
    Tell(message_fd, r.message);
    return r.passed ? 0 : 1;
  }
  options.max_bytes = max_mb * 1024 * 1024;
  options.timeout = absl::Milliseconds(timeout_ms);
  std::vector<peloton::files::RemoteFile> files(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!peloton::backend::local::ParseFetchArg(specs[i], files[i])) {
      std::fprintf(stderr,
                   "peloton-task-helper: --fetch: '%s' (rule: <x|-><e|-><TAB><output><TAB><url>)\n",
                   specs[i].c_str());
      return 2;
    }
  }
  for (const peloton::files::RemoteFile& f : files) {
    if (const absl::Status s = peloton::backend::local::FetchInto(f, sandbox, options); !s.ok()) {
      Tell(message_fd, std::string(s.message()));
      return 1;
    }
  }
  return 0;
}
