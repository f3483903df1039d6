// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/command.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::backend::local {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(DirectCommandTest, PlainWordsRunWithoutAShell) {
  EXPECT_THAT(DirectCommand("true"), Optional(ElementsAre("true")));
  EXPECT_THAT(DirectCommand("  sleep\t600 "), Optional(ElementsAre("sleep", "600")));
  EXPECT_THAT(
      DirectCommand("/usr/bin/python3 -m http.server 8080 --bind=127.0.0.1"),
      Optional(ElementsAre("/usr/bin/python3", "-m", "http.server", "8080", "--bind=127.0.0.1")));
  EXPECT_THAT(DirectCommand("./run.sh a,b x:y 1+1 user@host 50%"),
              Optional(ElementsAre("./run.sh", "a,b", "x:y", "1+1", "user@host", "50%")));
  // Builtins that are also programs and act the same (true, test, printf) run as programs.
  EXPECT_THAT(DirectCommand("test -d /tmp"), Optional(ElementsAre("test", "-d", "/tmp")));
}

TEST(DirectCommandTest, WhatTheShellWouldChangeGoesToTheShell) {
  for (const char* command : {"",
                              "   ",
                              "echo $HOME",
                              "echo \"a b\"",
                              "echo 'a b'",
                              "echo a\\ b",
                              "ls *.txt",
                              "ls file?",
                              "ls [ab]",
                              "cat ~/x",
                              "echo a > out",
                              "cat < in",
                              "a | b",
                              "a; b",
                              "a && b",
                              "sleep 1 &",
                              "echo a # comment",
                              "echo `date`",
                              "echo $(date)",
                              "(true)",
                              "{ true; }",
                              "echo a\nb",
                              "! true",
                              "echo {a,b}"}) {
    EXPECT_EQ(DirectCommand(command), std::nullopt) << "'" << command << "'";
  }
}

TEST(DirectCommandTest, KeywordsBuiltinsAndAssignmentsGoToTheShell) {
  for (const char* command :
       {"cd /tmp",      "exit 3",    "export A",   "A=1 env",   "A=1",       "if",
        "for",          "while",     ". ./env.sh", "source x",  ": nothing", "exec sleep 1",
        "ulimit -n 10", "umask 077", "set -e",     "eval true", "read x",    "wait",
        "trap x INT",   "unset A",   "readonly A", "shift"}) {
    EXPECT_EQ(DirectCommand(command), std::nullopt) << "'" << command << "'";
  }
  // '=' after the first word is an argument.
  EXPECT_THAT(DirectCommand("env A=1"), Optional(ElementsAre("env", "A=1")));
}

}  // namespace
}  // namespace peloton::backend::local
