"""Linear, Embedding, Dropout, Flatten, Identity and F.linear / F.embedding / F.dropout /
F.one_hot: parity with PyTorch using torch's own weights, init, gradcheck, errors."""
import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("error")


def _copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_parity(parity, torch, rng, bias, shape):
    theirs = torch.nn.Linear(3, 4, bias=bias).double()
    ours = nn.Linear(3, 4, bias=bias, dtype=chainrule.float64)
    _copy_weights(ours, theirs)
    parity(ours, theirs, [rng.standard_normal(shape)])
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad._data, dict(theirs.named_parameters())[name].grad,
                                   rtol=1e-9, atol=1e-12)


def test_linear_functional_parity(parity, torch, rng):
    parity(F.linear, torch.nn.functional.linear,
           [rng.standard_normal((2, 3, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)],
           grad_of=(0, 1, 2))


def test_linear_default_init_like_torch():
    chainrule.manual_seed(3)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight._data, lin.bias._data
    assert w.dtype == np.float32 and w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-k, k): std k / sqrt(3), and it fills the interval
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound
    chainrule.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight._data, w)   # default generator
    assert nn.Linear(2, 2, dtype=chainrule.float64).weight.dtype == np.float64


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_parity_with_repeated_indices(parity, torch, rng, padding_idx,
                                                scale_grad_by_freq):
    theirs = torch.nn.Embedding(7, 4, padding_idx=padding_idx,
                                scale_grad_by_freq=scale_grad_by_freq).double()
    ours = nn.Embedding(7, 4, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq,
                        dtype=chainrule.float64)
    _copy_weights(ours, theirs)
    idx = np.array([[1, 2, 2, 6], [6, 6, 0, 2], [3, 3, 3, 3]])
    parity(ours, theirs, [idx], grad_of=())
    out = ours(chainrule.tensor(idx))
    out_t = theirs(torch.tensor(idx))
    g = rng.standard_normal(out.shape)
    out.backward(chainrule.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-12)
    if padding_idx is not None:
        assert not ours.weight.grad._data[padding_idx % 7].any()


def test_embedding_padding_row_starts_at_zero_and_from_pretrained():
    emb = nn.Embedding(5, 3, padding_idx=1)
    assert not emb.weight._data[1].any() and emb.weight._data[0].any()
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(chainrule.tensor(table))
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    np.testing.assert_array_equal(frozen(chainrule.tensor([2, 0]))._data, table[[2, 0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_max_norm_renormalises_looked_up_rows(torch, rng):
    table = rng.standard_normal((6, 3)) * 3
    ours = nn.Embedding.from_pretrained(table.copy(), max_norm=1.5, norm_type=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), max_norm=1.5,
                                                norm_type=1.0)
    idx = np.array([0, 2, 2, 5])
    np.testing.assert_allclose(ours(chainrule.tensor(idx))._data,
                               theirs(torch.tensor(idx)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight._data, theirs.weight.numpy(), rtol=1e-12)


def test_embedding_gradcheck(rng):
    weight = chainrule.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = chainrule.tensor(np.array([[0, 4, 4], [2, 0, 4]]))
    assert gradcheck(lambda w: F.embedding(idx, w), (weight,))
    # padding_idx and scale_grad_by_freq deliberately change the gradient (no gradcheck);
    # their parity with torch is tested above.
    out = F.embedding(idx, weight, padding_idx=4)
    out.sum().backward()
    assert not weight.grad._data[4].any()


def test_embedding_errors():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="embedding: index 4 is out of range for a table of 4"):
        emb(chainrule.tensor([0, 4]))
    with pytest.raises(IndexError, match="index -1"):
        emb(chainrule.tensor([-1]))
    with pytest.raises(TypeError, match="expected integer indices"):
        emb(chainrule.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx 4 must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=4)


def test_dropout_train_and_eval():
    chainrule.manual_seed(0)
    drop = nn.Dropout(p=0.3)
    x = chainrule.ones(200, 500, requires_grad=True)
    y = drop(x)
    kept = y._data != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y._data[kept], 1 / 0.7, rtol=1e-6)
    y.backward(chainrule.ones_like(y))
    np.testing.assert_array_equal(x.grad._data, y._data)          # grad = mask / (1 - p)
    assert y.dtype == np.float32
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.5, training=False) is x
    assert not F.dropout(x, 1.0)._data.any()
    chainrule.manual_seed(5)
    a = F.dropout(x, 0.5)._data
    chainrule.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.5)._data, a)    # mask from the default generator
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradcheck(rng):
    x = chainrule.tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def fn(x):
        chainrule.manual_seed(7)          # the same mask on every evaluation
        return F.dropout(x, 0.4)
    assert gradcheck(fn, (x,))


def test_flatten_identity(parity, torch, rng):
    x = rng.standard_normal((2, 3, 4, 5))
    parity(nn.Flatten(), torch.nn.Flatten(), [x])
    parity(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), [x])
    ident = nn.Identity(54, unused="yes")
    t = chainrule.tensor(x)
    assert ident(t) is t


def test_one_hot(torch):
    t = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(
        F.one_hot(chainrule.tensor(t))._data,
        torch.nn.functional.one_hot(torch.tensor(t)).numpy())
    out = F.one_hot(chainrule.tensor(t), num_classes=6)
    assert out.shape == (2, 2, 6) and out.dtype == np.int64
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(chainrule.tensor(t), num_classes=3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(chainrule.tensor([-1, 0]))
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(chainrule.tensor([0.0]))
