"""`chainrule demo`: train a digit classifier end to end and report how good it is.

Data in (scikit-learn's 8x8 digits, stratified 80/20 split), an MLP 64-256-128-10 with dropout
trained by Adam with a cosine learning-rate schedule, a progress bar, then test accuracy,
macro precision / recall / F1, the confusion matrix and per-class report, and the model and its
training curves written to disk.
"""
import contextlib
import os
import sys
import time

__all__ = ["build_model", "run"]

_INSTALL_HINT = 'pip install "chainrule[datasets]"'


def build_model(dropout=0.3):
    """The demo's MLP: 64 pixels -> 256 -> 128 -> 10 class scores, ReLU and dropout between."""
    from . import nn
    return nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(256, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10),
    )


def _one_blas_thread():
    """Run BLAS single-threaded: the demo's matrices are tiny (32 x 256), where extra BLAS
    threads only add synchronization, and on a busy machine they cost ten times the work.
    threadpoolctl comes with scikit-learn, which the demo needs anyway."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _format_matrix(cm):
    width = max(4, len(str(cm.max())) + 1)
    head = "true\\pred " + "".join(f"{j:>{width}}" for j in range(cm.shape[1]))
    rows = [f"{i:>9} " + "".join(f"{v:>{width}}" for v in row) for i, row in enumerate(cm)]
    return "\n".join([head] + rows)


def _epoch_lines(stream, epochs):
    """A callback printing one line per epoch, for when there is no terminal for a bar."""
    from .train import Callback
    from .train.progress import format_logs

    class EpochLine(Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch {epoch + 1:>3}/{epochs} {format_logs(logs or {})}", file=stream,
                  flush=True)
    return EpochLine()


def run(epochs=50, out="demo_out", seed=0, progress=True, stream=None):
    """Train, evaluate and save the digits classifier.

    Args:
        epochs: passes over the training data.
        out: directory for model.safetensors and training_curves.png (created if needed).
        seed: seeds the data split, the weights, dropout and the shuffling.
        progress: show a progress bar per epoch (on a terminal).
        stream: where the report goes (default stdout).
    Returns:
        dict with "accuracy", "precision", "recall", "f1", "confusion_matrix", "seconds",
        "model_path", "plot_path" (None when matplotlib is missing).
    Raises:
        ImportError when scikit-learn (which ships the data) is missing.
    """
    import chainrule
    from . import metrics, nn, optim
    from .utils.data import DataLoader, random_split
    from .datasets import load_digits
    from .train import fit, predict

    stream = stream or sys.stdout
    start = time.perf_counter()
    chainrule.manual_seed(seed)
    train_set, test_set = load_digits(test_size=0.2, seed=seed)
    # 10% of the training part watches for overfitting; the test part is touched once, at the end.
    fit_set, val_set = random_split(train_set, [0.9, 0.1], generator=chainrule.Generator(seed))
    train_loader = DataLoader(fit_set, batch_size=32, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=512)
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    print(f"chainrule demo: digits 8x8, {len(fit_set)} train / {len(val_set)} validation / "
          f"{len(test_set)} test images; MLP 64-256-128-10, Adam, {epochs} epochs",
          file=stream)
    isatty = getattr(stream, "isatty", None)
    quiet_terminal = not (progress and isatty and isatty())
    with _one_blas_thread():
        history = fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer,
                      epochs=epochs, val_data=val_loader, metrics=["accuracy"],
                      scheduler=scheduler, progress=progress,
                      callbacks=[_epoch_lines(stream, epochs)] if quiet_terminal and progress
                      else [])

    x_test, y_test = test_set.tensors
    y_pred = predict(model, x_test).argmax(1).numpy()
    y_true = y_test.numpy()
    res = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "precision": metrics.precision_score(y_true, y_pred, average="macro", zero_division=0),
        "recall": metrics.recall_score(y_true, y_pred, average="macro", zero_division=0),
        "f1": metrics.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred),
    }
    print(f"\ntest accuracy {res['accuracy']:.4f}   precision {res['precision']:.4f}   "
          f"recall {res['recall']:.4f}   F1 {res['f1']:.4f}   (macro averages over 10 classes)",
          file=stream)
    print("\nconfusion matrix (rows: true digit, columns: predicted digit)\n" +
          _format_matrix(res["confusion_matrix"]), file=stream)
    print("\n" + metrics.classification_report(y_true, y_pred, digits=4, zero_division=0),
          file=stream)

    os.makedirs(out, exist_ok=True)
    res["model_path"] = os.path.join(out, "model.safetensors")
    chainrule.save(model.state_dict(), res["model_path"])
    res["plot_path"] = os.path.join(out, "training_curves.png")
    try:
        history.plot(res["plot_path"])
    except ImportError:
        res["plot_path"] = None
    res["seconds"] = time.perf_counter() - start
    print(f"wrote {res['model_path']}", file=stream)
    if res["plot_path"]:
        print(f"wrote {res['plot_path']}", file=stream)
    else:
        print('skipped training_curves.png: matplotlib is missing (pip install '
              '"chainrule[plot]")', file=stream)
    print(f"done in {res['seconds']:.1f} s", file=stream)
    return res


def main(epochs=50, out="demo_out", seed=0, progress=True):
    """Command-line entry: returns the exit status (1 when scikit-learn is missing)."""
    try:
        import sklearn  # noqa: F401  (the digits ship with scikit-learn)
    except ImportError:
        print(f"chainrule demo needs scikit-learn for the digits data: {_INSTALL_HINT}",
              file=sys.stderr)
        return 1
    run(epochs=epochs, out=out, seed=seed, progress=progress)
    return 0
