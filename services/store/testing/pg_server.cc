// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/testing/pg_server.h"

#include <fcntl.h>
#include <grp.h>
#include <postgresql/libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/testing/ports.h"

namespace peloton::store::testing {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin";

// In a forked child: become the user PostgreSQL runs as (root only; another user is itself).
void BecomeServerUser() {
  if (getuid() != 0) return;
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr || setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 ||
      setuid(pw->pw_uid) != 0) {
    _exit(126);
  }
}

}  // namespace

PgTestServer::PgTestServer() : bin_(kBin), port_(static_cast<int>(::peloton::testing::FreePort())) {
  char dir[] = "/tmp/pg_test.XXXXXX";
  if (mkdtemp(dir) != nullptr) dir_ = dir;
}

PgTestServer::~PgTestServer() {
  Stop();
  if (!dir_.empty()) {
    // The directory is the server user's: removed as root (or as that user, who we are).
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
    if (error) {
      std::fprintf(stderr, "PgTestServer: could not remove %s: %s\n", dir_.c_str(),
                   error.message().c_str());
    }
  }
}

bool PgTestServer::available() const {
  if (access((bin_ + "/postgres").c_str(), X_OK) != 0 ||
      access((bin_ + "/initdb").c_str(), X_OK) != 0) {
    why_ = absl::StrCat("PostgreSQL 15 is not installed (no ", bin_,
                        "/postgres): apt-get install postgresql-15 (scripts/bootstrap.sh does)");
    return false;
  }
  if (getuid() == 0 && getpwnam("postgres") == nullptr) {
    why_ = "running as root, and there is no postgres user";
    return false;
  }
  return true;
}

int PgTestServer::Run(const std::vector<std::string>& argv) const {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    BecomeServerUser();
    if (chdir("/tmp") != 0) _exit(126);
    // Its progress report is noise in a test's log; its errors (stderr) are kept.
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool PgTestServer::Start() {
  if (dir_.empty()) {
    why_ = "no temporary directory";
    return false;
  }
  if (server_ > 0) return true;
  if (!initialized_) {
    if (getuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        why_ = "cannot give the data directory to the postgres user";
        return false;
      }
    }
    const std::string data = dir_ + "/data";
    if (Run({bin_ + "/initdb", "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--locale=C.UTF-8", "-D", data}) != 0) {
      why_ = "initdb failed";
      return false;
    }
    // Trust on the socket and for every user but one, whose password is checked.
    std::ofstream(data + "/pg_hba.conf") << "local all all trust\n"
                                         << "host all " << kPasswordUser << " 127.0.0.1/32 md5\n"
                                         << "host all all 127.0.0.1/32 trust\n";
    initialized_ = true;
  }
  server_ = fork();
  if (server_ < 0) {
    why_ = "fork failed";
    return false;
  }
  if (server_ == 0) {
    BecomeServerUser();
    if (chdir("/tmp") != 0) _exit(126);
    const std::string port = absl::StrCat(port_);
    const std::string data = dir_ + "/data";
    execl((bin_ + "/postgres").c_str(), "postgres", "-D", data.c_str(), "-p", port.c_str(), "-k",
          dir_.c_str(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
          "synchronous_commit=off", "-c", "full_page_writes=off", nullptr);
    _exit(127);
  }
  const std::string conninfo =
      absl::StrCat("host=127.0.0.1 port=", port_, " dbname=postgres user=postgres");
  for (const absl::Time until = absl::Now() + absl::Seconds(30); absl::Now() < until;) {
    if (PQping(conninfo.c_str()) == PQPING_OK) break;
    int status = 0;
    if (waitpid(server_, &status, WNOHANG) == server_) {
      server_ = -1;
      why_ = "postgres exited at start";
      return false;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (PQping(conninfo.c_str()) != PQPING_OK) {
    why_ = "postgres did not answer within 30 s";
    Stop();
    return false;
  }
  // The test database and the user with a password, once.
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    why_ = absl::StrCat("connecting to set up: ", PQerrorMessage(c));
    PQfinish(c);
    return false;
  }
  const auto run = [&](const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const bool found = ok && PQntuples(r) == 1;
    if (!ok) why_ = absl::StrCat("setting up: ", sql, ": ", PQresultErrorMessage(r));
    PQclear(r);
    return std::pair<bool, bool>(ok, found);
  };
  const auto [asked, exists] = run("SELECT 1 FROM pg_database WHERE datname = 'peloton'");
  bool ok = asked;
  if (ok && !exists) {
    ok = run("CREATE DATABASE peloton").first &&
         run(absl::StrCat("CREATE USER ", kPasswordUser, " PASSWORD '", kPassword, "' SUPERUSER"))
             .first;
  }
  PQfinish(c);
  return ok;
}

void PgTestServer::Stop() {
  if (server_ <= 0) return;
  kill(server_, SIGINT);  // fast shutdown
  int status = 0;
  for (const absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;) {
    if (waitpid(server_, &status, WNOHANG) == server_) {
      server_ = -1;
      return;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  kill(server_, SIGKILL);
  waitpid(server_, &status, 0);
  server_ = -1;
}

std::string PgTestServer::url(const std::string& database, const std::string& user) const {
  return absl::StrCat("postgresql://", user, "@127.0.0.1:", port_, "/", database);
}

}  // namespace peloton::store::testing
