"""TensorBoard callback: every logged number of every epoch as a TensorBoard scalar."""
from .callbacks import Callback
from .ranks import is_main_process

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Write fit()'s epoch logs (loss, val_loss, metrics, lr) to TensorBoard event files.

    Args:
        log_dir: the folder for the event files (default: SummaryWriter's ``runs/...``).
        log_batches: also write each batch's loss, as ``batch/loss`` by global batch number.
    Attributes:
        writer: the SummaryWriter (open during training).
    """

    def __init__(self, log_dir=None, log_batches=False):
        self.log_dir, self.log_batches = log_dir, log_batches
        self.writer, self._batches = None, 0

    def on_train_begin(self, logs=None):
        if not is_main_process():   # under chainrule.distributed, rank 0 writes
            self.log_batches = False
            self.on_epoch_end = lambda epoch, logs=None: None
            return
        from ..utils.tensorboard import SummaryWriter
        self.writer = SummaryWriter(self.log_dir)

    def on_batch_end(self, batch, logs=None):
        if self.log_batches and logs and "loss" in logs:
            self.writer.add_scalar("batch/loss", logs["loss"], self._batches)
        self._batches += 1

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            try:
                self.writer.add_scalar(name, value, epoch)
            except ValueError:   # non-scalar entries (none today) are not curves
                continue
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
