"""F.interpolate / nn.Upsample and F.unfold / F.fold / nn.Unfold / nn.Fold against torch in
float64, with gradchecks and argument errors."""
import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.autograd import gradcheck
import chainrule.nn.functional as F

INTERPOLATIONS = [
    ((2, 3, 5, 4), dict(scale_factor=2)),
    ((2, 3, 5, 4), dict(size=(7, 3))),
    ((2, 3, 5, 4), dict(scale_factor=(1.7, 2.3))),
    ((2, 3, 5, 4), dict(scale_factor=(1.7, 0.6), mode="nearest-exact")),
    ((2, 3, 5, 4), dict(size=(8, 9), mode="bilinear")),
    ((2, 3, 5, 4), dict(size=(8, 3), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 4), dict(scale_factor=1.6, mode="bilinear")),
    ((2, 3, 5, 4), dict(scale_factor=1.6, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 5, 4), dict(size=(2, 1), mode="bilinear", align_corners=True)),
    ((2, 3, 5), dict(scale_factor=2.5, mode="linear")),
    ((2, 3, 5), dict(size=3, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(size=12)),
]


@pytest.mark.parametrize("shape,options", INTERPOLATIONS)
def test_interpolate(torch_parity, torch, shape, options):
    x = np.random.default_rng(0).standard_normal(shape)
    torch_parity(lambda t: F.interpolate(t, **options),
                 lambda t: torch.nn.functional.interpolate(t, **options), [x], atol=1e-12)


@pytest.mark.parametrize("layer", ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"])
def test_upsample_layers(torch_parity, torch, layer):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    ours, theirs = getattr(nn, layer)(scale_factor=2), getattr(torch.nn, layer)(scale_factor=2)
    assert repr(ours) == repr(theirs)
    torch_parity(ours, theirs, [x])


def test_interpolate_gradcheck():
    x = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)),
                         requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=(5, 2), mode="bilinear"), [x])


@pytest.mark.parametrize("options,match", [
    (dict(scale_factor=2, mode="bicubic"), "not supported"),
    (dict(scale_factor=2, mode="nearest", align_corners=True), "align_corners"),
    (dict(scale_factor=2, mode="linear"), "3-D"),
    (dict(), "exactly one of size and scale_factor"),
    (dict(size=(0, 2)), "positive"),
])
def test_interpolate_errors(options, match):
    with pytest.raises((ValueError, NotImplementedError), match=match):
        F.interpolate(chainrule.zeros(1, 1, 3, 3), **options)


FOLDS = [dict(kernel_size=2), dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1)),
         dict(kernel_size=3, padding=2, stride=3)]


@pytest.mark.parametrize("options", FOLDS)
def test_unfold(torch_parity, torch, options):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    torch_parity(lambda t: F.unfold(t, **options),
                 lambda t: torch.nn.functional.unfold(t, **options), [x])
    torch_parity(nn.Unfold(**options), torch.nn.Unfold(**options), [x[0]])    # unbatched


@pytest.mark.parametrize("options", FOLDS)
def test_fold(torch_parity, torch, options):
    blocks = torch.nn.functional.unfold(torch.zeros(2, 3, 7, 6), **options).shape
    cols = np.random.default_rng(0).standard_normal(tuple(blocks))
    torch_parity(lambda t: F.fold(t, (7, 6), **options),
                 lambda t: torch.nn.functional.fold(t, (7, 6), **options), [cols])
    torch_parity(nn.Fold((7, 6), **options), torch.nn.Fold((7, 6), **options), [cols[0]])


def test_fold_gradcheck():
    cols = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 8, 5)),
                            requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, (4, 3), 2, padding=(1, 0), stride=(1, 2)), [cols])
    x = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 3)),
                         requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, 2, dilation=(2, 1), padding=1), [x])


def test_fold_errors():
    with pytest.raises(ValueError, match="expected input of shape"):
        F.fold(chainrule.zeros(1, 7, 6), (4, 3), 2)
    with pytest.raises(ValueError, match="no sliding block"):
        F.unfold(chainrule.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="3-D \\(unbatched\\) or 4-D"):
        F.unfold(chainrule.zeros(2, 2), 1)
