// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/fetcher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "peloton/common/status_macros.h"
#include "services/common/files.h"

namespace peloton::backend::local {
namespace {

namespace fs = std::filesystem;
using files::ParsedUri;
using files::RemoteFile;

constexpr size_t kChunk = 64 * 1024;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(const void* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &n);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      out.push_back(kHex[digest[i] >> 4]);
      out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// Where fetched bytes go: a file, hashed and counted as they come.
class Sink {
 public:
  Sink(int fd, const std::string& url, int64_t max_bytes)
      : fd_(fd), url_(url), max_bytes_(max_bytes) {}
  absl::Status Write(const char* data, size_t n) {
    bytes_ += static_cast<int64_t>(n);
    if (bytes_ > max_bytes_) return TooLarge();
    digest_.Update(data, n);
    while (n > 0) {
      const ssize_t w = write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        return absl::UnavailableError(
            absl::StrCat("fetch ", url_, ": cannot write the cache: ", std::strerror(errno)));
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return absl::OkStatus();
  }
  absl::Status TooLarge() const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "fetch ", url_, ": more than ", max_bytes_ / (1024 * 1024),
        " MB (rule: a fetched file fits the task's disk, resource.diskLimitMb, or 1024 MB)"));
  }
  std::string Hex() { return digest_.Hex(); }
  int64_t max_bytes() const { return max_bytes_; }

 private:
  int fd_;
  const std::string& url_;
  int64_t max_bytes_;
  int64_t bytes_ = 0;
  Sha256 digest_;
};

absl::Status ReadLocalFile(const ParsedUri& uri, Sink& sink) {
  const int fd = open(uri.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("fetch ", uri.location, ": cannot read ", uri.path, ": ", std::strerror(errno)));
  }
  absl::Cleanup closer = [fd] { close(fd); };
  std::vector<char> buffer(kChunk);
  while (true) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(absl::StrCat("fetch ", uri.location, ": cannot read ",
                                                 uri.path, ": ", std::strerror(errno)));
    }
    if (n == 0) return absl::OkStatus();
    PELOTON_RETURN_IF_ERROR(sink.Write(buffer.data(), static_cast<size_t>(n)));
  }
}

absl::Status ReadHttp(const ParsedUri& uri, Sink& sink, absl::Duration timeout) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::Timer& timer = io.provider->getTimer();
  const kj::TimePoint deadline = timer.now() + absl::ToInt64Milliseconds(timeout) * kj::MILLISECONDS;
  const auto within = [&](auto promise) {
    return timer.timeoutAt(deadline, kj::mv(promise)).wait(io.waitScope);
  };
  try {
    kj::Own<kj::NetworkAddress> address =
        within(io.provider->getNetwork().parseAddress(uri.host.c_str(), uri.port));
    kj::Own<kj::AsyncIoStream> connection = within(address->connect());
    kj::HttpHeaderTable table;
    kj::Own<kj::HttpClient> client = kj::newHttpClient(table, *connection);
    kj::HttpHeaders headers(table);
    headers.set(kj::HttpHeaderId::HOST, kj::str(uri.host.c_str(), ":", uri.port));
    kj::HttpClient::Response response =
        within(client->request(kj::HttpMethod::GET, uri.path.c_str(), headers).response);
    if (response.statusCode != 200) {
      const std::string why = absl::StrCat("fetch ", uri.location, ": HTTP ", response.statusCode,
                                           " ", response.statusText.cStr(),
                                           " (rule: an immutable URL answers 200 with its bytes)");
      return response.statusCode == 404 || response.statusCode == 410
                 ? absl::NotFoundError(why)
                 : absl::UnavailableError(why);
    }
    KJ_IF_MAYBE(length, response.body->tryGetLength()) {
      if (static_cast<int64_t>(*length) > sink.max_bytes()) return sink.TooLarge();
    }
    std::vector<char> buffer(kChunk);
    while (true) {
      const size_t n = within(response.body->tryRead(buffer.data(), 1, buffer.size()));
      if (n == 0) return absl::OkStatus();
      PELOTON_RETURN_IF_ERROR(sink.Write(buffer.data(), n));
    }
  } catch (const kj::Exception& e) {
    if (timer.now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("fetch ", uri.location, ": not done in ",
                                                      absl::FormatDuration(timeout)));
    }
    return absl::UnavailableError(
        absl::StrCat("fetch ", uri.location, ": ", e.getDescription().cStr()));
  }
}

// Fetches `uri` into `path` (through path.part) unless it is there already; one fetcher of a
// URL at a time on this host.
absl::Status FillCache(const ParsedUri& uri, const std::string& url, const std::string& path,
                       const FetchOptions& options) {
  const std::string lock_path = path + ".lock";
  const int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) {
    return absl::UnavailableError(
        absl::StrCat("fetch ", url, ": cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  absl::Cleanup unlock = [lock] { close(lock); };  // closing releases the flock
  while (flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("fetch ", url, ": cannot lock ", lock_path, ": ", std::strerror(errno)));
    }
  }
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return absl::OkStatus();  // fetched before
  const std::string part = path + ".part";
  const int fd = open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("fetch ", url, ": cannot write ", part, ": ", std::strerror(errno)));
  }
  absl::Cleanup remove_part = [&part] { unlink(part.c_str()); };
  Sink sink(fd, uri.location, options.max_bytes);
  absl::Status fetched = uri.scheme == ParsedUri::Scheme::kFile
                             ? ReadLocalFile(uri, sink)
                             : ReadHttp(uri, sink, options.timeout);
  if (fetched.ok() && fsync(fd) != 0) {
    fetched = absl::UnavailableError(
        absl::StrCat("fetch ", url, ": cannot sync ", part, ": ", std::strerror(errno)));
  }
  close(fd);
  PELOTON_RETURN_IF_ERROR(fetched);
  if (!uri.sha256.empty()) {
    const std::string got = sink.Hex();
    if (got != uri.sha256) {
      return absl::DataLossError(absl::StrCat("fetch ", url, ": its bytes have sha256 ", got,
                                              " (rule: the #sha256= of the URL)"));
    }
  }
  chmod(part.c_str(), 0444);
  if (rename(part.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("fetch ", url, ": cannot rename ", part, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// `tree` and everything under it without write permission (directories 0555).
void MakeReadOnly(const fs::path& tree) {
  std::error_code ec;
  const auto read_only = [](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
    chmod(p.c_str(), S_ISDIR(st.st_mode) ? 0555 : (st.st_mode & 07555));
  };
  if (fs::is_directory(fs::symlink_status(tree, ec))) {
    std::vector<fs::path> all;
    for (auto it = fs::recursive_directory_iterator(tree, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      all.push_back(it->path());
    }
    // Deepest first: a directory keeps its write permission until its entries are done.
    for (auto p = all.rbegin(); p != all.rend(); ++p) read_only(*p);
  }
  read_only(tree);
}

// Unpacks the archive `archive` beside it: into a fresh directory first, then each of its
// entries moved up, none replacing a file that is there.
absl::Status Unpack(const std::string& url, const fs::path& archive) {
  const fs::path into = archive.parent_path();
  const fs::path scratch = into / absl::StrCat(".unpack-", archive.filename().string());
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directory(scratch, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("fetch ", url, ": cannot create ", scratch.string(), ": ", ec.message()));
  }
  absl::Cleanup remove_scratch = [&scratch] {
    std::error_code ignored;  // a leftover scratch directory harms nothing but space
    fs::remove_all(scratch, ignored);
  };
  const pid_t pid = fork();
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fetch ", url, ": fork failed"));
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      dup2(null_fd, 2);
    }
    execl("/bin/tar", "tar", "-x", "--no-same-owner", "--no-same-permissions", "-f",
          archive.c_str(), "-C", scratch.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fetch ", url, ": tar could not unpack ", archive.filename().string(),
        WIFEXITED(status) ? absl::StrCat(" (exit code ", WEXITSTATUS(status), ")") : "",
        " (rule: extract takes a tar archive, plain or compressed with gzip, bzip2 or xz)"));
  }
  std::vector<fs::path> entries;
  for (const fs::directory_entry& e : fs::directory_iterator(scratch, ec)) {
    std::error_code absent;
    if (fs::exists(fs::symlink_status(into / e.path().filename(), absent))) {
      return absl::AlreadyExistsError(absl::StrCat("fetch ", url, ": unpacked ",
                                                   e.path().filename().string(),
                                                   " would replace a file of the sandbox"));
    }
    entries.push_back(e.path());
  }
  for (const fs::path& e : entries) {
    fs::rename(e, into / e.filename(), ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("fetch ", url, ": cannot move ", e.string(), ": ", ec.message()));
    }
    MakeReadOnly(into / e.filename());
  }
  return absl::OkStatus();
}

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  Sha256 digest;
  digest.Update(bytes.data(), bytes.size());
  return digest.Hex();
}

std::string CachePathOf(const std::string& cache_dir, const std::string& url) {
  return absl::StrCat(cache_dir, "/", Sha256Hex(url));
}

absl::Status FetchInto(const RemoteFile& file, const std::string& sandbox,
                       const FetchOptions& options) {
  PELOTON_RETURN_IF_ERROR(files::ValidateRemoteFiles({file}, "uris"));
  PELOTON_ASSIGN_OR_RETURN(const ParsedUri uri, files::ParseRemoteUri(file.value));
  std::error_code ec;
  fs::create_directories(options.cache_dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("fetch ", file.value, ": cannot create ",
                                               options.cache_dir, ": ", ec.message()));
  }
  const std::string cached = CachePathOf(options.cache_dir, file.value);
  PELOTON_RETURN_IF_ERROR(FillCache(uri, file.value, cached, options));

  const fs::path copy = fs::path(sandbox) / files::OutputPathOf(file, uri);
  fs::create_directories(copy.parent_path(), ec);
  std::error_code absent;  // set when there is no such file, which is what we want
  if (!ec && fs::exists(fs::symlink_status(copy, absent))) {
    return absl::AlreadyExistsError(absl::StrCat("fetch ", file.value, ": ",
                                                 copy.filename().string(),
                                                 " would replace a file of the sandbox"));
  }
  if (!ec) fs::copy_file(cached, copy, fs::copy_options::none, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("fetch ", file.value, ": cannot copy it to ",
                                               copy.string(), ": ", ec.message()));
  }
  chmod(copy.c_str(), file.executable ? 0555 : 0444);
  if (file.extract && files::IsTarArchive(copy.filename().string())) {
    return Unpack(file.value, copy);
  }
  return absl::OkStatus();
}

}  // namespace peloton::backend::local
