// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The runner server with the real peloton-task-runner: its runners run tasks as exec'd ones do
// (arguments, environment, the ready pipe), their ends are told once each, and they outlive a
// server that dies.

#include "services/backend/local/runner_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/local/cgroups.h"
#include "services/backend/local/sandbox.h"
#include "services/backend/local/test_options.h"

namespace peloton::backend::local {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The parent of `pid` (/proc/<pid>/stat field 4), or -1.
pid_t ParentOf(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return -1;
  const std::vector<std::string> fields = absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
  pid_t parent = -1;
  return fields.size() > 1 && absl::SimpleAtoi(fields[1], &parent) ? parent : -1;
}

// The task ids TakeEvents reports ended, waited for until `n` have come (at most 20 s).
std::vector<std::string> WaitEnded(RunnerServer& server, size_t n) {
  std::vector<std::string> ended;
  for (int i = 0; i < 2000 && ended.size() < n; ++i) {
    for (std::string& id : server.TakeEvents().ended) ended.push_back(std::move(id));
    if (ended.size() < n) absl::SleepFor(absl::Milliseconds(10));
  }
  return ended;
}

// A runner's arguments for `command` (a shell command) in `dir`, told to go on `ready_fd`.
std::vector<std::string> RunnerArgs(const std::string& dir, int ready_fd,
                                    const std::string& command) {
  return {RunnerPath(),     "--sandbox=" + dir,
          "--state=" + dir, absl::StrCat("--ready-fd=", ready_fd),
          "--shell",        "--",
          command};
}

TEST(RunnerWireTest, RequestsRoundTripAndBadOnesAreRefused) {
  const std::vector<std::string> argv = {"runner", "", "--x=1"}, env = {"A=b", ""};
  absl::StatusOr<std::string> bytes = runner_wire::EncodeRequest(argv, env, 7);
  ASSERT_THAT(bytes, IsOk());
  runner_wire::RequestHeader header;
  std::memcpy(&header, bytes->data(), sizeof header);
  EXPECT_EQ(header.argc, 3u);
  EXPECT_EQ(header.envc, 2u);
  EXPECT_EQ(header.ready_fd, 7);
  const absl::string_view payload = absl::string_view(*bytes).substr(sizeof header);
  absl::StatusOr<runner_wire::Request> back = runner_wire::DecodePayload(header, payload);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->argv, argv);
  EXPECT_EQ(back->env, env);

  EXPECT_THAT(runner_wire::EncodeRequest({}, env, -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("argv")));
  EXPECT_THAT(runner_wire::EncodeRequest({std::string("a\0b", 3)}, {}, -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NUL")));
  EXPECT_THAT(runner_wire::EncodeRequest({"r", std::string(kMaxRunnerRequestBytes, 'x')}, {}, -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most")));

  // Each way a payload can lie about itself.
  const auto decode = [&](runner_wire::RequestHeader h, absl::string_view p) {
    return runner_wire::DecodePayload(h, p).status();
  };
  runner_wire::RequestHeader h = header;
  h.argc = 0;
  EXPECT_THAT(decode(h, payload), StatusIs(absl::StatusCode::kInvalidArgument));
  h = header;
  h.payload_bytes += 1;
  EXPECT_THAT(decode(h, payload), StatusIs(absl::StatusCode::kInvalidArgument));
  h = header;
  h.envc = 1u << 30;
  EXPECT_THAT(decode(h, payload), StatusIs(absl::StatusCode::kInvalidArgument));
  h = header;
  h.envc = 1;  // the last string is left over
  EXPECT_THAT(decode(h, payload), StatusIs(absl::StatusCode::kInvalidArgument));
  h = header;
  h.envc = 3;  // one more than there is
  EXPECT_THAT(decode(h, payload), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string long_string(payload);
  long_string[0] = '\x7f';  // the first string's length, past the end
  EXPECT_THAT(decode(header, long_string), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string nul(payload);
  nul[sizeof(uint32_t)] = '\0';  // in "runner"
  EXPECT_THAT(decode(header, nul), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RunnerWireTest, MovesRoundTripAndBadOnesAreRefused) {
  const std::vector<std::string> dirs = {"/sys/fs/cgroup/memory/peloton-tasks/slot-1-2",
                                         "/peloton-tasks/t"};
  absl::StatusOr<std::string> bytes = runner_wire::EncodeMove({42, dirs});
  ASSERT_THAT(bytes, IsOk());
  absl::StatusOr<runner_wire::Move> back = runner_wire::DecodeMove(*bytes);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->pid, 42);
  EXPECT_EQ(back->dirs, dirs);

  const auto encode = [](pid_t pid, std::vector<std::string> d) {
    return runner_wire::EncodeMove({pid, std::move(d)}).status();
  };
  EXPECT_THAT(encode(0, dirs), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pid 0")));
  EXPECT_THAT(encode(42, {}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 groups")));
  EXPECT_THAT(encode(42, std::vector<std::string>(runner_wire::kMaxMoveGroups + 1, dirs[0])),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("groups (rule")));
  // Only a task's group, as DirsOf names them: nothing else can be moved into.
  for (const std::string& bad :
       std::vector<std::string>{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/peloton-tasks",
                                "/sys/fs/cgroup/memory/peloton-tasks/../x", "/x/peloton-tasks/./y",
                                "relative/peloton-tasks/x", "/x/peloton-tasks/y/",
                                "/x//peloton-tasks/y", "/x/peloton-tasks/y/z"}) {
    EXPECT_THAT(encode(42, {bad}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a task's group")))
        << bad;
  }
  EXPECT_THAT(encode(42, {std::string("/x/peloton-tasks/y\0z", 20)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NUL")));
  EXPECT_THAT(encode(42, {"/x/peloton-tasks/" + std::string(runner_wire::kMaxMoveBytes, 'y')}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most")));
  // Datagrams that lie about themselves.
  EXPECT_THAT(runner_wire::DecodeMove(bytes->substr(0, 6)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cut short")));
  EXPECT_THAT(runner_wire::DecodeMove(bytes->substr(0, bytes->size() - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("longer than")));
  EXPECT_THAT(runner_wire::DecodeMove(*bytes + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bytes after")));
  std::string more(*bytes);
  more[4] = 3;  // a third group that is not there
  EXPECT_THAT(runner_wire::DecodeMove(more),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cut short")));
}

// A runner for a server in this test (ServeRunners): has the server move a child of its own
// into the groups its arguments name, and ends with 0 when the child is in each of them, 1
// when the server said it could not move it, 2 when it said it did but the child is not
// there, 3 when it said nothing.
int MoveAChild(int argc, char** argv) {
  const std::vector<std::string> dirs(argv + 1, argv + argc);
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  const int moved = MoveIntoCgroups(child, dirs, 5'000);
  bool there = true;
  for (const std::string& dir : dirs) {
    absl::StatusOr<std::string> procs = ReadFile(dir + "/cgroup.procs");
    there = there && procs.ok() &&
            absl::StrContains(absl::StrCat("\n", *procs), absl::StrCat("\n", child, "\n"));
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  if (moved == ETIMEDOUT) return 3;
  return moved != 0 ? 1 : there ? 0 : 2;
}

TEST(RunnerServerTest, TheServerMovesItsRunnersChildrenIntoTheirGroups) {
  EXPECT_EQ(MoveIntoCgroups(getpid(), {"/x/peloton-tasks/y"}, 100), ENOTCONN);  // no server
  const Cgroups cgroups = Cgroups::Detect();
  if (!cgroups.enabled()) GTEST_SKIP() << cgroups.why_not();
  const std::string name = absl::StrCat("move-test-", getpid());
  // The groups are removed however the test ends.
  const absl::Cleanup remove = [&] { cgroups.Destroy(name); };
  absl::StatusOr<std::vector<std::string>> dirs = cgroups.Create(name, TaskLimits{});
  ASSERT_THAT(dirs, IsOk());
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  const pid_t server = fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    close(fds[0]);
    _exit(ServeRunners(fds[1], -1, &MoveAChild));
  }
  close(fds[1]);
  // The server is ended (end of file on its socket) and reaped however the test ends.
  const absl::Cleanup stop = [&] {
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(server, &status, 0), server);
  };
  // Into the groups made; and into one that is not there, which the server answers with why.
  const std::string missing = dirs->front() + "-missing";
  for (const auto& [groups, exit_code] :
       {std::pair<std::vector<std::string>, int>{*dirs, 0}, {{missing}, 1}}) {
    std::vector<std::string> argv = {"mover"};
    argv.insert(argv.end(), groups.begin(), groups.end());
    absl::StatusOr<std::string> request = runner_wire::EncodeRequest(argv, {}, -1);
    ASSERT_THAT(request, IsOk());
    ASSERT_EQ(write(fds[0], request->data(), request->size()),
              static_cast<ssize_t>(request->size()));
    // The launch's answer, then its runner's end.
    runner_wire::Reply launched, ended;
    ASSERT_EQ(read(fds[0], &launched, sizeof launched), static_cast<ssize_t>(sizeof launched));
    EXPECT_EQ(launched.kind, runner_wire::kLaunched);
    ASSERT_EQ(read(fds[0], &ended, sizeof ended), static_cast<ssize_t>(sizeof ended));
    EXPECT_EQ(ended.kind, runner_wire::kEnded);
    EXPECT_EQ(ended.pid, launched.pid);
    EXPECT_TRUE(WIFEXITED(ended.value) && WEXITSTATUS(ended.value) == exit_code)
        << groups.front() << ": " << ended.value;
  }
}

TEST(RunnerServerTest, ARunnerRunsItsTaskWithItsEnvironmentOnceToldToGo) {
  RunnerServer server(RunnerPath());
  ASSERT_TRUE(server.alive());
  const std::string dir = FreshDir("served");
  std::filesystem::create_directories(dir);
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  // A descriptor number the server cannot have chosen for it: the runner gets it there.
  const int number = 57;
  absl::StatusOr<pid_t> pid =
      server.Launch(RunnerArgs(dir, number, "echo \"$GREETING\" > said"),
                    {"GREETING=hello there", "PATH=/usr/bin:/bin"}, ready[0], number, "t1");
  ASSERT_THAT(pid, IsOk());
  close(ready[0]);
  EXPECT_EQ(ParentOf(*pid), server.server_pid());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(std::filesystem::exists(dir + "/said"));  // not before it is told to go
  ASSERT_EQ(write(ready[1], "1", 1), 1);
  close(ready[1]);
  EXPECT_THAT(WaitEnded(server, 1), ElementsAre("t1"));
  EXPECT_THAT(ReadFile(dir + "/said"), testing::IsOkAndHolds("hello there\n"));
  EXPECT_THAT(ReadFile(dir + "/exit_status"), testing::IsOkAndHolds("exited 0 0\n"));
  EXPECT_EQ(server.Ended("t1"), std::optional<bool>(false));  // told once
}

TEST(RunnerServerTest, EndsAreToldInTurnAndARunnerNotToldToGoRunsNothing) {
  RunnerServer server(RunnerPath());
  const std::string quiet = FreshDir("served_quiet"), busy = FreshDir("served_busy");
  std::filesystem::create_directories(quiet);
  std::filesystem::create_directories(busy);
  int never[2], go[2];
  ASSERT_EQ(pipe2(never, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  ASSERT_THAT(
      server.Launch(RunnerArgs(quiet, never[0], "touch ran"), {}, never[0], never[0], "quiet"),
      IsOk());
  ASSERT_THAT(server.Launch(RunnerArgs(busy, go[0], "sleep 2"), {}, go[0], go[0], "busy"), IsOk());
  close(never[0]);
  close(go[0]);
  ASSERT_EQ(write(go[1], "1", 1), 1);
  close(go[1]);
  close(never[1]);  // its "master" is gone before saying go
  EXPECT_THAT(WaitEnded(server, 1), ElementsAre("quiet"));
  EXPECT_FALSE(std::filesystem::exists(quiet + "/ran"));
  EXPECT_FALSE(std::filesystem::exists(quiet + "/exit_status"));
  EXPECT_EQ(server.Ended("busy"), std::optional<bool>(false));
  EXPECT_THAT(WaitEnded(server, 1), ElementsAre("busy"));
}

TEST(RunnerServerTest, RunnersOutliveTheirServerAndTheNextLaunchStartsAnother) {
  RunnerServer server(RunnerPath(), absl::Seconds(10), /*restart_interval=*/absl::ZeroDuration());
  const std::string dir = FreshDir("served_orphan");
  std::filesystem::create_directories(dir);
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  absl::StatusOr<pid_t> runner =
      server.Launch(RunnerArgs(dir, ready[0], "touch ran"), {}, ready[0], ready[0], "orphan");
  ASSERT_THAT(runner, IsOk());
  close(ready[0]);
  const pid_t first = server.server_pid();
  ASSERT_EQ(kill(first, SIGKILL), 0);
  RunnerServer::Events events;
  for (int i = 0; i < 500 && events.orphaned.empty(); ++i) {
    events = server.TakeEvents();
    if (events.orphaned.empty()) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(events.orphaned, ElementsAre("orphan"));
  EXPECT_TRUE(events.ended.empty());
  EXPECT_FALSE(server.alive());
  // The runner lives on, no longer the server's, and runs its task when told.
  EXPECT_TRUE(ProcessAlive(*runner, ProcessStartTime(*runner)));
  EXPECT_NE(ParentOf(*runner), first);
  ASSERT_EQ(write(ready[1], "1", 1), 1);
  close(ready[1]);
  for (int i = 0; i < 2000 && !std::filesystem::exists(dir + "/exit_status"); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/ran"));

  // Another server for the next launch.
  const std::string next_dir = FreshDir("served_next");
  std::filesystem::create_directories(next_dir);
  int next[2];
  ASSERT_EQ(pipe2(next, O_CLOEXEC), 0);
  ASSERT_THAT(server.Launch(RunnerArgs(next_dir, next[0], "true"), {}, next[0], next[0], "next"),
              IsOk());
  close(next[0]);
  EXPECT_TRUE(server.alive());
  EXPECT_NE(server.server_pid(), first);
  ASSERT_EQ(write(next[1], "1", 1), 1);
  close(next[1]);
  EXPECT_THAT(WaitEnded(server, 1), ElementsAre("next"));
}

// A server that does not answer: the launch gives up after its timeout and kills it; while
// the launch waits, those who ask what happened are not kept waiting.
TEST(RunnerServerTest, AServerThatDoesNotAnswerIsKilledAndNobodyWaitsMeanwhile) {
  const std::string dir = FreshDir("mute");
  std::filesystem::create_directories(dir);
  const std::string mute = dir + "/mute-server";
  ASSERT_THAT(WriteFileAtomically(mute, "#!/bin/sh\nexec sleep 600\n"), IsOk());
  std::filesystem::permissions(mute, std::filesystem::perms::owner_all);
  RunnerServer server(mute, /*reply_timeout=*/absl::Seconds(3), absl::Hours(1));
  ASSERT_TRUE(server.alive());
  const pid_t pid = server.server_pid();
  absl::StatusOr<pid_t> launched = -1;
  std::thread launch([&] { launched = server.Launch({"runner"}, {}, -1, -1, "waits"); });
  // Once the launch waits for its answer, those who ask are answered at once, with nothing.
  std::optional<bool> ended = false;
  for (int i = 0; i < 250 && ended.has_value(); ++i) {
    ended = server.Ended("waits");
    if (ended.has_value()) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(ended, std::nullopt);
  EXPECT_TRUE(server.TakeEvents().ended.empty());
  launch.join();
  EXPECT_THAT(launched,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("did not answer in time")));
  EXPECT_FALSE(server.alive());
  EXPECT_FALSE(ProcessAlive(pid, ProcessStartTime(pid)));  // killed and reaped
}

TEST(RunnerServerTest, WithoutAServerLaunchesAreRefusedSayingWhy) {
  RunnerServer server("/nonexistent/peloton-task-runner", absl::Seconds(10), absl::ZeroDuration());
  EXPECT_FALSE(server.alive());
  EXPECT_EQ(server.server_pid(), -1);
  EXPECT_THAT(server.Launch({"runner"}, {}, -1, -1, "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no runner server")));
  // A program that is not a runner server ends at once: the launch finds it gone, and the next
  // (before another may start) says so.
  RunnerServer not_a_server("/bin/true", absl::Seconds(10), absl::Hours(1));
  EXPECT_THAT(not_a_server.Launch({"runner"}, {}, -1, -1, "y"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("ended")));
  EXPECT_FALSE(not_a_server.alive());
  EXPECT_THAT(not_a_server.Launch({"runner"}, {}, -1, -1, "z"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the last: the runner server ended")));
}

}  // namespace
}  // namespace peloton::backend::local
