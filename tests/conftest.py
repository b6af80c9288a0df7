"""Shared test set-up: every test starts from the same seeds, and `torch` is a fixture that
skips without PyTorch, except where CHAINRULE_REQUIRE_TORCH=1 (CI) turns the skip into a
failure so parity tests can never silently vanish."""
import os
import random

import numpy as np
import pytest

import chainrule


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    chainrule.manual_seed(0)
    yield


def import_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("CHAINRULE_REQUIRE_TORCH") == "1":
            pytest.fail("CHAINRULE_REQUIRE_TORCH=1 but torch is not installed")
        pytest.skip("torch is not installed")
    torch.manual_seed(0)
    return torch


@pytest.fixture
def torch():
    return import_torch()


@pytest.fixture
def rng():
    return np.random.default_rng(0)
