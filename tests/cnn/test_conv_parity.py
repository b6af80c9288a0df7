"""conv1d / conv2d against torch in float64: outputs and input, weight and bias gradients for
every combination of stride, padding (ints, pairs, 'same', 'valid'), dilation and groups."""
import itertools

import numpy as np
import pytest

import chainrule.nn.functional as F

STRIDES = [1, 2, (2, 1)]
PADDINGS = [0, 1, (1, 2), "same", "valid"]
DILATIONS = [1, (2, 1)]
GROUPS = [1, 2]
CASES = [c for c in itertools.product(STRIDES, PADDINGS, DILATIONS, GROUPS)
         if not (c[1] == "same" and c[0] != 1)]


@pytest.fixture(params=[0, 1], ids=["usual-dx", "per-offset-dx"])
def way(request, monkeypatch):
    """Every measured choice forced one way: the input gradient then runs either as the
    flipped-kernel convolution / col2im, or as one product per kernel offset."""
    from chainrule import _autotune
    monkeypatch.setattr(_autotune, "FORCE", request.param)
    return request.param


@pytest.mark.parametrize("stride,padding,dilation,groups", CASES)
def test_conv2d(torch_parity, torch, way, stride, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6) if groups == 1 else None    # both with and without a bias
    torch_parity(F.conv2d, torch.nn.functional.conv2d, [x, w, b], stride=stride, padding=padding,
                 dilation=dilation, groups=groups)


@pytest.mark.parametrize("stride,padding,dilation,groups",
                         [(1, 0, 1, 1), (2, 1, 1, 2), (1, "same", 2, 1), (3, 2, 2, 4),
                          (1, "same", 1, 4), (2, "valid", 1, 1), (1, (3,), (2,), 2)])
def test_conv1d(torch_parity, torch, way, stride, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 11))
    w = rng.standard_normal((8, 4 // groups, 4))
    torch_parity(F.conv1d, torch.nn.functional.conv1d, [x, w, rng.standard_normal(8)],
                 stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise(torch_parity, torch, multiplier):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((3 * multiplier, 1, 3, 3))
    torch_parity(F.conv2d, torch.nn.functional.conv2d, [x, w, rng.standard_normal(3 * multiplier)],
                 padding=1, groups=3)


def test_unbatched_input(torch_parity, torch):
    rng = np.random.default_rng(0)
    torch_parity(F.conv2d, torch.nn.functional.conv2d,
                 [rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 2, 2)), None],
                 padding=1)
    torch_parity(F.conv1d, torch.nn.functional.conv1d,
                 [rng.standard_normal((2, 5)), rng.standard_normal((3, 2, 2)), None])


def test_large_batch_is_processed_in_chunks(torch_parity, torch, monkeypatch):
    from chainrule.ops import conv, conv_depthwise
    monkeypatch.setattr(conv, "CHUNK_ELEMENTS", 500)    # a few images per chunk
    monkeypatch.setattr(conv_depthwise, "CACHE_ELEMENTS", 200)
    rng = np.random.default_rng(0)
    torch_parity(F.conv2d, torch.nn.functional.conv2d, [rng.standard_normal((7, 3, 6, 6)),
                 rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)], stride=2, padding=1)
    torch_parity(F.conv2d, torch.nn.functional.conv2d, [rng.standard_normal((7, 3, 6, 6)),
                 rng.standard_normal((6, 1, 3, 3)), None], padding=1, groups=3)


def test_float32_stays_float32():
    import chainrule
    x = chainrule.randn(2, 3, 8, 8, requires_grad=True)
    w = chainrule.randn(4, 3, 3, 3, requires_grad=True)
    out = F.conv2d(x, w, chainrule.randn(4), padding=1)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == w.grad.dtype == np.float32
