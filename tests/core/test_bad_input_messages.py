"""Table of bad inputs: each error names the op, what it expected and what it received."""
import io

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.train import fit

x = cr.randn(2, 3)
t = cr.tensor([0, 1])
lin = nn.Linear(3, 2)


def _sgd():
    return cr.optim.SGD(lin.parameters(), lr=0.1)


# (call, exception type, fragments the message must contain: the op, the expected, the received)
CASES = {
    "Linear(None)": (lambda: lin(None), TypeError, ["linear", "Tensor", "NoneType"]),
    "Linear('abc')": (lambda: lin("abc"), TypeError, ["linear", "Tensor", "str"]),
    "Linear(list)": (lambda: lin([[1.0, 2, 3]]), TypeError, ["linear", "Tensor", "list"]),
    "Linear wrong width": (lambda: lin(cr.randn(2, 4)), ValueError,
                           ["linear", "in_features=3", "(2, 4)"]),
    "Linear int input": (lambda: lin(cr.ones(2, 3, dtype=cr.int64)), TypeError,
                         ["linear", "float32", "int64"]),
    "F.linear weight None": (lambda: F.linear(x, None), TypeError,
                             ["linear", "'weight'", "Tensor", "NoneType"]),
    "F.linear bias str": (lambda: F.linear(x, lin.weight, "b"), TypeError,
                          ["linear", "'bias'", "Tensor", "str"]),
    "relu(None)": (lambda: F.relu(None), TypeError, ["relu", "Tensor", "NoneType"]),
    "relu(list)": (lambda: F.relu([1.0]), TypeError, ["relu", "Tensor", "list"]),
    "sigmoid(None)": (lambda: F.sigmoid(None), TypeError, ["sigmoid", "Tensor", "NoneType"]),
    "tanh(str)": (lambda: F.tanh("a"), TypeError, ["tanh", "Tensor", "str"]),
    "softmax(None)": (lambda: F.softmax(None, dim=1), TypeError, ["softmax", "Tensor", "NoneType"]),
    "log_softmax bad dim": (lambda: F.log_softmax(x, dim=5), IndexError,
                            ["log_softmax", "-2 to 1", "5"]),
    "gelu approximate": (lambda: F.gelu(x, approximate="fast"), ValueError,
                         ["gelu", "'tanh'", "'fast'"]),
    "elu(None)": (lambda: F.elu(None), TypeError, ["elu", "Tensor", "NoneType"]),
    "silu(None)": (lambda: F.silu(None), TypeError, ["silu", "Tensor", "NoneType"]),
    "leaky_relu(None)": (lambda: F.leaky_relu(None), TypeError,
                         ["leaky_relu", "Tensor", "NoneType"]),
    "softplus(None)": (lambda: F.softplus(None), TypeError, ["softplus", "Tensor", "NoneType"]),
    "logsigmoid(None)": (lambda: F.logsigmoid(None), TypeError,
                         ["logsigmoid", "Tensor", "NoneType"]),
    "cross_entropy(None)": (lambda: F.cross_entropy(None, t), TypeError,
                            ["cross_entropy", "Tensor", "NoneType"]),
    "cross_entropy target None": (lambda: F.cross_entropy(x, None), TypeError,
                                  ["cross_entropy", "target", "Tensor", "NoneType"]),
    "cross_entropy float target": (lambda: F.cross_entropy(x, cr.randn(2)), TypeError,
                                   ["cross_entropy", "integer", "float32"]),
    "cross_entropy target out of range": (lambda: F.cross_entropy(x, cr.tensor([0, 7])),
                                          IndexError, ["cross_entropy", "0 to 2", "7"]),
    "cross_entropy batch": (lambda: F.cross_entropy(x, cr.tensor([0, 1, 1])), ValueError,
                            ["cross_entropy", "(2)", "(3)"]),
    "cross_entropy smoothing": (lambda: F.cross_entropy(x, t, label_smoothing=2.0), ValueError,
                                ["cross_entropy", "between 0.0 and 1.0", "2.0"]),
    "cross_entropy reduction": (lambda: F.cross_entropy(x, t, reduction="avg"), ValueError,
                                ["cross_entropy", "'mean'", "'avg'"]),
    "cross_entropy weight": (lambda: F.cross_entropy(x, t, weight=cr.ones(5)), ValueError,
                             ["cross_entropy", "(3,)", "(5,)"]),
    "nll_loss(None)": (lambda: F.nll_loss(None, t), TypeError, ["nll_loss", "Tensor", "NoneType"]),
    "mse_loss shapes": (lambda: F.mse_loss(x, cr.randn(3, 2)), ValueError,
                        ["mse_loss", "(3, 2)", "(2, 3)"]),
    "mse_loss target None": (lambda: F.mse_loss(x, None), TypeError,
                             ["mse_loss", "target", "Tensor", "NoneType"]),
    "mse_loss int": (lambda: F.mse_loss(cr.ones(2, dtype=cr.int64), cr.ones(2)), TypeError,
                     ["mse_loss", "floating point", "int64"]),
    "l1_loss(str)": (lambda: F.l1_loss("a", x), TypeError, ["l1_loss", "Tensor", "str"]),
    "binary_cross_entropy range": (lambda: F.binary_cross_entropy(cr.tensor([1.5]),
                                                                  cr.tensor([1.0])),
                                   ValueError, ["binary_cross_entropy", "between 0 and 1", "1.5"]),
    "bce_with_logits pos_weight": (lambda: F.binary_cross_entropy_with_logits(
        x, x, pos_weight=cr.ones(5)), ValueError,
        ["binary_cross_entropy_with_logits", "(5,)", "(2, 3)"]),
    "huber delta": (lambda: F.huber_loss(x, x, delta=-1.0), ValueError,
                    ["huber_loss", "positive", "-1.0"]),
    "smooth_l1 beta": (lambda: F.smooth_l1_loss(x, x, beta=-1.0), ValueError,
                       ["smooth_l1_loss", "non-negative", "-1.0"]),
    "kl_div reduction": (lambda: F.kl_div(x, x, reduction="avg"), ValueError,
                         ["kl_div", "'batchmean'", "'avg'"]),
    "fit(loss_fn=class)": (lambda: fit(lin, [(x, t)], loss_fn=nn.CrossEntropyLoss,
                                       optimizer=_sgd()),
                           TypeError, ["fit", "CrossEntropyLoss()", "class CrossEntropyLoss"]),
    "load_state_dict(None)": (lambda: lin.load_state_dict(None), TypeError,
                              ["Linear.load_state_dict", "dict-like", "NoneType"]),
    "load_state_dict(path)": (lambda: lin.load_state_dict("path.safetensors"), TypeError,
                              ["Linear.load_state_dict", "dict-like", "str", "chainrule.load"]),
    "load_state_dict complex": (lambda: lin.load_state_dict(
        {"weight": np.zeros((2, 3), complex), "bias": np.zeros(2)}), ValueError,
        ["Linear", "weight", "real numbers", "complex128"]),
    "load_state_dict shape": (lambda: lin.load_state_dict(
        {"weight": np.zeros((3, 3)), "bias": np.zeros(2)}), ValueError,
        ["Linear", "weight", "(3, 3)", "(2, 3)"]),
    "matmul float @ int": (lambda: x @ cr.ones(3, 2, dtype=cr.int64), TypeError,
                           ["matmul", "same dtype", "float32", "int64"]),
    "matmul int @ float": (lambda: cr.ones(2, 3, dtype=cr.int32) @ cr.ones(3, 2), TypeError,
                           ["matmul", "same dtype", "int32", "float32"]),
    "matmul inner sizes": (lambda: x @ cr.ones(2, 2), ValueError, ["matmul", "3", "2"]),
    "matmul None": (lambda: x @ None, TypeError, ["matmul", "Tensor", "NoneType"]),
    "save unsupported value": (lambda: cr.save({"a": object()}, io.BytesIO()), TypeError,
                               ["save", "'a'", "object"]),
    "save text file": (lambda: cr.save({}, io.StringIO()), TypeError,
                       ["save", "binary file object", "text"]),
    "load map_location cuda": (lambda: cr.load(io.BytesIO(b""), map_location="cuda"),
                               RuntimeError, ["load", "cpu", "'cuda'"]),
    "load weights_only": (lambda: cr.load(io.BytesIO(b""), weights_only="yes"), TypeError,
                          ["load", "bool", "str"]),
    "load empty file": (lambda: cr.load(io.BytesIO(b"")), ValueError,
                        ["load", "<BytesIO>", "0 bytes"]),
    "SGD lr": (lambda: cr.optim.SGD(lin.parameters(), lr=-1), ValueError, ["SGD", "lr >= 0", "-1"]),
    "Adam betas": (lambda: cr.optim.Adam(lin.parameters(), betas=(1.5, 0.9)), ValueError,
                   ["Adam", "0 <= betas[0] < 1", "1.5"]),
    "optimizer load_state_dict(None)": (lambda: _sgd().load_state_dict(None), ValueError,
                                        ["SGD.load_state_dict", "'param_groups'", "NoneType"]),
    "optimizer state lr string": (lambda: _sgd().load_state_dict(
        {"state": {}, "param_groups": [dict(_sgd().state_dict()["param_groups"][0], lr="x")]}),
        ValueError, ["SGD.load_state_dict", "lr", "str"]),
    "scheduler unknown entry": (lambda: cr.optim.lr_scheduler.StepLR(_sgd(), 2)
                                .load_state_dict({"step": 1}), ValueError,
                                ["StepLR.load_state_dict", "last_epoch", "'step'"]),
    "embedding float indices": (lambda: nn.Embedding(5, 2)(cr.randn(3)), TypeError,
                                ["embedding", "integer", "float32"]),
    "embedding out of range": (lambda: nn.Embedding(5, 2)(cr.tensor([7])), IndexError,
                               ["embedding", "0 to 4", "7"]),
    "one_hot float": (lambda: F.one_hot(cr.randn(3)), TypeError, ["one_hot", "integer", "float32"]),
}


def test_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_message_names_op_expected_and_received(name):
    call, kind, fragments = CASES[name]
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"{name}: {missing} not in {message!r}"
