// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/command.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace peloton::backend::local {
namespace {

bool PlainChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("-_./=,:+@%").find(c) != absl::string_view::npos;
}

// dash's and POSIX sh's keywords, the builtins with no program of the same effect (a program
// cannot change the shell's directory, variables or exit), and echo (dash's prints `-e`, which
// /bin/echo takes as an option).
bool NeedsShell(absl::string_view word) {
  static const auto* const kShellWords = new absl::flat_hash_set<absl::string_view>{
      // keywords
      "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done",
      "in", "function", "select",
      // builtins
      ".", ":", "alias", "bg", "break", "cd", "chdir", "command", "continue", "eval", "exec",
      "exit", "export", "fc", "fg", "getopts", "hash", "jobs", "local", "read", "readonly",
      "return", "set", "shift", "source", "times", "trap", "type", "ulimit", "umask", "unalias",
      "unset", "wait", "echo"};
  return kShellWords->contains(word) || word.find('=') != absl::string_view::npos;
}

}  // namespace

std::optional<std::vector<std::string>> DirectCommand(absl::string_view shell_command) {
  for (char c : shell_command) {
    if (!PlainChar(c) && c != ' ' && c != '\t') return std::nullopt;
  }
  std::vector<std::string> words =
      absl::StrSplit(shell_command, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.empty() || NeedsShell(words[0])) return std::nullopt;
  return words;
}

}  // namespace peloton::backend::local
