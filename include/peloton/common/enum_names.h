// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Name <-> value tables for Peloton's enums. One table per enum lists each value with its
// canonical (Peloton) name; parsing accepts that name in any case, the name with one of the
// enum's API prefixes (e.g. "POD_STATE_RUNNING", "JOB_STATE_KILLED"), or the number.
//
//   inline constexpr EnumName<Color> kColorNames[] = {{Color::kRed, "RED"}, ...};
//   absl::string_view n = EnumNameOf(Color::kRed, kColorNames);          // "RED"
//   absl::StatusOr<Color> c = ParseEnumName("red", kColorNames, "color");
//
// Thread-safety: stateless.

#ifndef PELOTON_COMMON_ENUM_NAMES_H_
#define PELOTON_COMMON_ENUM_NAMES_H_

#include <cstddef>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace peloton {

template <typename E>
struct EnumName {
  E value;
  absl::string_view name;
};

// The canonical name of `value`, or "" if the table does not list it.
template <typename E, size_t N>
constexpr absl::string_view EnumNameOf(E value, const EnumName<E> (&names)[N]) {
  for (const EnumName<E>& n : names) {
    if (n.value == value) return n.name;
  }
  return "";
}

// Parses `text` as one of the table's names (case-insensitive, optionally behind one of
// `prefixes`) or numbers. InvalidArgument naming `what` and listing the accepted names.
template <typename E, size_t N>
absl::StatusOr<E> ParseEnumName(absl::string_view text, const EnumName<E> (&names)[N],
                                absl::string_view what,
                                std::initializer_list<absl::string_view> prefixes = {}) {
  const std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view bare = upper;
  for (absl::string_view prefix : prefixes) {
    const std::string p = absl::AsciiStrToUpper(prefix);
    if (absl::StartsWith(bare, p) && bare.size() > p.size()) {
      bare.remove_prefix(p.size());
      break;
    }
  }
  int number = 0;
  const bool numeric = absl::SimpleAtoi(text, &number);
  for (const EnumName<E>& n : names) {
    if (absl::AsciiStrToUpper(n.name) == upper || absl::AsciiStrToUpper(n.name) == bare) {
      return n.value;
    }
    if (numeric && static_cast<int>(n.value) == number) return n.value;
  }
  std::string accepted;
  for (const EnumName<E>& n : names) {
    absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", n.name, " (",
                    static_cast<int>(n.value), ")");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", what, " '", text, "' (rule: one of ", accepted, ")"));
}

}  // namespace peloton

#endif  // PELOTON_COMMON_ENUM_NAMES_H_
