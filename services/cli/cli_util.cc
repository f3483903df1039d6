// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/cli/cli_util.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "services/api/yaml_proto.h"
#include "services/common/files.h"
#include "services/discovery/election.h"
#include "services/discovery/zk_url.h"
#include "services/rpc/guard.h"
#include "yaml-cpp/yaml.h"

namespace peloton::cli {

TaskPages ListAllTasks(Peloton::Client& peloton, kj::WaitScope& wait, const std::string& job,
                       uint32_t from, uint32_t to) {
  TaskPages pages;
  for (uint32_t next = from;;) {
    auto request = peloton.listTasksRequest();
    request.setJobId(job);
    request.setFrom(next);
    request.setTo(to);
    pages.push_back(request.send().wait(wait));
    const auto& page = pages.back();
    // Another page when there is one: `next` is 0 at the end, and never goes backwards.
    if (page.getStatus().getCode() != 0 || page.getNext() <= next) return pages;
    next = page.getNext();
  }
}

Peloton::ListTasksResults::Reader MergePages(const TaskPages& pages,
                                             capnp::MallocMessageBuilder& message) {
  auto merged = message.initRoot<Peloton::ListTasksResults>();
  merged.setStatus(pages.back().getStatus());
  size_t count = 0;
  for (const auto& page : pages) count += page.getTasks().size();
  auto tasks = merged.initTasks(static_cast<unsigned>(count));
  unsigned i = 0;
  for (const auto& page : pages) {
    for (auto t : page.getTasks()) tasks.setWithCaveats(i++, t);
  }
  return merged.asReader();
}

int Refused(api::Status::Reader status) {
  std::cerr << "peloton: " << Str(status.getMessage()) << "\n";
  return 1;
}

std::string Time(int64_t micros) {
  if (micros == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::LocalTimeZone());
}

std::string Duration(int64_t start, int64_t end) {
  if (start == 0) return "";
  const int64_t stop = end != 0 ? end : absl::ToUnixMicros(absl::Now());
  return absl::FormatDuration(absl::Trunc(absl::Microseconds(stop - start), absl::Seconds(1)));
}

int ReportCallFailure(const std::string& master, const kj::Exception& e, std::ostream& err) {
  const absl::string_view what = e.getDescription().cStr();
  // No connection: kj names the syscall or the resolver that failed; a lost one is
  // DISCONNECTED (the master went away, or closed the connection).
  if (e.getType() == kj::Exception::Type::DISCONNECTED || NeverConnected(e)) {
    err << "peloton: cannot reach peloton-master at " << master << ": " << what
        << "\n(start it with `make run`, or point --master or PELOTON_MASTER at it)\n";
    return 2;
  }
  err << "peloton: the call to peloton-master at " << master << " failed: " << what << "\n";
  return 1;
}

std::variant<std::vector<std::string>, int> MasterAddresses(const Global& g) {
  const std::string master =
      g.zk.empty() ? g.master : absl::StrCat("zk://", g.zk, g.zk_root, "/jobmgr");
  if (!absl::StartsWith(master, "zk://")) {
    std::vector<std::string> addresses = absl::StrSplit(master, ',', absl::SkipWhitespace());
    if (addresses.empty()) addresses.push_back(master);
    return addresses;
  }
  absl::StatusOr<discovery::ZkUrl> zk =
      discovery::ParseZkUrl(master, g.zk.empty() ? "--master" : "--zkservers and --zkroot");
  absl::StatusOr<std::string> found =
      zk.ok() ? discovery::CurrentLeader(zk->servers, zk->path, absl::Seconds(10)) : zk.status();
  if (!found.ok()) {
    std::cerr << "peloton: cannot find a job manager in ZooKeeper: " << found.status().message()
              << "\n";
    return 2;
  }
  return std::vector<std::string>{*found};
}

bool NeverConnected(const kj::Exception& e) {
  const absl::string_view what = e.getDescription().cStr();
  return absl::StartsWith(what, "connect(") || absl::StrContains(what, "getaddrinfo");
}

std::variant<std::unique_ptr<rpc::Tls>, int> ClientTls(const Global& g) {
  if (!g.tls && g.tls_ca.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<rpc::Tls>> tls = rpc::Tls::Client(g.tls_ca);
  if (!tls.ok()) {
    std::cerr << "peloton: --tls-ca: " << tls.status().message() << "\n";
    return 2;
  }
  return *std::move(tls);
}

std::variant<Peloton::Client, int> MasterApi(const Global& g, rpc::RpcClient& client) {
  Peloton::Client main = client.Main().castAs<Peloton>();
  if (g.basic_auth_config.empty()) return main;
  absl::StatusOr<rpc::security::Credentials> user = rpc::LoadCredentials(g.basic_auth_config);
  if (!user.ok()) {
    std::cerr << "peloton: --basicAuthConfig: " << user.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<capnp::Capability::Client> in =
      rpc::LogIn(kj::mv(main), *user).wait(client.wait_scope());
  if (!in.ok()) {
    std::cerr << "peloton: logging in to peloton-master at " << g.master << " as "
              << user->username() << ": " << in.status().message() << "\n";
    return 1;
  }
  return in->castAs<Peloton>();
}

int LoadYaml(const std::string& file, google::protobuf::Message& message) {
  absl::StatusOr<std::string> yaml = files::ReadFile(file);
  if (!yaml.ok()) {
    std::cerr << "peloton: " << yaml.status().message() << "\n";
    return 2;
  }
  auto ignored = api::YamlToProto(*yaml, message);
  if (!ignored.ok()) {
    std::cerr << "peloton: " << file << ": " << ignored.status().message() << "\n";
    return 1;
  }
  for (const std::string& key : *ignored) {
    std::cerr << "peloton: " << file << ": ignoring unknown key '" << key << "'\n";
  }
  return 0;
}

std::string Health(capnp::Text::Reader healthy) {
  const std::string name = Str(healthy);
  return name == "INVALID" || name == "DISABLED" ? "" : name;
}

bool ParseRange(const std::string& text, uint32_t& from, uint32_t& to) {
  if (text.empty()) return true;
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  bool ok = false;
  if (parts.size() == 1) {
    ok = absl::SimpleAtoi(parts[0], &from);
    to = from + 1;
  } else {
    ok = parts.size() == 2 && absl::SimpleAtoi(parts[0], &from) &&
         absl::SimpleAtoi(parts[1], &to) && from < to;
  }
  if (!ok) {
    std::cerr << "peloton: --range: '" << text << "' (rule: FROM:TO with FROM < TO, or one "
              << "instance)\n";
  }
  return ok;
}

bool UpdateTerminal(const std::string& state) {
  return state == "SUCCEEDED" || state == "ABORTED" || state == "FAILED" || state == "ROLLED_BACK";
}

void PrintUpdate(api::UpdateInfo::Reader u) {
  std::cout << "Update " << Str(u.getUpdateId()) << " of job " << Str(u.getJobId()) << "\n";
  std::cout << "  state:          " << Str(u.getState());
  if (Str(u.getState()) == "PAUSED") std::cout << " (resumes to " << Str(u.getPrevState()) << ")";
  if (u.getRollback()) std::cout << " (rollback)";
  std::cout << "\n";
  std::cout << "  config version: " << u.getPrevConfigVersion() << " -> " << u.getConfigVersion()
            << "\n";
  std::cout << "  instances:      " << u.getInstancesDone() << " of " << u.getInstancesTotal()
            << " done, " << u.getInstancesFailed() << " failed (" << u.getInstancesAdded()
            << " added, " << u.getInstancesUpdated() << " updated, " << u.getInstancesRemoved()
            << " removed)\n";
  std::cout << "  entity version: " << u.getEntityVersion() << "\n";
  std::cout << "  created:        " << Time(u.getCreationTime()) << "\n";
  if (u.getCompletionTime() != 0) {
    std::cout << "  completed:      " << Time(u.getCompletionTime()) << "\n";
  }
  if (u.getOpaqueData().size() > 0) {
    std::cout << "  opaque data:    " << Str(u.getOpaqueData()) << "\n";
  }
}

int WaitForUpdate(Peloton::Client& peloton, kj::WaitScope& wait, const std::string& id) {
  std::string last;
  while (true) {
    auto request = peloton.getUpdateRequest();
    request.setUpdateId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const auto u = response.getUpdate();
    const std::string state = Str(u.getState());
    const std::string line =
        absl::StrCat(state, " (", u.getInstancesDone(), " of ", u.getInstancesTotal(), " done, ",
                     u.getInstancesFailed(), " failed)");
    if (line != last) std::cout << line << "\n" << std::flush;
    last = line;
    if (UpdateTerminal(state)) return state == "SUCCEEDED" ? 0 : 1;
    usleep(200'000);
  }
}

namespace {

// Block style all the way down (a node parsed from JSON keeps JSON's flow style).
void Blocks(YAML::Node node) {
  if (!node.IsMap() && !node.IsSequence()) return;
  // An empty one stays `[]` or `{}` on its key's line.
  node.SetStyle(node.size() == 0 ? YAML::EmitterStyle::Flow : YAML::EmitterStyle::Block);
  if (node.IsMap()) {
    for (auto entry : node) Blocks(entry.second);
  } else {
    for (auto item : node) Blocks(item);
  }
}

}  // namespace

std::string JsonToYaml(const std::string& json) {
  YAML::Node node = YAML::Load(json);
  Blocks(node);
  YAML::Emitter out;
  out << node;
  return out.c_str();
}

void PrintConfig(const google::protobuf::Message& config) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(config, &json).ok()) return;
  const std::string yaml = JsonToYaml(json);
  std::cout << "config:\n";
  for (absl::string_view line : absl::StrSplit(yaml, '\n')) {
    if (!line.empty()) std::cout << "  " << line << "\n";
  }
}

}  // namespace peloton::cli
