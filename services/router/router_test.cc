// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The router against a real HAProxy (Debian's haproxy 2.6) on loopback; the instances are
// small HTTP servers in this process that answer their own name.

#include "services/router/router.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/ports.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::router {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// A loopback TCP listener on a free port.
int Listen(uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 64) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// An instance: answers each HTTP request with its name, then closes.
class Instance {
 public:
  explicit Instance(std::string name) : name_(std::move(name)) {
    fd_ = Listen(&port_);
    thread_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // closed: the test is over
        std::string request;
        char buffer[1024];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = read(c, buffer, sizeof(buffer));
          if (n <= 0) break;
          request.append(buffer, static_cast<size_t>(n));
        }
        const std::string reply = absl::StrCat("HTTP/1.0 200 OK\r\nContent-Length: ", name_.size(),
                                               "\r\nConnection: close\r\n\r\n", name_);
        (void)!write(c, reply.data(), reply.size());  // a client gone is the client's problem
        close(c);
      }
    });
  }
  ~Instance() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  std::string name_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// GET / through HAProxy on `port`: the body, or "" for a failed request.
std::string Get(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    const std::string request = "GET / HTTP/1.0\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t n;
      while ((n = read(fd, buffer, sizeof(buffer))) > 0) answer.append(buffer, n);
    }
  }
  close(fd);
  if (answer.rfind("HTTP/1.0 200", 0) != 0 && answer.rfind("HTTP/1.1 200", 0) != 0) return "";
  return answer.substr(answer.find("\r\n\r\n") + 4);
}

// Who answers `n` requests. Enough of them: a server back from a drain is not given the very
// next ones (HAProxy's round robin places it where it left).
std::set<std::string> Answering(uint16_t port, int n = 40) {
  std::set<std::string> who;
  for (int i = 0; i < n; ++i) who.insert(Get(port));
  return who;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Socket paths are short (108 bytes): not under Bazel's long TEST_TMPDIR.
    char dir[] = "/tmp/router_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    listen_ = static_cast<uint16_t>(::peloton::testing::FreePort());
    route_ = {.job = "web", .port = "http", .listen = {"127.0.0.1", listen_}, .http = true};
  }
  void TearDown() override {
    router_.reset();
    ASSERT_EQ(std::system(absl::StrCat("rm -rf ", dir_).c_str()), 0);
  }

  void Start(absl::Duration interval = absl::ZeroDuration()) {
    Router::Options options;
    options.haproxy.dir = dir_ + "/haproxy";
    options.min_reload_interval = interval;
    absl::StatusOr<std::unique_ptr<Router>> r = Router::Start(options, {route_});
    ASSERT_TRUE(r.ok()) << r.status();
    router_ = *std::move(r);
  }

  // The admin state of each server (HAProxy's srv_admin_state, flags: 0 ready, 1 maintenance
  // (set), 4 maintenance (configured), 8 drain), by name.
  std::map<std::string, int> AdminStates() {
    absl::StatusOr<std::string> state = router_->haproxy().Ask("show servers state web.http");
    EXPECT_TRUE(state.ok()) << state.status();
    std::map<std::string, int> out;
    for (absl::string_view line : absl::StrSplit(state.value_or(""), '\n')) {
      std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipWhitespace());
      if (f.size() > 6 && f[0] != "#") out[f[3]] = std::atoi(f[6].c_str());
    }
    return out;
  }

  std::string dir_;
  uint16_t listen_ = 0;
  Route route_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, ServesRoutableInstancesAndDrainsAtRunTime) {
  Start();
  EXPECT_EQ(Get(listen_), "");  // no server yet: 503
  Instance a("a"), b("b");
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"admin", 1}, {"http", b.port()}}, true},
                                {2, "", {}, false},  // not launched: no server
                                {3, "evil\n  server x", {{"http", 1}}, true},  // no address
                                {4, "127.0.0.1", {{"http", 70000}}, true}});   // nor this
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_EQ(router_->haproxy().reloads(), 1);
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("a", "b"));
  EXPECT_EQ(AdminStates().size(), 2u);

  // Instance 1 is about to be killed: drained at run time, no reload.
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", b.port()}}, false}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_EQ(router_->haproxy().reloads(), 1);
  EXPECT_EQ(AdminStates()["i1"], 8);
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("a"));

  // Back (its health check passes again).
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", b.port()}}, true}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_EQ(router_->haproxy().reloads(), 1);
  EXPECT_EQ(AdminStates()["i1"], 0);
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("a", "b"));
  // What HAProxy refuses is an error with its words.
  EXPECT_THAT(router_->haproxy().Commands(
                  {"set server web.http/i0 state drain", "set server web.http/i9 state drain"}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("No such server")));
  EXPECT_EQ(AdminStates()["i0"], 8);  // the one before it was carried out
}

TEST_F(RouterTest, ANewRunIsAReloadAndStartsInMaintenanceUntilRoutable) {
  Start();
  Instance a("a"), b("b");
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", b.port()}}, true}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  // Instance 1's new run, launched, its check not passed yet.
  Instance c("c");
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", c.port()}}, false}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_EQ(router_->haproxy().reloads(), 2);
  EXPECT_EQ(AdminStates()["i1"] & 1, 1);  // disabled in the configuration
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("a"));
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", c.port()}}, true}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_EQ(router_->haproxy().reloads(), 2);
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("a", "c"));
  // Their runs ended (the job was stopped): no servers.
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, false, /*ended=*/true},
                                {1, "127.0.0.1", {{"http", c.port()}}, false, /*ended=*/true}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  EXPECT_TRUE(AdminStates().empty());
  EXPECT_EQ(Get(listen_), "");
}

TEST_F(RouterTest, ReloadsWaitForTheIntervalButDrainsDoNot) {
  Start(absl::Hours(1));
  Instance a("a"), b("b");
  const absl::Time t0 = absl::Now();
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true},
                                {1, "127.0.0.1", {{"http", b.port()}}, true}});
  ASSERT_THAT(router_->Apply(t0), IsOk());  // the first reload: none before it
  Instance c("c");
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, false},
                                {1, "127.0.0.1", {{"http", b.port()}}, true},
                                {2, "127.0.0.1", {{"http", c.port()}}, true}});
  absl::StatusOr<absl::Time> next = router_->Apply(t0 + absl::Minutes(1));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, t0 + absl::Hours(1));  // the new server waits
  EXPECT_EQ(router_->haproxy().reloads(), 1);
  EXPECT_EQ(AdminStates()["i0"], 8);  // the drain did not
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("b"));
  next = router_->Apply(t0 + absl::Hours(1));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, absl::InfiniteFuture());
  EXPECT_EQ(router_->haproxy().reloads(), 2);
  EXPECT_THAT(Answering(listen_), UnorderedElementsAre("b", "c"));
}

TEST_F(RouterTest, AListenAddressTakenIsAClearError) {
  uint16_t port = 0;
  const int taken = Listen(&port);
  route_.listen.port = port;
  Router::Options options;
  options.haproxy.dir = dir_ + "/haproxy";
  options.haproxy.timeout = absl::Seconds(5);
  EXPECT_THAT(Router::Start(options, {route_}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("did not start")));
  close(taken);

  // A configuration HAProxy refuses leaves the old worker serving. (The router's routes, and
  // so its binds, are fixed at start: its reloads change servers only.)
  route_.listen.port = listen_;
  Start();
  Instance a("a");
  router_->SetEndpoints("web", {{0, "127.0.0.1", {{"http", a.port()}}, true}});
  ASSERT_THAT(router_->Apply(absl::Now()), IsOk());
  const std::string bad =
      absl::StrCat(RenderConfig({}, router_->haproxy().admin_socket()), "backend x\n  nonsense\n");
  EXPECT_THAT(router_->haproxy().Reload(bad),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refused")));
  EXPECT_EQ(Get(listen_), "a");
  // And the next good one is taken.
  ASSERT_THAT(router_->haproxy().Reload(RenderConfig({}, router_->haproxy().admin_socket())),
              IsOk());
  EXPECT_EQ(Get(listen_), "");
}

}  // namespace
}  // namespace peloton::router
