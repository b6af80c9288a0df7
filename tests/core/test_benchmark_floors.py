"""The benchmark floors (benchmarks/floors_layers.py) run, at small sizes: a broken floor would
otherwise surface only in a benchmark run."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
floors = pytest.importorskip("benchmarks.floors_layers")


@pytest.mark.parametrize("build", [
    lambda: floors.conv3x3(2, 4, 6),
    lambda: floors.conv3x3(2, 4, 6, convs=2, copies=True),
    lambda: floors.lenet_step(batch=2),
    lambda: floors.layer_norm(8, 16),
    lambda: floors.batch_norm(2, 3, 5),
    lambda: floors.sdpa_causal(1, 2, 130, 8),
    lambda: floors.sdpa_causal(1, 2, 70, 8, softmax=True),
    lambda: floors.gpt_step(batch=2, block=8, width=16, heads=2, layers=1, vocab=5),
])
def test_floor_runs(build):
    with np.errstate(all="raise"):
        build()()


def test_window_copy_matches_a_direct_convolution():
    # the floor's window view is the real im2col: one output pixel checked by hand
    xl = np.random.default_rng(0).standard_normal((1, 5, 5, 2)).astype(np.float32)
    cols = floors._windows(xl, np.empty((9, 18), np.float32))
    np.testing.assert_array_equal(cols[4].reshape(3, 3, 2), xl[0, 1:4, 1:4])
