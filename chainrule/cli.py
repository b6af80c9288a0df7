"""The `chainrule` command: run, demo, cheatsheet, bench."""
import argparse
import importlib
import os
import sys

__all__ = ["main"]


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _parser():
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: a small, readable, fast deep learning library on NumPy.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run a PyTorch script unchanged, with `import torch` "
                               "resolved to chainrule (chainrule run SCRIPT [ARGS...])",
                   add_help=False)

    demo = sub.add_parser("demo", help="train a handwritten-digit classifier end to end "
                                       "(needs chainrule[datasets])",
                          description="Train an MLP on scikit-learn's 8x8 digits, print test "
                                      "accuracy, precision, recall, F1 and the confusion "
                                      "matrix, and write the model and training curves.")
    demo.add_argument("--epochs", type=_positive_int, default=50,
                      help="passes over the training data (default: 50)")
    demo.add_argument("--out", default="demo_out",
                      help="directory for model.safetensors and training_curves.png "
                           "(default: ./demo_out)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    cheat = sub.add_parser("cheatsheet", help="run the living cheat sheet's experiments and "
                                              "write its page", add_help=False)
    cheat.add_argument("args", nargs=argparse.REMAINDER)
    bench = sub.add_parser("bench", help="time chainrule against PyTorch side by side "
                                         "(source checkout)", add_help=False)
    bench.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _delegate(module_name, args, missing):
    """Run ``module_name.main(args)``; a clear message instead of a traceback if it is absent."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            print(missing, file=sys.stderr)
            return 1
        if e.name == "torch":
            print(f"chainrule: {module_name} needs PyTorch for the side-by-side comparison: "
                  "pip install torch", file=sys.stderr)
            return 1
        raise
    entry = getattr(module, "main", None)
    if entry is None:
        print(f"chainrule: {module_name} has no main(argv) entry point yet", file=sys.stderr)
        return 1
    status = entry(args)
    return status if isinstance(status, int) else 0


def main(argv=None):
    """Parse ``argv`` (default: sys.argv[1:]), run the subcommand, return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # run, cheatsheet and bench parse their own options; argparse's REMAINDER would drop
    # leading options such as `--quick`, so hand them the rest of the line untouched.
    if argv[:1] == ["run"]:
        from ._run import run
        return run(argv[1:])
    if argv[:1] in (["cheatsheet"], ["bench"]):
        return _run_delegated(argv[0], argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import main as demo_main
        return demo_main(epochs=args.epochs, out=args.out, seed=args.seed,
                         progress=not args.no_progress)
    parser.print_help()
    return 2


def _run_delegated(command, rest):
    if command == "cheatsheet":
        return _delegate("chainrule.cheatsheet", rest,
                         "chainrule cheatsheet is not available in this installation "
                         "(the chainrule.cheatsheet package is missing)")
    # benchmarks/ is not installed with the package; it lives in the source checkout.
    if os.path.isdir("benchmarks") and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    return _delegate("benchmarks.__main__", rest,
                     "chainrule bench runs the benchmarks/ folder of a source checkout: "
                     "run it from the root of the chainrule repository "
                     "(git clone, then `chainrule bench`)")


if __name__ == "__main__":
    sys.exit(main())
