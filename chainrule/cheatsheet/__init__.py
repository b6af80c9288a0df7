"""The living cheat sheet: one seeded chainrule experiment per entry, rendered as a web page.

``build(out_dir, quick=False)`` writes out_dir/index.html, the PNG plots beside it and
out_dir/results.json (the measured figures, one entry per concept) and returns that dict.
``main(argv)`` is the ``chainrule cheatsheet [--out DIR] [--quick]`` command.
"""
import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import platform
import sys
import time

from .section import ClaimError, Context, Section, false_claims

__all__ = ["build", "main", "Section", "ClaimError", "CONCEPTS"]

SEED = 0
# Experiment modules in page order; each run(ctx) returns its Sections.
_MODULES = ["gradient", "backprop", "activations", "softmax", "recurrent", "regularization",
            "objectives", "metrics", "cross_entropy"]
CONCEPTS = ["gradient", "backprop", "sigmoid", "relu", "tanh", "softmax", "lstm_gru",
            "l1_l2", "objectives", "precision_recall", "cross_entropy"]


def build(out_dir="cheatsheet_out", quick=False, only=None, log=None):
    """Run the experiments and write the page, its plots and results.json into ``out_dir``.

    Args:
        out_dir: folder to write into (created if missing).
        quick: smaller experiments (fewer steps, sizes and seeds); the page and results.json
            say how long the build took and on what machine.
        only: optional list of experiment module names (e.g. ["gradient"]) to build alone.
        log: optional callable taking one line of progress text.
    Returns:
        The results dict also written as results.json: build info and, under "concepts",
        one entry per concept with its measured figures.
    """
    from .. import __version__
    from .. import random as _random
    from . import plots, render
    modules = _MODULES if only is None else [m for m in _MODULES if m in only]
    if only is not None and len(modules) != len(set(only)):
        unknown = sorted(set(only) - set(_MODULES))
        raise ValueError(f"cheatsheet: unknown experiment(s) {unknown}; choose from {_MODULES}")
    os.makedirs(out_dir, exist_ok=True)
    ctx = Context(out_dir=out_dir, quick=bool(quick), seed=SEED)
    sections = []
    start, cpu_start = time.perf_counter(), time.process_time()
    rng_state = _random.get_rng_state()  # given back afterwards: build() is not a reseed
    try:
        with plots.style(), _one_blas_thread():
            for name in modules:
                t = time.perf_counter()
                _random.manual_seed(SEED)  # each experiment starts from the same state
                new = importlib.import_module(f".{name}", __name__).run(ctx)
                took = time.perf_counter() - t
                for s in new:  # one measured run may make several entries
                    s.seconds, s.timed_with = took, [t.title for t in new]
                sections.extend(new)
                if log:
                    log(f"  {', '.join(s.title for s in new)}: {took:.1f} s")
    finally:
        _random.set_rng_state(rng_state)
    sections.sort(key=lambda s: s.number)
    wrong = false_claims(sections)
    if wrong:  # the prose would no longer follow the measurements: fix the text or the run
        raise ClaimError("cheatsheet: the measurements contradict the page: " + "; ".join(wrong))
    # Wall time is what a reader waits; processor time is what the build costs, the steadier
    # figure on a machine shared with other work.
    # Rounded once, so the page and results.json state the same figures.
    seconds = round(time.perf_counter() - start, 2)
    cpu_seconds = round(time.process_time() - cpu_start, 2)
    machine = machine_description()
    meta = {"version": __version__, "quick": ctx.quick, "seed": SEED, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "machine": machine}
    results = {"chainrule_version": __version__, "quick": ctx.quick, "seed": SEED,
               "seconds": seconds, "cpu_seconds": cpu_seconds,
               "machine": machine,
               "concepts": {s.key: s.result() for s in sections}}
    _write(os.path.join(out_dir, "index.html"), render.page(sections, meta, out_dir))
    _write(os.path.join(out_dir, "results.json"),
           json.dumps(results, indent=2, allow_nan=False) + "\n")
    return results


def machine_description():
    """The CPU model and its logical core count, for the build time stated on the page."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        model = names[0] if names else model
    except OSError:
        pass
    return f"{model or 'unknown CPU'}, {os.cpu_count() or '?'} logical cores"


def _one_blas_thread():
    # The experiments multiply small matrices, where OpenBLAS's worker threads only cost:
    # on a loaded 2-core machine they made each step 10-15 times slower. threadpoolctl comes
    # with scikit-learn; without it the BLAS keeps its own setting.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _write(path, text):
    # Write beside and rename, so a reader never sees half a page.
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    """``chainrule cheatsheet [--out DIR] [--quick]``: build the page; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="chainrule cheatsheet",
        description="Run one small seeded experiment per cheat-sheet entry and write an "
                    "illustrated page (index.html, PNG plots, results.json).")
    parser.add_argument("--out", default="cheatsheet_out", metavar="DIR",
                        help="output folder (default: cheatsheet_out)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller experiments (fewer lengths, steps and seeds); the page "
                             "states the build's measured time")
    parser.add_argument("--only", metavar="NAMES", default=None,
                        help=f"comma-separated experiments to build alone ({','.join(_MODULES)})")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:  # an optional dependency of chainrule
        print('chainrule cheatsheet: drawing the plots needs matplotlib: '
              'pip install "chainrule[plot]"', file=sys.stderr)
        return 1
    only = None if args.only is None else [n.strip() for n in args.only.split(",") if n.strip()]
    if only is not None and set(only) - set(_MODULES):
        parser.error(f"--only: unknown experiment(s) {sorted(set(only) - set(_MODULES))}; "
                     f"choose from {','.join(_MODULES)}")
    print(f"chainrule cheatsheet: building into {args.out}"
          f"{' (quick)' if args.quick else ''}", flush=True)
    results = build(args.out, quick=args.quick, only=only,
                    log=lambda line: print(line, flush=True))
    print(f"wrote {os.path.join(args.out, 'index.html')} and results.json "
          f"({len(results['concepts'])} entries) in {results['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
