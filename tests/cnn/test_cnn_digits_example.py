"""examples/cnn_digits.py --quick runs end to end and learns (10 classes: chance is 0.1)."""
import json
import os
import subprocess
import sys

import pytest

import chainrule

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(not all(hasattr(chainrule.nn, n) for n in ("BatchNorm2d", "MaxPool2d")),
                    reason="needs nn.BatchNorm2d and nn.MaxPool2d")
def test_quick_run_learns(tmp_path):
    pytest.importorskip("sklearn")
    # one BLAS thread: the network is small, and two threads on a busy 2-core machine wait on
    # each other (measured 30x slower under load)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=ROOT)
    run = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "cnn_digits.py"),
                          "--quick", "--out", str(tmp_path)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "test accuracy" in run.stdout
    history = json.loads((tmp_path / "history.json").read_text())
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["test_accuracy"] >= 0.8
    assert (tmp_path / "model.pt").exists()
