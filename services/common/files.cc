// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace peloton::files {

bool IsFileName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= kMaxFileName &&
         name.find('/') == absl::string_view::npos;
}

bool IsUserName(absl::string_view name) {
  constexpr size_t kMaxUserName = 32;
  if (name.empty() || name.size() > kMaxUserName || name[0] == '-') return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsPathInside(absl::string_view path, size_t max_size) {
  if (path.empty() || path.size() > max_size) return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (!IsFileName(part)) return false;
  }
  return true;
}

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

absl::StatusOr<FileRange> ReadFileRange(const std::string& path, int64_t offset, size_t length) {
  // Not through a link at the last step, and never waiting: a FIFO opens at once (and is
  // refused below) instead of blocking the caller until someone writes into it.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": a symbolic link (rule: a regular file, not a link)"));
    }
    return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  }
  struct stat st;
  struct stat dir;
  const size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : path.substr(0, slash);
  if (fstat(fd, &st) != 0 || stat(parent.c_str(), &dir) != 0) {
    close(fd);
    return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": not a regular file (rule: a regular file, not a FIFO, device, "
                           "socket or directory)"));
  }
  if (st.st_uid != dir.st_uid) {
    // A hard link to someone else's file (another user's, or root's) in the directory.
    close(fd);
    return absl::PermissionDeniedError(absl::StrCat(
        path, ": owned by uid ", st.st_uid, ", its directory by uid ", dir.st_uid,
        " (rule: a file of the directory's owner)"));
  }
  FileRange r;
  r.size = static_cast<uint64_t>(st.st_size);
  r.offset = offset < 0 ? (r.size > length ? r.size - length : 0)
                        : std::min(static_cast<uint64_t>(offset), r.size);
  r.content.resize(static_cast<size_t>(std::min<uint64_t>(length, r.size - r.offset)));
  size_t got = 0;
  while (got < r.content.size()) {
    const ssize_t n = pread(fd, r.content.data() + got, r.content.size() - got,
                            static_cast<off_t>(r.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(e)));
    }
    if (n == 0) break;  // shorter than it was a moment ago
    got += static_cast<size_t>(n);
  }
  r.content.resize(got);
  close(fd);
  return r;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace peloton::files
