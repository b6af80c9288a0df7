"""`chainrule run SCRIPT [ARGS...]`: run a PyTorch program with ``torch`` meaning chainrule.

The script runs as ``python SCRIPT ARGS...`` would run it: ``__name__ == "__main__"``,
``__file__`` its absolute path, ``sys.argv == [SCRIPT, *ARGS]``, its folder first on
``sys.path``; ``-m MODULE`` runs a module as ``python -m`` does. Its exit status is passed
through (SystemExit propagates; an uncaught exception prints the script's traceback and
gives 1).
"""
import builtins
import io
import os
import runpy
import sys
import types

from ._torch_alias import torch_alias

__all__ = ["run"]

USAGE = "usage: chainrule run SCRIPT [ARGS...]  |  chainrule run -m MODULE [ARGS...]"


def run(argv):
    """Run the script or module named by ``argv`` under the torch alias; return the status."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE + "\n\nRun a PyTorch program unchanged, with `import torch` (and all "
              "torch.* modules) resolved to chainrule for this process.",
              file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    as_module = argv[0] == "-m"
    if as_module and len(argv) < 2:
        print(f"chainrule run: -m needs a module name\n{USAGE}", file=sys.stderr)
        return 2
    target, args = (argv[1], argv[2:]) if as_module else (argv[0], argv[1:])
    if not as_module and not os.path.exists(target):
        print(f"chainrule run: can't open file {target!r}: no such file", file=sys.stderr)
        return 2
    from .distributed.launch_env import set_torchrun_env
    set_torchrun_env()   # under mpiexec: RANK, WORLD_SIZE, LOCAL_RANK as torchrun sets them
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [target, *args]
    sys.path.insert(0, os.getcwd() if as_module else
                    os.path.dirname(os.path.abspath(target)))
    try:
        with torch_alias():
            if as_module:
                sys.argv[0] = target
                runpy.run_module(target, run_name="__main__", alter_sys=True)
            else:
                _run_path(os.path.abspath(target))
    except Exception as e:
        # As Python reports it: the traceback from the script's own frames on, status 1.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_globals.get("__name__") in (__name__, "runpy"):
            tb = tb.tb_next
        # through sys.excepthook, which prints it; under chainrule.distributed it also aborts
        # the MPI job, so that the other ranks do not wait for this one forever
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        return 1
    finally:
        sys.argv, sys.path[:] = old_argv, old_path
    return 0


def _run_path(path):
    # Not runpy.run_path: it rewrites sys.argv[0] to the path it is given, while Python keeps
    # argv[0] as typed and makes only __file__ absolute.
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__file__, main.__builtins__, main.__cached__ = path, builtins, None
    old_main = sys.modules.get("__main__")
    sys.modules["__main__"] = main   # so pickle finds classes the script defines
    try:
        exec(code, main.__dict__)
    finally:
        if old_main is not None:
            sys.modules["__main__"] = old_main
