// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The runner server: one peloton-task-runner started by the local backend with --serve-fd,
// which forks a runner for each launch where the backend would spawn (exec) one. A forked
// runner skips the exec, the loading of a static binary and the C library's start, whose cpuid
// probes alone are a tenth of a launch on a virtual machine: about 0.45 ms of the 2.8 ms of CPU
// that a launch of `true` took (issue 24). The runner then does what an exec'd one does, with
// the same arguments and environment (task_runner_main.cc).
//
// The server is the backend's child in a session of its own, and its runners are its children,
// each in a session of its own as before: they outlive the server and the master. The server
// ends when its socket closes (the master ended) or on SIGTERM; its runners go on, reparented
// (to init), and a restarted master finds them by runner.pid as it finds an exec'd runner. A
// server that dies leaves its runners the same way: RunnerServer reports them orphaned, and the
// backend watches them by pid from then on; the next launch starts another server (at most one
// start a second; meanwhile, and where it cannot start, the backend spawns runners itself).
//
// The protocol, over a stream socket pair: the backend sends a launch (a request: the runner's
// arguments and environment, and the read end of its ready pipe as SCM_RIGHTS, placed at the
// descriptor number the arguments name); the server answers each launch in turn, kLaunched
// with the runner's pid or kFailed with an errno, and tells of each runner it reaped, kEnded
// with its pid and wait status, in the order these happened: a runner's end always comes before
// the answer to a launch whose runner got the same pid, so that a pid is never mistaken for
// another runner's. With --notify-fd (an eventfd of the backend's, LocalBackend::ReadyFd), the
// server signals it once it has told of ends, so that the master's loop polls then.
//
// Moves into control groups (cgroups.h): a forked runner asks its server to move its task's
// process into the task's groups (MoveIntoCgroups), over a datagram socket that all the
// server's runners share, rather than the process joining them itself. In cgroup v1 a move
// takes the kernel's global cgroup lock and waits there for every fork and exit under way on
// the machine; a burst's runners, each moving its task into three groups, queued on that lock
// and spent most of a launch's time handing it on (issue 24: one move of three less raised a
// burst's starts by 15%). One process making every move in turn does not queue.
//
// Thread-safe (RunnerServer); the server side is a process's whole life (ServeRunners).

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_RUNNER_SERVER_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_RUNNER_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace peloton::backend::local {

// A launch request's most bytes (arguments and environment): more is refused, as exec refuses
// more than ARG_MAX.
inline constexpr size_t kMaxRunnerRequestBytes = size_t{4} << 20;

// The wire format (both sides; exposed for tests).
namespace runner_wire {

// A request: this header, then argc + envc strings, each a 32-bit length and its bytes.
struct RequestHeader {
  uint32_t payload_bytes = 0;
  uint32_t argc = 0;
  uint32_t envc = 0;
  int32_t ready_fd = -1;  // the descriptor number the ready pipe takes in the runner (-1: none)
};
enum Kind : uint32_t { kLaunched = 1, kFailed = 2, kEnded = 3 };
struct Reply {
  uint32_t kind = 0;
  int32_t pid = 0;
  int32_t value = 0;  // kFailed: errno; kEnded: wait status
};
static_assert(sizeof(RequestHeader) == 16 && sizeof(Reply) == 12);

// A move (one datagram, with a socket to answer on as SCM_RIGHTS): a 32-bit pid, a 32-bit
// count of groups and each group's directory as a request's strings are. The answer: a 32-bit
// errno (0: moved).
inline constexpr size_t kMaxMoveBytes = 16 << 10;
inline constexpr uint32_t kMaxMoveGroups = 8;
struct Move {
  pid_t pid = 0;
  std::vector<std::string> dirs;
};
// InvalidArgument (naming the rule) for a pid that is not positive, no group or more than
// kMaxMoveGroups, a directory that is not a task's group (IsTaskGroupDir), or more than
// kMaxMoveBytes in all.
absl::StatusOr<std::string> EncodeMove(const Move& move);
absl::StatusOr<Move> DecodeMove(absl::string_view bytes);

// The header and payload of a request; InvalidArgument for no arguments, a string with a NUL
// byte, or more than kMaxRunnerRequestBytes.
absl::StatusOr<std::string> EncodeRequest(const std::vector<std::string>& argv,
                                          const std::vector<std::string>& env, int ready_fd);
struct Request {
  std::vector<std::string> argv, env;
};
// A payload under `header`; InvalidArgument (naming the rule) for one that does not parse.
absl::StatusOr<Request> DecodePayload(const RequestHeader& header, absl::string_view payload);

}  // namespace runner_wire

// The backend's side: a server process, and the runners it forked.
class RunnerServer {
 public:
  // Starts `runner_path --serve-fd=N`. A server that cannot start (an older runner, no
  // process) is reported by alive() and by Launch; `reply_timeout` bounds how long a launch
  // waits for its answer (a server that takes longer is killed, and its runners orphaned);
  // after a server ended, the next is started no sooner than `restart_interval` after it.
  // `notify_fd` (an eventfd, or -1): signalled by the server whenever it has told of a
  // runner's end.
  explicit RunnerServer(std::string runner_path, absl::Duration reply_timeout = absl::Seconds(10),
                        absl::Duration restart_interval = absl::Seconds(1), int notify_fd = -1);
  // Closes the socket and reaps the server; its runners go on.
  ~RunnerServer();
  RunnerServer(const RunnerServer&) = delete;
  RunnerServer& operator=(const RunnerServer&) = delete;

  // Forks a runner with these arguments and environment, `ready_fd` (this process's; it stays
  // open here) becoming its descriptor `ready_fd_number`; `task_id` names it in TakeEvents.
  // The runner's pid; FailedPrecondition when there is no server now (it could not start, or
  // died less than `restart_interval` ago), Unavailable when it died or failed during this
  // launch or could not fork (why in the message): the caller spawns the runner itself;
  // InvalidArgument for a request that cannot be sent (EncodeRequest).
  absl::StatusOr<pid_t> Launch(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env, int ready_fd,
                               int ready_fd_number, std::string task_id);

  struct Events {
    std::vector<std::string> ended;     // the task ids whose runners ended
    std::vector<std::string> orphaned;  // those whose server died: watch them by pid
  };
  // What happened since the last call. Does not wait: while a launch waits for the server's
  // answer (holding the lock), nothing, and what happened is told at a later call.
  Events TakeEvents();
  // Whether the server has said that the runner of `task_id` ended, since the last
  // TakeEvents (what it said is read first): such a runner is not signalled, as its pid may be
  // another process's by now. nullopt while a launch waits for the server's answer: ask later.
  std::optional<bool> Ended(absl::string_view task_id);
  bool alive();
  // The server's pid (-1 when there is none); for tests.
  pid_t server_pid();

 private:
  // Starts a server (mu_ held); false when it cannot.
  bool StartLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads what the server said without blocking; false when it is gone (then Gone was called).
  bool ReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The server is gone or stuck: kill and reap it, orphan its runners.
  void GoneLocked(absl::string_view why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits for the socket to be readable (and writable, with `write`) until `deadline`, reading
  // what comes meanwhile; false when the server is gone or the deadline passed (Gone called).
  bool WaitLocked(bool write, absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string runner_path_;
  const absl::Duration reply_timeout_, restart_interval_;
  const int notify_fd_;
  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = -1;
  absl::Time started_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string in_ ABSL_GUARDED_BY(mu_);                                   // a reply read in part
  std::vector<runner_wire::Reply> answers_ ABSL_GUARDED_BY(mu_);          // to launches, in order
  absl::flat_hash_map<pid_t, std::string> runners_ ABSL_GUARDED_BY(mu_);  // pid -> task id
  Events events_ ABSL_GUARDED_BY(mu_);
  std::string gone_why_ ABSL_GUARDED_BY(mu_);  // why the last server is gone
};

// Starts `path` (argv, envp) with posix_spawn, as a runner or a runner server starts: in a
// session of its own (it survives the master and its terminal), with SIGTERM and SIGINT blocked
// (a runner unblocks them for its task: a kill right after the launch then waits for its loop
// instead of ending it unheard), and `keep_fds` open across the exec (-1s skipped). posix_spawn,
// not fork: copying the master's page tables to exec a moment later was the master's largest
// cost of a launch. 0 with the pid in `pid`, or posix_spawn's errno.
int SpawnInSession(const char* path, char* const argv[], char* const envp[],
                   std::initializer_list<int> keep_fds, pid_t* pid);

// In a runner that a server forked: has the server move `pid` (the runner's child, which it
// has not reaped: its pid cannot be another's meanwhile) into the groups `dirs`, waiting at
// most `timeout_ms`. 0 once moved, or an errno: ENOTCONN where no server forked this runner,
// ETIMEDOUT, or what the server or its move met; the child then joins them itself, and says
// what fails then. (The server makes no move whose runner stopped waiting for it.)
int MoveIntoCgroups(pid_t pid, const std::vector<std::string>& dirs, int timeout_ms);

// The server's side: serves launches on `fd` until it closes or SIGTERM or SIGINT comes,
// forking for each a runner that runs `run(argc, argv)` in a session of its own, with the
// request's environment, and exits with what it returns; signals `notify_fd` (an eventfd; -1:
// none) when it has told of ends; makes its runners' moves. Returns the server's exit code.
int ServeRunners(int fd, int notify_fd, int (*run)(int argc, char** argv));

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_RUNNER_SERVER_H_
