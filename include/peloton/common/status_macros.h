// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Status propagation macros. Debian 12's Abseil (20220623) has no ABSL_RETURN_IF_ERROR or
// ABSL_ASSIGN_OR_RETURN; these are the project's equivalents.
//
//   PELOTON_RETURN_IF_ERROR(tree.Validate(config));
//   PELOTON_ASSIGN_OR_RETURN(PoolHandle pool, tree.Lookup("/infra/batch"));

#ifndef PELOTON_COMMON_STATUS_MACROS_H_
#define PELOTON_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define PELOTON_RETURN_IF_ERROR(expr)                     \
  do {                                                    \
    ::absl::Status peloton_status_macro_status_ = (expr); \
    if (!peloton_status_macro_status_.ok()) {             \
      return peloton_status_macro_status_;                \
    }                                                     \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if not OK, otherwise moves
// the value into `lhs`, which may be a declaration (`auto x`) or an existing variable.
#define PELOTON_ASSIGN_OR_RETURN(lhs, rexpr)                                                      \
  PELOTON_ASSIGN_OR_RETURN_IMPL_(PELOTON_STATUS_MACROS_CONCAT_(peloton_statusor_, __LINE__), lhs, \
                                 rexpr)

#define PELOTON_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) {                                      \
    return std::move(statusor).status();                     \
  }                                                          \
  lhs = std::move(statusor).value()

#define PELOTON_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define PELOTON_STATUS_MACROS_CONCAT_(x, y) PELOTON_STATUS_MACROS_CONCAT_INNER_(x, y)

#endif  // PELOTON_COMMON_STATUS_MACROS_H_
