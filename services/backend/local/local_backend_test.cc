// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Real processes: every test launches shell commands through peloton-task-runner.

#include "services/backend/local/local_backend.h"

#include <elf.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/ports.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/local/fetcher.h"
#include "services/backend/local/sandbox.h"
#include "services/backend/local/task_user.h"
#include "services/backend/local/test_options.h"
#include "services/backend/local/user_lookup.h"

namespace peloton::backend::local {
namespace {

using ::peloton::testing::FreePort;
using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;

HostInfo Host(const std::string& name) {
  HostInfo h;
  h.hostname = name;
  h.agent_id = "agent-" + name;
  h.capacity = Resources::Of(4000, 4096, 10000, 0);
  h.ports = {{31000, 31100}};
  return h;
}

// Sandboxes under `root`, runners' state under `root`-state, volumes under `root`-volumes.
std::unique_ptr<LocalBackend> Make(const std::string& root,
                                   absl::Duration volume_check = absl::Seconds(5),
                                   const std::string& runner = RunnerPath(),
                                   bool launch_thread = false, bool runner_server = true) {
  LocalBackendOptions options{
      runner, root, root + "-state", {Host("h0"), Host("h1")}, root + "-volumes", volume_check};
  options.fetch_cache_root = root + "-fetch";
  options.launch_thread = launch_thread;
  options.runner_server = runner_server;
  absl::StatusOr<std::unique_ptr<LocalBackend>> b =
      LocalBackend::Create(AsThisUser(std::move(options)));
  EXPECT_THAT(b.status(), IsOk());
  return b.ok() ? *std::move(b) : nullptr;
}

LaunchSpec Shell(const std::string& id, const std::string& command,
                 absl::Duration grace = absl::Seconds(5)) {
  LaunchSpec spec;
  spec.task_id = id;
  spec.hostname = "h1";
  spec.command = command;
  spec.kill_grace_period = grace;
  return spec;
}

// Polls a backend; keeps the terminal statuses it sees until asked for them.
class Watcher {
 public:
  explicit Watcher(LocalBackend& b) : b_(b) {}

  // Polls until `id` ends (or a generous limit, so that a bug cannot hang CI). `seen` gets
  // every status of `id`.
  TaskStatus WaitForEnd(const std::string& id, std::vector<TaskStatus>* seen = nullptr) {
    for (int i = 0; i < 3000; ++i) {
      if (auto it = ended_.find(id); it != ended_.end()) return it->second;
      for (const TaskStatus& s : b_.Poll()) {
        if (seen != nullptr && s.task_id == id) seen->push_back(s);
        if (s.state != MesosTaskState::kRunning && s.state != MesosTaskState::kStarting) {
          ended_[s.task_id] = s;
        }
      }
      if (!ended_.contains(id)) usleep(10'000);
    }
    ADD_FAILURE() << id << " did not end";
    return {};
  }

  // Polls once, keeping what ended.
  void Collect() {
    for (const TaskStatus& s : b_.Poll()) {
      if (s.state != MesosTaskState::kRunning && s.state != MesosTaskState::kStarting) {
        ended_[s.task_id] = s;
      }
    }
  }

 private:
  LocalBackend& b_;
  absl::flat_hash_map<std::string, TaskStatus> ended_;
};

std::string Slurp(const std::string& path) {
  absl::StatusOr<std::string> s = ReadFile(path);
  return s.ok() ? *s : "";
}

TEST(LocalBackendTest, RunsACommandInItsSandboxWithItsEnvironment) {
  const std::string root = FreshDir("env");
  auto b = Make(root);
  Watcher w(*b);
  LaunchSpec spec = Shell("job-0-1",
                          "echo \"$PELOTON_JOB_ID $PELOTON_INSTANCE_ID $GREETING\"; "
                          "pwd; echo oops >&2");
  spec.environment = {
      {"PELOTON_JOB_ID", "job"}, {"PELOTON_INSTANCE_ID", "0"}, {"GREETING", "hello world"}};
  ASSERT_THAT(b->Launch(spec), IsOk());
  std::vector<TaskStatus> seen;
  const TaskStatus end = w.WaitForEnd("job-0-1", &seen);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0].state, MesosTaskState::kRunning);
  EXPECT_EQ(seen[0].hostname, "h1");
  EXPECT_EQ(seen[0].agent_id, "agent-h1");
  EXPECT_EQ(end.state, MesosTaskState::kFinished);
  EXPECT_EQ(end.exit_code, 0);
  const std::string sandbox = b->SandboxOf("job-0-1");
  EXPECT_EQ(sandbox, root + "/job-0-1");
  EXPECT_EQ(
      Slurp(sandbox + "/stdout"),
      absl::StrCat("job 0 hello world\n", std::filesystem::canonical(sandbox).string(), "\n"));
  EXPECT_EQ(Slurp(sandbox + "/stderr"), "oops\n");
}

TEST(LocalBackendTest, ExitCodesAndSignalsMapToMesosStates) {
  auto b = Make(FreshDir("exits"));
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("fail", "exit 3")), IsOk());
  ASSERT_THAT(b->Launch(Shell("signal", "kill -SEGV $$")), IsOk());
  ASSERT_THAT(b->Launch(Shell("missing", "/no/such/program")), IsOk());
  LaunchSpec direct = Shell("direct", "sh");
  direct.shell = false;
  direct.arguments = {"-c", "exit 0"};
  ASSERT_THAT(b->Launch(direct), IsOk());

  const TaskStatus fail = w.WaitForEnd("fail");
  EXPECT_EQ(fail.state, MesosTaskState::kFailed);
  EXPECT_EQ(fail.exit_code, 3);
  EXPECT_EQ(fail.message, "exit code 3");
  const TaskStatus signal = w.WaitForEnd("signal");
  EXPECT_EQ(signal.state, MesosTaskState::kKilled);
  EXPECT_EQ(signal.signal, SIGSEGV);
  EXPECT_EQ(w.WaitForEnd("missing").exit_code, 127);
  EXPECT_EQ(w.WaitForEnd("direct").state, MesosTaskState::kFinished);
}

TEST(LocalBackendTest, KillSendsSigtermThenSigkillAfterTheGracePeriod) {
  auto b = Make(FreshDir("kill"));
  Watcher w(*b);
  // Catches SIGTERM and leaves cleanly.
  ASSERT_THAT(b->Launch(Shell("polite",
                              "trap 'echo term > got_term; exit 0' TERM; "
                              "touch started; while true; do sleep 0.05; done")),
              IsOk());
  // Ignores SIGTERM (and so do its children): only SIGKILL ends it.
  ASSERT_THAT(
      b->Launch(Shell("stubborn", "trap '' TERM; touch started; while true; do sleep 0.05; done",
                      absl::Milliseconds(300))),
      IsOk());
  for (const char* id : {"polite", "stubborn"}) {
    for (int i = 0; i < 1000 && !std::filesystem::exists(b->SandboxOf(id) + "/started"); ++i) {
      usleep(10'000);
    }
    ASSERT_THAT(b->Kill(id), IsOk());
  }
  const TaskStatus polite = w.WaitForEnd("polite");
  EXPECT_EQ(polite.state, MesosTaskState::kKilled);
  EXPECT_EQ(polite.message, "killed on request: exit code 0");
  EXPECT_EQ(Slurp(b->SandboxOf("polite") + "/got_term"), "term\n");
  const TaskStatus stubborn = w.WaitForEnd("stubborn");
  EXPECT_EQ(stubborn.state, MesosTaskState::kKilled);
  EXPECT_EQ(stubborn.signal, SIGKILL);
  EXPECT_THAT(b->Kill("stubborn"), IsOk());  // ended: nothing to do
}

TEST(LocalBackendTest, BadRequestsAreRefused) {
  auto b = Make(FreshDir("bad"));
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("once", "true")), IsOk());
  EXPECT_THAT(b->Launch(Shell("once", "true")),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("once")));
  LaunchSpec elsewhere = Shell("x", "true");
  elsewhere.hostname = "nowhere";
  EXPECT_THAT(b->Launch(elsewhere),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'nowhere'")));
  EXPECT_THAT(b->Launch(Shell("../escape", "true")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task_id")));
  EXPECT_THAT(b->Launch(Shell("empty", "")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("command")));
  LaunchSpec boxed = Shell("boxed", "true");
  boxed.container_image = "ubuntu:22.04";  // no container runtime here: refused, not run bare
  EXPECT_THAT(b->Launch(boxed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--backend=mesos")));
  EXPECT_THAT(b->Kill("never"), StatusIs(absl::StatusCode::kNotFound));
  const auto with_volume = [](const std::string& id, std::string volume_id,
                              std::string container_path, int64_t size_mb) {
    LaunchSpec spec = Shell(id, "true");
    spec.persistent_volume = {std::move(volume_id), std::move(container_path), size_mb};
    return spec;
  };
  int n = 0;
  for (const char* path : {"../up", "/abs", "a//b", "a/./b", "stdout", "stderr/x", ""}) {
    EXPECT_THAT(b->Launch(with_volume(absl::StrCat("v-", n++), "vol", path, 10)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("container_path")))
        << path;
  }
  EXPECT_THAT(b->Launch(with_volume("v-size", "vol", "data", 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("size_mb")));
  EXPECT_THAT(b->Launch(with_volume("v-id", "../vol", "data", 10)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id")));
  EXPECT_THAT(b->Launch(with_volume("v-huge", "vol", "data", int64_t{1} << 40)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("free")));
  EXPECT_THAT(b->DestroyVolume("h1", "../vol"), StatusIs(absl::StatusCode::kInvalidArgument));
  {
    absl::StatusOr<std::unique_ptr<LocalBackend>> bare = LocalBackend::Create(
        AsThisUser({RunnerPath(), FreshDir("bare"), FreshDir("bare-state"), {Host("h1")}}));
    ASSERT_THAT(bare.status(), IsOk());
    EXPECT_THAT((*bare)->Launch(with_volume("v-bare", "vol", "data", 10)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no volume root")));
  }
  EXPECT_THAT(
      LocalBackend::Create(AsThisUser({"/no/runner", FreshDir("x"), FreshDir("xs"), {Host("h")}}))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runner_path")));
  EXPECT_THAT(LocalBackend::Create(
                  AsThisUser({RunnerPath(), FreshDir("y"), FreshDir("ys"), {Host("h"), Host("h")}}))
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'h'")));
  EXPECT_THAT(
      LocalBackend::Create(AsThisUser({RunnerPath(), FreshDir("z"), "", {Host("h")}})).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("state_root")));
  w.WaitForEnd("once");
}

// A volume's data outlives the task that wrote it, stays on its host, and goes when destroyed;
// a master that restarts still knows which running task uses it.
TEST(LocalBackendTest, APersistentVolumeOutlivesItsTasksUntilDestroyed) {
  const std::string root = FreshDir("volume");
  auto b = Make(root);
  Watcher w(*b);
  const auto on = [](const std::string& id, const std::string& host, const std::string& command) {
    LaunchSpec spec = Shell(id, command);
    spec.hostname = host;
    spec.persistent_volume = PersistentVolumeSpec{"job-0", "var/data", 10};
    return spec;
  };
  ASSERT_THAT(b->Launch(on("job-0-1", "h1", "echo first > var/data/f")), IsOk());
  EXPECT_EQ(w.WaitForEnd("job-0-1").state, MesosTaskState::kFinished);
  EXPECT_EQ(Slurp(b->VolumeOf("h1", "job-0") + "/f"), "first\n");
  // The next run finds it; a run on another host may not have it.
  ASSERT_THAT(b->Launch(on("job-0-2", "h1", "test \"$(cat var/data/f)\" = first")), IsOk());
  EXPECT_EQ(w.WaitForEnd("job-0-2").state, MesosTaskState::kFinished);
  EXPECT_THAT(b->Launch(on("job-0-x", "h0", "true")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("on host h1")));
  ASSERT_THAT(b->Launch(on("job-0-3", "h1", "echo third >> var/data/f; sleep 600")), IsOk());
  EXPECT_THAT(b->Launch(on("job-0-y", "h1", "true")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use by task job-0-3")));
  for (int i = 0; i < 500 && Slurp(b->VolumeOf("h1", "job-0") + "/f") != "first\nthird\n"; ++i) {
    usleep(10'000);
  }
  EXPECT_EQ(Slurp(b->VolumeOf("h1", "job-0") + "/f"), "first\nthird\n");
  b.reset();  // the master restarts while job-0-3 runs
  b = Make(root);
  Watcher after(*b);
  ASSERT_EQ(b->Reconcile({"job-0-3"})[0].state, MesosTaskState::kRunning);
  EXPECT_THAT(b->DestroyVolume("h1", "job-0"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("job-0-3 uses it")));
  ASSERT_THAT(b->Kill("job-0-3"), IsOk());
  EXPECT_EQ(after.WaitForEnd("job-0-3").state, MesosTaskState::kKilled);
  ASSERT_THAT(b->DestroyVolume("h1", "job-0"), IsOk());
  EXPECT_FALSE(std::filesystem::exists(b->VolumeOf("h1", "job-0")));
  EXPECT_THAT(b->DestroyVolume("h1", "job-0"), IsOk());  // again: nothing to do
  // Gone from h1, it may be made anew elsewhere, empty.
  ASSERT_THAT(b->Launch(on("job-0-4", "h0", "test ! -e var/data/f")), IsOk());
  EXPECT_EQ(after.WaitForEnd("job-0-4").state, MesosTaskState::kFinished);
}

TEST(LocalBackendTest, ATaskThatFillsItsVolumePastItsSizeFails) {
  auto b = Make(FreshDir("quota"), absl::Milliseconds(20));
  Watcher w(*b);
  LaunchSpec spec = Shell("fill-0-1", "head -c 3000000 /dev/urandom > data/big; sleep 600");
  spec.persistent_volume = PersistentVolumeSpec{"fill-0", "data", 1};
  ASSERT_THAT(b->Launch(spec), IsOk());
  const TaskStatus end = w.WaitForEnd("fill-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_THAT(end.message, HasSubstr("more than its size of 1 MB"));
  // One that stays within its size runs on.
  LaunchSpec small = Shell("small-0-1", "head -c 100000 /dev/urandom > data/f; exit 0");
  small.persistent_volume = PersistentVolumeSpec{"small-0", "data", 1};
  ASSERT_THAT(b->Launch(small), IsOk());
  EXPECT_EQ(w.WaitForEnd("small-0-1").state, MesosTaskState::kFinished);
}

// Hosts join and leave: a task on a host that left is killed and reported lost; a host that
// joined takes launches; bad host lists change nothing.
TEST(LocalBackendTest, HostsJoinAndLeaveWhileItRuns) {
  auto b = Make(FreshDir("join"));
  Watcher w(*b);
  EXPECT_EQ(b->HostsVersion(), 0u);
  ASSERT_THAT(b->Launch(Shell("stay-0-1", "sleep 600")), IsOk());  // on h1
  LaunchSpec leaving = Shell("go-0-1", "sleep 600");
  leaving.hostname = "h0";
  ASSERT_THAT(b->Launch(leaving), IsOk());
  EXPECT_THAT(b->SetHosts({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(b->SetHosts({Host("h1"), Host("h1")}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'h1'")));
  EXPECT_EQ(b->HostsVersion(), 0u);
  ASSERT_THAT(b->SetHosts({Host("h1"), Host("h2")}), IsOk());
  EXPECT_EQ(b->HostsVersion(), 1u);
  ASSERT_EQ(b->Hosts().size(), 2u);
  EXPECT_EQ(b->Hosts()[1].hostname, "h2");
  const TaskStatus gone = w.WaitForEnd("go-0-1");
  EXPECT_EQ(gone.state, MesosTaskState::kLost);
  EXPECT_THAT(gone.message, HasSubstr("its host h0 left the cluster"));
  LaunchSpec joined = Shell("new-0-1", "exit 0");
  joined.hostname = "h2";
  ASSERT_THAT(b->Launch(joined), IsOk());
  EXPECT_EQ(w.WaitForEnd("new-0-1").state, MesosTaskState::kFinished);
  LaunchSpec old = Shell("old-0-1", "exit 0");
  old.hostname = "h0";
  EXPECT_THAT(b->Launch(old), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'h0'")));
  ASSERT_THAT(b->Kill("stay-0-1"), IsOk());
  EXPECT_EQ(w.WaitForEnd("stay-0-1").state, MesosTaskState::kKilled);  // untouched until then
}

// A master that restarts finds its tasks: still running, ended meanwhile, or gone.
TEST(LocalBackendTest, ReconcileAfterARestart) {
  const std::string root = FreshDir("reconcile");
  {
    auto before = Make(root);
    ASSERT_THAT(before->Launch(Shell("long", "while [ ! -e go ]; do sleep 0.02; done; exit 4")),
                IsOk());
    ASSERT_THAT(before->Launch(Shell("quick", "exit 0")), IsOk());
    ASSERT_THAT(before->Launch(Shell("orphan", "echo $$ > pid; while true; do sleep 0.05; done")),
                IsOk());
    for (int i = 0; i < 1000 && !std::filesystem::exists(root + "-state/quick/exit_status");
         ++i) {
      usleep(10'000);
    }
    for (int i = 0; i < 1000 && !std::filesystem::exists(root + "/orphan/pid"); ++i) {
      usleep(10'000);
    }
    // The "master" goes away without a word; its backend object with it.
  }
  // "quick" has ended: its runner, which writes its exit status last, is gone too (until
  // then, a restarted backend rightly finds it running; a task cannot fake its end).
  absl::StatusOr<std::string> quick = ReadFile(root + "-state/quick/runner.pid");
  ASSERT_THAT(quick.status(), IsOk());
  pid_t quick_pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(quick->substr(0, quick->find(' ')), &quick_pid));
  for (int i = 0; i < 1000 && ProcessAlive(quick_pid, ProcessStartTime(quick_pid)); ++i) {
    usleep(10'000);
  }
  // The orphan's runner dies too (as if killed): nothing will write its exit status.
  absl::StatusOr<std::string> runner = ReadFile(root + "-state/orphan/runner.pid");
  ASSERT_THAT(runner.status(), IsOk());
  pid_t runner_pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(runner->substr(0, runner->find(' ')), &runner_pid));
  ASSERT_EQ(kill(runner_pid, SIGKILL), 0);
  pid_t task_pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(Slurp(root + "/orphan/pid")), &task_pid));
  for (int i = 0; i < 1000 && ProcessAlive(runner_pid, ProcessStartTime(runner_pid)); ++i) {
    usleep(10'000);
  }

  auto after = Make(root);
  Watcher w(*after);
  std::vector<TaskStatus> found = after->Reconcile({"long", "quick", "orphan", "never"});
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].state, MesosTaskState::kRunning);
  EXPECT_EQ(found[0].hostname, "h1");
  EXPECT_EQ(found[1].state, MesosTaskState::kFinished);
  // A runner that died without a word: a failure, as Mesos reports an executor that ended.
  EXPECT_EQ(found[2].state, MesosTaskState::kFailed);
  EXPECT_THAT(found[2].message, HasSubstr("runner died"));
  EXPECT_EQ(found[3].state, MesosTaskState::kLost);
  // The failed task's processes were killed: it never runs twice at once.
  for (int i = 0; i < 1000 && ProcessAlive(task_pid, ProcessStartTime(task_pid)); ++i) {
    usleep(10'000);
  }
  EXPECT_FALSE(ProcessAlive(task_pid, ProcessStartTime(task_pid)));

  // The adopted task is watched from now on, and can be killed or end by itself.
  ASSERT_THAT(WriteFileAtomically(root + "/long/go", ""), IsOk());
  const TaskStatus end = w.WaitForEnd("long");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_EQ(end.exit_code, 4);
}

// What a task writes in its sandbox is its own: files named as the runner's (an exit status
// that says it succeeded, another process group) change nothing, and it sees none of the
// master's environment.
TEST(LocalBackendTest, TheRunnerIsTheOnlyWitness) {
  const std::string root = FreshDir("witness");
  auto b = Make(root);
  Watcher w(*b);
  ASSERT_EQ(setenv("PELOTON_TEST_SECRET", "hunter2", 1), 0);
  ASSERT_THAT(b->Launch(Shell("liar", "env > env; echo 'exited 0 0' > exit_status; "
                                      "echo 1 > task.pid; echo healthy > health; exit 3")),
              IsOk());
  const TaskStatus end = w.WaitForEnd("liar");
  ASSERT_EQ(unsetenv("PELOTON_TEST_SECRET"), 0);
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_EQ(end.exit_code, 3);
  const std::string env = Slurp(b->SandboxOf("liar") + "/env");
  EXPECT_THAT(env, Not(HasSubstr("hunter2")));
  EXPECT_THAT(env, HasSubstr("MESOS_SANDBOX=" + b->SandboxOf("liar") + "\n"));
  EXPECT_THAT(env, HasSubstr("HOME=" + b->SandboxOf("liar") + "\n"));
  EXPECT_THAT(env, HasSubstr("PATH=/usr/local/sbin:"));
  // The state is the backend's alone.
  struct stat st {};
  ASSERT_EQ(stat(b->StateOf("liar").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((root + "-state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// A runner gone with its machine (another boot) is lost, not failed: the task did nothing.
TEST(LocalBackendTest, ARunnerOfAnEarlierBootIsLost) {
  const std::string root = FreshDir("reboot");
  {
    auto before = Make(root);
    Watcher w(*before);
    ASSERT_THAT(before->Launch(Shell("rebooted", "exit 0")), IsOk());
    w.WaitForEnd("rebooted");
  }
  // As the machine restarted: its runner's boot is not this one, and it said nothing.
  const std::string state = root + "-state/rebooted";
  ASSERT_EQ(std::filesystem::remove(state + "/exit_status"), true);
  absl::StatusOr<std::string> pid = ReadFile(state + "/runner.pid");
  ASSERT_THAT(pid.status(), IsOk());
  const std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(*pid), ' ');
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_THAT(WriteFileAtomically(state + "/runner.pid",
                                  absl::StrCat(parts[0], " ", parts[1], " another-boot\n")),
              IsOk());
  auto after = Make(root);
  std::vector<TaskStatus> found = after->Reconcile({"rebooted"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].state, MesosTaskState::kLost);
  EXPECT_THAT(found[0].message, HasSubstr("machine restarted"));
}

// A runner the backend never recorded (its master died between the fork and runner.pid)
// runs nothing: else a restarted master would run the task again beside it.
TEST(LocalBackendTest, ARunnerThatIsNotToldToGoRunsNothing) {
  const std::string sandbox = FreshDir("unrecorded");
  std::filesystem::create_directories(sandbox);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[1]);
    const std::string fd = absl::StrCat("--ready-fd=", ready[0]);
    const std::string box = "--sandbox=" + sandbox, state = "--state=" + sandbox;
    execl(RunnerPath().c_str(), "peloton-task-runner", box.c_str(), state.c_str(), fd.c_str(),
          "--shell", "--", "touch ran", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(ready[0]);
  close(ready[1]);  // the "master" is gone before saying go
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 6);
  EXPECT_FALSE(std::filesystem::exists(sandbox + "/ran"));
  EXPECT_FALSE(std::filesystem::exists(sandbox + "/task.pid"));
  EXPECT_FALSE(std::filesystem::exists(sandbox + "/exit_status"));
}

// A remote file's URL, with its digest.
std::string FileUrl(const std::string& path, const std::string& content) {
  return absl::StrCat("file://", path, "#sha256=", Sha256Hex(content));
}

TEST(LocalBackendTest, RemoteFilesAreFetchedOncePerHostBeforeTheCommandRuns) {
  const std::string root = FreshDir("fetch");
  const std::string src = FreshDir("fetch-src");
  std::filesystem::create_directories(src);
  ASSERT_THAT(WriteFileAtomically(src + "/data.txt", "version 1\n"), IsOk());
  auto b = Make(root);
  Watcher w(*b);
  LaunchSpec first = Shell("job-0-1", "test \"$(cat conf/data.txt)\" = 'version 1'");
  first.uris = {{FileUrl(src + "/data.txt", "version 1\n"), "conf/data.txt"}};
  ASSERT_THAT(b->Launch(first), IsOk());
  std::vector<TaskStatus> seen;
  TaskStatus end = w.WaitForEnd("job-0-1", &seen);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0].state, MesosTaskState::kStarting);
  EXPECT_EQ(seen[1].state, MesosTaskState::kRunning);
  EXPECT_EQ(seen[1].message, "remote files fetched; running");
  EXPECT_EQ(end.state, MesosTaskState::kFinished) << end.message;

  // The source is gone: h1 has it cached, h0 must fetch it and cannot.
  std::filesystem::remove(src + "/data.txt");
  LaunchSpec again = first;
  again.task_id = "job-0-2";
  ASSERT_THAT(b->Launch(again), IsOk());
  end = w.WaitForEnd("job-0-2");
  EXPECT_EQ(end.state, MesosTaskState::kFinished) << end.message;
  LaunchSpec elsewhere = first;
  elsewhere.task_id = "job-1-1";
  elsewhere.hostname = "h0";
  elsewhere.command = "touch ran";
  ASSERT_THAT(b->Launch(elsewhere), IsOk());
  end = w.WaitForEnd("job-1-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_THAT(end.message, HasSubstr(absl::StrCat("fetch file://", src, "/data.txt")));
  EXPECT_THAT(end.message, HasSubstr("cannot read"));
  EXPECT_FALSE(std::filesystem::exists(b->SandboxOf("job-1-1") + "/ran"));  // never ran

  // Bytes that do not match the digest: failed, named.
  ASSERT_THAT(WriteFileAtomically(src + "/other.txt", "tampered\n"), IsOk());
  LaunchSpec wrong = Shell("job-2-1", "touch ran");
  wrong.uris = {{FileUrl(src + "/other.txt", "original\n")}};
  ASSERT_THAT(b->Launch(wrong), IsOk());
  end = w.WaitForEnd("job-2-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_THAT(end.message, HasSubstr(absl::StrCat("its bytes have sha256 ", Sha256Hex("tampered\n"))));
  EXPECT_FALSE(std::filesystem::exists(b->SandboxOf("job-2-1") + "/ran"));
}

TEST(LocalBackendTest, AFetchIsKilledOnRequestAndReconciledAfterARestart) {
  const std::string root = FreshDir("fetch-kill");
  const std::string src = FreshDir("fetch-kill-src");
  std::filesystem::create_directories(src);
  // Reading a FIFO blocks until something writes it: a fetch that takes as long as we like.
  ASSERT_EQ(mkfifo((src + "/slow").c_str(), 0644), 0);
  {
    auto b = Make(root);
    Watcher w(*b);
    LaunchSpec slow = Shell("slow-0-1", "touch ran");
    slow.uris = {{"file://" + src + "/slow"}};
    ASSERT_THAT(b->Launch(slow), IsOk());
    std::vector<TaskStatus> polled = b->Poll();
    ASSERT_EQ(polled.size(), 1u);
    EXPECT_EQ(polled[0].state, MesosTaskState::kStarting);
    EXPECT_EQ(polled[0].message, "fetching 1 remote files");
    ASSERT_THAT(b->Kill("slow-0-1"), IsOk());
    const TaskStatus end = w.WaitForEnd("slow-0-1");
    EXPECT_EQ(end.state, MesosTaskState::kKilled);
    EXPECT_THAT(end.message, HasSubstr("killed on request"));
    EXPECT_FALSE(std::filesystem::exists(b->SandboxOf("slow-0-1") + "/ran"));

    LaunchSpec adopted = Shell("slow-0-2", "cat slow");
    adopted.uris = slow.uris;
    ASSERT_THAT(b->Launch(adopted), IsOk());
    // The "master" goes away while it fetches.
  }
  auto after = Make(root);
  Watcher w(*after);
  std::vector<TaskStatus> found = after->Reconcile({"slow-0-2"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].state, MesosTaskState::kStarting);
  FILE* writer = std::fopen((src + "/slow").c_str(), "w");
  ASSERT_NE(writer, nullptr);
  std::fputs("at last\n", writer);
  std::fclose(writer);
  std::vector<TaskStatus> seen;
  const TaskStatus end = w.WaitForEnd("slow-0-2", &seen);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].state, MesosTaskState::kRunning);
  EXPECT_EQ(end.state, MesosTaskState::kFinished) << end.message;
  EXPECT_EQ(Slurp(after->SandboxOf("slow-0-2") + "/stdout"), "at last\n");
}

TEST(LocalBackendTest, RemoteFilesItCannotTakeAreRefused) {
  const std::string root = FreshDir("fetch-bad");
  auto b = Make(root);
  LaunchSpec https = Shell("bad-0-1", "true");
  https.uris = {{"https://example/x"}};
  EXPECT_THAT(b->Launch(https), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("launch bad-0-1: uris[0].value")));
  LaunchSpec own = Shell("bad-0-2", "true");
  own.uris = {{"file:///etc/hostname", "stdout"}};
  EXPECT_THAT(b->Launch(own), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("uris[0].output_file: 'stdout' (rule: not one "
                                                 "of the sandbox's own files)")));
  auto bare = LocalBackend::Create(AsThisUser(
      {RunnerPath(), FreshDir("fetch-bare"), FreshDir("fetch-bare-state"), {Host("h1")}, ""}));
  ASSERT_THAT(bare.status(), IsOk());
  LaunchSpec fine = Shell("bad-0-3", "true");
  fine.uris = {{"file:///etc/hostname"}};
  EXPECT_THAT((*bare)->Launch(fine), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("this backend has no fetch cache")));
  EXPECT_FALSE(std::filesystem::exists(b->SandboxOf("bad-0-1")));
}

HealthCheckSpec Check(HealthCheckSpec::Type type,
                      absl::Duration interval = absl::Milliseconds(100)) {
  HealthCheckSpec h;
  h.type = type;
  h.delay = absl::ZeroDuration();
  h.interval = interval;
  h.timeout = absl::Seconds(5);
  h.max_consecutive_failures = 3;
  return h;
}

// Polls until `id` reports a health of `healthy` or ends; the statuses seen go to `seen`.
std::optional<TaskStatus> WaitForHealth(LocalBackend& b, const std::string& id, bool healthy,
                                        std::vector<TaskStatus>& seen) {
  for (int i = 0; i < 3000; ++i) {
    for (const TaskStatus& s : b.Poll()) {
      if (s.task_id != id) continue;
      seen.push_back(s);
      if (s.healthy == healthy) return s;
      if (s.state != MesosTaskState::kRunning) return std::nullopt;
    }
    usleep(10'000);
  }
  return std::nullopt;
}

TEST(LocalBackendTest, ACommandCheckReportsHealthChangesAndKillsAfterTheLimit) {
  auto b = Make(FreshDir("health-command"));
  // Healthy while the file `ok` exists in the sandbox; the task removes it after a while.
  LaunchSpec spec = Shell("svc-0-1", "touch ok; sleep 0.6; rm ok; sleep 600");
  spec.health_check = Check(HealthCheckSpec::Type::kCommand);
  spec.health_check->command = "test -f ok && test \"$MARK\" = here";
  spec.environment = {{"MARK", "here"}};
  ASSERT_THAT(b->Launch(spec), IsOk());
  std::vector<TaskStatus> seen;
  std::optional<TaskStatus> healthy = WaitForHealth(*b, "svc-0-1", true, seen);
  ASSERT_TRUE(healthy.has_value());
  EXPECT_EQ(healthy->state, MesosTaskState::kRunning);
  EXPECT_EQ(healthy->message, "health check command: exit code 0");

  std::optional<TaskStatus> unhealthy = WaitForHealth(*b, "svc-0-1", false, seen);
  ASSERT_TRUE(unhealthy.has_value());
  EXPECT_EQ(unhealthy->state, MesosTaskState::kRunning);  // the first failure: still running
  EXPECT_EQ(unhealthy->message, "health check command: exit code 1");
  // Three failures in a row: killed, and unhealthy in its end.
  Watcher w(*b);
  const TaskStatus end = w.WaitForEnd("svc-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kKilled);
  EXPECT_EQ(end.healthy, std::optional<bool>(false));
  EXPECT_THAT(end.message, HasSubstr("failed 3 health checks in a row"));
}

TEST(LocalBackendTest, AnUnsharedCommandCheckDoesNotSeeTheTasksEnvironment) {
  auto b = Make(FreshDir("health-unshared"));
  LaunchSpec spec = Shell("svc-0-1", "sleep 600");
  spec.environment = {{"MARK", "here"}};
  spec.health_check = Check(HealthCheckSpec::Type::kCommand);
  spec.health_check->command = "test -z \"$MARK\"";
  spec.health_check->task_environment = false;
  ASSERT_THAT(b->Launch(spec), IsOk());
  std::vector<TaskStatus> seen;
  EXPECT_TRUE(WaitForHealth(*b, "svc-0-1", true, seen).has_value());
  ASSERT_THAT(b->Kill("svc-0-1"), IsOk());
  Watcher w(*b);
  EXPECT_EQ(w.WaitForEnd("svc-0-1").state, MesosTaskState::kKilled);
}

TEST(LocalBackendTest, AnHttpCheckAgainstARealServerAndATcpCheckOfAClosedPort) {
  auto b = Make(FreshDir("health-http"));
  const uint32_t port = FreePort();
  LaunchSpec web =
      Shell("web-0-1", absl::StrCat("exec python3 -m http.server ", port, " --bind 127.0.0.1"));
  web.health_check = Check(HealthCheckSpec::Type::kHttp, absl::Milliseconds(200));
  web.health_check->port = port;
  web.health_check->path = "/";
  web.health_check->max_consecutive_failures = 100;  // python takes a moment to listen
  ASSERT_THAT(b->Launch(web), IsOk());
  std::vector<TaskStatus> seen;
  std::optional<TaskStatus> healthy = WaitForHealth(*b, "web-0-1", true, seen);
  ASSERT_TRUE(healthy.has_value()) << (seen.empty() ? "" : seen.back().message);
  EXPECT_EQ(healthy->message, "HTTP 200 from GET /");

  // A path the server does not have: 404 fails.
  LaunchSpec missing = Shell("web-1-1", "sleep 600");
  missing.health_check = Check(HealthCheckSpec::Type::kHttp);
  missing.health_check->port = port;
  missing.health_check->path = "/no/such/page";
  missing.health_check->max_consecutive_failures = 1;
  ASSERT_THAT(b->Launch(missing), IsOk());
  Watcher w(*b);
  TaskStatus end = w.WaitForEnd("web-1-1");
  EXPECT_EQ(end.state, MesosTaskState::kKilled);
  EXPECT_THAT(end.message, HasSubstr("HTTP 404 from GET /no/such/page"));

  LaunchSpec closed = Shell("tcp-0-1", "sleep 600");
  closed.health_check = Check(HealthCheckSpec::Type::kTcp);
  closed.health_check->port = FreePort();
  ASSERT_THAT(b->Launch(closed), IsOk());
  end = w.WaitForEnd("tcp-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kKilled);
  EXPECT_EQ(end.healthy, std::optional<bool>(false));
  EXPECT_THAT(end.message, HasSubstr("failed 3 health checks in a row"));

  LaunchSpec open = Shell("tcp-1-1", "sleep 600");
  open.health_check = Check(HealthCheckSpec::Type::kTcp);
  open.health_check->port = port;
  ASSERT_THAT(b->Launch(open), IsOk());
  seen.clear();
  EXPECT_TRUE(WaitForHealth(*b, "tcp-1-1", true, seen).has_value());
  for (const char* id : {"web-0-1", "tcp-1-1"}) ASSERT_THAT(b->Kill(id), IsOk());
  EXPECT_EQ(w.WaitForEnd("web-0-1").state, MesosTaskState::kKilled);
  EXPECT_EQ(w.WaitForEnd("tcp-1-1").state, MesosTaskState::kKilled);
}

// With launch_thread, Launch returns once the task is checked and recorded; Poll says how its
// start went. A kill before the runner starts is sent once it has; a runner that cannot be
// started fails the task, naming it.
// With runners spawned and with a runner server (runner_server.h) alike. A runner server
// forks its runners from memory: a runner binary gone since it started does not stop them.
TEST(LocalBackendTest, OnTheLaunchThreadKillsWaitForTheRunnerAndFailedStartsAreReported) {
  for (const bool served : {false, true}) {
    SCOPED_TRACE(served ? "runner server" : "spawned runners");
    const std::string root = FreshDir(served ? "launch-thread-served" : "launch-thread");
    const std::string runner = root + "-bin/peloton-task-runner";
    std::filesystem::create_directories(root + "-bin");
    std::filesystem::copy_file(RunnerPath(), runner);
    auto b = Make(root, absl::Seconds(5), runner, /*launch_thread=*/true, served);
    EXPECT_EQ(b->runner_server_pid() > 0, served);
    Watcher w(*b);
    ASSERT_THAT(b->Launch(Shell("sleepy-0-1", "sleep 600")), IsOk());
    ASSERT_THAT(b->Kill("sleepy-0-1"), IsOk());  // most likely before its runner started
    EXPECT_THAT(b->Launch(Shell("sleepy-0-1", "true")),
                StatusIs(absl::StatusCode::kAlreadyExists));  // recorded at once
    for (int i = 0; i < 20; ++i) {
      ASSERT_THAT(b->Launch(Shell(absl::StrCat("quick-", i, "-1"), "true")), IsOk());
    }
    EXPECT_EQ(w.WaitForEnd("sleepy-0-1").state, MesosTaskState::kKilled);
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(w.WaitForEnd(absl::StrCat("quick-", i, "-1")).state, MesosTaskState::kFinished);
    }
    std::filesystem::rename(runner, runner + ".away");
    ASSERT_THAT(b->Launch(Shell("gone-0-1", "true")), IsOk());
    const TaskStatus end = w.WaitForEnd("gone-0-1");
    if (served) {
      EXPECT_EQ(end.state, MesosTaskState::kFinished);
    } else {
      EXPECT_EQ(end.state, MesosTaskState::kFailed);
      EXPECT_THAT(end.message, HasSubstr("cannot start " + runner + ": No such file or directory"));
    }
  }
}

// ReadyFd is signalled when Poll has news, so that a loop need not wait for its tick: a launch
// done on the launcher thread, and a runner's end, which its server tells.
TEST(LocalBackendTest, ItsReadyDescriptorIsSignalledWhenPollHasNews) {
  for (const bool thread : {false, true}) {
    SCOPED_TRACE(thread ? "launch thread" : "launches in Launch");
    auto b =
        Make(FreshDir(thread ? "ready-thread" : "ready"), absl::Seconds(5), RunnerPath(), thread);
    const int fd = b->ReadyFd();
    ASSERT_GE(fd, 0);
    const auto drain = [fd] {
      uint64_t n = 0;
      while (read(fd, &n, sizeof n) == sizeof n) {
      }
    };
    const auto signalled = [fd] {
      pollfd p{fd, POLLIN, 0};
      return poll(&p, 1, 20'000) == 1;
    };
    drain();
    ASSERT_THAT(b->Launch(Shell("ready-0-1", "sleep 600")), IsOk());
    if (thread) EXPECT_TRUE(signalled());  // its runner started
    drain();
    bool running = false;
    for (const TaskStatus& st : b->Poll())
      running = running || st.state == MesosTaskState::kRunning;
    EXPECT_TRUE(running);
    drain();
    ASSERT_THAT(b->Kill("ready-0-1"), IsOk());  // signals nothing itself
    EXPECT_TRUE(signalled());                   // it ended, and nobody polled meanwhile
    Watcher w(*b);
    EXPECT_EQ(w.WaitForEnd("ready-0-1").state, MesosTaskState::kKilled);
  }
}

// The runners a runner server forked are its children; when it dies they go on, watched by
// pid: their ends and kills still reach them, and later launches start another server (or
// spawn their runners meanwhile).
TEST(LocalBackendTest, TasksOutliveTheirRunnerServer) {
  const std::string root = FreshDir("server-death");
  auto b = Make(root);
  const pid_t server = b->runner_server_pid();
  ASSERT_GT(server, 0);
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("long-0-1", "sleep 600")), IsOk());
  ASSERT_THAT(b->Launch(Shell("short-0-1", "sleep 1")), IsOk());
  absl::StatusOr<std::string> runner = ReadFile(b->StateOf("long-0-1") + "/runner.pid");
  ASSERT_THAT(runner.status(), IsOk());
  const std::string runner_pid = std::vector<std::string>(absl::StrSplit(*runner, ' '))[0];
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", runner_pid, "/stat"));
  ASSERT_THAT(stat.status(), IsOk());
  const std::vector<std::string> fields = absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
  ASSERT_GT(fields.size(), 1u);
  EXPECT_EQ(fields[1], absl::StrCat(server));  // forked by the server

  ASSERT_EQ(kill(server, SIGKILL), 0);
  for (int i = 0; i < 50; ++i) {  // the backend notices at its next look
    w.Collect();
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_THAT(b->Launch(Shell("after-0-1", "true")), IsOk());
  EXPECT_EQ(w.WaitForEnd("after-0-1").state, MesosTaskState::kFinished);
  EXPECT_EQ(w.WaitForEnd("short-0-1").state, MesosTaskState::kFinished);
  ASSERT_THAT(b->Kill("long-0-1"), IsOk());
  EXPECT_EQ(w.WaitForEnd("long-0-1").state, MesosTaskState::kKilled);
  absl::SleepFor(absl::Milliseconds(1100));  // a server is started at most once a second
  ASSERT_THAT(b->Launch(Shell("later-0-1", "true")), IsOk());
  EXPECT_EQ(w.WaitForEnd("later-0-1").state, MesosTaskState::kFinished);
  EXPECT_GT(b->runner_server_pid(), 0);
  EXPECT_NE(b->runner_server_pid(), server);
}

// A shell command that sh would only split into words runs without sh (command.h): its
// parent is the runner, and it sees PWD as under sh. What needs sh still gets it.
TEST(LocalBackendTest, APlainShellCommandRunsWithoutAShell) {
  const std::string root = FreshDir("direct");
  auto b = Make(root);
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("direct-0-1", "grep -m1 PPid /proc/self/status")), IsOk());
  ASSERT_THAT(b->Launch(Shell("direct-1-1", "printenv PWD")), IsOk());
  ASSERT_THAT(b->Launch(Shell("shell-0-1", "echo \"$((6 * 7))\" && exit 3")), IsOk());
  ASSERT_THAT(b->Launch(Shell("missing-0-1", "no-such-program --flag")), IsOk());
  EXPECT_EQ(w.WaitForEnd("direct-0-1").state, MesosTaskState::kFinished);
  absl::StatusOr<std::string> runner = ReadFile(b->StateOf("direct-0-1") + "/runner.pid");
  ASSERT_THAT(runner.status(), IsOk());
  const std::string runner_pid = std::vector<std::string>(absl::StrSplit(*runner, ' '))[0];
  EXPECT_EQ(Slurp(b->SandboxOf("direct-0-1") + "/stdout"), "PPid:\t" + runner_pid + "\n");
  EXPECT_EQ(w.WaitForEnd("direct-1-1").state, MesosTaskState::kFinished);
  EXPECT_EQ(Slurp(b->SandboxOf("direct-1-1") + "/stdout"), b->SandboxOf("direct-1-1") + "\n");
  TaskStatus end = w.WaitForEnd("shell-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_EQ(Slurp(b->SandboxOf("shell-0-1") + "/stdout"), "42\n");
  EXPECT_THAT(end.message, HasSubstr("exit code 3"));
  end = w.WaitForEnd("missing-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_THAT(end.message, HasSubstr("exit code 127"));
  EXPECT_THAT(Slurp(b->SandboxOf("missing-0-1") + "/stderr"),
              HasSubstr("cannot run no-such-program: No such file or directory"));
}

// The runner starts once per task: it is linked statically (no program interpreter to load
// shared libraries) and leaves the network to peloton-task-helper beside it. A runner whose
// helper is missing still runs tasks; their fetches and network checks fail, saying why.
TEST(LocalBackendTest, TheRunnerIsStaticAndNamesAMissingHelper) {
  absl::StatusOr<std::string> elf = ReadFile(RunnerPath());
  ASSERT_THAT(elf.status(), IsOk());
  ASSERT_GE(elf->size(), sizeof(Elf64_Ehdr));
  Elf64_Ehdr header;
  std::memcpy(&header, elf->data(), sizeof header);
  ASSERT_EQ(std::memcmp(header.e_ident, ELFMAG, SELFMAG), 0);
  ASSERT_LE(header.e_phoff + header.e_phnum * sizeof(Elf64_Phdr), elf->size());
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr program;
    std::memcpy(&program, elf->data() + header.e_phoff + i * sizeof(Elf64_Phdr), sizeof program);
    EXPECT_NE(program.p_type, static_cast<Elf64_Word>(PT_INTERP)) << "the runner is dynamic";
  }

  const std::string root = FreshDir("lone-runner");
  const std::string lone = root + "-bin/peloton-task-runner";
  std::filesystem::create_directories(root + "-bin");
  std::filesystem::copy_file(RunnerPath(), lone);
  // Spawned runners: a runner server would fork them from its memory (whatever the file).
  auto b = Make(root, absl::Seconds(5), lone, /*launch_thread=*/false, /*runner_server=*/false);
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("plain-0-1", "echo ran")), IsOk());
  EXPECT_EQ(w.WaitForEnd("plain-0-1").state, MesosTaskState::kFinished);
  LaunchSpec fetching = Shell("fetch-0-1", "touch ran");
  fetching.uris = {{"file:///etc/hostname"}};
  ASSERT_THAT(b->Launch(fetching), IsOk());
  TaskStatus end = w.WaitForEnd("fetch-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kFailed);
  EXPECT_THAT(end.message, HasSubstr("cannot open " + root + "-bin/peloton-task-helper"));
  EXPECT_FALSE(std::filesystem::exists(b->SandboxOf("fetch-0-1") + "/ran"));
  LaunchSpec probed = Shell("tcp-0-1", "sleep 600");
  probed.health_check = Check(HealthCheckSpec::Type::kTcp);
  probed.health_check->port = FreePort();
  probed.health_check->max_consecutive_failures = 1;
  ASSERT_THAT(b->Launch(probed), IsOk());
  end = w.WaitForEnd("tcp-0-1");
  EXPECT_EQ(end.state, MesosTaskState::kKilled);
  EXPECT_THAT(end.message, HasSubstr("health check: cannot open"));

  // A runner gone since the backend started: the launch fails, naming it, and leaves nothing
  // that would keep the task from being launched again.
  std::filesystem::rename(lone, lone + ".away");
  EXPECT_THAT(b->Launch(Shell("again-0-1", "true")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot start " + lone + ": No such file or directory")));
  std::filesystem::rename(lone + ".away", lone);
  ASSERT_THAT(b->Launch(Shell("again-0-1", "true")), IsOk());
  EXPECT_EQ(w.WaitForEnd("again-0-1").state, MesosTaskState::kFinished);
}

TEST(LocalBackendTest, ACheckThatOutlastsItsTimeoutFailsAndHealthSurvivesARestart) {
  const std::string root = FreshDir("health-timeout");
  auto b = Make(root);
  LaunchSpec spec = Shell("svc-0-1", "sleep 600");
  spec.health_check = Check(HealthCheckSpec::Type::kCommand);
  spec.health_check->command = "sleep 30";
  spec.health_check->timeout = absl::Milliseconds(200);
  spec.health_check->max_consecutive_failures = 1000;
  ASSERT_THAT(b->Launch(spec), IsOk());
  std::vector<TaskStatus> seen;
  std::optional<TaskStatus> unhealthy = WaitForHealth(*b, "svc-0-1", false, seen);
  ASSERT_TRUE(unhealthy.has_value());
  EXPECT_EQ(unhealthy->message, "health check timed out after 0.2 s");

  // A backend that starts again (a restarted master) reads the task's health with it.
  b.reset();
  b = Make(root);
  const std::vector<TaskStatus> found = b->Reconcile({"svc-0-1"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].state, MesosTaskState::kRunning);
  EXPECT_EQ(found[0].healthy, std::optional<bool>(false));
  ASSERT_THAT(b->Kill("svc-0-1"), IsOk());
  Watcher w(*b);
  EXPECT_EQ(w.WaitForEnd("svc-0-1").state, MesosTaskState::kKilled);
}

TEST(LocalBackendTest, HealthChecksItCannotRunAreRefused) {
  auto b = Make(FreshDir("health-refused"));
  LaunchSpec https = Shell("a-0-1", "sleep 1");
  https.health_check = Check(HealthCheckSpec::Type::kHttp);
  https.health_check->port = 443;
  https.health_check->scheme = "https";
  EXPECT_THAT(b->Launch(https), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("health_check.scheme: 'https'")));
  LaunchSpec no_port = Shell("a-1-1", "sleep 1");
  no_port.health_check = Check(HealthCheckSpec::Type::kTcp);
  EXPECT_THAT(b->Launch(no_port),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("health_check.port: 0")));
  LaunchSpec no_command = Shell("a-2-1", "sleep 1");
  no_command.health_check = Check(HealthCheckSpec::Type::kCommand);
  EXPECT_THAT(b->Launch(no_command),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("health_check.command")));
}

TEST(LocalBackendTest, VirtualHostsShareTheMachine) {
  HostInfo machine = Host("box");
  machine.capacity = Resources::Of(8000, 16384, 1000, 3000);
  machine.gpus = {{"A100", 1000}, {"A100", 1000}, {"T4", 1000}};
  machine.ports = {{31000, 31999}};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<HostInfo> hosts, SplitIntoVirtualHosts(machine, 2));
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].hostname, "box-0");
  EXPECT_EQ(hosts[1].attributes.at("hostname"), "box-1");
  EXPECT_EQ(hosts[0].capacity, Resources::Of(4000, 8192, 500, 2000));
  EXPECT_EQ(hosts[1].capacity, Resources::Of(4000, 8192, 500, 1000));
  EXPECT_EQ(hosts[1].gpus[0].model, "A100");
  EXPECT_EQ(hosts[0].ports[0].begin, 31000u);
  EXPECT_EQ(hosts[0].ports[0].end, 31499u);
  EXPECT_EQ(hosts[1].ports[0].begin, 31500u);
  EXPECT_THAT(SplitIntoVirtualHosts(machine, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("local_hosts")));

  const HostInfo here = DiscoverThisMachine("/");
  EXPECT_GE(here.capacity.milli_cpu(), 1000);
  EXPECT_GT(here.capacity.memory_mb(), 0);
  EXPECT_EQ(here.capacity.milli_gpu(), 1000 * static_cast<int64_t>(here.gpus.size()));
  EXPECT_EQ(here.attributes.at("hostname"), here.hostname);
}

// --- Tasks as another user (issue 25): run outside Bazel's sandbox, as root, where nobody
// exists; skipped elsewhere (a developer's own user cannot switch).

class TaskUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TaskUser> nobody = LookUpUser("nobody");
    std::vector<std::string> closed;
    if (geteuid() != 0 || !nobody.ok() || !ProbeBecomeUser(*nobody, {}, &closed).ok()) {
      GTEST_SKIP() << "needs root that can become nobody (outside Bazel's sandbox)";
    }
    // Under /tmp, which nobody can pass (TEST_TMPDIR may be under a closed home).
    char dir[] = "/tmp/peloton-task-user.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    base_ = dir;
    ASSERT_EQ(chmod(base_.c_str(), 0711), 0);
    ASSERT_THAT(WriteFileAtomically(base_ + "/peloton.db", "the store"), IsOk());
    ASSERT_EQ(chmod((base_ + "/peloton.db").c_str(), 0600), 0);
  }
  void TearDown() override {
    if (!base_.empty()) std::filesystem::remove_all(base_);
  }

  absl::StatusOr<std::unique_ptr<LocalBackend>> Backend(std::vector<std::string> task_users = {},
                                                        std::string task_user = "",
                                                        bool allow_root = false) {
    LocalBackendOptions o{RunnerPath(),          base_ + "/sandboxes", base_ + "/runners",
                          {Host("h0"), Host("h1")}, base_ + "/volumes"};
    o.task_user = std::move(task_user);
    o.task_users = std::move(task_users);
    o.allow_root = allow_root;
    o.private_dirs = {base_};
    return LocalBackend::Create(std::move(o));
  }

  std::string base_;
};

TEST_F(TaskUserTest, ATaskRunsAsNobodyAndSeesOnlyItsOwnSandbox) {
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalBackend> b, Backend());
  Watcher w(*b);
  ASSERT_THAT(b->Launch(Shell("first", "echo mine > own")), IsOk());
  ASSERT_EQ(w.WaitForEnd("first").state, MesosTaskState::kFinished);
  const std::string other = b->SandboxOf("first");
  LaunchSpec spec = Shell("nosy",
                          "id -u > uid; echo $USER > user; cat " + base_ +
                              "/peloton.db > stolen 2>&1; ls " + base_ + "/sandboxes > listed; "
                              "echo pwned 2> appended >> " + other + "/stdout; "
                              "echo x 2> forged > " + b->StateOf("first") + "/exit_status; "
                              "echo written > " + b->SandboxOf("nosy") + "/absolute");
  spec.persistent_volume = PersistentVolumeSpec{"vol", "data", 10};
  spec.command += "; echo kept > data/file";
  ASSERT_THAT(b->Launch(spec), IsOk());
  const TaskStatus end = w.WaitForEnd("nosy");
  EXPECT_EQ(end.state, MesosTaskState::kFinished) << end.message;
  const std::string box = b->SandboxOf("nosy");
  EXPECT_EQ(Slurp(box + "/uid"), absl::StrCat(LookUpUser("nobody")->uid, "\n"));
  EXPECT_EQ(Slurp(box + "/user"), "nobody\n");
  // The data directory looks empty but for its own sandbox: no store, no other task.
  EXPECT_THAT(Slurp(box + "/stolen"), HasSubstr("No such file"));
  EXPECT_EQ(Slurp(box + "/listed"), "nosy\n");
  EXPECT_THAT(Slurp(box + "/appended"), HasSubstr("Directory nonexistent"));
  EXPECT_THAT(Slurp(box + "/forged"), HasSubstr("Directory nonexistent"));
  EXPECT_EQ(Slurp(other + "/stdout"), "");
  EXPECT_EQ(Slurp(box + "/absolute"), "written\n");  // its own, by its absolute path too
  EXPECT_EQ(Slurp(b->VolumeOf("h1", "vol") + "/file"), "kept\n");
  // Its sandbox and volume are its user's, closed to others; the state is not.
  struct stat st {};
  ASSERT_EQ(stat(box.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, LookUpUser("nobody")->uid);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(b->VolumeOf("h1", "vol").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, LookUpUser("nobody")->uid);
  ASSERT_EQ(stat(b->StateOf("nosy").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(TaskUserTest, ALaunchNamesOnlyAUserItIsAllowed) {
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalBackend> b, Backend({"daemon"}));
  Watcher w(*b);
  LaunchSpec as_root = Shell("as-root", "true");
  as_root.user = "root";
  EXPECT_THAT(b->Launch(as_root), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("user: 'root' (rule: nobody, the task "
                                                     "user, or one of task_users: daemon)")));
  LaunchSpec unknown = Shell("unknown", "true");
  unknown.user = "bin";
  EXPECT_THAT(b->Launch(unknown), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'bin'")));
  LaunchSpec as_daemon = Shell("as-daemon", "id -un");
  as_daemon.user = "daemon";
  ASSERT_THAT(b->Launch(as_daemon), IsOk());
  EXPECT_EQ(w.WaitForEnd("as-daemon").state, MesosTaskState::kFinished);
  EXPECT_EQ(Slurp(b->SandboxOf("as-daemon") + "/stdout"), "daemon\n");

  // Root only when the operator says so, and never by a wildcard.
  EXPECT_THAT(Backend({}, "root").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("allow_root_tasks")));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalBackend> any, Backend({"*"}));
  EXPECT_THAT(any->Launch(as_root),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is root")));
  EXPECT_THAT(Backend({}, "no-such-user-here").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no user")));
  EXPECT_THAT(Backend({"bad name"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task_users")));
}

// A master that is not root runs tasks as its own user, and refuses to name another.
TEST_F(TaskUserTest, AMasterThatIsNotRootRunsTasksAsItself) {
  const TaskUser nobody = *LookUpUser("nobody");
  const std::string dir = base_ + "/nobodys";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(chown(dir.c_str(), nobody.uid, nobody.gid), 0);
  // Where nobody can run it (the runfiles may be under a closed home).
  const std::string runner = base_ + "/peloton-task-runner";
  std::filesystem::copy_file(RunnerPath(), runner);
  ASSERT_EQ(chmod(runner.c_str(), 0755), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // as nobody: the exit code says which expectation failed
    if (BecomeUser(nobody) != 0) _exit(10);
    const auto make = [&](std::string user, std::vector<std::string> users) {
      LocalBackendOptions o{runner, dir + "/sandboxes", dir + "/runners", {Host("h1")}};
      o.task_user = std::move(user);
      o.task_users = std::move(users);
      return LocalBackend::Create(std::move(o));
    };
    absl::StatusOr<std::unique_ptr<LocalBackend>> own = make("", {});
    if (!own.ok()) _exit(11);
    if ((*own)->cgroups().enabled()) _exit(12);  // nobody may not make control groups here
    Watcher w(**own);
    if (!(*own)->Launch(Shell("first", "echo mine > own")).ok()) _exit(13);
    if (w.WaitForEnd("first").state != MesosTaskState::kFinished) _exit(14);
    // Its own user, and (in a user namespace of its own: Debian lets users make them) none of
    // the data directory but its sandbox.
    if (!(*own)->Launch(Shell("mine", "id -un; ls " + dir + "/sandboxes")).ok()) _exit(13);
    if (w.WaitForEnd("mine").state != MesosTaskState::kFinished) _exit(14);
    const std::string said = Slurp((*own)->SandboxOf("mine") + "/stdout") + "|" +
                             Slurp((*own)->SandboxOf("mine") + "/stderr");
    if (said != "nobody\nmine\n|") {
      (void)WriteFileAtomically(dir + "/said", said);  // for the failure's message
      _exit(15);
    }
    LaunchSpec other = Shell("other", "true");
    other.user = "daemon";
    if ((*own)->Launch(other).code() != absl::StatusCode::kInvalidArgument) _exit(16);
    for (const auto& [user, users] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{{"root", {}},
                                                                       {"daemon", {}},
                                                                       {"", {"daemon"}}}) {
      absl::StatusOr<std::unique_ptr<LocalBackend>> refused = make(user, users);
      if (refused.ok() || !absl::StrContains(refused.status().message(), "cannot switch users")) {
        _exit(17);
      }
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failed at step " << WEXITSTATUS(status) - 10 << ": "
                                    << Slurp(dir + "/said");
}

// Isolation (cgroups.h), where this machine lets the test make control groups (outside
// Bazel's sandbox, as root).
// A task's cgroup directories (whether or not they are there), by the name its state
// directory records.
std::vector<std::string> GroupDirsOf(const LocalBackend& b, const std::string& task_id) {
  const std::string name =
      std::string(absl::StripAsciiWhitespace(Slurp(b.StateOf(task_id) + "/cgroup")));
  return name.empty() ? std::vector<std::string>{} : Cgroups::Detect().DirsOf(name);
}

// The inodes of directories (0 for one that is not there).
std::vector<ino_t> Inodes(const std::vector<std::string>& dirs) {
  std::vector<ino_t> inodes;
  for (const std::string& dir : dirs) {
    struct stat st {};
    inodes.push_back(stat(dir.c_str(), &st) == 0 ? st.st_ino : 0);
  }
  return inodes;
}

TEST_F(TaskUserTest, CgroupsLimitMemoryCpuProcessesFilesAndDisk) {
  if (!Cgroups::Detect().enabled()) GTEST_SKIP() << Cgroups::Detect().why_not();
  const std::string root = base_ + "/sandboxes";
  LocalBackendOptions o{RunnerPath(), root, base_ + "/runners", {Host("h0"), Host("h1")},
                        base_ + "/volumes", absl::Milliseconds(100)};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalBackend> b, LocalBackend::Create(o));
  Watcher w(*b);
  // 200 MB under a limit of 32: the kernel kills it, and it fails for that.
  LaunchSpec hog = Shell("hog", "python3 -c 'b = bytearray(200 << 20); print(len(b))'");
  hog.resources = Resources::Of(100, 32, 0, 0);
  // A child that leaves the task's process group is killed with it all the same.
  LaunchSpec escape = Shell("escape", "setsid sleep 300 & echo $! > child; sleep 0.2");
  // Its quota, its processes, its files.
  LaunchSpec limited = Shell("limited", "ulimit -n > files; sleep 30");
  limited.resources = Resources::Of(250, 64, 0, 0);
  limited.fd_limit = 20;  // dash keeps fds from 10 up to redirect
  // 5 MB in a sandbox of 1.
  LaunchSpec filler = Shell("filler", "head -c 5000000 /dev/zero > big; sleep 30");
  filler.resources = Resources::Of(100, 64, 1, 0);
  for (const LaunchSpec& spec : {hog, escape, limited, filler}) {
    ASSERT_THAT(b->Launch(spec), IsOk());
  }

  const TaskStatus hogged = w.WaitForEnd("hog");
  EXPECT_EQ(hogged.state, MesosTaskState::kFailed);
  EXPECT_THAT(hogged.message, HasSubstr("over its memory limit"));
  EXPECT_EQ(Slurp(b->SandboxOf("hog") + "/stdout"), "");

  EXPECT_EQ(w.WaitForEnd("escape").state, MesosTaskState::kFinished);
  pid_t child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(Slurp(b->SandboxOf("escape") + "/child")),
                               &child));
  EXPECT_FALSE(ProcessAlive(child, ProcessStartTime(child)));

  const TaskStatus filled = w.WaitForEnd("filler");
  EXPECT_EQ(filled.state, MesosTaskState::kFailed);
  EXPECT_THAT(filled.message, HasSubstr("more than its disk limit of 1 MB"));

  for (int i = 0; i < 1000 && Slurp(b->SandboxOf("limited") + "/files").empty(); ++i) {
    usleep(10'000);
  }
  EXPECT_EQ(Slurp(b->SandboxOf("limited") + "/files"), "20\n");
  std::string quota, pids, memory;
  const std::vector<std::string> limited_groups = GroupDirsOf(*b, "limited");
  ASSERT_FALSE(limited_groups.empty());
  for (const std::string& dir : limited_groups) {
    for (const char* f : {"/cpu.cfs_quota_us", "/cpu.max"}) quota += Slurp(dir + f);
    pids += Slurp(dir + "/pids.max");
    for (const char* f : {"/memory.limit_in_bytes", "/memory.max"}) memory += Slurp(dir + f);
  }
  EXPECT_THAT(quota, HasSubstr("25000"));
  EXPECT_EQ(pids, "4096\n");
  EXPECT_EQ(memory, absl::StrCat(64 << 20, "\n"));
  ASSERT_THAT(b->Kill("limited"), IsOk());
  EXPECT_EQ(w.WaitForEnd("limited").state, MesosTaskState::kKilled);
  for (const std::string& dir : limited_groups) {
    EXPECT_EQ(Slurp(dir + "/cgroup.procs"), "") << dir;  // emptied once it ended
  }
}

// The groups a task leaves serve the next task with the same limits as they are (no new
// groups a task); not those of a task the kernel killed over its memory, nor where the limits
// differ. Idle groups do not outlive the backend, and those of a task that ran across a
// restart are removed when it ends.
TEST_F(TaskUserTest, CgroupsATaskLeftServeTheNextWithItsLimits) {
  if (!Cgroups::Detect().enabled()) GTEST_SKIP() << Cgroups::Detect().why_not();
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalBackend> b, Backend());
  Watcher w(*b);
  // Launches `id`, waits until it runs; its groups.
  const auto run = [&](const std::string& id, int64_t memory_mb) {
    LaunchSpec spec = Shell(id, "echo > ran; sleep 30");
    spec.resources = Resources::Of(100, memory_mb, 0, 0);
    EXPECT_THAT(b->Launch(spec), IsOk());
    for (int i = 0; i < 1000 && !std::filesystem::exists(b->SandboxOf(id) + "/ran"); ++i) {
      usleep(10'000);
    }
    return GroupDirsOf(*b, id);
  };
  const auto end = [&](const std::string& id) {
    ASSERT_THAT(b->Kill(id), IsOk());
    EXPECT_EQ(w.WaitForEnd(id).state, MesosTaskState::kKilled);
  };
  const std::vector<std::string> first = run("first", 64);
  ASSERT_FALSE(first.empty());
  const std::vector<ino_t> first_inodes = Inodes(first);
  ASSERT_THAT(first_inodes, Not(Contains(ino_t{0})));
  end("first");
  for (const std::string& dir : first) EXPECT_EQ(Slurp(dir + "/cgroup.procs"), "") << dir;
  const std::vector<std::string> second = run("second", 64);
  EXPECT_EQ(second, first);
  EXPECT_EQ(Inodes(second), first_inodes);  // the same groups, not made anew
  std::string memory;
  for (const std::string& dir : second) {
    for (const char* f : {"/memory.limit_in_bytes", "/memory.max"}) memory += Slurp(dir + f);
  }
  EXPECT_EQ(memory, absl::StrCat(64 << 20, "\n"));
  const std::vector<std::string> other = run("other", 128);
  EXPECT_THAT(Inodes(other), Not(Contains(ino_t{0})));
  EXPECT_NE(other, first);  // other limits: other groups
  end("second");
  end("other");

  // The kernel kills a process of this one over its memory: its groups go.
  LaunchSpec hog = Shell("hog", "python3 -c 'b = bytearray(200 << 20)'");
  hog.resources = Resources::Of(100, 32, 0, 0);
  ASSERT_THAT(b->Launch(hog), IsOk());
  EXPECT_EQ(w.WaitForEnd("hog").state, MesosTaskState::kFailed);
  const std::vector<std::string> hogged = GroupDirsOf(*b, "hog");
  ASSERT_FALSE(hogged.empty());
  EXPECT_THAT(Inodes(hogged), Each(ino_t{0}));
  const std::vector<std::string> after_hog = run("after-hog", 32);
  EXPECT_NE(after_hog, hogged);

  // A restart: the running task's groups are removed when it ends, the idle ones at once.
  b.reset();
  EXPECT_THAT(Inodes(first), Each(ino_t{0}));
  EXPECT_THAT(Inodes(other), Each(ino_t{0}));
  EXPECT_THAT(Inodes(after_hog), Not(Contains(ino_t{0})));
  PELOTON_ASSERT_OK_AND_ASSIGN(b, Backend());
  Watcher again(*b);
  ASSERT_EQ(b->Reconcile({"after-hog"}).size(), 1u);
  ASSERT_THAT(b->Kill("after-hog"), IsOk());
  EXPECT_EQ(again.WaitForEnd("after-hog").state, MesosTaskState::kKilled);
  EXPECT_THAT(Inodes(after_hog), Each(ino_t{0}));
}

TEST(TaskUserNamesTest, PortableNamesOnly) {
  EXPECT_TRUE(IsUserName("nobody"));
  EXPECT_TRUE(IsUserName("svc.web-1_a"));
  EXPECT_FALSE(IsUserName(""));
  EXPECT_FALSE(IsUserName("-rf"));
  EXPECT_FALSE(IsUserName("a/b"));
  EXPECT_FALSE(IsUserName("a b"));
  EXPECT_FALSE(IsUserName(std::string(33, 'a')));
  EXPECT_THAT(LookUpUser("no-such-user-here").status(), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace peloton::backend::local
