// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PELOTON_CHECK: aborts with a message when an internal invariant is broken. Input from
// users or the network is validated into an absl::Status instead; a failed CHECK is a bug.

#ifndef PELOTON_COMMON_CHECK_H_
#define PELOTON_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define PELOTON_CHECK(condition)                                                                 \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: PELOTON_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)

#endif  // PELOTON_COMMON_CHECK_H_
