// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A task's shell command (Mesos' CommandInfo with shell: true, run as `sh -c VALUE`) that the
// shell would only split into words and run: such a command is run directly, without a shell
// started first (issue 24: a `sh` per task was a sixth of a burst of short tasks' CPU).
//
// Direct is only for what sh would do the same: words of letters, digits and - _ . / = , : + @ %
// separated by blanks, the first word not a shell keyword or builtin (cd, exit, export, ...;
// builtins that are also programs and act the same, such as true, test and printf, run as those
// programs; echo does not act the same and stays the shell's) and without '='. Anything else
// (quotes, $, globs, ~, redirections, pipes, ;, &, #, newlines, ...) goes to sh.
//
// Thread-safety: a pure function.

#ifndef PELOTON_SERVICES_BACKEND_LOCAL_COMMAND_H_
#define PELOTON_SERVICES_BACKEND_LOCAL_COMMAND_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace peloton::backend::local {

// The words to exec for `shell_command` in place of `sh -c shell_command`; nullopt when it
// needs the shell.
std::optional<std::vector<std::string>> DirectCommand(absl::string_view shell_command);

}  // namespace peloton::backend::local

#endif  // PELOTON_SERVICES_BACKEND_LOCAL_COMMAND_H_
