"""The digits dataset, `chainrule demo` end to end, and the command line."""
import sys

import numpy as np
import pytest

import chainrule
from chainrule import cli, demo, metrics
from chainrule.datasets import load_digits
from chainrule.train import predict

pytest.importorskip("sklearn")


def test_load_digits_is_a_stratified_standardized_split():
    train, test = load_digits(seed=3)
    (xtr, ytr), (xte, yte) = train.tensors, test.tensors
    assert xtr.shape[1] == 64 and len(xtr) + len(xte) == 1797
    assert xtr.dtype == np.float32 and ytr.dtype == np.int64
    frac = np.bincount(yte.numpy()) / (np.bincount(ytr.numpy()) + np.bincount(yte.numpy()))
    assert np.all(np.abs(frac - 0.2) < 0.02)  # every class split 80/20
    mean = xtr.numpy().mean(0)
    assert np.allclose(mean, 0, atol=1e-5)  # statistics from the training part only
    again, _ = load_digits(seed=3)
    np.testing.assert_array_equal(again.tensors[0].numpy(), xtr.numpy())
    other, _ = load_digits(seed=4)
    assert not np.array_equal(other.tensors[1].numpy(), ytr.numpy())
    raw, _ = load_digits(standardize=False)
    assert raw.tensors[0].numpy().min() == 0 and raw.tensors[0].numpy().max() == 1
    with pytest.raises(ValueError, match="test_size"):
        load_digits(test_size=1.5)


def test_demo_end_to_end_writes_a_model_that_reloads(tmp_path, capsys):
    res = demo.run(epochs=3, out=str(tmp_path), progress=False)
    text = capsys.readouterr().out
    for word in ("test accuracy", "precision", "recall", "F1", "confusion matrix",
                 "macro avg", "model.safetensors", "training_curves.png"):
        assert word in text
    assert res["accuracy"] > 0.85  # three epochs already learn the digits
    assert (tmp_path / "training_curves.png").read_bytes()[:4] == b"\x89PNG"
    model = demo.build_model()
    model.load_state_dict(chainrule.load(tmp_path / "model.safetensors"))
    _, test = load_digits()
    x, y = test.tensors
    pred = predict(model, x).argmax(1).numpy()
    assert metrics.accuracy_score(y.numpy(), pred) == res["accuracy"]
    np.testing.assert_array_equal(metrics.confusion_matrix(y.numpy(), pred),
                                  res["confusion_matrix"])


def test_cli_demo_runs_and_reports(tmp_path, capsys):
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert (tmp_path / "model.safetensors").exists()


def test_cli_demo_without_scikit_learn_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert cli.main(["demo", "--out", str(tmp_path)]) == 1
    assert 'pip install "chainrule[datasets]"' in capsys.readouterr().err
    assert not (tmp_path / "model.safetensors").exists()
    with pytest.raises(ImportError, match=r"chainrule\[datasets\]"):
        load_digits()


def test_cli_help_lists_subcommands_and_rejects_bad_epochs(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "cheatsheet", "bench"):
        assert name in out
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--epochs", "0"])
    assert info.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_cli_delegates_report_a_missing_module(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "chainrule.cheatsheet", None)
    assert cli.main(["cheatsheet"]) == 1
    assert "cheatsheet is not available" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "benchmarks", None)
    assert cli.main(["bench"]) == 1
    assert "benchmarks" in capsys.readouterr().err


def test_example_train_your_own_runs(tmp_path, capsys):
    import runpy
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "examples" / "train_your_own.py"
    module = runpy.run_path(str(script))
    module["main"](out=str(tmp_path))
    out = capsys.readouterr().out
    assert "test:" in out and (tmp_path / "model.safetensors").exists()
    assert (tmp_path / "last.safetensors").exists()
