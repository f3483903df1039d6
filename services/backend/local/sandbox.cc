// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/sandbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace peloton::backend::local {

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(e)));
    }
    written += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

absl::StatusOr<ExitStatus> ParseExitStatus(absl::string_view line) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
  ExitStatus s;
  int requested = 0;
  if (parts.size() != 3 || (parts[0] != "exited" && parts[0] != "signaled") ||
      !absl::SimpleAtoi(parts[1], &s.value) || !absl::SimpleAtoi(parts[2], &requested)) {
    return absl::InvalidArgumentError(
        absl::StrCat("exit_status: '", line, "' (rule: exited|signaled <n> <0|1>)"));
  }
  s.exited = parts[0] == "exited";
  s.requested = requested != 0;
  return s;
}

}  // namespace peloton::backend::local
