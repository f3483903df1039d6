// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The conformance suite: the behaviour every Store implementation must show. An
// implementation's test instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreFactory{"sqlite", &OpenSqliteForTest}));
//
// `open(instance)` opens the store named `instance` (a file, a database), creating it empty the
// first time; opening the same name again must show the same data (the suite checks that data
// survives a reopen). Each test uses instance names of its own. A factory that cannot run here
// at all (PostgreSQL's binaries absent) returns Unimplemented, saying why: the tests skip.

#ifndef PELOTON_SERVICES_STORE_TESTING_CONFORMANCE_H_
#define PELOTON_SERVICES_STORE_TESTING_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "services/store/store.h"

namespace peloton::store::testing {

struct StoreFactory {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<Store>>(const std::string& instance)> open;

  friend std::ostream& operator<<(std::ostream& os, const StoreFactory& f) { return os << f.name; }
};

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  // Closes the store and opens the same instance again.
  void Reopen();

  std::string instance_;
  std::unique_ptr<Store> store_;
};

}  // namespace peloton::store::testing

#endif  // PELOTON_SERVICES_STORE_TESTING_CONFORMANCE_H_
