"""Run every benchmark and print its table: python -m benchmarks [--quick] [names...]."""
import argparse
import importlib
import platform
import sys

from benchmarks._harness import print_table, try_torch

SUITES = {
    "ops": "Per-op overhead",
    "losses": "Fused losses",
    "optim": "Optimizer step (about 1M float32 parameters)",
    "rnn": "Recurrent layers",
    "metrics": "Metrics (against scikit-learn)",
    "workloads": "Reference workloads (float32, 2 threads)",
    "norms": "Normalisation and pooling (float32, forward + backward)",
    "conv": "Convolutional networks (float32, 2 threads)",
    "attention": "Attention and Transformers (float32, 2 threads)",
    "onnx_runtime": "Deployment: batch-1 inference, chainrule vs PyTorch (ONNX Runtime below)",
    "distributed": "Distributed (MPI, 2 ranks)",
    "floors": "Floors: the same products and passes in bare NumPy, against PyTorch's workload",
}


def machine():
    import os

    import numpy as np
    torch = try_torch()
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"PyTorch {torch.__version__ if torch else 'not installed'}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"suites to run (default all: {list(SUITES)})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    from benchmarks._harness import machine_notes
    print("\n".join(machine_notes()))
    for name in args.names or list(SUITES):
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError as e:
            print(f"\n{SUITES.get(name, name)}: skipped ({e})")
            continue
        rows = module.run(quick=args.quick)
        extra = getattr(module, "print_extra", None)
        print_table(SUITES.get(name, name), rows, getattr(module, "REFERENCE", "PyTorch"))
        if extra:
            extra()
    return 0


if __name__ == "__main__":
    sys.exit(main())
