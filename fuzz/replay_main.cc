// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A fuzz target's main for builds without libFuzzer (make test's g++ build): runs
// LLVMFuzzerTestOneInput once on each file named, or on each file in each directory named
// (the corpus and the regressions), as libFuzzer does when given files. Then, with
// --mutations=N (or for --seconds=T), N inputs made from those by random edits (bits flipped, bytes
// set, inserted, erased or repeated, pieces of two inputs spliced), from --seed=S (default 1): a
// brief, blind fuzzing run that needs no clang (libFuzzer, with coverage to guide it, is make
// fuzz). A crash is the test's failure: the input that caused it is written to
// $TEST_UNDECLARED_OUTPUTS_DIR (or /tmp) as crash-<seed>-<n>, and the seed and number are
// printed, so `--seed=S --mutations=n+1` makes it again.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// What the crash handler writes: the input now running, and where.
std::string g_current;
char g_crash_path[4096];
char g_crash_note[256];

void OnCrash(int sig) {
  const int fd = open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ssize_t ignored = write(fd, g_current.data(), g_current.size());
    (void)ignored;  // nothing more can be done inside a signal handler
    close(fd);
  }
  ssize_t ignored = write(2, g_crash_note, std::strlen(g_crash_note));
  (void)ignored;
  signal(sig, SIG_DFL);
  raise(sig);
}

// One random edit of `s`, at most `max_size` long afterwards.
void Mutate(std::string& s, const std::vector<std::string>& inputs, std::mt19937_64& rng,
            size_t max_size) {
  const auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  switch (rng() % 7) {
    case 0:  // flip a bit
      if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:  // set a byte, often to one that means something to a parser
      if (!s.empty()) {
        static constexpr char kSpecial[] = "\0\n\r\t :,-{}[]\"'&*!|>#%@`\\\xff";
        s[pick(s.size())] =
            rng() % 2 ? kSpecial[pick(sizeof kSpecial - 1)] : static_cast<char>(rng() & 0xff);
      }
      break;
    case 2: {  // insert random bytes
      const size_t at = pick(s.size() + 1);
      std::string bytes(1 + pick(8), '\0');
      for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
      s.insert(at, bytes);
      break;
    }
    case 3:  // erase a range
      if (!s.empty()) {
        const size_t at = pick(s.size());
        s.erase(at, 1 + pick(std::min<size_t>(s.size() - at, 64)));
      }
      break;
    case 4:  // repeat a range
      if (!s.empty()) {
        const size_t at = pick(s.size());
        const std::string piece = s.substr(at, 1 + pick(std::min<size_t>(s.size() - at, 64)));
        s.insert(pick(s.size() + 1), piece);
      }
      break;
    case 5: {  // splice: a piece of another input
      const std::string& other = inputs[pick(inputs.size())];
      if (!other.empty()) {
        const size_t from = pick(other.size());
        s.insert(pick(s.size() + 1), other.substr(from, 1 + pick(other.size() - from)));
      }
      break;
    }
    default:  // truncate
      s.resize(pick(s.size() + 1));
      break;
  }
  if (s.size() > max_size) s.resize(max_size);
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> paths;
  uint64_t mutations = 0, seed = 1;
  double seconds = 0;  // 0: no time limit
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mutations=", 0) == 0) {
      mutations = std::strtoull(arg.c_str() + 12, nullptr, 10);
      continue;
    }
    if (arg.rfind("--seconds=", 0) == 0) {
      seconds = std::strtod(arg.c_str() + 10, nullptr);
      if (mutations == 0) mutations = UINT64_MAX;
      continue;
    }
    if (arg.rfind("--seed=", 0) == 0) {
      seed = std::strtoull(arg.c_str() + 7, nullptr, 10);
      continue;
    }
    const fs::path p(arg);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) paths.push_back(e.path());
      }
    } else if (fs::is_regular_file(p)) {
      paths.push_back(p);
    } else {
      std::fprintf(stderr, "%s: %s: no such file or directory\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (paths.empty()) {
    std::fprintf(stderr,
                 "usage: %s [--mutations=N] [--seconds=T] [--seed=S] FILE_OR_DIR...: no inputs\n",
                 argv[0]);
    return 2;
  }
  std::sort(paths.begin(), paths.end());  // the same order, and so the same run, for a seed
  std::vector<std::string> inputs;
  size_t largest = 0;
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    largest = std::max(largest, inputs.back().size());
  }
  const char* out = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) signal(sig, OnCrash);
  for (size_t i = 0; i < inputs.size(); ++i) {
    g_current = inputs[i];
    std::snprintf(g_crash_path, sizeof g_crash_path, "%s/crash-replay-%zu", out ? out : "/tmp", i);
    std::snprintf(g_crash_note, sizeof g_crash_note, "crashed on %s (saved as %s)\n",
                  paths[i].c_str(), g_crash_path);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(g_current.data()), g_current.size());
  }
  std::mt19937_64 rng(seed);
  const size_t max_size = std::max<size_t>(4096, 2 * largest);
  const auto start = std::chrono::steady_clock::now();
  const auto out_of_time = [&] {
    return seconds > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
               seconds;
  };
  uint64_t n = 0;
  for (; n < mutations && (n % 256 != 0 || !out_of_time()); ++n) {
    g_current = inputs[rng() % inputs.size()];
    for (uint64_t edits = 1 + rng() % 4; edits > 0; --edits)
      Mutate(g_current, inputs, rng, max_size);
    std::snprintf(g_crash_path, sizeof g_crash_path, "%s/crash-%llu-%llu", out ? out : "/tmp",
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(n));
    std::snprintf(
        g_crash_note, sizeof g_crash_note, "crashed on mutation %llu of seed %llu (saved as %s)\n",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(seed), g_crash_path);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(g_current.data()), g_current.size());
  }
  std::printf("%zu inputs ran, then %llu mutations of them (seed %llu)\n", inputs.size(),
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(seed));
  return 0;
}
