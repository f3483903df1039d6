// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the `peloton` command line's verbs share: the master to talk to, how a refusal and JSON
// are printed, reading Peloton's YAML files, ranges, and following a workflow.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_CLI_CLI_UTIL_H_
#define PELOTON_SERVICES_CLI_CLI_UTIL_H_

#include <cstdint>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "capnp/compat/json.h"
#include "capnp/message.h"
#include "google/protobuf/message.h"
#include "services/api/peloton.capnp.h"
#include "services/api/wire_util.h"
#include "services/rpc/rpc_client.h"
#include "services/rpc/tls.h"

namespace peloton::cli {

using api::Peloton;
using api::Str;

struct Global {
  std::string master;
  // Peloton's -z/--zkservers and --zkroot: the job managers in ZooKeeper, instead of --master.
  std::string zk;
  std::string zk_root = "/peloton";
  std::string output = "table";  // or json, yaml
  // Peloton's --basicAuthConfig: a YAML file of username and password to log in with.
  std::string basic_auth_config;
  // TLS to a TCP master: with tls_ca, trusting its certificates; else the system's store.
  bool tls = false;
  std::string tls_ca;
};

// The tasks of instances [from, to) (to 0: all), page after page: listTasks answers at most
// 10,000 at a time and says where the rest begin. Ends at the first page refused (the last).
using TaskPages = std::vector<capnp::Response<Peloton::ListTasksResults>>;
TaskPages ListAllTasks(Peloton::Client& peloton, kj::WaitScope& wait, const std::string& job,
                       uint32_t from, uint32_t to);
// The pages as one reply (for -o json and yaml), built in `message`.
Peloton::ListTasksResults::Reader MergePages(const TaskPages& pages,
                                             capnp::MallocMessageBuilder& message);

// Prints the master's refusal and returns the exit status for it (1).
int Refused(api::Status::Reader status);

// JSON as YAML in block style (a JSON document is YAML already; this is the readable form).
std::string JsonToYaml(const std::string& json);

// The master's answer as g.output says: JSON (capnp's JSON codec) or YAML.
template <typename Reader>
void Print(const Global& g, Reader reader) {
  capnp::JsonCodec json;
  json.setPrettyPrint(true);
  const kj::String text = json.encode(reader);
  if (g.output == "yaml") {
    std::cout << JsonToYaml(text.cStr()) << "\n";
  } else {
    std::cout << text.cStr() << "\n";
  }
}

// A Peloton config (JobConfig, TaskConfig) as YAML under "config:", in the form job files
// take (LoadYaml reads it back).
void PrintConfig(const google::protobuf::Message& config);

// Microseconds since the epoch as local time; "" for 0.
std::string Time(int64_t micros);
// From start to end (now while end is 0), whole seconds; "" when it has not started.
std::string Duration(int64_t start, int64_t end);

// What the CLI says of a call to the master at `master` that failed with `e`, on `err`, and
// the exit status: "cannot reach" (2) only when no connection could be made or it was lost;
// any other failure (an answer too large to read, ...) is the call's own (1).
int ReportCallFailure(const std::string& master, const kj::Exception& e, std::ostream& err);

// The client side of g's TLS flags (null without them); else the exit status (2), said.
std::variant<std::unique_ptr<rpc::Tls>, int> ClientTls(const Global& g);
// The master's API on `client`, logged in with g.basic_auth_config when given (guard.h); else
// the exit status, said on stderr: 2 for a credentials file that cannot be read or is not
// valid, 1 when the master refuses them.
std::variant<Peloton::Client, int> MasterApi(const Global& g, rpc::RpcClient& client);

// The addresses g.master names, in the order to try them: one; several, comma-separated (job
// managers of which one leads); or the leader of an election in ZooKeeper,
// zk://host:port[,host:port]/peloton/jobmgr, asked for now. Else the exit status (2), said.
std::variant<std::vector<std::string>, int> MasterAddresses(const Global& g);
// Whether `e` is a connection that was never made (nothing was sent on it).
bool NeverConnected(const kj::Exception& e);

// Runs `fn(peloton, wait_scope)` against the master; 2 when it cannot be reached. Of several
// addresses, one that cannot be connected to is passed over for the next.
template <typename Fn>
int WithMaster(const Global& g, Fn&& fn) {
  std::variant<std::unique_ptr<rpc::Tls>, int> tls = ClientTls(g);
  if (const int* bad = std::get_if<int>(&tls)) return *bad;
  std::variant<std::vector<std::string>, int> addresses = MasterAddresses(g);
  if (const int* bad = std::get_if<int>(&addresses)) return *bad;
  const std::vector<std::string>& to = std::get<std::vector<std::string>>(addresses);
  for (size_t i = 0;; ++i) {
    try {
      rpc::RpcClient client(to[i], std::get<std::unique_ptr<rpc::Tls>>(tls).get());
      std::variant<Peloton::Client, int> peloton = MasterApi(g, client);
      if (const int* refused = std::get_if<int>(&peloton)) return *refused;
      return fn(std::get<Peloton::Client>(peloton), client.wait_scope());
    } catch (const kj::Exception& e) {
      if (i + 1 < to.size() && NeverConnected(e)) continue;
      return ReportCallFailure(to[i], e, std::cerr);
    }
  }
}

// Reads one of Peloton's YAML files into `message`, warning about the keys it ignores. The exit
// status on failure (2: unreadable, 1: not a valid file), 0 on success.
int LoadYaml(const std::string& file, google::protobuf::Message& message);

// A task's health as the tables show it: blank for a task without a check or not yet launched.
std::string Health(capnp::Text::Reader healthy);

// "3:7" -> [3, 7); "3" -> [3, 4); "" -> all (from and to stay as they were, to 0 meaning all).
// False, said on stderr, for anything else.
bool ParseRange(const std::string& text, uint32_t& from, uint32_t& to);

bool UpdateTerminal(const std::string& state);
void PrintUpdate(api::UpdateInfo::Reader u);
// Polls the update until it ends; 0 if it SUCCEEDED.
int WaitForUpdate(Peloton::Client& peloton, kj::WaitScope& wait, const std::string& id);

}  // namespace peloton::cli

#endif  // PELOTON_SERVICES_CLI_CLI_UTIL_H_
