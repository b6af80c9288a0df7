"""export's interface: errors, names, file targets, modes, and that onnx loads lazily."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule
import chainrule as cr
import chainrule.nn as nn
from chainrule.autograd.function import Function

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


class Mystery(Function):
    def forward(self, x):
        return x * 2

    def backward(self, grad):
        return grad * 2


class Inner(nn.Module):
    def forward(self, x):
        return Mystery.apply(x)


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.block = nn.Sequential(nn.ReLU(), Inner())

    def forward(self, x):
        return self.block(self.fc1(x))


def test_unknown_op_names_the_op_and_the_module_path():
    with pytest.raises(cr.onnx.ExportError, match=r"Mystery.*'block\.1'"):
        cr.onnx.export(Outer(), (cr.randn(2, 3),), io.BytesIO())


def test_unknown_op_error_leaves_chainrule_untraced():
    import chainrule.factories
    from chainrule.autograd.function import Function
    from chainrule.ops import _broadcast, shape
    owners = [cr.Tensor, Function, nn.Module, cr, chainrule.factories, _broadcast, shape]
    before = [dict(vars(o)) for o in owners]
    model = Outer()
    with pytest.raises(cr.onnx.ExportError):
        cr.onnx.export(model, (cr.randn(2, 3),), io.BytesIO())
    for owner, saved in zip(owners, before):
        now = vars(owner)
        assert all(now.get(k) is v for k, v in saved.items()), owner
    x = cr.randn(2, 3)
    assert model.training                    # and the mode restored
    model.block[1] = nn.Identity()
    assert model(x).shape == (2, 4)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 5), nn.Linear(5, 2)
        self.register_buffer("shift", cr.ones(2))

    def forward(self, x):
        return self.fc2(self.fc1(x).relu()) + self.shift


def test_names_follow_parameters_and_arguments():
    f = io.BytesIO()
    cr.onnx.export(MLP(), (cr.randn(2, 3),), f, input_names=["features"],
                   output_names=["scores"], dynamic_axes={"features": {0: "batch"},
                                                          "scores": [0]})
    proto = onnx.load_from_string(f.getvalue())
    assert {i.name for i in proto.graph.initializer} == {
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "shift"}
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["scores"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 3
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param


def test_path_and_file_object_targets_write_the_same_model(tmp_path):
    model, x = MLP(), cr.randn(4, 3)
    path = tmp_path / "mlp.onnx"
    cr.onnx.export(model, x, str(path), export_params=True, verbose=False, dynamo=False,
                   training=None)
    with open(tmp_path / "mlp2.onnx", "wb") as fh:
        cr.onnx.export(model, (x,), fh)
    assert path.read_bytes() == (tmp_path / "mlp2.onnx").read_bytes()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-6)


def test_runs_in_eval_mode_and_restores_the_mode():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.9))
    model.train()
    x = cr.randn(5, 3)
    f = io.BytesIO()
    cr.onnx.export(model, (x,), f)
    assert model.training and model[1].training
    (got,) = ort.InferenceSession(f.getvalue()).run(None, {"input": x.numpy()})
    model.eval()
    np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-6)


def test_keyword_inputs_from_a_trailing_dict():
    class Two(nn.Module):
        def forward(self, x, scale=None):
            return x * scale

    f = io.BytesIO()
    x, s = cr.randn(2, 2), cr.randn(2, 2)
    cr.onnx.export(Two(), (x, {"scale": s}), f, input_names=["x", "scale"])
    (got,) = ort.InferenceSession(f.getvalue()).run(None, {"x": x.numpy(), "scale": s.numpy()})
    np.testing.assert_allclose(got, (x * s).numpy(), atol=1e-6)


def test_import_does_not_load_onnx():
    code = ("import sys, chainrule, chainrule.onnx; "
            "assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules; "
            "assert callable(chainrule.onnx.export)")
    root = os.path.dirname(os.path.dirname(chainrule.__file__))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120,
                   env=dict(os.environ, PYTHONPATH=root))


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_opsets_17_to_20(opset):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm, self.group = nn.LayerNorm(6), nn.GroupNorm(2, 4)

        def forward(self, x):
            y = self.group(x.reshape(x.shape[0], 4, -1).softmax(-1))
            return self.norm(y.reshape(x.shape[0], -1)[:, :6]).amax(1) + x.mean(1) + x.var(1)

    model, x = Net(), cr.randn(3, 8)
    f = io.BytesIO()
    cr.onnx.export(model, (x,), f, opset_version=opset, dynamic_axes={"input": [0]})
    proto = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == opset
    x = cr.randn(5, 8)
    (got,) = ort.InferenceSession(f.getvalue()).run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-5)


def test_opset_below_17_is_refused():
    with pytest.raises(ValueError, match="opset_version 13"):
        cr.onnx.export(MLP(), (cr.randn(2, 3),), io.BytesIO(), opset_version=13)


def test_numpy_view_of_a_traced_value_is_refused_not_frozen():
    class Sneaky(nn.Module):
        def forward(self, x):
            return x + cr.from_numpy(x.numpy()[:, ::-1])     # bypasses the recorded ops

    with pytest.raises(cr.onnx.ExportError, match="outside chainrule's recorded ops"):
        cr.onnx.export(Sneaky(), (cr.randn(2, 3),), io.BytesIO())


def test_writing_into_a_traced_value_by_index_is_refused():
    class Write(nn.Module):
        def forward(self, x):
            out = cr.zeros(x.shape[0], 3)
            out[:, 0] = x[:, 0]
            return out

    with pytest.raises(cr.onnx.ExportError, match="__setitem__"):
        cr.onnx.export(Write(), (cr.randn(2, 3),), io.BytesIO())


def test_torch_onnx_imports_under_chainrule_run_without_the_extra(tmp_path):
    script = tmp_path / "uses_torch_onnx.py"
    script.write_text(
        "import sys\n"
        "sys.modules['onnx'] = None          # as if chainrule[onnx] were not installed\n"
        "import torch\n"
        "import torch.onnx\n"
        "try:\n"
        "    torch.onnx.export(torch.nn.Linear(2, 2), torch.ones(1, 2), 'm.onnx')\n"
        "except ImportError as e:\n"
        "    print('needs:', e)\n")
    root = os.path.dirname(os.path.dirname(chainrule.__file__))      # this checkout's
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-m", "chainrule", "run", str(script)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "pip install 'chainrule[onnx]'" in out.stdout
    assert not (tmp_path / "m.onnx").exists()
