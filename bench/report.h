// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the report-printing tools under bench/ share: dying with a message on bad input,
// percentiles, and printing a report message as JSON.

#ifndef PELOTON_BENCH_REPORT_H_
#define PELOTON_BENCH_REPORT_H_

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace peloton::bench {

// Prints "<tool>: <what>" on stderr and exits 2.
[[noreturn]] inline void Die(const std::string& tool, const std::string& what) {
  std::cerr << tool << ": " << what << "\n";
  std::exit(2);
}

// The value, or Die naming `what`.
template <typename T>
T OrDie(const std::string& tool, absl::StatusOr<T> v, const std::string& what) {
  if (!v.ok()) Die(tool, absl::StrCat(what, ": ", v.status().message()));
  return *std::move(v);
}

// The p-quantile (0..1) of `v`, nearest rank; 0 for none.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// The report as JSON with the proto's field names: one line, or indented.
inline void PrintJson(const google::protobuf::Message& report, bool one_line) {
  std::string out;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  print.preserve_proto_field_names = true;
  print.add_whitespace = !one_line;
  (void)google::protobuf::util::MessageToJsonString(report, &out, print);
  std::cout << out << (one_line ? "\n" : "");
}

}  // namespace peloton::bench

#endif  // PELOTON_BENCH_REPORT_H_
