// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/sandbox.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace peloton::backend::local {

namespace {

// The fields of /proc/<pid>/stat after the command (which may hold spaces and parentheses).
std::vector<std::string> StatFields(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return {};
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(*stat).substr(close + 2), ' ', absl::SkipEmpty());
}

}  // namespace

int64_t ProcessStartTime(pid_t pid) {
  // After the command: field 3 is the state, field 22 the start time (index 19 here).
  const std::vector<std::string> fields = StatFields(pid);
  int64_t start = -1;
  if (fields.size() > 19 && absl::SimpleAtoi(fields[19], &start)) return start;
  return -1;
}

bool ProcessAlive(pid_t pid, int64_t start_time) {
  const std::vector<std::string> fields = StatFields(pid);
  int64_t start = -1;
  if (fields.size() <= 19 || !absl::SimpleAtoi(fields[19], &start)) return false;
  return start == start_time && fields[0] != "Z" && fields[0] != "X";
}

std::string BootId() {
  absl::StatusOr<std::string> id = ReadFile("/proc/sys/kernel/random/boot_id");
  return id.ok() ? std::string(absl::StripAsciiWhitespace(*id)) : "";
}

constexpr absl::string_view kUnfetched = "unfetched ";
constexpr size_t kMaxWhy = 1024;

std::string FormatUnfetched(absl::string_view why) {
  std::string line(kUnfetched);
  for (char c : why.substr(0, kMaxWhy)) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  line.push_back('\n');
  return line;
}

std::string FormatFetchArg(const files::RemoteFile& file) {
  return absl::StrCat(file.executable ? "x" : "-", file.extract ? "e" : "-", "\t", file.output_file,
                      "\t", file.value);
}

bool ParseFetchArg(absl::string_view value, files::RemoteFile& file) {
  const std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits('\t', 2));
  if (parts.size() != 3 || parts[0].size() != 2) return false;
  if ((parts[0][0] != 'x' && parts[0][0] != '-') || (parts[0][1] != 'e' && parts[0][1] != '-')) {
    return false;
  }
  file.executable = parts[0][0] == 'x';
  file.extract = parts[0][1] == 'e';
  file.output_file = std::string(parts[1]);
  file.value = std::string(parts[2]);
  return true;
}

absl::StatusOr<ExitStatus> ParseExitStatus(absl::string_view line) {
  if (absl::StartsWith(line, kUnfetched)) {
    ExitStatus s;
    s.unfetched = std::string(
        absl::StripAsciiWhitespace(line.substr(kUnfetched.size()).substr(0, kMaxWhy)));
    if (!s.unfetched.empty()) return s;
  }
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
  ExitStatus s;
  int requested = 0;
  if (parts.size() != 3 || (parts[0] != "exited" && parts[0] != "signaled") ||
      !absl::SimpleAtoi(parts[1], &s.value) || !absl::SimpleAtoi(parts[2], &requested) ||
      requested < 0 || requested > 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exit_status: '", line, "' (rule: exited|signaled <n> <0|1|2|3>, or unfetched <why>)"));
  }
  s.exited = parts[0] == "exited";
  s.requested = requested == 1;
  s.unhealthy = requested == 2;
  s.memory = requested == 3;
  return s;
}

absl::StatusOr<HealthReport> ParseHealth(absl::string_view content) {
  const std::pair<absl::string_view, absl::string_view> lines =
      absl::StrSplit(content, absl::MaxSplits('\n', 1));
  HealthReport r;
  if (lines.first == "healthy") {
    r.healthy = true;
  } else if (lines.first != "unhealthy") {
    return absl::InvalidArgumentError(
        absl::StrCat("health: '", lines.first, "' (rule: healthy or unhealthy)"));
  }
  r.message = std::string(absl::StripTrailingAsciiWhitespace(lines.second));
  return r;
}

std::string FormatHealth(const HealthReport& report) {
  return absl::StrCat(report.healthy ? "healthy" : "unhealthy", "\n", report.message, "\n");
}

}  // namespace peloton::backend::local
