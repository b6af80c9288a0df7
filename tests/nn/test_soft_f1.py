"""soft_f1_loss: differentiable, and equal to 1 - F1 (scikit-learn) on saturated predictions."""
import numpy as np
import pytest
from sklearn.metrics import f1_score

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.nn.functional import soft_f1_loss


@pytest.mark.parametrize("average", ["macro", "binary"])
def test_binary_gradcheck(average, rng):
    x = cr.tensor(rng.normal(size=12), requires_grad=True)
    y = rng.integers(0, 2, 12)
    assert gradcheck(lambda v: soft_f1_loss(v, y, average=average), (x,))


def test_multiclass_gradcheck(rng):
    x = cr.tensor(rng.normal(size=(10, 4)), requires_grad=True)
    y = rng.integers(0, 4, 10)
    assert gradcheck(lambda v: soft_f1_loss(v, y), (x,))


@pytest.mark.parametrize("seed", range(5))
def test_saturated_predictions_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 40)
    pred = np.where(rng.random(40) < 0.7, y, rng.integers(0, 3, 40))
    logits = np.full((40, 3), -1e3)
    logits[np.arange(40), pred] = 1e3
    loss = soft_f1_loss(cr.tensor(logits), cr.tensor(y), eps=1e-12).item()
    np.testing.assert_allclose(1 - loss, f1_score(y, pred, average="macro"), rtol=1e-9)
    yb, pb = (y > 0).astype(int), (pred > 0).astype(int)
    z = np.where(pb == 1, 1e3, -1e3)
    for average in ("binary", "macro"):
        loss = soft_f1_loss(cr.tensor(z), cr.tensor(yb), average=average, eps=1e-12).item()
        np.testing.assert_allclose(1 - loss, f1_score(yb, pb, average=average), rtol=1e-9)


def test_errors():
    with pytest.raises(ValueError, match="soft_f1_loss: target must hold class indices"):
        soft_f1_loss(cr.randn(4, 3), cr.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="average"):
        soft_f1_loss(cr.randn(4), cr.tensor([0, 1, 0, 1]), average="micro")
    with pytest.raises(ValueError, match="batch size"):
        soft_f1_loss(cr.randn(4), cr.tensor([0, 1]))
