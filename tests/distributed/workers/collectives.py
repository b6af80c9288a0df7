"""Run under mpiexec: every collective against NumPy, on every dtype chainrule has.

Each rank builds its input from a seed that depends on the rank, so each rank can also rebuild
every other rank's input and compute the expected result with NumPy. A failed check raises,
which aborts the job (the test sees a non-zero exit and this rank's message).
"""
import numpy as np

import chainrule
import chainrule.distributed as dist
from chainrule.distributed import ReduceOp

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPE = (3, 4)

dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
checks = 0


def data(r, dtype, salt=0, shape=SHAPE):
    rng = np.random.default_rng(1000 * salt + r)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("float"):
        return (rng.integers(-4, 5, shape) / 2).astype(dtype)   # exact sums in every float
    lo = 0 if dtype == "uint8" else -3
    return rng.integers(lo, 4, shape).astype(dtype)   # products stay inside int8


def check(name, got, expected):
    global checks
    got = got._data if isinstance(got, chainrule.Tensor) else got
    assert got.dtype == expected.dtype, f"{name}: dtype {got.dtype}, expected {expected.dtype}"
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, expected {expected.shape}"
    assert np.array_equal(got, expected), f"{name} on rank {rank}: {got} != {expected}"
    checks += 1


def reference(op, arrays, dtype):
    stacked = np.stack(arrays)
    if dtype == "bool":
        return {"SUM": stacked.any(0), "MAX": stacked.any(0), "MIN": stacked.all(0),
                "PRODUCT": stacked.all(0)}[op]
    fn = {"SUM": np.sum, "PRODUCT": np.prod, "MAX": np.max, "MIN": np.min,
          "AVG": np.mean}[op]
    return fn(stacked, axis=0).astype(dtype)


for dtype in DTYPES:
    everyone = [data(r, dtype) for r in range(size)]
    ops = ["SUM", "PRODUCT", "MAX", "MIN"] + (["AVG"] if dtype.startswith("float") else [])
    for op in ops:
        expected = reference(op, everyone, dtype)
        for async_op in (False, True):
            t = chainrule.tensor(data(rank, dtype), dtype=getattr(chainrule, dtype))
            work = dist.all_reduce(t, op=getattr(ReduceOp, op), async_op=async_op)
            if async_op:
                assert work.wait() is True and work.is_completed()
            check(f"all_reduce {op} {dtype} async={async_op}", t, expected)

    # a non-contiguous tensor (a transposed view) is reduced and written back in place
    base = chainrule.tensor(data(rank, dtype))
    view = base.T
    dist.all_reduce(view, op=ReduceOp.MAX)
    check(f"all_reduce non-contiguous {dtype}", base, reference("MAX", everyone, dtype))

    # broadcast from the last rank
    t = chainrule.tensor(data(rank, dtype))
    dist.broadcast(t, src=size - 1)
    check(f"broadcast {dtype}", t, everyone[-1])

    # all_gather into a list, and into one tensor
    outs = [chainrule.zeros(SHAPE, dtype=getattr(chainrule, dtype)) for _ in range(size)]
    dist.all_gather(outs, chainrule.tensor(everyone[rank]), async_op=True).wait()
    for r in range(size):
        check(f"all_gather {dtype} [{r}]", outs[r], everyone[r])
    out = chainrule.zeros((size * SHAPE[0], SHAPE[1]), dtype=getattr(chainrule, dtype))
    dist.all_gather_into_tensor(out, chainrule.tensor(everyone[rank]))
    check(f"all_gather_into_tensor {dtype}", out, np.concatenate(everyone))

    # reduce_scatter: rank r receives the reduction of everyone's entry r
    inputs = [[data(r, dtype, salt=1 + j) for j in range(size)] for r in range(size)]
    out = chainrule.zeros(SHAPE, dtype=getattr(chainrule, dtype))
    dist.reduce_scatter(out, [chainrule.tensor(a) for a in inputs[rank]], op=ReduceOp.SUM)
    check(f"reduce_scatter {dtype}", out,
          reference("SUM", [inputs[r][rank] for r in range(size)], dtype))
    out = chainrule.zeros(SHAPE, dtype=getattr(chainrule, dtype))
    dist.reduce_scatter_tensor(out, chainrule.tensor(np.concatenate(inputs[rank])),
                               op=ReduceOp.MAX, async_op=True).wait()
    check(f"reduce_scatter_tensor {dtype}", out,
          reference("MAX", [inputs[r][rank] for r in range(size)], dtype))

    # gather to rank 0; scatter from rank 0; reduce to the last rank
    t = chainrule.tensor(everyone[rank])
    if rank == 0:
        got = [chainrule.zeros(SHAPE, dtype=getattr(chainrule, dtype)) for _ in range(size)]
        dist.gather(t, got, dst=0)
        for r in range(size):
            check(f"gather {dtype} [{r}]", got[r], everyone[r])
    else:
        dist.gather(t, dst=0)
    t = chainrule.zeros(SHAPE, dtype=getattr(chainrule, dtype))
    pieces = [chainrule.tensor(data(r, dtype, salt=7)) for r in range(size)] if rank == 0 \
        else None
    dist.scatter(t, pieces, src=0)
    check(f"scatter {dtype}", t, data(rank, dtype, salt=7))
    t = chainrule.tensor(everyone[rank])
    dist.reduce(t, dst=size - 1, op=ReduceOp.SUM)
    check(f"reduce {dtype}", t, reference("SUM", everyone, dtype) if rank == size - 1
          else everyone[rank])

# objects (pickled by mpi4py), barrier, errors
objs = [None] * size
dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
assert objs == [{"rank": r, "name": f"r{r}"} for r in range(size)], objs
lst = [f"from {rank}", rank] if rank == 0 else [None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == ["from 0", 0], lst
dist.barrier()
dist.barrier(async_op=True).wait()
try:
    dist.all_reduce(chainrule.tensor([1, 2]), op=ReduceOp.AVG)
except TypeError as e:
    assert "AVG needs a floating point tensor" in str(e)
else:
    raise AssertionError("AVG on int64 did not raise")
try:
    dist.all_gather([chainrule.zeros(2)], chainrule.zeros(2))
except ValueError as e:
    assert "world_size=" in str(e)
else:
    raise AssertionError("all_gather with a short list did not raise")

# the no-copy path: a contiguous tensor is reduced in its own memory
t = chainrule.ones(5, dtype=chainrule.float64)
before = t._data
dist.all_reduce(t)
assert t._data is before and np.all(before == size)

dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: {checks} checks passed", flush=True)
