"""EarlyStopping, ModelCheckpoint and exact resumption from a checkpoint."""
import os

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import (EarlyStopping, ModelCheckpoint, fit, load_checkpoint,
                             save_checkpoint)

from ._problems import blobs, mlp


def _weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _feed(cb, values, key="val_loss", model=None):
    """Drive a callback through epochs with the given monitored values; returns epochs run."""
    cb.model = model or mlp()
    cb.on_train_begin({})
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {key: v, "loss": 1.0})
        if cb.stop_training:
            return epoch + 1
    return len(values)


def test_early_stopping_waits_patience_epochs_without_improvement():
    es = EarlyStopping(patience=2)
    assert _feed(es, [1.0, 0.9, 0.95, 0.96, 0.5]) == 4
    assert es.stopped_epoch == 3 and es.best == 0.9 and es.best_epoch == 1
    es = EarlyStopping(patience=2, min_delta=0.2)
    assert _feed(es, [1.0, 0.9, 0.85, 0.5]) == 3  # 0.9 and 0.85 are not better by 0.2
    es = EarlyStopping(monitor="val_accuracy", patience=1)  # auto mode: higher is better
    assert es.tracker.mode == "max"
    assert _feed(es, [0.5, 0.6, 0.7, 0.65, 0.66], key="val_accuracy") == 4
    es = EarlyStopping(monitor="val_accuracy", patience=1, mode="min")
    assert _feed(es, [0.5, 0.6, 0.7], key="val_accuracy") == 2
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="best")


def test_early_stopping_restores_best_weights():
    model = mlp()
    es = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    es.model = model
    es.on_train_begin({})
    snapshots = []
    for epoch, v in enumerate([3.0, 1.0, 2.0, 4.0]):
        with chainrule.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        snapshots.append(_weights(model))
        es.on_epoch_end(epoch, {"val_loss": v})
    es.on_train_end({})
    for k, v in _weights(model).items():
        np.testing.assert_array_equal(v, snapshots[1][k])


def test_early_stopping_in_fit_and_missing_monitor_error():
    x, y = blobs(64)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    model = mlp()
    es = EarlyStopping(monitor="loss", patience=2)
    h = fit(model, loader, loss_fn=nn.CrossEntropyLoss(), progress=False, epochs=20,
            optimizer=optim.SGD(model.parameters(), lr=0.0), callbacks=[es])
    assert len(h.history["loss"]) == 3 and es.stopped_epoch == 2
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not among .*pass val_data="):
        fit(model, loader, loss_fn=nn.CrossEntropyLoss(), progress=False,
            optimizer=optim.SGD(model.parameters(), lr=0.0), callbacks=[EarlyStopping()])


def test_model_checkpoint_best_only_and_path_template(tmp_path):
    ck = ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}-{val_loss:.1f}.safetensors"),
                         save_best_only=True, save_weights_only=True)
    _feed(ck, [1.0, 0.5, 0.7, 0.4])
    assert sorted(os.listdir(tmp_path)) == ["ck-01-1.0.safetensors", "ck-02-0.5.safetensors",
                                            "ck-04-0.4.safetensors"]
    assert ck.best == 0.4 and ck.last_path.endswith("ck-04-0.4.safetensors")


def test_model_checkpoint_files_load_back(tmp_path):
    model = mlp()
    weights = ModelCheckpoint(tmp_path / "w.safetensors", save_weights_only=True)
    full = ModelCheckpoint(tmp_path / "full.safetensors", monitor="loss")
    opt = optim.Adam(model.parameters())
    full.optimizer = opt
    _feed(weights, [1.0], model=model)
    _feed(full, [1.0], model=model)
    fresh = mlp()
    fresh.load_state_dict(chainrule.load(tmp_path / "w.safetensors"))
    for k, v in _weights(fresh).items():
        np.testing.assert_array_equal(v, _weights(model)[k])
    ckpt = chainrule.load(tmp_path / "full.safetensors")
    assert ckpt["epoch"] == 1 and {"model", "optimizer", "rng"} <= set(ckpt)
    with pytest.raises(ValueError, match="holds no training checkpoint"):
        load_checkpoint(tmp_path / "w.safetensors", fresh)
    with pytest.raises(ValueError, match="cannot fill in path"):
        _feed(ModelCheckpoint(tmp_path / "{nope}.safetensors"), [1.0])


def _setup(seed, x, y):
    chainrule.manual_seed(seed)
    model = mlp(dropout=0.3)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    return model, opt, sched, loader


def _train(model, opt, sched, loader, val, epochs, **kw):
    return fit(model, loader, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, scheduler=sched,
               epochs=epochs, val_data=val, metrics=["accuracy"], progress=False, **kw)


@pytest.mark.parametrize("restore_rng", [True, False])
def test_resume_from_checkpoint_is_bit_identical(tmp_path, restore_rng):
    x, y = blobs(96)
    val = DataLoader(TensorDataset(*blobs(40, seed=5)), batch_size=40)
    straight = _setup(0, x, y)
    h_straight = _train(*straight, val, epochs=4)

    first = _setup(0, x, y)
    path = tmp_path / "ckpt.safetensors"
    _train(*first, val, epochs=2, callbacks=[ModelCheckpoint(path, monitor="loss")])
    chainrule.manual_seed(12345)  # the process dies; a new one starts elsewhere
    chainrule.randn(7)
    model, opt, sched, loader = _setup(1, x, y)
    ckpt = load_checkpoint(path, model, opt, sched, loader, restore_rng=restore_rng)
    assert ckpt["epoch"] == 2
    h_resumed = _train(model, opt, sched, loader, val, epochs=4, initial_epoch=ckpt["epoch"])

    w_straight, w_resumed = _weights(straight[0]), _weights(model)
    assert list(w_straight) == list(w_resumed)
    same = all(np.array_equal(w_straight[k], w_resumed[k]) for k in w_straight)
    if not restore_rng:  # dropout masks differ: proves the test can see a difference
        assert not same
        return
    assert same
    assert h_resumed.history["loss"] == h_straight.history["loss"][2:]
    assert h_resumed.history["lr"] == h_straight.history["lr"][2:]
    s1, s2 = straight[1].state_dict(), opt.state_dict()
    for i, state in s1["state"].items():
        for k, v in state.items():
            np.testing.assert_array_equal(np.asarray(v), np.asarray(s2["state"][i][k]))


def test_save_checkpoint_with_plateau_scheduler_round_trips(tmp_path):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    for v in (1.0, 2.0, 3.0):
        sched.step(v)
    save_checkpoint(tmp_path / "p.safetensors", model, opt, sched, epoch=3)
    opt2 = optim.SGD(mlp().parameters(), lr=0.1)
    sched2 = optim.lr_scheduler.ReduceLROnPlateau(opt2, patience=0)
    load_checkpoint(tmp_path / "p.safetensors", mlp(), opt2, sched2)
    assert opt2.param_groups[0]["lr"] == pytest.approx(opt.param_groups[0]["lr"])
    assert sched2.best == sched.best and sched2.num_bad_epochs == sched.num_bad_epochs
