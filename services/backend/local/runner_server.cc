// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/runner_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/backend/local/cgroups.h"

namespace peloton::backend::local {
namespace runner_wire {
namespace {

void AppendString(std::string& out, absl::string_view s) {
  const auto n = static_cast<uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(s.data(), s.size());
}

// The string AppendString put at `at` in `bytes`, `at` moved past it; InvalidArgument naming
// `what` ("runner request: a string") where it is cut short or holds a NUL byte.
absl::StatusOr<absl::string_view> NextString(absl::string_view bytes, size_t& at,
                                             absl::string_view what) {
  uint32_t n = 0;
  if (bytes.size() - at < sizeof n) {
    return absl::InvalidArgumentError(absl::StrCat(what, "'s length cut short"));
  }
  std::memcpy(&n, bytes.data() + at, sizeof n);
  at += sizeof n;
  if (bytes.size() - at < n) {
    return absl::InvalidArgumentError(absl::StrCat(what, " longer than what holds it"));
  }
  const absl::string_view s = bytes.substr(at, n);
  at += n;
  if (s.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(what, " holds a NUL byte"));
  }
  return s;
}

}  // namespace

absl::StatusOr<std::string> EncodeRequest(const std::vector<std::string>& argv,
                                          const std::vector<std::string>& env, int ready_fd) {
  if (argv.empty()) {
    return absl::InvalidArgumentError("runner request: argv: empty (rule: the runner's name)");
  }
  size_t bytes = 0;
  for (const std::vector<std::string>* strings : {&argv, &env}) {
    for (const std::string& s : *strings) {
      if (s.find('\0') != std::string::npos) {
        return absl::InvalidArgumentError(
            "runner request: an argument or variable holds a NUL byte (rule: C strings)");
      }
      bytes += sizeof(uint32_t) + s.size();
    }
  }
  if (bytes > kMaxRunnerRequestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("runner request: ", bytes,
                                                   " bytes of arguments and environment (rule: at "
                                                   "most ",
                                                   kMaxRunnerRequestBytes, ")"));
  }
  const RequestHeader header{static_cast<uint32_t>(bytes), static_cast<uint32_t>(argv.size()),
                             static_cast<uint32_t>(env.size()), ready_fd};
  std::string out(reinterpret_cast<const char*>(&header), sizeof header);
  out.reserve(sizeof header + bytes);
  for (const std::string& s : argv) AppendString(out, s);
  for (const std::string& s : env) AppendString(out, s);
  return out;
}

absl::StatusOr<Request> DecodePayload(const RequestHeader& header, absl::string_view payload) {
  if (header.argc == 0) {
    return absl::InvalidArgumentError("runner request: argc: 0 (rule: at least the runner's name)");
  }
  if (payload.size() != header.payload_bytes || payload.size() > kMaxRunnerRequestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("runner request: ", payload.size(),
                                                   " bytes of payload (rule: as the header "
                                                   "says, at most ",
                                                   kMaxRunnerRequestBytes, ")"));
  }
  // Each string takes its length's 4 bytes at least: counts beyond that cannot be right.
  if (uint64_t{header.argc} + header.envc > payload.size() / sizeof(uint32_t)) {
    return absl::InvalidArgumentError("runner request: more strings than the payload holds");
  }
  Request r;
  r.argv.reserve(header.argc);
  r.env.reserve(header.envc);
  size_t at = 0;
  for (uint64_t i = 0; i < uint64_t{header.argc} + header.envc; ++i) {
    absl::StatusOr<absl::string_view> s = NextString(payload, at, "runner request: a string");
    if (!s.ok()) return s.status();
    (i < header.argc ? r.argv : r.env).emplace_back(*s);
  }
  if (at != payload.size()) {
    return absl::InvalidArgumentError("runner request: bytes after the last string");
  }
  return r;
}

absl::StatusOr<std::string> EncodeMove(const Move& move) {
  std::string out;
  const int32_t pid = move.pid;
  const auto count = static_cast<uint32_t>(move.dirs.size());
  out.append(reinterpret_cast<const char*>(&pid), sizeof pid);
  out.append(reinterpret_cast<const char*>(&count), sizeof count);
  for (const std::string& dir : move.dirs) AppendString(out, dir);
  // What the server would refuse is refused here.
  if (absl::StatusOr<Move> decoded = DecodeMove(out); !decoded.ok()) return decoded.status();
  return out;
}

absl::StatusOr<Move> DecodeMove(absl::string_view bytes) {
  if (bytes.size() > kMaxMoveBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("move: ", bytes.size(), " bytes (rule: at most ", kMaxMoveBytes, ")"));
  }
  int32_t pid = 0;
  uint32_t count = 0;
  if (bytes.size() < sizeof pid + sizeof count) {
    return absl::InvalidArgumentError("move: cut short before its count of groups");
  }
  std::memcpy(&pid, bytes.data(), sizeof pid);
  std::memcpy(&count, bytes.data() + sizeof pid, sizeof count);
  if (pid <= 0) return absl::InvalidArgumentError(absl::StrCat("move: pid ", pid, " (rule: > 0)"));
  if (count == 0 || count > kMaxMoveGroups) {
    return absl::InvalidArgumentError(
        absl::StrCat("move: ", count, " groups (rule: 1 to ", kMaxMoveGroups, ")"));
  }
  Move move{pid, {}};
  size_t at = sizeof pid + sizeof count;
  for (uint32_t i = 0; i < count; ++i) {
    absl::StatusOr<absl::string_view> dir = NextString(bytes, at, "move: a directory");
    if (!dir.ok()) return dir.status();
    if (!IsTaskGroupDir(*dir)) {
      return absl::InvalidArgumentError(
          "move: a directory that is not a task's group (rule: /.../peloton-tasks/<name>)");
    }
    move.dirs.emplace_back(*dir);
  }
  if (at != bytes.size()) return absl::InvalidArgumentError("move: bytes after the last group");
  return move;
}

}  // namespace runner_wire

namespace {

// One sendmsg of `size` bytes of `data` with `flags`, the descriptor `passed` going with them
// (SCM_RIGHTS; -1: none).
ssize_t SendWithFd(int fd, const char* data, size_t size, int passed, int flags) {
  iovec iov{const_cast<char*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (passed >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &passed, sizeof(int));
  }
  return sendmsg(fd, &msg, flags);
}

}  // namespace

using runner_wire::Reply;

RunnerServer::RunnerServer(std::string runner_path, absl::Duration reply_timeout,
                           absl::Duration restart_interval, int notify_fd)
    : runner_path_(std::move(runner_path)),
      reply_timeout_(reply_timeout),
      restart_interval_(restart_interval),
      notify_fd_(notify_fd) {
  absl::MutexLock lock(&mu_);
  StartLocked();
}

RunnerServer::~RunnerServer() {
  absl::MutexLock lock(&mu_);
  if (fd_ < 0) return;
  // End of file ends the server; its runners go on.
  close(fd_);
  fd_ = -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool RunnerServer::StartLocked() {
  started_ = absl::Now();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  std::string serve = absl::StrCat("--serve-fd=", fds[1]);
  std::string notify = absl::StrCat("--notify-fd=", notify_fd_);
  std::string path = runner_path_;
  char* argv[] = {path.data(), serve.data(), notify_fd_ >= 0 ? notify.data() : nullptr, nullptr};
  char* envp[] = {nullptr};
  // Started as a runner is, so that the runners it forks start as spawned ones do (signals
  // blocked, a session of their own); the socket's end stays open across the exec.
  pid_t pid = -1;
  const int spawned = SpawnInSession(argv[0], argv, envp, {fds[1], notify_fd_}, &pid);
  close(fds[1]);
  if (spawned != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    if (spawned == 0) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
    close(fds[0]);
    return false;
  }
  fd_ = fds[0];  // in_ and answers_ are empty: GoneLocked left them so
  pid_ = pid;
  return true;
}

void RunnerServer::GoneLocked(absl::string_view why) {
  if (fd_ < 0) return;
  gone_why_ = std::string(why);
  close(fd_);
  fd_ = -1;
  kill(pid_, SIGKILL);  // stuck, or ended already
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  for (auto& [pid, task_id] : runners_) events_.orphaned.push_back(std::move(task_id));
  runners_.clear();
  answers_.clear();
  in_.clear();
}

bool RunnerServer::ReadLocked() {
  if (fd_ < 0) return false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      GoneLocked("the runner server ended");
      return false;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      GoneLocked(absl::StrCat("reading its socket: ", std::strerror(errno)));
      return false;
    }
    in_.append(buffer, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buffer) break;
  }
  size_t at = 0;
  for (; in_.size() - at >= sizeof(Reply); at += sizeof(Reply)) {
    Reply r;
    std::memcpy(&r, in_.data() + at, sizeof r);
    if (r.kind == runner_wire::kEnded) {
      if (auto it = runners_.find(r.pid); it != runners_.end()) {
        events_.ended.push_back(std::move(it->second));
        runners_.erase(it);
      }
    } else if (r.kind == runner_wire::kLaunched || r.kind == runner_wire::kFailed) {
      answers_.push_back(r);
    } else {
      GoneLocked("the runner server said what it cannot");
      return false;
    }
  }
  in_.erase(0, at);
  return true;
}

bool RunnerServer::WaitLocked(bool write, absl::Time deadline) {
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      GoneLocked("the runner server did not answer in time");
      return false;
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
    const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      GoneLocked(absl::StrCat("waiting on its socket: ", std::strerror(errno)));
      return false;
    }
    if (ready == 0) continue;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !ReadLocked()) return false;
    return true;
  }
}

absl::StatusOr<pid_t> RunnerServer::Launch(const std::vector<std::string>& argv,
                                           const std::vector<std::string>& env, int ready_fd,
                                           int ready_fd_number, std::string task_id) {
  absl::StatusOr<std::string> request = runner_wire::EncodeRequest(argv, env, ready_fd_number);
  if (!request.ok()) return request.status();
  absl::MutexLock lock(&mu_);
  if (fd_ < 0 && (absl::Now() - started_ < restart_interval_ || !StartLocked())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no runner server", gone_why_.empty() ? "" : absl::StrCat(" (the last: ", gone_why_, ")")));
  }
  const auto gone = [this] { return absl::UnavailableError(gone_why_); };
  if (!ReadLocked()) return gone();
  const absl::Time deadline = absl::Now() + reply_timeout_;
  // The header with the ready pipe, then the rest; what the server says meanwhile is read, so
  // that neither side waits on a full socket.
  size_t sent = 0;
  while (sent < request->size()) {
    ssize_t n = -1;
    if (sent == 0) {
      n = SendWithFd(fd_, request->data(), sizeof(runner_wire::RequestHeader), ready_fd,
                     MSG_NOSIGNAL);
      // The descriptor goes with the first byte: the header is sent whole or not at all.
      if (n > 0 && static_cast<size_t>(n) < sizeof(runner_wire::RequestHeader)) {
        GoneLocked("the runner server took half a request's header");
        return gone();
      }
    } else {
      n = send(fd_, request->data() + sent, request->size() - sent, MSG_NOSIGNAL);
    }
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitLocked(/*write=*/true, deadline)) return gone();
      continue;
    }
    GoneLocked(errno == EPIPE || errno == ECONNRESET
                   ? std::string("the runner server ended")
                   : absl::StrCat("writing to its socket: ", std::strerror(errno)));
    return gone();
  }
  while (answers_.empty()) {
    if (!WaitLocked(/*write=*/false, deadline)) return gone();
  }
  const Reply answer = answers_.front();
  answers_.erase(answers_.begin());
  if (answer.kind == runner_wire::kFailed) {
    return absl::UnavailableError(
        absl::StrCat("the runner server cannot fork: ", std::strerror(answer.value)));
  }
  runners_[answer.pid] = std::move(task_id);
  return static_cast<pid_t>(answer.pid);
}

RunnerServer::Events RunnerServer::TakeEvents() {
  Events out;
  // The caller's loop does not wait for a fork: a launch holds the lock until it is answered.
  if (!mu_.TryLock()) return out;
  ReadLocked();  // false: gone, its runners are among the orphans
  std::swap(out, events_);
  mu_.Unlock();
  return out;
}

std::optional<bool> RunnerServer::Ended(absl::string_view task_id) {
  if (!mu_.TryLock()) return std::nullopt;  // as TakeEvents
  ReadLocked();  // false: gone, its runners are among the orphans (not ended)
  const bool ended =
      std::find(events_.ended.begin(), events_.ended.end(), task_id) != events_.ended.end();
  mu_.Unlock();
  return ended;
}

bool RunnerServer::alive() {
  absl::MutexLock lock(&mu_);
  return fd_ >= 0 && ReadLocked();
}

pid_t RunnerServer::server_pid() {
  absl::MutexLock lock(&mu_);
  return pid_;
}

int SpawnInSession(const char* path, char* const argv[], char* const envp[],
                   std::initializer_list<int> keep_fds, pid_t* pid) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_init(&actions);
  for (int fd : keep_fds) {
    if (fd >= 0) posix_spawn_file_actions_adddup2(&actions, fd, fd);  // clears close-on-exec
  }
  const int spawned = posix_spawn(pid, path, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return spawned;
}

namespace {

// Reads exactly `n` bytes (blocking); false at end of file or on an error.
bool ReadExactly(int fd, char* out, size_t n) {
  while (n > 0) {
    const ssize_t got = read(fd, out, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// The descriptors that came with `msg`: the first into `passed` where that is -1; the others
// are closed (one a message: more are not kept).
void TakePassed(msghdr& msg, int& passed) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd_in = -1;
      std::memcpy(&fd_in, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (passed < 0) {
        passed = fd_in;
      } else {
        close(fd_in);
      }
    }
  }
}

// recvmsg of at most `size` bytes into `data` (retried on EINTR), the first descriptor that
// came with them into `passed` where that is -1 (TakePassed); `flags` are recvmsg's, and the
// message's flags go to `*msg_flags`.
ssize_t ReceiveWithFd(int fd, char* data, size_t size, int flags, int& passed, int* msg_flags) {
  for (;;) {
    iovec iov{data, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got > 0) TakePassed(msg, passed);
    *msg_flags = msg.msg_flags;
    return got;
  }
}

// The header of a request, with the descriptor that came with it (-1: none); false at end of
// file or on an error.
bool ReadHeader(int fd, runner_wire::RequestHeader& header, int& passed) {
  passed = -1;
  char* out = reinterpret_cast<char*>(&header);
  size_t left = sizeof header;
  while (left > 0) {
    int flags = 0;
    const ssize_t got = ReceiveWithFd(fd, out, left, 0, passed, &flags);
    if (got <= 0) return false;
    out += got;
    left -= static_cast<size_t>(got);
  }
  return true;
}

void Append(std::string& out, runner_wire::Kind kind, pid_t pid, int value) {
  const Reply r{kind, pid, value};
  out.append(reinterpret_cast<const char*>(&r), sizeof r);
}

// In a runner the server forked: the runners' end of the server's socket for moves (-1: none).
int runner_movers_fd = -1;

// Makes and answers the moves waiting on `movers` (the server's end), without blocking.
void ServeMoves(int movers) {
  for (;;) {
    char buffer[runner_wire::kMaxMoveBytes];
    int answer = -1, flags = 0;
    const ssize_t got = ReceiveWithFd(movers, buffer, sizeof buffer, MSG_DONTWAIT, answer, &flags);
    if (got <= 0) return;      // none waiting (the server holds the other end: never end of file)
    if (answer < 0) continue;  // no one to tell: nothing is done
    // A runner that stopped waiting (its timeout) may have reaped its child since, and the pid
    // be another process's: its move is not made.
    pollfd waiting{answer, POLLOUT, 0};
    if (poll(&waiting, 1, 0) != 1 || (waiting.revents & (POLLHUP | POLLERR)) != 0) {
      close(answer);
      continue;
    }
    int32_t e = EMSGSIZE;
    if ((flags & (MSG_TRUNC | MSG_CTRUNC)) == 0) {
      absl::StatusOr<runner_wire::Move> move =
          runner_wire::DecodeMove(absl::string_view(buffer, static_cast<size_t>(got)));
      if (move.ok()) {
        std::string failed;  // the runner's child says which, joining them itself
        e = JoinCgroups(move->dirs, &failed, move->pid);
      } else {
        std::fprintf(stderr, "peloton-task-runner --serve-fd: %s\n",
                     std::string(move.status().message()).c_str());
        e = EINVAL;
      }
    }
    // Best effort: a runner that is gone has no child to move either.
    (void)!send(answer, &e, sizeof e, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(answer);
  }
}

// In the forked runner: becomes the runner the request asks for.
[[noreturn]] void BecomeRunner(int server_fd, int signal_fd, int notify_fd, const int movers[2],
                               int passed, int ready_fd, runner_wire::Request& request,
                               int (*run)(int, char**)) {
  close(server_fd);
  close(signal_fd);
  if (notify_fd >= 0) close(notify_fd);
  if (movers[0] >= 0) close(movers[0]);
  runner_movers_fd = movers[1];
  setsid();
  if (passed >= 0 && ready_fd >= 0) {
    if (passed != ready_fd) {
      if (dup2(passed, ready_fd) < 0) _exit(127);
      close(passed);
    } else if (fcntl(ready_fd, F_SETFD, 0) != 0) {
      _exit(127);
    }
  } else if (passed >= 0) {
    close(passed);
  }
  std::vector<char*> argv, envp;
  for (std::string& a : request.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : request.env) envp.push_back(e.data());
  envp.push_back(nullptr);
  environ = envp.data();
  std::exit(run(static_cast<int>(request.argv.size()), argv.data()));
}

}  // namespace

int MoveIntoCgroups(pid_t pid, const std::vector<std::string>& dirs, int timeout_ms) {
  if (runner_movers_fd < 0) return ENOTCONN;
  absl::StatusOr<std::string> bytes = runner_wire::EncodeMove({pid, dirs});
  if (!bytes.ok()) return EINVAL;
  int answer[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, answer) != 0) return errno;
  ssize_t sent = 0;
  // Without waiting: a server whose queue is full (or that is gone) leaves the move to the child.
  while ((sent = SendWithFd(runner_movers_fd, bytes->data(), bytes->size(), answer[1],
                            MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 &&
         errno == EINTR) {
  }
  int e = sent < 0 ? errno : 0;
  close(answer[1]);
  if (e == 0) {
    pollfd p{answer[0], POLLIN, 0};
    int ready = 0;
    while ((ready = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    int32_t said = 0;
    if (ready < 0) {
      e = errno;
    } else if (ready == 0) {
      e = ETIMEDOUT;
    } else {
      e = read(answer[0], &said, sizeof said) == sizeof said ? said : EPIPE;
    }
  }
  close(answer[0]);
  return e;
}

int ServeRunners(int fd, int notify_fd, int (*run)(int argc, char** argv)) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int signals = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
      (notify_fd >= 0 && fcntl(notify_fd, F_SETFD, FD_CLOEXEC) != 0)) {
    std::fprintf(stderr, "peloton-task-runner --serve-fd: cannot set up: %s\n",
                 std::strerror(errno));
    return 1;
  }
  // Without it the runners' children join their groups themselves.
  int movers[2] = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, movers) != 0) {
    std::fprintf(stderr, "peloton-task-runner --serve-fd: no socket for moves: %s\n",
                 std::strerror(errno));
    movers[0] = movers[1] = -1;
  }
  std::string out;  // what is not said yet (the backend reads it when it can)
  // Says what it can of `out` without waiting; false when the backend is gone.
  const auto flush = [&] {
    while (!out.empty()) {
      const ssize_t n = send(fd, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        out.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      }
    }
    return true;
  };
  for (;;) {
    pollfd p[3] = {{fd, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0},
                   {signals, POLLIN, 0},
                   {movers[0], POLLIN, 0}};  // a -1 is skipped
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    bool reaped = false;
    if ((p[1].revents & POLLIN) != 0) {
      signalfd_siginfo info;
      while (read(signals, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) return 0;
      }
      int status = 0;
      pid_t ended = 0;
      while ((ended = waitpid(-1, &status, WNOHANG)) > 0) {
        Append(out, runner_wire::kEnded, ended, status);
        reaped = true;
      }
    }
    if ((p[2].revents & POLLIN) != 0) ServeMoves(movers[0]);
    if (!flush()) return 0;
    if (reaped && notify_fd >= 0) {  // once what it has to tell is on its way
      const uint64_t one = 1;
      // Best effort: a backend that is not told polls at its next tick all the same.
      (void)!write(notify_fd, &one, sizeof one);
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    runner_wire::RequestHeader header;
    int passed = -1;
    if (!ReadHeader(fd, header, passed)) return 0;  // the backend is gone
    // What cannot be read as a request ends the server: the stream cannot be trusted after.
    if (header.payload_bytes > kMaxRunnerRequestBytes) {
      std::fprintf(stderr, "peloton-task-runner --serve-fd: a request of %u bytes (rule: <= %zu)\n",
                   header.payload_bytes, kMaxRunnerRequestBytes);
      return 2;
    }
    std::string payload(header.payload_bytes, '\0');
    if (!ReadExactly(fd, payload.data(), payload.size())) return 0;
    absl::StatusOr<runner_wire::Request> request = runner_wire::DecodePayload(header, payload);
    if (!request.ok()) {
      std::fprintf(stderr, "peloton-task-runner --serve-fd: %s\n",
                   std::string(request.status().message()).c_str());
      return 2;
    }
    payload.clear();
    payload.shrink_to_fit();
    const pid_t pid = fork();
    if (pid == 0) {
      BecomeRunner(fd, signals, notify_fd, movers, passed, header.ready_fd, *request, run);
    }
    if (passed >= 0) close(passed);
    if (pid < 0) {
      Append(out, runner_wire::kFailed, 0, errno);
    } else {
      Append(out, runner_wire::kLaunched, pid, 0);
    }
    if (!flush()) return 0;
  }
}

}  // namespace peloton::backend::local
