"""SIGKILL a process while it saves: the file is always the complete old or the complete new
checkpoint, and the next save removes the killed save's temporary file."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import chainrule

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")

# CI: 5 kills of 4 MB saves. CHAINRULE_KILLS / CHAINRULE_KILL_MB scale it up (docs figures).
KILLS = int(os.environ.get("CHAINRULE_KILLS", "5"))
MEGABYTES = int(os.environ.get("CHAINRULE_KILL_MB", "4"))

# The child saves checkpoint k = 1, 2, 3, ... in a loop; every element of its array is k, so a
# torn file cannot pass for a complete one.
CHILD = """
import sys, time, numpy as np, chainrule
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = np.empty(n, np.float32)
while True:
    k += 1
    start = time.perf_counter()
    buf.fill(k)
    chainrule.save({"step": k, "w": buf}, path)
    if k == int(sys.argv[3]) + 1:       # tell the parent how long one save takes
        print(time.perf_counter() - start, flush=True)
"""


def _temporaries(directory):
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


def _check_complete(path):
    got = chainrule.load(path)
    assert set(got) == {"step", "w"}
    assert got["w"].shape == (MEGABYTES * 2 ** 18,)
    assert np.all(got["w"] == got["step"]), "a torn checkpoint"
    return got["step"]


def test_sigkill_mid_save_leaves_old_or_new_file_and_next_save_cleans_up(tmp_path):
    path = tmp_path / "ck.safetensors"
    n = MEGABYTES * 2 ** 18                   # float32 elements
    chainrule.save({"step": 0, "w": np.zeros(n, np.float32)}, path)
    rng = random.Random(0)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(chainrule.__file__)))
    last, left_behind, kills = 0, 0, 0
    # KILLS kills, more (up to 3x) until one has landed mid-write: about half of them do.
    while kills < KILLS or (not left_behind and kills < 3 * KILLS):
        kills += 1
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(n), str(last)],
                                 stdout=subprocess.PIPE, env=env)
        cycle = float(child.stdout.readline())
        time.sleep(rng.uniform(0, 2 * cycle))     # anywhere in the next save or two
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        step = _check_complete(path)
        assert step >= last
        last = step
        left_behind += bool(_temporaries(tmp_path))
        chainrule.save({"step": last, "w": np.full(n, last, np.float32)}, path)
        assert _temporaries(tmp_path) == [], "the next save must remove a killed save's temp"
    # The kills must have hit mid-write at least once, or this test proved nothing.
    assert left_behind >= 1
    print(f"{kills} kills survived, {left_behind} mid-write")


def test_temporary_of_a_live_process_is_kept(tmp_path):
    """Another process still writing to the same target keeps its temporary."""
    path = tmp_path / "ck.safetensors"
    alive = tmp_path / f".ck.safetensors.{os.getppid()}.abc.tmp"
    alive.write_bytes(b"x")
    dead = tmp_path / ".ck.safetensors.999999999.abc.tmp"
    dead.write_bytes(b"x")
    other = tmp_path / ".other.safetensors.999999999.abc.tmp"
    other.write_bytes(b"x")
    chainrule.save({"a": 1}, path)
    assert alive.exists() and other.exists() and not dead.exists()
