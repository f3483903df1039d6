// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/fetcher.h"

#include <sys/stat.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "peloton/testing/status_matchers.h"
#include "services/common/files.h"

namespace peloton::backend::local {
namespace {

namespace fs = std::filesystem;
using files::RemoteFile;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

// An HTTP server on 127.0.0.1 in a thread of its own (FetchInto runs an event loop of its own
// in the test's thread): serves `files` by path, 404 for others, and never answers "/hang".
class FileServer final : public kj::HttpService {
 public:
  explicit FileServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    thread_ = std::thread([this] { Serve(); });
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return executor_ != nullptr; });
  }
  ~FileServer() {
    executor_->executeSync([this] { stop_->fulfill(); });
    thread_.join();
  }
  uint32_t port() const { return port_; }
  int requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_[path];
  }
  std::string url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

  kj::Promise<void> request(kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, Response& response) override {
    const std::string path = url.cStr();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_[path];
    }
    if (path == "/hang") return kj::NEVER_DONE;
    auto it = files_.find(path);
    if (it == files_.end()) return response.sendError(404, "Not Found", *table_);
    kj::HttpHeaders headers(*table_);
    auto body = response.send(200, "OK", headers, it->second.size());
    auto written = body->write(it->second.data(), it->second.size());
    return written.attach(kj::mv(body));
  }

 private:
  void Serve() {
    kj::AsyncIoContext io = kj::setupAsyncIo();
    kj::HttpHeaderTable table;
    table_ = &table;
    kj::HttpServer server(io.provider->getTimer(), table, *this);
    kj::Own<kj::ConnectionReceiver> listener =
        io.provider->getNetwork().parseAddress("127.0.0.1", 0).wait(io.waitScope)->listen();
    auto stop = kj::newPromiseAndFulfiller<void>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      port_ = listener->getPort();
      stop_ = kj::mv(stop.fulfiller);
      executor_ = &kj::getCurrentThreadExecutor();
    }
    ready_.notify_all();
    server.listenHttp(*listener).exclusiveJoin(kj::mv(stop.promise)).wait(io.waitScope);
  }

  std::map<std::string, std::string> files_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable ready_;
  const kj::Executor* executor_ = nullptr;
  kj::Own<kj::PromiseFulfiller<void>> stop_;
  kj::HttpHeaderTable* table_ = nullptr;
  uint32_t port_ = 0;
  std::map<std::string, int> requests_;
};

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_ / "src");
    options_.cache_dir = (root_ / "cache").string();
  }
  // A fresh sandbox.
  std::string Sandbox(const std::string& name) {
    fs::create_directories(root_ / name);
    return (root_ / name).string();
  }
  std::string Source(const std::string& name, const std::string& content) {
    PELOTON_EXPECT_OK(files::WriteFileAtomically((root_ / "src" / name).string(), content));
    return "file://" + (root_ / "src" / name).string();
  }
  static std::string Read(const fs::path& p) { return files::ReadFile(p.string()).value_or(""); }
  static mode_t Mode(const fs::path& p) {
    struct stat st {};
    stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }

  fs::path root_;
  FetchOptions options_;
};

TEST_F(FetcherTest, FileUrlIsCopiedReadOnlyAndFetchedOnce) {
  const std::string url = Source("data.txt", "version 1\n") + "#sha256=" + Sha256Hex("version 1\n");
  const std::string a = Sandbox("a"), b = Sandbox("b");
  PELOTON_ASSERT_OK(FetchInto({url}, a, options_));
  EXPECT_EQ(Read(fs::path(a) / "data.txt"), "version 1\n");
  EXPECT_EQ(Mode(fs::path(a) / "data.txt"), 0444);
  EXPECT_EQ(Read(CachePathOf(options_.cache_dir, url)), "version 1\n");
  // The source is gone: the second task's copy comes from the cache.
  fs::remove(root_ / "src" / "data.txt");
  PELOTON_ASSERT_OK(FetchInto({url, "conf/v.txt", true}, b, options_));
  EXPECT_EQ(Read(fs::path(b) / "conf/v.txt"), "version 1\n");
  EXPECT_EQ(Mode(fs::path(b) / "conf/v.txt"), 0555);
}

TEST_F(FetcherTest, HttpUrlIsFetchedOncePerCacheEvenAtOnce) {
  FileServer server(std::map<std::string, std::string>{{"/v2/app.bin", std::string(200000, 'x')}});
  const std::string url = server.url("/v2/app.bin");
  std::vector<std::thread> fetchers;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    const std::string sandbox = Sandbox(absl::StrCat("s", i));
    fetchers.emplace_back([&, i, sandbox] { results[i] = FetchInto({url}, sandbox, options_); });
  }
  for (std::thread& t : fetchers) t.join();
  for (int i = 0; i < 4; ++i) {
    PELOTON_EXPECT_OK(results[i]);
    EXPECT_EQ(fs::file_size(root_ / absl::StrCat("s", i) / "app.bin"), 200'000u);
  }
  EXPECT_EQ(server.requests("/v2/app.bin"), 1);
  // Another host's cache fetches it again.
  FetchOptions other = options_;
  other.cache_dir = (root_ / "cache2").string();
  PELOTON_EXPECT_OK(FetchInto({url}, Sandbox("t"), other));
  EXPECT_EQ(server.requests("/v2/app.bin"), 2);
}

TEST_F(FetcherTest, FailuresSayWhatAndCacheNothing) {
  FileServer server(std::map<std::string, std::string>{{"/f", "the bytes"}});
  const std::string wrong = server.url("/f") + "#sha256=" + std::string(64, '0');
  EXPECT_THAT(FetchInto({wrong}, Sandbox("a"), options_),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(absl::StrCat("its bytes have sha256 ", Sha256Hex("the bytes")))));
  EXPECT_FALSE(fs::exists(CachePathOf(options_.cache_dir, wrong)));
  EXPECT_FALSE(fs::exists(CachePathOf(options_.cache_dir, wrong) + ".part"));
  EXPECT_FALSE(fs::exists(root_ / "a" / "f"));
  EXPECT_THAT(FetchInto({server.url("/missing")}, Sandbox("b"), options_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/missing: HTTP 404 Not Found")));
  EXPECT_THAT(FetchInto({"file:///no/such/file"}, Sandbox("c"), options_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("cannot read /no/such/file")));
  options_.max_bytes = 4;
  EXPECT_THAT(FetchInto({server.url("/f")}, Sandbox("d"), options_),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("rule: a fetched file")));
  options_.max_bytes = 1 << 20;
  options_.timeout = absl::Milliseconds(300);
  EXPECT_THAT(FetchInto({server.url("/hang")}, Sandbox("e"), options_),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("/hang: not done in")));
  EXPECT_THAT(FetchInto({"http://127.0.0.1:1/x"}, Sandbox("f"), options_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("http://127.0.0.1:1/x")));
  EXPECT_THAT(FetchInto({"https://h/x"}, Sandbox("g"), options_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("uris[0].value")));
  // A copy never replaces a file of the sandbox.
  const std::string sandbox = Sandbox("h");
  PELOTON_ASSERT_OK(files::WriteFileAtomically(sandbox + "/stdout", ""));
  EXPECT_THAT(FetchInto({server.url("/f"), "stdout"}, sandbox, options_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("stdout would replace")));
}

TEST_F(FetcherTest, ExtractUnpacksATarArchiveReadOnly) {
  fs::create_directories(root_ / "tree" / "model");
  PELOTON_ASSERT_OK(files::WriteFileAtomically((root_ / "tree/model/weights").string(), "w1"));
  const std::string archive = (root_ / "src" / "model.tar.gz").string();
  ASSERT_EQ(std::system(absl::StrCat("tar -czf ", archive, " -C ", (root_ / "tree").string(),
                                     " model")
                            .c_str()),
            0);
  const std::string sandbox = Sandbox("a");
  PELOTON_ASSERT_OK(FetchInto({"file://" + archive, "", false, true}, sandbox, options_));
  EXPECT_EQ(Read(fs::path(sandbox) / "model/weights"), "w1");
  EXPECT_EQ(Mode(fs::path(sandbox) / "model"), 0555);
  EXPECT_EQ(Mode(fs::path(sandbox) / "model/weights") & 0222, 0);
  EXPECT_TRUE(fs::exists(fs::path(sandbox) / "model.tar.gz"));  // kept, as Mesos keeps it
  // Unpacked again where `model` is taken: refused, nothing replaced.
  const std::string b = Sandbox("b");
  fs::create_directories(fs::path(b) / "model");
  EXPECT_THAT(FetchInto({"file://" + archive, "", false, true}, b, options_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("unpacked model")));
  // Not an archive: refused with the rule.
  const std::string fake = Source("fake.tgz", "not a tar file");
  EXPECT_THAT(FetchInto({fake, "", false, true}, Sandbox("c"), options_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tar could not unpack")));
  // extract on a file that is no archive: placed as it is.
  PELOTON_EXPECT_OK(FetchInto({Source("plain.txt", "p"), "", false, true}, Sandbox("d"), options_));
  EXPECT_EQ(Read(root_ / "d" / "plain.txt"), "p");
}

}  // namespace
}  // namespace peloton::backend::local
