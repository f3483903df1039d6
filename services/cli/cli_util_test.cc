// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/cli/cli_util.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

kj::Exception Failure(kj::Exception::Type type, const char* what) {
  return kj::Exception(type, __FILE__, __LINE__, kj::heapString(what));
}

TEST(ReportCallFailureTest, CannotReachOnlyWhenNoConnectionWasMadeOrItWasLost) {
  for (const kj::Exception& e :
       {Failure(kj::Exception::Type::FAILED, "connect(): Connection refused"),
        Failure(kj::Exception::Type::FAILED, "connect(): No such file or directory"),
        Failure(kj::Exception::Type::FAILED, "getaddrinfo(): Name or service not known"),
        Failure(kj::Exception::Type::DISCONNECTED, "Peer disconnected.")}) {
    std::ostringstream err;
    EXPECT_EQ(ReportCallFailure("127.0.0.1:5391", e, err), 2);
    EXPECT_THAT(err.str(), HasSubstr("cannot reach peloton-master at 127.0.0.1:5391"));
  }
  // A reply the CLI could not read is the call's failure, not the master's absence.
  std::ostringstream err;
  EXPECT_EQ(ReportCallFailure("127.0.0.1:5391",
                              Failure(kj::Exception::Type::FAILED,
                                      "Exceeded message traversal limit.  See "
                                      "capnp::ReaderOptions."),
                              err),
            1);
  EXPECT_THAT(err.str(), HasSubstr("the call to peloton-master at 127.0.0.1:5391 failed: "
                                   "Exceeded message traversal limit"));
  EXPECT_THAT(err.str(), Not(HasSubstr("cannot reach")));
  EXPECT_THAT(err.str(), Not(HasSubstr("make run")));
}

}  // namespace
}  // namespace peloton::cli
