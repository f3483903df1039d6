// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PgTestServer: a real, throwaway PostgreSQL 15 cluster (Debian's postgresql-15) for a test:
// initdb into a fresh directory, the postmaster in the foreground as this process's child on
// 127.0.0.1 and a free port, fsync off, trust authentication except for one user with a
// password (to test refusals). PostgreSQL refuses to run as root: as root, it runs as the
// `postgres` user. Test fixture only.
//
//   PgTestServer pg;
//   if (!pg.available()) GTEST_SKIP() << pg.why();
//   ASSERT_TRUE(pg.Start()) << pg.why();
//   auto db = PgDb::Connect(pg.url("peloton"), absl::Seconds(5));

#ifndef PELOTON_SERVICES_STORE_TESTING_PG_SERVER_H_
#define PELOTON_SERVICES_STORE_TESTING_PG_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace peloton::store::testing {

class PgTestServer {
 public:
  // The user that must give kPassword (md5 over TCP); every other connects without one.
  static constexpr char kPasswordUser[] = "secured";
  static constexpr char kPassword[] = "s3cret";

  PgTestServer();
  ~PgTestServer();  // stops it, removes its directory
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // Whether PostgreSQL's binaries are installed (else why() says which is missing).
  bool available() const;
  // initdb (first time), then the server; false (why() says) when it does not come up in 30 s.
  // Creates the databases named at construction's first Start: "peloton".
  bool Start();
  // Fast shutdown (SIGINT), waited for. Start() brings it back on the same port and data.
  void Stop();

  // postgresql://<user>@127.0.0.1:<port>/<database>
  std::string url(const std::string& database, const std::string& user = "postgres") const;
  int port() const { return port_; }
  const std::string& why() const { return why_; }

 private:
  // Runs `argv` as the server's user, waits; its exit status, or -1 when it could not run.
  int Run(const std::vector<std::string>& argv) const;

  std::string bin_;
  std::string dir_;
  int port_ = 0;
  pid_t server_ = -1;
  bool initialized_ = false;
  mutable std::string why_;
};

}  // namespace peloton::store::testing

#endif  // PELOTON_SERVICES_STORE_TESTING_PG_SERVER_H_
