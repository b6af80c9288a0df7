"""SummaryWriter and the TensorBoard callback: write event files, read them back with
TensorBoard's own EventAccumulator."""
import os

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.train import TensorBoard, fit
from chainrule.utils.tensorboard import SummaryWriter

from ._problems import blobs, mlp

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    return acc


def test_scalars_histogram_and_text_read_back(tmp_path):
    values = np.random.default_rng(0).standard_normal(1000)
    with SummaryWriter(log_dir=tmp_path) as w:
        for step, loss in enumerate([1.5, 0.75, 0.25]):
            w.add_scalar("train/loss", chainrule.tensor(loss), step)
        w.add_scalar("lr", np.float32(0.125), global_step=chainrule.tensor(7))
        w.add_histogram("weights", chainrule.tensor(values), 2)
        w.add_text("notes", "hello *tensorboard*", 1)
    acc = _read(tmp_path)
    loss = acc.Scalars("train/loss")
    assert [e.step for e in loss] == [0, 1, 2]
    assert [e.value for e in loss] == [1.5, 0.75, 0.25]
    assert [(e.step, e.value) for e in acc.Scalars("lr")] == [(7, 0.125)]
    histo = acc.Histograms("weights")[0]
    assert histo.step == 2 and histo.histogram_value.num == 1000
    assert histo.histogram_value.min == pytest.approx(values.min())
    assert histo.histogram_value.sum == pytest.approx(values.sum())
    assert sum(histo.histogram_value.bucket) == 1000
    text = acc.Tensors("notes")[0]
    assert text.step == 1 and text.tensor_proto.string_val == [b"hello *tensorboard*"]


def test_add_scalars_writes_one_folder_per_series(tmp_path):
    w = SummaryWriter(str(tmp_path))
    for step in range(3):
        w.add_scalars("loss", {"train": 1.0 / (step + 1), "val": 2.0 / (step + 1)}, step)
    w.flush()
    for name, scale in (("train", 1.0), ("val", 2.0)):
        series = _read(tmp_path / f"loss_{name}").Scalars("loss")
        assert [e.value for e in series] == pytest.approx([scale, scale / 2, scale / 3])
    w.close()


def test_default_log_dir_and_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_exp")
    assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_exp")
    with pytest.raises(ValueError, match="add_scalar: scalar_value"):
        w.add_scalar("x", np.zeros(3))
    with pytest.raises(ValueError, match="add_histogram: .*NaN"):
        w.add_histogram("h", np.array([1.0, np.nan]))
    w.close()
    with pytest.raises(RuntimeError, match="closed"):
        w.add_scalar("x", 1.0)


def test_tensorboard_callback_logs_every_epoch(tmp_path):
    x, y = blobs(64)
    chainrule.manual_seed(0)
    model = mlp()
    loader = chainrule.utils.data.DataLoader(chainrule.utils.data.TensorDataset(x, y),
                                             batch_size=16)
    cb = TensorBoard(tmp_path, log_batches=True)
    history = fit(model, loader, loss_fn=nn.CrossEntropyLoss(), epochs=3, progress=False,
                  optimizer=optim.SGD(model.parameters(), lr=0.1), callbacks=[cb])
    acc = _read(tmp_path)
    logged = acc.Scalars("loss")
    assert [e.step for e in logged] == [0, 1, 2]
    assert [e.value for e in logged] == pytest.approx(history.history["loss"], rel=1e-6)
    assert len(acc.Scalars("batch/loss")) == 3 * len(loader)
