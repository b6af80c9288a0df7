"""Train your own classifier with chainrule: data, model, fit, metrics, checkpoints, resume.

Run: python examples/train_your_own.py   (about 15 s on 2 cores; writes to ./run_out/)
Swap in your own arrays for `make_spirals` and your own layers for `model`.
"""
import os

import numpy as np

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset, random_split
from chainrule.train import (EarlyStopping, ModelCheckpoint, evaluate, fit, load_checkpoint,
                             predict)


def make_spirals(n_per_class=300, classes=3, noise=0.08, seed=0):
    """Interleaved spiral arms: not separable by a straight line, easy for a small MLP."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.25, 1.0, (classes, n_per_class))
    angle = 4.0 * t + 2 * np.pi * np.arange(classes)[:, None] / classes
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], -1).reshape(-1, 2)
    x += noise * rng.standard_normal(x.shape)
    y = np.repeat(np.arange(classes), n_per_class)
    return x.astype(np.float32), y.astype(np.int64)


def build_model():
    return nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 3))


def main(out="run_out"):
    os.makedirs(out, exist_ok=True)
    chainrule.manual_seed(0)  # one seed fixes weights, dropout and the data order

    # 1. Data: any arrays -> Dataset -> train/validation/test splits -> mini-batches.
    x, y = make_spirals()
    train_set, val_set, test_set = random_split(TensorDataset(x, y), [0.7, 0.15, 0.15])
    train = DataLoader(train_set, batch_size=32, shuffle=True)
    val = DataLoader(val_set, batch_size=256)
    test = DataLoader(test_set, batch_size=256)

    # 2. Model, loss, optimizer, schedule: the same names and arguments as PyTorch.
    model = build_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3)

    # 3. Train with a progress bar, metrics, early stopping and an atomic checkpoint per epoch.
    ckpt = os.path.join(out, "last.safetensors")
    history = fit(model, train, loss_fn=loss_fn, optimizer=optimizer, epochs=40,
                  val_data=val, metrics=["accuracy", "f1"], scheduler=scheduler,
                  callbacks=[EarlyStopping(monitor="val_loss", patience=8,
                                           restore_best_weights=True),
                             ModelCheckpoint(ckpt, monitor="val_loss")])
    print("last epoch:", {k: round(v[-1], 4) for k, v in history.history.items()})

    # 4. Evaluate once on held-out data; predict returns the model's outputs as a Tensor.
    print("test:", evaluate(model, test, loss_fn, metrics=["accuracy", "precision", "recall",
                                                           "f1"]))
    probs = predict(model, x[::200]).softmax(dim=1)
    print("predicted classes:", probs.argmax(1).tolist(), "true:", y[::200].tolist())

    # 5. Save the weights (a plain state_dict file PyTorch can read too) and load them back.
    weights = os.path.join(out, "model.safetensors")
    chainrule.save(model.state_dict(), weights)
    again = build_model()
    again.load_state_dict(chainrule.load(weights))

    # 6. Resume an interrupted run: fresh objects, restore everything, continue where it was.
    model2 = build_model()
    optimizer2 = optim.Adam(model2.parameters(), lr=1e-2)
    scheduler2 = optim.lr_scheduler.ReduceLROnPlateau(optimizer2, factor=0.5, patience=3)
    state = load_checkpoint(ckpt, model2, optimizer2, scheduler2, train)
    fit(model2, train, loss_fn=loss_fn, optimizer=optimizer2, scheduler=scheduler2,
        epochs=state["epoch"] + 5, initial_epoch=state["epoch"], val_data=val,
        metrics=["accuracy"])

    try:
        history.plot(os.path.join(out, "curves.png"))
        print("wrote", os.path.join(out, "curves.png"))
    except ImportError as e:  # matplotlib is the optional `plot` extra
        print(e)


if __name__ == "__main__":
    main()
