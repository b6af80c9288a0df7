"""Running test scripts under ``mpiexec -n 2``: the MPI tests launch the MPICH that
``pip install "chainrule[test]"`` installs next to the Python running the tests.

Without mpi4py the tests skip, except where CHAINRULE_REQUIRE_TORCH=1 (CI): there a missing MPI
is a failure, so the distributed tests can never silently vanish. mpi4py without an mpiexec
always fails.
"""
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS = Path(__file__).resolve().parent / "workers"


def _missing(reason):
    if os.environ.get("CHAINRULE_REQUIRE_TORCH") == "1":
        pytest.fail(f"CHAINRULE_REQUIRE_TORCH=1 but {reason}")
    pytest.skip(reason)


def find_mpiexec():
    """mpiexec of the environment running the tests (the mpich wheel puts it in its bin)."""
    here = Path(sys.executable).parent / ("mpiexec.exe" if os.name == "nt" else "mpiexec")
    return str(here) if here.exists() else shutil.which("mpiexec")


def launch(script, n=2, timeout=90, args=(), cwd=None, chainrule_run=False):
    """Run ``script`` on ``n`` ranks (as a PyTorch program through ``chainrule run`` with
    ``chainrule_run``); returns (returncode, stdout, stderr). A job still running after
    ``timeout`` seconds is killed (its whole process group) and reported as a hang."""
    mpiexec = find_mpiexec()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
        PYTHONUNBUFFERED="1")
    python = [sys.executable, "-m", "chainrule", "run"] if chainrule_run else [sys.executable]
    cmd = [mpiexec, "-n", str(n), *python, str(WORKERS / script), *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{script} on {n} ranks hung for {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return proc.returncode, out, err


@pytest.fixture
def mpirun():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        _missing('mpi4py is not installed (pip install "chainrule[mpi]")')
    if find_mpiexec() is None:   # mpi4py without a launcher is a broken install: no skip
        pytest.fail("mpi4py is installed but there is no mpiexec next to the Python running "
                    "the tests, nor on PATH (pip install mpich, or put the site MPI's bin on "
                    "PATH)")

    def run(script, n=2, timeout=90, args=(), cwd=None, expect_ok=True, chainrule_run=False):
        rc, out, err = launch(script, n, timeout, args, cwd, chainrule_run)
        if expect_ok and rc != 0:
            pytest.fail(f"{script} on {n} ranks exited with {rc}\nstdout:\n{out}\n"
                        f"stderr:\n{err}")
        return rc, out, err
    return run
