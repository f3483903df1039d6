# docs/samples/quickstart.py: the library from Python (bindings/python).
import peloton

tree = peloton.PoolTree()
cpu = lambda reservation, limit, share: peloton.PoolConfig(
    [peloton.ResourceConfig("cpu", reservation, limit, share)])
tree.create("/prod", cpu(30, 100, 3))
tree.create("/dev", cpu(0, 100, 1))
tree.set_demand("/prod", peloton.Resources(cpu=80))
tree.set_demand("/dev", peloton.Resources(cpu=80))
tree.compute_entitlements(peloton.Resources(cpu=100))
for path in ("/prod", "/dev"):
    print(path, tree.entitlement(path).cpu)

cluster = peloton.Cluster()
cluster.add_host("gpu-1", cpu=32, memory_mb=131072, gpus=["A100"] * 4)
placer = peloton.Placer("gpu-frag")
result = placer.place([peloton.Task("infer-%d" % i, peloton.Resources(cpu=2, gpu=0.5))
                       for i in range(3)], cluster)
for p in result.placed:
    print(p.task_id, p.host, p.allocation.gpus)
try:
    tree.create("/ml", cpu(50, 10, 1))
except ValueError as e:
    print("ValueError:", e)
