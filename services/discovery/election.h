// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Leader election in ZooKeeper, for the components of which one leads at a time
// (peloton-resmgr, peloton-hostmgr; issue 19), and membership for those whose candidates all
// serve at once (peloton-jobmgr, Members): each candidate holds an ephemeral sequential
// znode `candidate_<sequence>` under the role's path, holding its address, and the candidate
// with the lowest sequence leads. A leader that dies loses its node when its session expires
// (session_timeout after it stopped answering), and the next candidate leads.
//
//   PELOTON_ASSIGN_OR_RETURN(auto election, Election::Join({.servers = "zk1:2181",
//                                                         .path = "/peloton/resmgr",
//                                                         .id = "10.0.0.5:5394"}));
//   PELOTON_RETURN_IF_ERROR(election->AwaitLeadership());   // standing by until then
//   ... serve; each tick: if (election->Lost()) stop at once ...
//
// A leader must stop acting once it may no longer lead: Lost() turns true when the session
// expired, and also when it has been disconnected for two thirds of the session timeout (the
// server may expire it meanwhile, and a successor may lead; the client learns of the expiry
// only when it reconnects). Uses the ZooKeeper C client's synchronous calls
// (libzookeeper_mt); the session's state is kept by its event thread.
//
// Thread-safe.

#ifndef PELOTON_SERVICES_DISCOVERY_ELECTION_H_
#define PELOTON_SERVICES_DISCOVERY_ELECTION_H_

#include <zookeeper/zookeeper.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace peloton::discovery {

class Election {
 public:
  struct Options {
    std::string servers;  // "host:port[,host:port]"
    std::string path;     // the role's: "/peloton/resmgr"
    std::string id;       // what the candidate's node holds: the address it serves
    // The server bounds it (2 to 20 times its tickTime).
    absl::Duration session_timeout = absl::Seconds(2);
    absl::Duration connect_timeout = absl::Seconds(10);
  };

  // Connects and becomes a candidate. InvalidArgument for options that cannot be used;
  // Unavailable when ZooKeeper cannot be reached within connect_timeout.
  static absl::StatusOr<std::unique_ptr<Election>> Join(Options options);
  ~Election();  // withdraws (closes the session: its node goes at once)
  Election(const Election&) = delete;
  Election& operator=(const Election&) = delete;

  // Waits until this candidate leads, or `timeout` (DeadlineExceeded). Unavailable when the
  // session is lost meanwhile (a new Election must join again).
  absl::Status AwaitLeadership(absl::Duration timeout = absl::InfiniteDuration());
  // Whether this candidate may no longer act as leader (see above). Once true, stays true.
  bool Lost() const;
  // Asks ZooKeeper, a round trip: OK while its node is there and its session alive;
  // Unavailable otherwise (then Lost() is true from now on). Without an answer (the connection
  // lost for now), Lost() decides. A leader calls it before it acts:
  // a process that was paused (SIGSTOP) past its session timeout learns here, from the
  // server, that it no longer leads, before its session's events reach it. An answer younger
  // than `max_age` is taken again without asking (a paused process's is old when it resumes).
  absl::Status Confirm(absl::Duration max_age = absl::ZeroDuration());
  // The candidate's node.
  const std::string& node() const { return node_; }

  // Members, for roles whose candidates all serve at once (all-active job managers): the ids
  // of every candidate now, this one's among them, in the order they joined. Leaves a watch:
  // MembersChanged() turns true at the next change (and is false once this call has read
  // the members). Unavailable when ZooKeeper does not answer. Reads each candidate's id once.
  absl::StatusOr<std::vector<std::string>> Members();
  bool MembersChanged() const;

 private:
  Election(Options options, zhandle_t* zh);
  static void OnEvent(zhandle_t* zh, int type, int state, const char* path, void* context);

  const Options options_;
  zhandle_t* zh_;
  std::string node_;  // set once by Join
  mutable absl::Mutex mu_;
  bool expired_ ABSL_GUARDED_BY(mu_) = false;                         // or found lost by Confirm
  absl::Time confirmed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // the last Confirm's OK
  // When the session last stopped being connected; InfinitePast while connected.
  absl::Time disconnected_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool members_changed_ ABSL_GUARDED_BY(mu_) = true;  // a child watch fired (Members)
  // Each candidate's id, by node name (ids never change), for the candidates Members last saw.
  absl::flat_hash_map<std::string, std::string> ids_ ABSL_GUARDED_BY(mu_);
};

// The candidates' node names under a role's path, in the order they lead (lowest sequence
// first); names that are not candidates are left out.
std::vector<std::string> CandidatesInOrder(const std::vector<std::string>& children);

// The id the leader of `path` holds: NotFound when no candidate is there; Unavailable when
// ZooKeeper cannot be reached within `timeout`. One short session per call (for clients).
absl::StatusOr<std::string> CurrentLeader(const std::string& servers, const std::string& path,
                                          absl::Duration timeout);

}  // namespace peloton::discovery

#endif  // PELOTON_SERVICES_DISCOVERY_ELECTION_H_
