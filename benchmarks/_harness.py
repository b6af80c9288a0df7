"""Timing helpers shared by every benchmark: both libraries in one process, alternating rounds,
median of rounds, and the ratio chainrule / PyTorch (lower is better).

The machine is shared and noisy, so absolute times drift; alternating the two contenders round
by round exposes them to the same noise and keeps the ratio meaningful.
"""
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
# An idle OpenBLAS worker otherwise spins ~0.1 s after each GEMM and steals a core from the
# PyTorch round that follows (measured: LSTM step 21 ms -> 36-45 ms). Takes effect only when
# this module is imported before NumPy, as `python -m benchmarks` does.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")


# Pause before every round so that the other library's idle threads have stopped spinning.
# PyTorch's OpenMP workers spin for several milliseconds after each parallel region (which
# speeds PyTorch's own next op, so it is left at its default): without the pause, chainrule's
# MLP forward measured 1.6-1.8 ms right after a PyTorch round against 1.07 ms alone; with a
# 20-50 ms pause it measured 1.07-1.09 ms and PyTorch's own times did not change.
SETTLE = float(os.environ.get("BENCH_SETTLE", "0.05"))


def cpu_model():
    """(vendor, model name, notable vector extensions) from /proc/cpuinfo ("?" elsewhere)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        import platform
        return "?", platform.processor() or platform.machine(), ""
    flags = set(fields.get("flags", "").split())
    simd = [name for name in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if name in flags]
    vendor = {"AuthenticAMD": "AMD", "GenuineIntel": "Intel"}.get(fields.get("vendor_id"),
                                                                  fields.get("vendor_id", "?"))
    model = (f"{fields.get('model name', '?')}, family {fields.get('cpu family', '?')} model "
             f"{fields.get('model', '?')}")
    return vendor, model, " ".join(simd)


def machine_notes():
    """The lines each table is judged by: the CPU (its family decides which README table a run
    belongs to), NumPy's OpenBLAS kernel set and thread settings, PyTorch's threads."""
    from chainrule import _threads
    vendor, model, simd = cpu_model()
    blas = _threads.blas_info()
    torch = try_torch()
    lines = [f"CPU: {model} ({vendor}; {simd or 'no AVX2'}), {os.cpu_count()} logical CPUs",
             f"NumPy's BLAS: {blas['config'] or 'not OpenBLAS'} (kernels: {blas['corename']}), "
             f"{blas['threads']} threads, idle spin 2^{blas['thread_timeout']} cycles",
             f"chainrule optimizer threads: {_optimizer_threads()}; OMP_NUM_THREADS="
             f"{os.environ.get('OMP_NUM_THREADS')}; PyTorch threads: "
             f"{torch.get_num_threads() if torch else 'n/a'}"]
    return lines


def _optimizer_threads():
    from chainrule import _parallel
    n = _parallel.num_threads()
    return "measured (one or all) per optimizer" if n is None else n


def try_torch():
    """PyTorch limited to the same 2 threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


def time_call(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(contenders, rounds=15, number=None, warmup=3):
    """Time each callable in ``contenders`` (name -> fn) over alternating rounds.

    Returns name -> median seconds per call. ``number`` calls make a round; by default enough
    for a round to last about 0.1 s, and at least 3 back-to-back calls, so that each round
    measures a steady state rather than the first call after the other contender.
    """
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    if number is None:
        slowest = max(time_call(fn, 1) for fn in contenders.values())
        number = max(3, int(0.1 / max(slowest, 1e-7)))
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(SETTLE)
            samples[name].append(time_call(fn, number))
    return {name: statistics.median(s) for name, s in samples.items()}


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def print_table(title, rows, reference="PyTorch"):
    """rows: list of (workload, chainrule_seconds, reference_seconds or None, target or None)."""
    print(f"\n{title}")
    print(f"| workload | chainrule | {reference} | ratio | target |")
    print("|---|---|---|---|---|")
    for name, ours, theirs, target in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "n/a"
        tgt = f"<= {target}" if target else ""
        print(f"| {name} | {fmt_time(ours)} | {fmt_time(theirs) if theirs else 'n/a'} | "
              f"{ratio} | {tgt} |")


def print_memory_rows(rows, target):
    """Table rows (name, chainrule bytes, PyTorch bytes) of peak memory, in print_table's
    columns, under one target ratio."""
    for name, ours, theirs in rows:
        print(f"| {name} | {ours / 2**20:.1f} MiB | {theirs / 2**20:.1f} MiB | "
              f"{ours / max(theirs, 1):.2f} | <= {target} |")


# ---- peak memory, measured in fresh processes --------------------------------------------------
_MEMORY_SCRIPT = r"""
import importlib, json, sys
sys.path.insert(0, {root!r})
suite, lib_name, workload = sys.argv[1:4]
if lib_name == "torch":
    import torch as lib
    lib.set_num_threads(2)
else:
    import chainrule as lib
lib.manual_seed(0)
step = importlib.import_module("benchmarks." + suite).memory_step(lib, workload)
def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
# VmHWM (this process's peak resident set) rather than ru_maxrss, which Linux carries over
# from the parent across fork + exec and so would count the benchmark runner's own memory.
before = status_kb("VmRSS")
for _ in range(5):
    step()
print(json.dumps({{"growth_kb": status_kb("VmHWM") - before}}))
"""


def peak_memory(suite, lib_name, workload):
    """Bytes the resident set grows by over 5 steps of ``benchmarks.<suite>.memory_step(lib,
    workload)`` in a fresh process ("chainrule" or "torch")."""
    import json
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT.format(root=root), suite,
                          lib_name, workload], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["growth_kb"] * 1024
