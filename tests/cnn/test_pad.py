"""F.pad against torch: every mode, torch's pad order, negative (cropping) constant pads."""
import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

CASES = [("constant", (1, 2), 3), ("constant", (1, 2, 0, 3), 4),
         ("constant", (-1, 2, 3, -2), 4), ("constant", (1, 1, 2, 0, 1, 1, 0, 2), 4),
         ("reflect", (2, 1), 3), ("reflect", (1, 3, 2, 0), 4), ("reflect", (4, 4, 3, 3), 3),
         ("replicate", (2, 0), 2), ("replicate", (3, 1, 2, 4), 4),
         ("circular", (1, 2), 3), ("circular", (5, 2, 4, 1), 4), ("circular", (1, 1, 1, 1), 3)]


@pytest.mark.parametrize("mode,pad,ndim", CASES)
def test_pad(torch_parity, torch, mode, pad, ndim):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)[-ndim:])
    torch_parity(lambda t: F.pad(t, pad, mode),
                 lambda t: torch.nn.functional.pad(t, pad, mode), [x])


def test_constant_value(torch_parity, torch):
    x = np.random.default_rng(0).standard_normal((2, 3))
    out = torch_parity(lambda t: F.pad(t, (1, 1), value=2.5),
                       lambda t: torch.nn.functional.pad(t, (1, 1), value=2.5), [x])
    assert out._data[0, 0] == 2.5


@pytest.mark.parametrize("mode,pad,shape,match", [
    ("constant", (1, 2, 3), (2, 3), "even number"),
    ("constant", (1.0, 2), (2, 3), "even number"),
    ("constant", (1, 1) * 3, (2, 3), "only 2"),
    ("constant", (-3, 0), (2, 2), "crops more"),
    ("reflect", (3, 0), (1, 2, 3), "at most 2"),
    ("circular", (4, 0), (1, 2, 3), "at most 3"),
    ("replicate", (1, 1, 1, 1), (2, 3), "3-D"),
    ("wrap", (1, 1), (1, 2, 3), "mode must be"),
])
def test_bad_pads(mode, pad, shape, match):
    with pytest.raises(ValueError, match=match):
        F.pad(chainrule.zeros(*shape), pad, mode)


def test_float32_kept():
    assert F.pad(chainrule.zeros(1, 2, 3), (1, 1), "reflect").dtype == np.float32
