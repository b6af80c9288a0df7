"""conv_transpose1d / conv_transpose2d against torch in float64 (outputs and gradients)."""
import itertools

import numpy as np
import pytest

import chainrule.nn.functional as F

# (stride, padding, output_padding, dilation): output_padding must stay below stride or dilation
GEOMETRIES = [(1, 0, 0, 1), (2, 0, 1, 1), (2, 1, 0, 1), ((2, 3), (1, 0), (1, 2), 1),
              (1, 1, 1, 2), (3, 2, 2, (1, 2)), ((1, 2), 1, (0, 1), (2, 1))]


@pytest.mark.parametrize("geometry,groups", list(itertools.product(GEOMETRIES, [1, 2])))
def test_conv_transpose2d(torch_parity, torch, geometry, groups):
    stride, padding, output_padding, dilation = geometry
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((4, 6 // groups, 3, 2))
    b = rng.standard_normal(6) if groups == 1 else None
    torch_parity(F.conv_transpose2d, torch.nn.functional.conv_transpose2d, [x, w, b], stride=stride,
                 padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation",
                         [(1, 0, 0, 1, 1), (2, 1, 1, 2, 1), (3, 0, 2, 1, 2), (2, 2, 1, 4, 3)])
def test_conv_transpose1d(torch_parity, torch, stride, padding, output_padding, groups, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6))
    w = rng.standard_normal((4, 8 // groups, 3))
    torch_parity(F.conv_transpose1d, torch.nn.functional.conv_transpose1d,
                 [x, w, rng.standard_normal(8)], stride=stride, padding=padding,
                 output_padding=output_padding, groups=groups, dilation=dilation)


def test_unbatched(torch_parity, torch):
    rng = np.random.default_rng(0)
    torch_parity(F.conv_transpose2d, torch.nn.functional.conv_transpose2d,
                 [rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 2, 2)), None],
                 stride=2)
