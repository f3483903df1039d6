// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/observed_store.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/store/sqlite_store.h"
#include "services/store/testing/conformance.h"

namespace peloton::store {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, ".db");
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqlite(const std::string& instance) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open({.path = TempPath(instance)});
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(*std::move(store));
}

// The decorator over SQLite must still be a Store in every respect.
absl::StatusOr<std::unique_ptr<Store>> OpenObserved(const std::string& instance) {
  absl::StatusOr<std::unique_ptr<Store>> inner = OpenSqlite(absl::StrCat("observed-", instance));
  if (!inner.ok()) return inner.status();
  return std::unique_ptr<Store>(
      std::make_unique<ObservedStore>(*std::move(inner), [](absl::string_view, absl::Duration) {}));
}

using testing::StoreConformanceTest;
INSTANTIATE_TEST_SUITE_P(ObservedSqlite, StoreConformanceTest,
                         ::testing::Values(testing::StoreFactory{"observed_sqlite",
                                                                 &OpenObserved}));

TEST(ObservedStoreTest, TellsEachCallItsOperationAndTimeAndPassesResultsThrough) {
  absl::StatusOr<std::unique_ptr<Store>> inner = OpenSqlite("told");
  ASSERT_THAT(inner.status(), IsOk());
  std::vector<std::string> ops;
  std::vector<absl::Duration> took;
  ObservedStore store(*std::move(inner), [&](absl::string_view op, absl::Duration d) {
    ops.emplace_back(op);
    took.push_back(d);
  });

  PoolRecord pool;
  pool.id = PoolId("p1");
  pool.path = "/p1";
  EXPECT_THAT(store.CreatePool(pool), IsOk());
  absl::StatusOr<PoolRecord> got = store.GetPool(PoolId("p1"));
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->path, "/p1");
  // A failure is the inner store's, and is timed too.
  EXPECT_THAT(store.GetPool(PoolId("nope")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store.CreatePool(pool), StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::vector<PoolRecord>> pools = store.ListPools();
  ASSERT_THAT(pools.status(), IsOk());
  EXPECT_EQ(pools->size(), 1u);

  EXPECT_THAT(ops, ElementsAre("CreatePool", "GetPool", "GetPool", "CreatePool", "ListPools"));
  for (absl::Duration d : took) EXPECT_GE(d, absl::ZeroDuration());
}

}  // namespace
}  // namespace peloton::store
