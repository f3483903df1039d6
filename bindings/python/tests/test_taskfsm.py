"""Peloton's goal-state decisions through the bindings."""

import peloton

S = peloton.TaskState
A = peloton.TaskAction


def test_task_actions():
    assert peloton.next_task_action(S.INITIALIZED, S.SUCCEEDED) == A.START_TASK
    assert peloton.next_task_action(S.RUNNING, S.KILLED) == A.STOP_TASK
    assert peloton.next_task_action(S.RUNNING, S.RUNNING) == A.NOOP
    # A new config version for a running task: stop it first.
    assert (
        peloton.next_task_action(S.RUNNING, S.RUNNING, config_version=1, desired_config_version=2)
        == A.STOP_TASK
    )
    assert peloton.next_task_action(S.RUNNING, S.RUNNING, runtime_missing=True) == A.RELOAD_RUNTIME
    assert peloton.next_task_action(S.RUNNING, S.FAILED) == A.STATE_INVALID


def test_job_actions_and_terminal_states():
    J = peloton.JobState
    assert peloton.next_job_action(J.INITIALIZED, J.SUCCEEDED) == peloton.JobAction.CREATE_TASKS
    assert peloton.next_job_action(J.SUCCEEDED, J.SUCCEEDED) == peloton.JobAction.UNTRACK
    assert peloton.is_terminal(S.SUCCEEDED) and not peloton.is_terminal(S.RUNNING)
    assert S.RUNNING.name == "RUNNING" and int(S.RUNNING) == 8
