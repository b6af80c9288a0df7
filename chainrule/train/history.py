"""History: the per-epoch numbers of a fit() call, and a plot of them."""
import os

from .callbacks import Callback
from .ranks import is_main_process

__all__ = ["History"]


class History(Callback):
    """Records every epoch's logs; fit() returns it.

    Attributes:
        history: dict mapping "loss", "accuracy", ..., "val_loss", "val_accuracy", ..., "lr"
            to a list with one value per epoch (as Keras's History.history).
        epoch: the epoch numbers (0-based) that were run.
    """

    def __init__(self):
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"

    def plot(self, path, keys=None):
        """Draw loss and each metric per epoch (training and validation) and save to ``path``.

        One panel per quantity: "loss" with "val_loss", "accuracy" with "val_accuracy", ...
        Needs matplotlib (``pip install "chainrule[plot]"``); uses the Agg renderer directly,
        so it works without a display and leaves pyplot's state alone. Under
        chainrule.distributed only rank 0 writes the file.

        Args:
            path: image file to write (format from the extension: .png, .svg, .pdf).
            keys: base names to draw (default: every scalar quantity logged except "lr").
        Returns:
            path.
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError('History.plot needs matplotlib: pip install "chainrule[plot]"') \
                from None
        if keys is None:
            keys = []
            for k, values in self.history.items():
                base = k[4:] if k.startswith("val_") else k
                if base != "lr" and base not in keys and all(
                        isinstance(v, (int, float)) for v in values):
                    keys.append(base)
        if not keys:
            raise ValueError("History.plot: nothing to plot; fit() has not recorded any "
                             "scalar values")
        if not is_main_process():   # under chainrule.distributed, rank 0 draws the figure
            return path
        fig = Figure(figsize=(4.2 * len(keys), 3.4), layout="constrained")
        axes = fig.subplots(1, len(keys), squeeze=False)[0]
        epochs = [e + 1 for e in self.epoch]
        for ax, key in zip(axes, keys):
            for name, label, style in ((key, "train", "-"), ("val_" + key, "validation", "--")):
                if name in self.history:
                    ax.plot(epochs[-len(self.history[name]):], self.history[name], style,
                            marker="o", markersize=3, label=label)
            ax.set_title(key)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            ax.legend()
        directory = os.path.dirname(os.path.abspath(os.fspath(path)))
        os.makedirs(directory, exist_ok=True)
        fig.savefig(path, dpi=110)
        return path
