// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
// docs/samples/state_machines.cc: what the goal-state engine does next, and legal transitions.
#include <cstdio>

#include "peloton/taskfsm/goal_state.h"
#include "peloton/taskfsm/transitions.h"

namespace fsm = peloton::taskfsm;
using fsm::TaskState;

int main() {
  const fsm::TaskSnapshot tasks[] = {
      {.state = TaskState::kInitialized, .goal = TaskState::kSucceeded},
      {.state = TaskState::kRunning, .goal = TaskState::kKilled},
      // A new configuration for a running task: stop it, then start the new version.
      {.state = TaskState::kRunning,
       .goal = TaskState::kRunning,
       .config_version = 1,
       .desired_config_version = 2},
      {.state = TaskState::kKilled,
       .goal = TaskState::kRunning,
       .config_version = 1,
       .desired_config_version = 2},
  };
  for (const fsm::TaskSnapshot& t : tasks) {
    std::printf("%s -> %s: %s\n", std::string(fsm::Name(t.state)).c_str(),
                std::string(fsm::Name(t.goal)).c_str(),
                std::string(fsm::Name(fsm::NextTaskAction(t))).c_str());
  }
  std::printf("%s\n", fsm::CheckTransition(fsm::TransitionView::kJobManager, TaskState::kSucceeded,
                                           TaskState::kRunning)
                          .ToString()
                          .c_str());
}
