"""Fair sharing through the bindings: the worked example, errors, and a cross-check of the
entitlements against a small pure-Python water-filling on random trees."""

import random

import pytest

import peloton


def cpu_pool(reservation, limit, share=1.0):
    return peloton.PoolConfig([peloton.ResourceConfig("cpu", reservation, limit, share)])


def test_reference_worked_example():
    # Peloton's user guide: 100 CPUs, three pools reserving 20 each (docs/fairshare.md).
    tree = peloton.PoolTree()
    for name in ("rp1", "rp2", "rp3"):
        tree.create("/" + name, cpu_pool(20, 100))
    for name, demand in (("rp1", 10), ("rp2", 80), ("rp3", 80)):
        tree.set_demand("/" + name, peloton.Resources(cpu=demand))
    tree.compute_entitlements(peloton.Resources(cpu=100))
    assert [tree.entitlement("/" + n).cpu for n in ("rp1", "rp2", "rp3")] == [10, 45, 45]

    tree.set_demand("/rp1", peloton.Resources(cpu=50))
    tree.compute_entitlements(peloton.Resources(cpu=100))
    got = [tree.entitlement("/" + n).milli_cpu for n in ("rp1", "rp2", "rp3")]
    assert got == [33334, 33333, 33333]


def test_pool_snapshot():
    tree = peloton.PoolTree()
    tree.create("/infra", cpu_pool(40, 100, share=2))
    tree.create("/infra/batch", cpu_pool(10, 50))
    tree.set_demand("/infra/batch", peloton.Resources(cpu=30))
    tree.set_allocation("/infra/batch", peloton.Resources(cpu=5))
    tree.compute_entitlements(peloton.Resources(cpu=60))
    infra = tree.pool("/infra")
    assert infra.children == ["/infra/batch"]
    assert not infra.is_leaf
    assert infra.shares["cpu"] == 2
    batch = tree.pool("/infra/batch")
    assert batch.is_leaf and batch.name == "batch"
    assert batch.demand == peloton.Resources(cpu=30)
    assert batch.allocation == peloton.Resources(cpu=5)
    assert batch.claim.cpu == 35
    assert batch.entitlement.cpu == 50  # its claim, then unclaimed capacity up to its limit
    assert tree.paths() == ["/", "/infra", "/infra/batch"]
    assert "/infra" in tree and "/nope" not in tree


def test_errors_name_the_rule_and_change_nothing():
    tree = peloton.PoolTree()
    tree.create("/a", cpu_pool(10, 20))
    with pytest.raises(ValueError, match=r"limit >= reservation"):
        tree.create("/b", cpu_pool(30, 20))
    with pytest.raises(ValueError, match=r"child limit <= parent limit"):
        tree.create("/a/x", cpu_pool(0, 30))
    with pytest.raises(KeyError, match="/missing"):
        tree.pool("/missing")
    with pytest.raises(KeyError):
        tree.create("/missing/child", cpu_pool(0, 1))
    with pytest.raises(ValueError):
        peloton.Resources(cpu=-1)
    assert tree.paths() == ["/", "/a"]
    tree.set_demand("/a", peloton.Resources(cpu=5))
    with pytest.raises(ValueError, match="demand"):
        tree.delete("/a")  # a pool with demand cannot go
    assert "/a" in tree


# ----- The cross-check -------------------------------------------------------------------


def water_fill(amount, caps, weights):
    """Max-min fair division of `amount` by weight, each part capped: every part is
    min(cap, weight * level) for the level that hands out all of it (or every cap)."""
    if sum(caps) <= amount:
        return list(caps)
    order = sorted(range(len(caps)), key=lambda i: caps[i] / weights[i])
    out = [0.0] * len(caps)
    left, weight_left = amount, sum(weights)
    for i in order:
        level = left / weight_left
        if caps[i] <= weights[i] * level:
            out[i] = caps[i]
            left -= caps[i]
            weight_left -= weights[i]
        else:
            for j in order[order.index(i):]:
                out[j] = weights[j] * level
            break
    return out


class Node:
    def __init__(self, path, reservation, limit, share):
        self.path, self.reservation, self.limit, self.share = path, reservation, limit, share
        self.children, self.demand, self.allocation = [], 0.0, 0.0

    def claim(self):
        if not self.children:
            return min(self.limit, self.demand + self.allocation)
        return min(self.limit, sum(c.claim() for c in self.children))

    def usable(self):
        if not self.children:
            return self.limit
        return min(self.limit, sum(c.usable() for c in self.children))


def divide(node, entitlement, out):
    """docs/fairshare.md, one kind, ELASTIC reservations, no slack."""
    out[node.path] = entitlement
    kids = node.children
    if not kids:
        return
    weights = [k.share for k in kids]
    claims = [k.claim() for k in kids]
    base = [min(c, k.reservation) for c, k in zip(claims, kids)]
    if sum(base) >= entitlement:
        got = water_fill(entitlement, base, weights)
    else:
        extra = water_fill(entitlement - sum(base), [c - b for c, b in zip(claims, base)], weights)
        got = [b + e for b, e in zip(base, extra)]
        left = entitlement - sum(got)
        if left > 1e-9:
            more = water_fill(left, [k.usable() - g for k, g in zip(kids, got)], weights)
            got = [g + m for g, m in zip(got, more)]
    for k, g in zip(kids, got):
        divide(k, g, out)


def random_tree(rng):
    root = Node("/", 0, float("inf"), 1)
    tree = peloton.PoolTree()
    todo = [(root, 0)]
    count = 0
    while todo:
        parent, depth = todo.pop()
        fanout = rng.randint(1, 4) if depth < 3 and (depth == 0 or rng.random() < 0.6) else 0
        budget = parent.reservation if depth > 0 else rng.randint(0, 150)
        for _ in range(fanout):
            count += 1
            reservation = rng.randint(0, int(budget)) if budget >= 1 else 0
            budget -= reservation
            top = parent.limit if depth > 0 else 200
            limit = rng.randint(max(reservation, 1), int(top)) if top >= 1 else reservation
            share = rng.choice([0.5, 1, 2, 3])
            path = (parent.path.rstrip("/") + "/p%d" % count)
            child = Node(path, reservation, limit, share)
            tree.create(path, cpu_pool(reservation, limit, share))
            parent.children.append(child)
            todo.append((child, depth + 1))
    leaves = []

    def collect(n):
        if n is not root and not n.children:
            leaves.append(n)
        for c in n.children:
            collect(c)

    collect(root)
    for leaf in leaves:
        leaf.demand = rng.choice([0, rng.randint(0, 120)])
        leaf.allocation = rng.randint(0, 30)
        tree.set_demand(leaf.path, peloton.Resources(cpu=leaf.demand))
        tree.set_allocation(leaf.path, peloton.Resources(cpu=leaf.allocation))
    return root, tree


@pytest.mark.parametrize("seed", range(200))
def test_entitlements_match_a_python_water_filling(seed):
    rng = random.Random(seed)
    root, tree = random_tree(rng)
    total = rng.randint(10, 400)
    tree.compute_entitlements(peloton.Resources(cpu=total))
    expected = {}
    divide(root, float(total), expected)
    for path, want in expected.items():
        got = tree.entitlement(path).cpu
        # The library divides in integer milli-cpu; the rounding remainder goes one unit
        # at a time to the first children, so each level may differ by a few thousandths.
        assert got == pytest.approx(want, abs=0.01), (path, seed)
