"""Collectives under mpiexec -n 2 against NumPy (tests/distributed/workers/collectives.py), and
the process group's answers in a single process without a group."""
import re

import pytest

import chainrule
import chainrule.distributed as dist


def test_collectives_match_numpy_on_every_dtype(mpirun):
    _, out, _ = mpirun("collectives.py")
    counts = {int(r): int(n) for r, n in re.findall(r"rank (\d+): (\d+) checks passed", out)}
    assert sorted(counts) == [0, 1], out
    assert all(n > 150 for n in counts.values()), counts   # 9 dtypes x every collective


def test_without_a_group_queries_say_so():
    assert dist.is_available() and not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    with pytest.raises(ValueError, match="init_process_group"):
        dist.all_reduce(chainrule.ones(2))


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()
