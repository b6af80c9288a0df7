"""ONNX export tests: skipped without the onnx / onnxruntime packages (the `test` extra)."""
import io

import numpy as np
import pytest

import chainrule


@pytest.fixture
def roundtrip():
    """export(model, example) then, for each input set, ONNX Runtime's output must equal
    chainrule's (float32, atol 1e-5). Returns the loaded ONNX model."""
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")

    def check(model, example, input_sets, input_names, output_names, dynamic_axes, atol=1e-5):
        f = io.BytesIO()
        chainrule.onnx.export(model, example, f, input_names=input_names,
                              output_names=output_names, dynamic_axes=dynamic_axes)
        proto = onnx.load_from_string(f.getvalue())
        onnx.checker.check_model(proto, full_check=True)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(f.getvalue(), options,
                                       providers=["CPUExecutionProvider"])
        model.eval()
        for inputs in input_sets:
            with chainrule.no_grad():
                expected = model(*inputs)
            expected = _flat(expected)
            feeds = {n: t.numpy() for n, t in zip(input_names, inputs)}
            got = session.run(output_names, feeds)
            assert len(got) == len(expected)
            for name, g, e in zip(output_names, got, expected):
                assert g.shape == e.shape, (name, g.shape, e.shape)
                assert g.dtype == e.dtype == np.float32, (name, g.dtype, e.dtype)
                np.testing.assert_allclose(g, e, rtol=0, atol=atol, err_msg=name)
        return proto
    return check


def _flat(out):
    if isinstance(out, chainrule.Tensor):
        return [out.numpy()]
    return [a for o in out for a in _flat(o)]
