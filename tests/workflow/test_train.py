"""fit / evaluate / predict, History, metrics by name, progress output."""
import io as _io

import numpy as np
import pytest

import chainrule
from chainrule import metrics, nn, optim
from chainrule.autograd import is_grad_enabled
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import Callback, History, evaluate, fit, predict
from chainrule.train.progress import progress_bar

from ._problems import mlp


def _fit(model, train, **kw):
    kw.setdefault("loss_fn", nn.CrossEntropyLoss())
    kw.setdefault("optimizer", optim.Adam(model.parameters(), lr=1e-2))
    kw.setdefault("progress", False)
    return fit(model, train, **kw)


def test_fit_learns_and_history_has_keras_keys(problem):
    train, val, (x, y, xv, yv) = problem
    model = mlp()
    before = evaluate(model, val, nn.CrossEntropyLoss(), ["accuracy"])
    h = _fit(model, train, epochs=5, val_data=val, metrics=["accuracy", "f1"])
    assert isinstance(h, History)
    assert set(h.history) == {"loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1",
                              "lr"}
    assert all(len(v) == 5 for v in h.history.values()) and h.epoch == [0, 1, 2, 3, 4]
    assert h.history["loss"][-1] < h.history["loss"][0]
    after = evaluate(model, val, nn.CrossEntropyLoss(), ["accuracy"])
    assert after["loss"] < before["loss"] and after["accuracy"] > 0.9
    assert after["loss"] == pytest.approx(h.history["val_loss"][-1], rel=1e-6)


def test_evaluate_and_predict_match_direct_computation(problem):
    train, val, (x, y, xv, yv) = problem
    model = mlp()
    _fit(model, train, epochs=2)
    out = predict(model, val)
    assert isinstance(out, chainrule.Tensor) and out.shape == (90, 3)
    assert not out.requires_grad
    np.testing.assert_allclose(out.numpy(), predict(model, xv).numpy(), rtol=1e-6)
    pred = out.numpy().argmax(1)
    res = evaluate(model, val, nn.CrossEntropyLoss(),
                   ["accuracy", "precision", "recall", "f1"])
    assert res["accuracy"] == pytest.approx(metrics.accuracy_score(yv, pred))
    for name, fn in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                     ("f1", metrics.f1_score)):
        assert res[name] == pytest.approx(fn(yv, pred, average="macro", zero_division=0))
    ce = nn.CrossEntropyLoss()(out, chainrule.tensor(yv)).item()
    assert res["loss"] == pytest.approx(ce, rel=1e-5)
    # an (x, y) pair works as data too, and metric objects are accepted
    res2 = evaluate(model, (xv, yv), metrics=[metrics.F1Score(3, average="weighted")])
    assert res2["f1_score"] == pytest.approx(metrics.f1_score(yv, pred, average="weighted"))


class _Spy(nn.Module):
    """Records (training flag, grad mode) at each forward."""

    def __init__(self):
        super().__init__()
        self.inner = mlp()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, is_grad_enabled()))
        return self.inner(x)


def test_fit_sets_train_mode_and_validates_in_eval_mode_without_grad(problem):
    train, val, _ = problem
    model = _Spy()
    model.eval()
    _fit(model, train, epochs=1, val_data=val)
    n_train = len(train)
    assert model.calls[:n_train] == [(True, True)] * n_train
    assert model.calls[n_train:] == [(False, False)] * len(val)
    model.calls.clear()
    model.train()
    predict(model, val)
    evaluate(model, val)
    assert all(c == (False, False) for c in model.calls)
    assert model.training  # evaluate/predict restore the mode they found


def test_clip_grad_norm_is_applied_before_each_step(problem):
    train, _, _ = problem
    model = mlp()
    norms = []

    class GradNorm(Callback):
        def on_batch_end(self, batch, logs=None):
            norms.append(np.sqrt(sum((p.grad.numpy() ** 2).sum()
                                     for p in self.model.parameters())))
    _fit(model, train, epochs=1, clip_grad_norm=0.05, callbacks=[GradNorm()],
         optimizer=optim.SGD(model.parameters(), lr=0.1))
    assert len(norms) == len(train) and max(norms) <= 0.05 * (1 + 1e-5)


def test_scheduler_steps_per_epoch_and_plateau_gets_the_monitored_loss(problem):
    train, val, _ = problem
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = _fit(model, train, epochs=3, optimizer=opt,
             scheduler=optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    assert h.history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    seen = []

    class Plateau(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)
    opt = optim.SGD(model.parameters(), lr=0.0)
    h = _fit(model, train, epochs=2, val_data=val, optimizer=opt, scheduler=Plateau(opt))
    assert seen == h.history["val_loss"]


def test_user_errors_are_clear(problem):
    train, val, (x, y, _, _) = problem
    model = mlp()
    with pytest.raises(ValueError, match=r"fit: unknown metric 'acuracy'"):
        _fit(model, train, metrics=["acuracy"])
    with pytest.raises(ValueError, match=r"\(inputs, targets\) pair; got a list of 3"):
        _fit(model, [[chainrule.tensor(x), chainrule.tensor(y), chainrule.tensor(y)]])
    with pytest.raises(TypeError, match="loss_fn"):
        fit(model, train, loss_fn=None, optimizer=optim.SGD(model.parameters(), lr=0.1))
    bad = DataLoader(TensorDataset(np.full((4, 4), np.nan, np.float32), np.zeros(4, np.int64)))
    with pytest.raises(FloatingPointError, match="loss became nan at batch 0"):
        _fit(model, bad)
    with pytest.raises(ValueError, match="no batches"):
        _fit(model, DataLoader(TensorDataset(x[:3], y[:3]), batch_size=4, drop_last=True))
    with pytest.raises(ValueError, match="precision.*F1Score|precision.*class scores"):
        evaluate(lambda t: chainrule.tensor(y[:len(t)]).long(), (x, y), metrics=["precision"])


def test_progress_is_silent_off_a_terminal(problem, capsys):
    train, val, _ = problem
    _fit(mlp(), train, epochs=1, val_data=val, metrics=["accuracy"], progress=True)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


class _TTY(_io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("use_tqdm", [True, False])
def test_progress_bar_on_a_terminal_shows_loss_and_metrics(monkeypatch, use_tqdm):
    if not use_tqdm:
        import sys
        monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    stream = _TTY()
    bar = progress_bar(3, "Epoch 1/2", True, stream)
    for i in range(3):
        bar.update({"loss": 1.0 / (i + 1)})
    bar.close({"loss": 0.25, "accuracy": 0.5, "val_loss": 0.3})
    text = stream.getvalue()
    assert "Epoch 1/2" in text and "loss=0.2500" in text and "accuracy=0.5000" in text
    assert "val_loss=0.3000" in text and "3/3" in text
    assert progress_bar(3, "x", False, _TTY()).__class__.__name__ == "_Silent"


def test_fit_draws_a_bar_per_epoch_on_a_terminal(problem, monkeypatch):
    train, val, _ = problem
    stream = _TTY()
    monkeypatch.setattr("sys.stdout", stream)
    _fit(mlp(), train, epochs=2, val_data=val, metrics=["accuracy"], progress=True)
    text = stream.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text and "val_accuracy=" in text
    stream = _TTY()
    monkeypatch.setattr("sys.stdout", stream)
    _fit(mlp(), train, epochs=1, progress=False)
    assert stream.getvalue() == ""


def test_history_plot_writes_an_image_and_names_the_extra(tmp_path, monkeypatch):
    h = History()
    for e, (loss, vl, a) in enumerate([(1.0, 1.1, 0.5), (0.5, 0.7, 0.8), (0.3, 0.6, 0.9)]):
        h.on_epoch_end(e, {"loss": loss, "val_loss": vl, "accuracy": a, "lr": 0.1})
    path = h.plot(tmp_path / "sub" / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[plot\]"'):
        h.plot(tmp_path / "again.png")
