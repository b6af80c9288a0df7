"""Distributed training on MPI: python -m benchmarks distributed  (or python -m
benchmarks.distributed [--quick]).

1. all_reduce of 1, 10 and 100 MB of float32 through chainrule.distributed against the same
   MPI_Allreduce called directly through mpi4py, on 2 ranks (target: <= 5% overhead), and
   the constant per-call overhead (an 8-byte all_reduce).
2. The MLP and the LSTM language model training steps of benchmarks/workloads.py with the
   global batch split over 2 ranks of 1 thread each (DistributedDataParallel) against 1
   process of 2 threads on the whole batch, and how much of the gradient allreduce time is
   hidden behind backward: 1 - (step time - step time under no_sync) / (time the same
   buckets take to allreduce on their own). The time backward's end waits for the last
   allreduces is shown too (it includes waiting for the slower rank).

Each part runs in its own processes (mpiexec for the ranks), launched from here; the ranks'
numbers come back as one JSON line from rank 0.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if importlib.util.find_spec("mpi4py") is None:   # python -m benchmarks lists it as skipped
    raise ImportError('mpi4py is not installed (pip install "chainrule[mpi]")')

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "mpi4py / 1 process"
_extra = []


# ---- inside the MPI job ---------------------------------------------------------------------
def _median_time(fn, comm, rounds, number):
    times = []
    for _ in range(rounds):
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def _allreduce_worker(quick):
    import numpy as np
    from mpi4py import MPI

    import chainrule
    import chainrule.distributed as dist
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    out = {}
    for mb in (8 / 2 ** 20, 1, 10, 100):
        a = np.zeros(int(mb * 2 ** 20) // 4, np.float32)   # zeros: the sums never overflow
        t = chainrule.Tensor._from_array(np.zeros_like(a))
        number = 2000 if mb < 1 else max(1, 20 // mb) if quick else max(2, 100 // mb)
        raw = lambda: comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM)   # noqa: E731
        ours = lambda: dist.all_reduce(t)   # noqa: E731
        raw(), ours()
        pairs = [(_median_time(raw, comm, 1, number), _median_time(ours, comm, 1, number))
                 for _ in range(7 if quick else 15)]   # alternate rounds: the same noise
        out["8 B" if mb < 1 else f"{mb} MB"] = [statistics.median(p[1] for p in pairs),
                                                statistics.median(p[0] for p in pairs)]
    return out


def _training_worker(quick):
    """DDP steps on this rank's share of the workloads' batches."""
    from mpi4py import MPI

    import chainrule
    import chainrule.distributed as dist
    from benchmarks import workloads as w
    from chainrule.nn.parallel import DistributedDataParallel
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    comm = MPI.COMM_WORLD
    out = {}
    for name, make, data, dim, clip in (
            ("MLP", w.make_mlp, w.mlp_data, 0, None),
            ("LSTM", lambda lib: w.make_lm(lib, "LSTM"), w.lm_data, 1, 5.0)):
        chainrule.manual_seed(0)
        model = DistributedDataParallel(make(chainrule))
        x, y = data(chainrule)
        share = x.shape[dim] // size
        index = (slice(None),) * dim + (slice(rank * share, (rank + 1) * share),)
        step = w.train_step_fn(chainrule, model, x[index], y[index], clip)
        for _ in range(3):
            step()
        waits = []

        def timed_step():
            step()
            waits.append(model.reducer.last_wait_seconds)
        seconds = _median_time(timed_step, comm, 3 if quick else 7, 3 if quick else 5)
        with model.no_sync():
            local = _median_time(step, comm, 3 if quick else 7, 3 if quick else 5)
        flats = [b.flat for b in model.reducer.buckets]
        comm_alone = _median_time(
            lambda: [comm.Allreduce(MPI.IN_PLACE, f, MPI.SUM) for f in flats], comm, 5, 3)
        out[name] = {"step": seconds, "no_sync_step": local,
                     "exposed_wait": statistics.median(waits), "comm_alone": comm_alone, "buckets": len(flats),
                     "grad_mb": sum(f.nbytes for f in flats) / 2 ** 20}
    return out


def _single_worker(quick):
    """The same steps in one process (2 threads) on the whole batch."""
    import chainrule
    from benchmarks import workloads as w
    out = {}
    for name, make, data, clip in (("MLP", w.make_mlp, w.mlp_data, None),
                                   ("LSTM", lambda lib: w.make_lm(lib, "LSTM"), w.lm_data, 5.0)):
        chainrule.manual_seed(0)
        x, y = data(chainrule)
        step = w.train_step_fn(chainrule, make(chainrule), x, y, clip)
        for _ in range(3):
            step()
        times = []
        for _ in range(3 if quick else 7):
            start = time.perf_counter()
            for _ in range(3 if quick else 5):
                step()
            times.append((time.perf_counter() - start) / (3 if quick else 5))
        out[name] = statistics.median(times)
    return out


# ---- the launcher ---------------------------------------------------------------------------
def _find_mpiexec():
    """mpiexec of this environment (the mpich wheel puts it beside python), else PATH's."""
    import shutil
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


def _launch(part, ranks, threads, quick):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, "-m", "benchmarks.distributed", "--worker", part]
    if quick:
        cmd.append("--quick")
    if ranks:
        mpiexec = _find_mpiexec()
        if mpiexec is None:
            raise ImportError("no mpiexec (pip install \"chainrule[mpi]\")")
        cmd = [mpiexec, "-n", str(ranks)] + cmd
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
                          check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"benchmarks.distributed {part} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[0])


def run(quick=False):
    reduce = _launch("allreduce", 2, 1, quick)
    train = _launch("training", 2, 1, quick)
    single = _launch("single", 0, 2, quick)
    rows = [(f"all_reduce {size} float32, 2 ranks", ours, raw, None if size == "8 B" else 1.05)
            for size, (ours, raw) in reduce.items()]
    rows += [(f"{name} training step, 2 ranks x 1 thread (vs 1 process x 2 threads)",
              train[name]["step"], single[name], None) for name in ("MLP", "LSTM")]
    _extra.clear()
    small_ours, small_raw = reduce["8 B"]
    _extra.append(f"all_reduce overhead per call: {(small_ours - small_raw) * 1e6:.1f} us = "
                  f"{(small_ours - small_raw) / reduce['1 MB'][1]:.2%} of a 1 MB allreduce")
    ours, _ = reduce["100 MB"]
    bandwidth = 100 * 2 ** 20 / ours   # algorithm bandwidth: bytes reduced per second
    _extra.append(f"all_reduce bandwidth (100 MB, 2 ranks, one machine): "
                  f"{bandwidth / 1e9:.2f} GB/s")
    for name in ("MLP", "LSTM"):
        t = train[name]
        visible = t["step"] - t["no_sync_step"]
        hidden = min(1.0, max(0.0, 1 - visible / t["comm_alone"]))
        _extra.append(f"{name}: {t['grad_mb']:.2f} MB of gradients in {t['buckets']} buckets; "
                      f"allreduce alone {t['comm_alone'] * 1e3:.2f} ms; step "
                      f"{t['step'] * 1e3:.2f} ms, under no_sync {t['no_sync_step'] * 1e3:.2f} "
                      f"ms: {hidden:.0%} of the communication hidden (end of backward waited "
                      f"{t['exposed_wait'] * 1e3:.2f} ms)")
    return rows


def print_extra():
    for line in _extra:
        print(line)


def _main(argv):
    quick = "--quick" in argv
    if "--worker" in argv:
        part = argv[argv.index("--worker") + 1]
        result = {"allreduce": _allreduce_worker, "training": _training_worker,
                  "single": _single_worker}[part](quick)
        rank = 0
        if part != "single":
            from mpi4py import MPI
            rank = MPI.COMM_WORLD.Get_rank()
        if rank == 0:
            print(json.dumps(result), flush=True)
        return 0
    sys.path.insert(0, str(ROOT))
    from benchmarks._harness import print_table
    print_table("Distributed (MPI, 2 ranks)", run(quick), REFERENCE)
    print_extra()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
