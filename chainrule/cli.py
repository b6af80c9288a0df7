"""The `chainrule` command."""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="train a digit classifier and report its metrics")
    args = parser.parse_args(argv)
    if args.command == "demo":
        print("chainrule demo: the training workflow is not built yet.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
