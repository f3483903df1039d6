// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// TLS end to end in one process: the Cap'n Proto server over TLS on loopback and RpcClient
// dialling it with the test CA (testdata/: a CA and a certificate for localhost, both made with
// openssl for a hundred years), refused without the CA, by IP address or in plain text; and the
// PEM files checked.

#include "services/rpc/tls.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/peloton.capnp.h"
#include "services/rpc/guard.h"
#include "services/rpc/rpc_client.h"
#include "services/rpc/rpc_server.h"

namespace peloton::rpc {
namespace {

using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

std::string Data(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/peloton/services/rpc/testdata/", name);
}

// A Peloton API whose getJob answers a name.
class NamingApi final : public api::Peloton::Server, public OpenLogin {
 protected:
  kj::Promise<void> getJob(GetJobContext context) override {
    context.getResults().initJob().setName("over tls");
    return kj::READY_NOW;
  }
};

class TlsTest : public ::testing::Test {
 protected:
  ~TlsTest() noexcept override {}  // kj's destructors may throw

  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair_), 0);
    anchor_ = std::make_unique<capnp::EzRpcClient>(pair_[0]);
    PELOTON_ASSERT_OK_AND_ASSIGN(server_tls_, Tls::Server(Data("server.pem"), Data("server.key")));
    ListenerOptions options;
    options.tls = &server_tls_->context();
    options.request_timeout = 5 * kj::SECONDS;
    kj::AsyncIoProvider& io = anchor_->getIoProvider();
    server_ = RpcServer::Listen(io, io.getTimer(), "127.0.0.1:0", kj::heap<NamingApi>(), options)
                  .wait(anchor_->getWaitScope());
  }
  void TearDown() override {
    server_ = nullptr;
    anchor_.reset();
    close(pair_[0]);
    close(pair_[1]);
  }

  // getJob's name through a client of `address` with `tls`.
  std::string Call(const std::string& address, Tls* tls) {
    RpcClient client(address, tls);
    auto reply =
        client.Main().castAs<api::Peloton>().getJobRequest().send().wait(client.wait_scope());
    return reply.getJob().getName().cStr();
  }
  std::string Port() { return std::to_string(server_->port()); }
  // What a call fails with ("" when it does not).
  std::string Failure(const std::string& address, Tls* tls) {
    try {
      Call(address, tls);
    } catch (const kj::Exception& e) {
      return e.getDescription().cStr();
    }
    return "";
  }

  int pair_[2] = {-1, -1};
  std::unique_ptr<capnp::EzRpcClient> anchor_;  // this thread's loop
  std::unique_ptr<Tls> server_tls_;
  kj::Own<RpcServer> server_;
};

TEST_F(TlsTest, ClientTrustingTheCaCallsByHostName) {
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Tls> client, Tls::Client(Data("ca.pem")));
  EXPECT_EQ(Call("localhost:" + Port(), client.get()), "over tls");
  // A second connection shakes hands again.
  EXPECT_EQ(Call("localhost:" + Port(), client.get()), "over tls");
}

TEST_F(TlsTest, UntrustedOrMisnamedOrPlainIsRefused) {
  // The system's store does not hold the test CA.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Tls> system, Tls::Client(""));
  EXPECT_THAT(Failure("localhost:" + Port(), system.get()), HasSubstr("not trusted"));
  // The certificate names localhost, not the address.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Tls> client, Tls::Client(Data("ca.pem")));
  EXPECT_THAT(Failure("127.0.0.1:" + Port(), client.get()), HasSubstr("hostname mismatch"));
  // Plain text to a TLS server: the handshake fails, the connection is dropped.
  EXPECT_NE(Failure("127.0.0.1:" + Port(), nullptr), "");
  // The server goes on serving.
  EXPECT_EQ(Call("localhost:" + Port(), client.get()), "over tls");
}

TEST(TlsFilesTest, BadFilesAreRefusedNamingTheField) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string junk = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/junk.pem");
  std::ofstream(junk) << "not a certificate\n";
  EXPECT_THAT(Tls::Server(junk, Data("server.key")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("tls_cert_file: ", junk, " is not PEM"))));
  EXPECT_THAT(Tls::Server(Data("server.pem"), "/no/such.key").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_key_file: ")));
  // A key that is not the certificate's.
  EXPECT_THAT(Tls::Server(Data("server.pem"), Data("other.key")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_key_file: ")));
  // A key given as the certificate.
  EXPECT_THAT(Tls::Server(Data("server.key"), Data("server.key")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_cert_file: ")));
  EXPECT_THAT(Tls::Client(junk).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_ca_file: ")));
}

}  // namespace
}  // namespace peloton::rpc
