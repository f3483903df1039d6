// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/task_id.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace peloton::taskfsm {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status Bad(absl::string_view id, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("Mesos task id '", id, "': ", what,
                                                 " (rule: <job id>-<instance>-<run>, run >= 1)"));
}

}  // namespace

std::string MesosTaskId::ToString() const { return FormatMesosTaskId(job_id, instance, run); }

std::string FormatMesosTaskId(absl::string_view job_id, uint32_t instance, uint64_t run) {
  return absl::StrCat(job_id, "-", instance, "-", run);
}

absl::StatusOr<MesosTaskId> ParseMesosTaskId(absl::string_view id) {
  const size_t last = id.rfind('-');
  if (last == absl::string_view::npos || last == 0) return Bad(id, "no '-<instance>-<run>'");
  const size_t middle = id.rfind('-', last - 1);
  if (middle == absl::string_view::npos) return Bad(id, "no '-<instance>-<run>'");
  MesosTaskId out;
  out.job_id = std::string(id.substr(0, middle));
  if (out.job_id.empty()) return Bad(id, "the job id is empty");
  const absl::string_view instance = id.substr(middle + 1, last - middle - 1);
  const absl::string_view run = id.substr(last + 1);
  if (!AllDigits(instance) || !absl::SimpleAtoi(instance, &out.instance)) {
    return Bad(id, absl::StrCat("instance '", instance, "' is not a decimal uint32"));
  }
  if (!AllDigits(run) || !absl::SimpleAtoi(run, &out.run) || out.run == 0) {
    return Bad(id, absl::StrCat("run '", run, "' is not a decimal number >= 1"));
  }
  return out;
}

}  // namespace peloton::taskfsm
