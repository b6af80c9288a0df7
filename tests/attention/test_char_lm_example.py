"""examples/char_lm.py runs end to end for a few seconds, for both models, and its training
loss falls well below the uniform guess (4.17 nats)."""
import importlib.util
import json
import pathlib

import pytest


@pytest.fixture(scope="module")
def example():
    path = pathlib.Path(__file__).parents[2] / "examples" / "char_lm.py"
    spec = importlib.util.spec_from_file_location("char_lm_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("model", ["lstm", "gpt"])
def test_example_runs_and_the_loss_falls(example, tmp_path, model):
    # a tiny model for 40 steps (a few seconds); --minutes bounds it on a slow machine
    result = example.main(("--model", model, "--minutes", "0.5", "--steps", "40", "--width",
                           "32", "--layers", "1", "--heads", "2", "--block", "32", "--batch",
                           "16", "--lr", "1e-2", "--warmup", "5", "--eval-every", "20",
                           "--eval-windows", "8", "--final-windows", "32", "--sample-len", "20",
                           "--no-progress", "--out", str(tmp_path)))
    assert result["steps"] == 40
    assert result["first_loss"] > 4.0                  # about ln 65 = 4.17 at the start
    assert result["train_loss"] < result["first_loss"] - 0.8
    assert result["val_loss"] < 3.6
    assert len(result["sample"]) == 20
    saved = json.loads((tmp_path / f"{model}.json").read_text())
    assert saved["steps"] == 40 and (tmp_path / f"{model}.pt").exists()
