"""Placement through the bindings: profiles, gangs, reasons, GPUs, constraints."""

import pytest

import peloton

R = peloton.Resources


def cluster_of(*hosts):
    c = peloton.Cluster()
    for name, cpu, gpus in hosts:
        c.add_host(name, cpu=cpu, memory_mb=64 * 1024, gpus=gpus)
    return c


def test_pack_fills_the_first_host_and_spread_balances():
    c = cluster_of(("a", 8, []), ("b", 8, []))
    result = peloton.Placer("pack").place([peloton.Task("t%d" % i, R(cpu=2)) for i in range(3)], c)
    assert [(p.task_id, p.host) for p in result.placed] == [("t0", "a"), ("t1", "a"), ("t2", "a")]
    assert c.host("a").free.cpu == 2 and c.host("b").tasks == 0

    c = cluster_of(("a", 8, []), ("b", 8, []))
    result = peloton.Placer("spread").place([peloton.Task("t%d" % i, R(cpu=2)) for i in range(2)], c)
    assert sorted(p.host for p in result.placed) == ["a", "b"]


def test_gang_is_all_or_nothing_with_reasons():
    c = cluster_of(("a", 4, []))
    gang = [peloton.Task("small", R(cpu=1)), peloton.Task("huge", R(cpu=16))]
    result = peloton.Placer().place([gang], c)
    assert result.placed == []
    assert result.unplaced == {
        "small": "GANG_INCOMPLETE",
        "huge": "INSUFFICIENT_RESOURCES",
    }
    assert result.rejections == {"INSUFFICIENT_RESOURCES": 1}
    assert c.host("a").free.cpu == 4  # nothing held


def test_release_gives_back_and_rejects_a_second_release():
    c = cluster_of(("a", 4, []))
    placed = peloton.Placer().place([peloton.Task("t", R(cpu=3))], c).placed[0]
    c.release(placed.allocation)
    assert c.host("a").free.cpu == 4
    with pytest.raises(ValueError, match="does not belong"):
        c.release(placed.allocation)


def test_gpus_whole_and_shared_and_scarce():
    c = cluster_of(("cpu", 8, []), ("gpu", 8, ["A100", "A100"]))
    placer = peloton.Placer("gpu-frag")
    result = placer.place(
        [
            peloton.Task("share-1", R(cpu=1, gpu=0.5)),
            peloton.Task("share-2", R(cpu=1, gpu=0.5)),
            peloton.Task("plain", R(cpu=1)),
            peloton.Task("whole", R(cpu=1, gpu=1), gpu_models=["A100"]),
        ],
        c,
    )
    hosts = {p.task_id: p.host for p in result.placed}
    assert hosts == {"share-1": "gpu", "share-2": "gpu", "plain": "cpu", "whole": "gpu"}
    # The two halves share one device, so a whole device stays free for "whole".
    assert sorted(m for _, m in c.host("gpu").gpus) == [0, 0]
    wrong_model = placer.place([peloton.Task("v100", R(gpu=1), gpu_models=["V100"])], c)
    assert list(wrong_model.unplaced) == ["v100"]

    hard = peloton.Placer("pack", scarce_gpu_hard=True)
    only_gpu = cluster_of(("gpu", 8, ["A100"]))
    assert hard.place([peloton.Task("plain", R(cpu=1))], only_gpu).unplaced == {
        "plain": "SCARCE_RESOURCES"
    }
    assert peloton.Placer("pack").place([peloton.Task("plain", R(cpu=1))], only_gpu).placed


def test_host_limit_constraint_spreads_instances():
    c = cluster_of(("a", 8, []), ("b", 8, []), ("c", 8, []))
    limit = peloton.Constraint.task("app", "web", peloton.Condition.LESS_THAN, 1)
    tasks = [
        peloton.Task("web-%d" % i, R(cpu=1), labels=[("app", "web")], constraint=limit)
        for i in range(4)
    ]
    result = peloton.Placer().place(tasks, c)
    assert sorted(p.host for p in result.placed) == ["a", "b", "c"]
    assert result.unplaced == {"web-3": "MISMATCH_CONSTRAINTS"}


def test_host_state_and_lookup_errors():
    c = cluster_of(("a", 4, []))
    c.set_host_state("a", peloton.HostState.DRAINING)
    assert c.host(0).state == peloton.HostState.DRAINING
    assert peloton.Placer().place([peloton.Task("t", R(cpu=1))], c).unplaced == {
        "t": "MISMATCH_STATUS"
    }
    with pytest.raises(KeyError):
        c.host("nope")
    with pytest.raises(KeyError):
        c.host(7)
    with pytest.raises(ValueError, match="already used"):
        c.add_host("a", cpu=1, memory_mb=1)
    with pytest.raises(KeyError, match="profile"):
        peloton.Placer("no-such-profile")
    with pytest.raises(ValueError, match="whole GPUs"):
        peloton.Task("bad", R(gpu=1.5))
    assert len(c) == 1
    assert set(peloton.Placer().profiles) >= {"pack", "best-fit", "spread", "gpu-frag"}


def test_revocable_tasks_take_their_cpu_from_the_hosts_slack():
    c = peloton.Cluster()
    c.add_host("slack", cpu=2, memory_mb=1024, revocable_cpu=1.5)
    tasks = [peloton.Task("r%d" % i, R(cpu=1, memory_mb=128), revocable=True) for i in range(2)]
    result = peloton.Placer("pack").place(tasks, c)
    assert [p.task_id for p in result.placed] == ["r0"]  # 1.5 slack cores hold one
    assert result.placed[0].allocation.revocable
    host = c.host("slack")
    assert host.revocable_cpu == 1500 and host.revocable_free_cpu == 500
    assert host.free.cpu == 2  # the regular cpu is untouched
