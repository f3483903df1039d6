// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The server's bounds: connections over the cap closed at once, idle ones closed, an accept
// that runs out of file descriptors tried again (the server keeps serving).

#include "services/rpc/rpc_server.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capnp/rpc-twoparty.h"
#include "gtest/gtest.h"
#include "services/api/internal.capnp.h"

namespace peloton::rpc {
namespace {

namespace wire = ::peloton::api::internal;

// A host manager that only says who it is.
class Incarnation final : public wire::HostManager::Server {
 protected:
  kj::Promise<void> incarnation(IncarnationContext context) override {
    context.getResults().setIncarnation("test");
    return kj::READY_NOW;
  }
};

class RpcServerTest : public ::testing::Test {
 protected:
  ~RpcServerTest() noexcept override {}  // kj's members' destructors may throw; these do not

  void Start(RpcServerOptions options) {
    // A short directory of its own: a Unix socket's path is at most 107 bytes.
    char dir[] = "/tmp/peloton-rpc.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/s";
    server_ = RpcServer::Listen(*io_.provider, io_.provider->getTimer(),
                                kj::str("unix:", path_.c_str()),
                                kj::heap<Incarnation>(), options)
                  .wait(io_.waitScope);
  }

  // A connection of this process's own, as a client.
  kj::Own<kj::AsyncIoStream> Connect() {
    return io_.provider->getNetwork()
        .parseAddress(kj::str("unix:", path_.c_str()))
        .then([](kj::Own<kj::NetworkAddress>&& a) { return a->connect(); })
        .wait(io_.waitScope);
  }

  // Whether the server answers a call on `stream`.
  bool Answers(kj::AsyncIoStream& stream) {
    capnp::TwoPartyClient client(stream);
    try {
      auto reply = client.bootstrap()
                       .castAs<wire::HostManager>()
                       .incarnationRequest()
                       .send()
                       .wait(io_.waitScope);
      return std::string(reply.getIncarnation().cStr()) == "test";
    } catch (const kj::Exception&) {
      return false;
    }
  }

  // Whether the server closed `stream`: a read ends (EOF or error) within `within`.
  bool Closed(kj::AsyncIoStream& stream, kj::Duration within) {
    char byte;
    // evalNow: a read of a reset connection may fail before it returns a promise.
    auto read = kj::evalNow([&] { return stream.tryRead(&byte, 1, 1); })
                    .then([](size_t n) { return n == 0; },
                          [](kj::Exception&&) { return true; });
    return read.exclusiveJoin(io_.provider->getTimer().afterDelay(within).then([] {
                 return false;
               }))
        .wait(io_.waitScope);
  }

  void Run(kj::Duration d) { io_.provider->getTimer().afterDelay(d).wait(io_.waitScope); }

  void TearDown() override {
    server_ = nullptr;
    if (!dir_.empty()) {
      unlink(path_.c_str());
      rmdir(dir_.c_str());
    }
  }

  kj::AsyncIoContext io_ = kj::setupAsyncIo();
  std::string dir_;
  std::string path_;
  kj::Own<RpcServer> server_;
};

TEST_F(RpcServerTest, ConnectionsOverTheCapAreClosedAtOnce) {
  Start({.max_connections = 2, .idle_timeout = 1 * kj::HOURS});
  auto a = Connect();
  auto b = Connect();
  ASSERT_TRUE(Answers(*a));
  ASSERT_TRUE(Answers(*b));
  auto c = Connect();
  EXPECT_TRUE(Closed(*c, 5 * kj::SECONDS));
  EXPECT_EQ(server_->counts().refused, 1u);
  EXPECT_EQ(server_->counts().open, 2u);
  // One goes: there is room again.
  a = nullptr;
  for (int i = 0; i < 100 && server_->counts().open > 1; ++i) Run(10 * kj::MILLISECONDS);
  EXPECT_EQ(server_->counts().open, 1u);
  auto d = Connect();
  EXPECT_TRUE(Answers(*d));
}

TEST_F(RpcServerTest, IdleConnectionsAreClosedBusyOnesAreNot) {
  Start({.max_connections = 10, .idle_timeout = 300 * kj::MILLISECONDS});
  auto idle = Connect();
  auto busy = Connect();
  capnp::TwoPartyClient client(*busy);
  auto cap = client.bootstrap().castAs<wire::HostManager>();
  // The busy one calls every 100 ms for a second; the idle one says nothing.
  for (int i = 0; i < 10; ++i) {
    cap.incarnationRequest().send().wait(io_.waitScope);
    Run(100 * kj::MILLISECONDS);
  }
  EXPECT_TRUE(Closed(*idle, 1 * kj::SECONDS));
  EXPECT_EQ(server_->counts().idle, 1u);
  EXPECT_EQ(cap.incarnationRequest().send().wait(io_.waitScope).getIncarnation(), "test");
}

TEST_F(RpcServerTest, AMessageTricklingInSlowerThanTheRequestTimeoutIsClosed) {
  Start({.max_connections = 10,
         .idle_timeout = 1 * kj::HOURS,
         .request_timeout = 400 * kj::MILLISECONDS});
  // A fast client keeps working throughout; a slow one sends a message's first bytes (one
  // segment of 100 words) and then a byte every 50 ms: never idle, never done.
  auto fast = Connect();
  capnp::TwoPartyClient client(*fast);
  auto cap = client.bootstrap().castAs<wire::HostManager>();
  auto slow = Connect();
  const kj::byte header[] = {0, 0, 0, 0, 100, 0, 0, 0};
  slow->write(header, sizeof header).wait(io_.waitScope);
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    const kj::byte zero = 0;
    try {
      slow->write(&zero, 1).wait(io_.waitScope);
    } catch (const kj::Exception&) {
      closed = true;  // written to a closed connection
    }
    EXPECT_EQ(cap.incarnationRequest().send().wait(io_.waitScope).getIncarnation(), "test");
    if (!closed) closed = Closed(*slow, 50 * kj::MILLISECONDS);
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(server_->counts().slow, 1u);
  EXPECT_EQ(server_->counts().idle, 0u);
  // Whole messages, however many, are never slow.
  for (int i = 0; i < 20; ++i) {
    cap.incarnationRequest().send().wait(io_.waitScope);
    Run(50 * kj::MILLISECONDS);
  }
  EXPECT_EQ(server_->counts().slow, 1u);
}

TEST_F(RpcServerTest, RunningOutOfFileDescriptorsIsWaitedOutNotFatal) {
  Start({.max_connections = 1000, .idle_timeout = 1 * kj::HOURS});
  rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  // A few descriptors to spare, then blocking connects until none is left: the server's
  // accepts fail.
  const int probe = dup(0);
  ASSERT_GE(probe, 0);
  close(probe);
  rlimit low = old;
  low.rlim_cur = probe + 8;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> clients;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  // The event loop does not run meanwhile: the connections wait to be accepted while the
  // clients take every descriptor left.
  for (int i = 0; i < 64; ++i) {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) break;  // EMFILE: the process is out of descriptors
    clients.push_back(fd);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  ASSERT_LT(clients.size(), 64u);
  Run(200 * kj::MILLISECONDS);
  EXPECT_GT(server_->counts().accept_errors, 0u);
  // Descriptors freed: the server takes the waiting connections and serves new ones.
  for (int fd : clients) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
  Run(1500 * kj::MILLISECONDS);
  auto after = Connect();
  EXPECT_TRUE(Answers(*after));
}

}  // namespace
}  // namespace peloton::rpc
