// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PgDb against a real PostgreSQL 15 (PgTestServer): statements and parameters, the errors a
// store must tell apart, transactions, the store's statements (?N parameters, binary values),
// and a server that restarts under a connection.

#include "services/store/pg_db.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/store/testing/pg_server.h"

namespace peloton::store::internal {
namespace {

using ::peloton::store::testing::PgTestServer;
using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kTimeout = absl::Seconds(5);

class PgDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new PgTestServer();
    if (server_->available()) started_ = server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_->available()) GTEST_SKIP() << server_->why();
    ASSERT_TRUE(started_) << server_->why();
    ASSERT_TRUE(server_->Start()) << server_->why();  // a test may have stopped it
  }
  std::unique_ptr<PgDb> Connect() {
    absl::StatusOr<std::unique_ptr<PgDb>> db = PgDb::Connect(server_->url("peloton"), kTimeout);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  static PgTestServer* server_;
  static bool started_;
};

PgTestServer* PgDbTest::server_ = nullptr;
bool PgDbTest::started_ = false;

TEST(RedactPasswordTest, NoPasswordInMessages) {
  EXPECT_EQ(RedactPassword("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(RedactPassword("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(RedactPassword("postgresql://h/db?user=u&password=pw&sslmode=off"),
            "postgresql://h/db?user=u&password=***&sslmode=off");
  EXPECT_EQ(RedactPassword("host=h user=u password=pw dbname=d"),
            "host=h user=u password=*** dbname=d");
}

TEST_F(PgDbTest, ParametersTravelApartFromTheSql) {
  std::unique_ptr<PgDb> db = Connect();
  ASSERT_NE(db, nullptr);
  ASSERT_THAT(db->Exec("DROP TABLE IF EXISTS t; CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT, "
                       "b BYTEA, at BIGINT)",
                       "creating t"),
              IsOk());
  const std::string bytes("a\0b'); DROP TABLE t; --", 24);
  const absl::Time at = absl::FromUnixMicros(1'700'000'000'123'456);
  absl::StatusOr<PgResult> insert =
      db->Query("INSERT INTO t (k, v, b, at) VALUES ($1, $2, $3, $4), ($5, $6, NULL, $7)",
                PgParams().Text("o'clock").Int(-42).Bytes(bytes).Time(at).Text("two").Null().Int(0),
                "inserting");
  ASSERT_THAT(insert, IsOk());
  EXPECT_EQ(insert->Changes(), 2);

  absl::StatusOr<PgResult> text =
      db->Query("SELECT k, v, at FROM t WHERE k = $1", PgParams().Text("o'clock"), "reading");
  ASSERT_THAT(text, IsOk());
  ASSERT_EQ(text->rows(), 1);
  EXPECT_EQ(text->Text(0, 0), "o'clock");
  EXPECT_THAT(text->Int(0, 1), ::peloton::testing::IsOkAndHolds(-42));
  EXPECT_THAT(text->Time(0, 2), ::peloton::testing::IsOkAndHolds(at));
  absl::StatusOr<PgResult> binary =
      db->Query("SELECT b FROM t ORDER BY k", PgParams(), "reading bytes", /*binary_results=*/true);
  ASSERT_THAT(binary, IsOk());
  ASSERT_EQ(binary->rows(), 2);
  EXPECT_EQ(binary->Text(0, 0), bytes);  // every byte, the NUL included
  EXPECT_TRUE(binary->IsNull(1, 0));
  // NULL is not an integer.
  absl::StatusOr<PgResult> null = db->Query("SELECT v FROM t WHERE k = 'two'", PgParams(), "r");
  ASSERT_THAT(null, IsOk());
  EXPECT_THAT(null->Int(0, 0), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("column v")));
}

TEST_F(PgDbTest, StoreStatementsTakeQuestionMarkParametersAndBinaryValues) {
  std::unique_ptr<PgDb> db = Connect();
  ASSERT_NE(db, nullptr);
  ASSERT_THAT(
      db->Exec("DROP TABLE IF EXISTS s; CREATE TABLE s (k BYTEA PRIMARY KEY, n BIGINT)", "s"),
      IsOk());
  const std::string odd("a\0\xff", 3);  // a NUL and a byte that is not UTF-8
  {
    absl::StatusOr<SqlStatement> st = db->Cached("INSERT INTO s (k, n) VALUES (?1, ?2), (?3, ?2)");
    ASSERT_THAT(st, IsOk());
    st->BindText(1, odd);
    st->BindInt(2, -5'000'000'000'123);
    st->BindBlob(3, "b");
    ASSERT_THAT(st->Run(), IsOk());
    EXPECT_EQ(st->Changes(), 2);
  }
  absl::StatusOr<SqlStatement> st = db->Cached("SELECT k, n, 1, -2 FROM s WHERE k = ?1");
  ASSERT_THAT(st, IsOk());
  st->BindText(1, odd);
  ASSERT_THAT(st->Step(), ::peloton::testing::IsOkAndHolds(true));
  EXPECT_EQ(st->Text(0), odd);
  EXPECT_EQ(st->Int(1), -5'000'000'000'123);
  EXPECT_EQ(st->Int(2), 1);  // an int4 constant: 4 bytes
  EXPECT_EQ(st->Int(3), -2);
  EXPECT_THAT(st->Step(), ::peloton::testing::IsOkAndHolds(false));
  EXPECT_EQ(db->Contains("k", "?1"), "position(?1 IN k) > 0");
}

TEST_F(PgDbTest, ErrorsAStoreMustTellApart) {
  std::unique_ptr<PgDb> db = Connect();
  ASSERT_NE(db, nullptr);
  ASSERT_THAT(db->Exec("DROP TABLE IF EXISTS u; CREATE TABLE u (k TEXT PRIMARY KEY)", "u"), IsOk());
  ASSERT_THAT(db->Query("INSERT INTO u VALUES ($1)", PgParams().Text("a"), "first"), IsOk());
  EXPECT_THAT(db->Query("INSERT INTO u VALUES ($1)", PgParams().Text("a"), "again"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("again")));
  EXPECT_THAT(db->Query("SELECT * FROM missing", PgParams(), "reading missing"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("missing")));
  EXPECT_THAT(db->Exec("NOT SQL", "parsing"), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(PgDbTest, ConnectionRefusalsSayWhy) {
  const std::string at = "127.0.0.1:" + std::to_string(server_->port());
  absl::StatusOr<std::unique_ptr<PgDb>> bad =
      PgDb::Connect("postgresql://u:pw@h/db?bogus=1", kTimeout);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("u:***@h")));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("pw")));
  absl::StatusOr<std::unique_ptr<PgDb>> wrong = PgDb::Connect(
      "postgresql://" + std::string(PgTestServer::kPasswordUser) + ":wrong@" + at + "/peloton",
      kTimeout);
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(":***@")));
  EXPECT_THAT(wrong.status().message(), Not(HasSubstr("wrong")));
  EXPECT_THAT(PgDb::Connect("postgresql://" + std::string(PgTestServer::kPasswordUser) + ":" +
                                PgTestServer::kPassword + "@" + at + "/peloton",
                            kTimeout),
              IsOk());
  EXPECT_THAT(PgDb::Connect(server_->url("nosuchdb"), kTimeout),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nosuchdb")));
  EXPECT_THAT(PgDb::Connect("postgresql://postgres@127.0.0.1:1/peloton", kTimeout),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(PgDbTest, TransactionsRollBackUnlessCommittedAndConflictsAbort) {
  std::unique_ptr<PgDb> a = Connect();
  std::unique_ptr<PgDb> b = Connect();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_THAT(a->Exec("DROP TABLE IF EXISTS v; CREATE TABLE v (k TEXT PRIMARY KEY, n BIGINT);"
                      "INSERT INTO v VALUES ('x', 0)",
                      "v"),
              IsOk());
  {
    absl::StatusOr<SqlTransaction> txn = SqlTransaction::Begin(*a, TxnKind::kWrite);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(a->Query("INSERT INTO v VALUES ('y', 1)", PgParams(), "y"), IsOk());
  }  // not committed
  absl::StatusOr<PgResult> y = a->Query("SELECT count(*) FROM v", PgParams(), "count");
  ASSERT_THAT(y, IsOk());
  EXPECT_THAT(y->Int(0, 0), ::peloton::testing::IsOkAndHolds(1));

  // Two writers of one row: the one that commits first wins; the other is Aborted, and what it
  // wrote is not there.
  absl::StatusOr<SqlTransaction> ta = SqlTransaction::Begin(*a, TxnKind::kWrite);
  absl::StatusOr<SqlTransaction> tb = SqlTransaction::Begin(*b, TxnKind::kWrite);
  ASSERT_THAT(ta, IsOk());
  ASSERT_THAT(tb, IsOk());
  ASSERT_THAT(a->Query("SELECT n FROM v WHERE k = 'x'", PgParams(), "a reads"), IsOk());
  ASSERT_THAT(b->Query("SELECT n FROM v WHERE k = 'x'", PgParams(), "b reads"), IsOk());
  ASSERT_THAT(a->Query("UPDATE v SET n = 1 WHERE k = 'x'", PgParams(), "a writes"), IsOk());
  ASSERT_THAT(ta->Commit(), IsOk());
  const absl::Status lost =
      b->Query("UPDATE v SET n = 2 WHERE k = 'x'", PgParams(), "b writes").status();
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kAborted, HasSubstr("b writes")));
  EXPECT_TRUE(b->Retryable(lost)) << lost;  // a serialization failure: the store runs it again
  EXPECT_THAT(tb->Commit(), StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<PgResult> n = b->Query("SELECT n FROM v WHERE k = 'x'", PgParams(), "n");
  ASSERT_THAT(n, IsOk());
  EXPECT_THAT(n->Int(0, 0), ::peloton::testing::IsOkAndHolds(1));
}

TEST_F(PgDbTest, AServerRestartIsSurvivedOutsideTransactions) {
  std::unique_ptr<PgDb> db = Connect();
  ASSERT_NE(db, nullptr);
  server_->Stop();
  EXPECT_THAT(db->Query("SELECT 1", PgParams(), "while down"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("while down")));
  EXPECT_THAT(PgDb::Connect(server_->url("peloton"), kTimeout),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_TRUE(server_->Start()) << server_->why();
  // The next statement connects again by itself.
  absl::StatusOr<PgResult> one = db->Query("SELECT 1", PgParams(), "after the restart");
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->Text(0, 0), "1");
  // Inside a transaction the loss is the caller's to see: what it did is gone.
  absl::StatusOr<SqlTransaction> txn = SqlTransaction::Begin(*db, TxnKind::kWrite);
  ASSERT_THAT(txn, IsOk());
  server_->Stop();
  ASSERT_TRUE(server_->Start()) << server_->why();
  EXPECT_THAT(db->Query("SELECT 1", PgParams(), "in the lost transaction"),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace peloton::store::internal
