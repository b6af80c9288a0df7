"""SummaryWriter: scalars, histograms and text into TensorBoard event files.

The records are tensorboard's own protos written by its own EventFileWriter, so TensorBoard
and its EventAccumulator read them as they read PyTorch's.
"""
import numbers
import os
import socket
import time
from datetime import datetime

from ..._backend import xp

__all__ = ["SummaryWriter"]


def _tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
        from tensorboard.compat.proto import tensor_shape_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError("SummaryWriter needs the tensorboard package: "
                          "pip install 'chainrule[tensorboard]'") from None
    return event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, EventFileWriter


def _array(value):
    return xp.asarray(value._data if hasattr(value, "_data") else value)


def _scalar(value, op, what="scalar_value"):
    if isinstance(value, numbers.Real):
        return float(value)
    array = _array(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"{op}: {what} must be a number or a one-element tensor; got "
                         f"{type(value).__name__} of shape {tuple(array.shape)}")
    return float(array.reshape(()))


def _step(global_step, op):
    return 0 if global_step is None else int(_scalar(global_step, op, "global_step"))


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir``.

    Args:
        log_dir: the folder (default: ``runs/<date>_<hostname><comment>``, as torch).
        comment: appended to the default folder name (ignored when log_dir is given).
        purge_step: accepted for torch compatibility; not applied.
        max_queue: events buffered before a write.
        flush_secs: seconds between automatic flushes.
        filename_suffix: appended to the event file's name.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        self._pb = _tensorboard()
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        self._options = dict(max_queue_size=max_queue, flush_secs=flush_secs,
                             filename_suffix=filename_suffix)
        self._writer = self._pb[4](self.log_dir, **self._options)
        self._scalar_writers = {}   # add_scalars: one sub-folder per series, as torch
        self._closed = False

    def get_logdir(self):
        return self.log_dir

    def _event(self, writer, value, global_step, walltime, op):
        if self._closed:
            raise RuntimeError(f"{op}: the SummaryWriter is closed")
        event_pb2, summary_pb2 = self._pb[0], self._pb[1]
        event = event_pb2.Event(wall_time=time.time() if walltime is None else walltime,
                                step=_step(global_step, op),
                                summary=summary_pb2.Summary(value=[value]))
        writer.add_event(event)

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One point of the curve ``tag``."""
        value = self._pb[1].Summary.Value(tag=tag,
                                          simple_value=_scalar(scalar_value, "add_scalar"))
        self._event(self._writer, value, global_step, walltime, "add_scalar")

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves on one chart: each goes to ``log_dir/<main_tag>_<tag>`` (torch's
        layout), under the tag ``main_tag``."""
        for tag, scalar in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{tag}")
            if folder not in self._scalar_writers:
                self._scalar_writers[folder] = self._pb[4](folder, **self._options)
            value = self._pb[1].Summary.Value(tag=main_tag,
                                              simple_value=_scalar(scalar, "add_scalars"))
            self._event(self._scalar_writers[folder], value, global_step, walltime,
                        "add_scalars")

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """The distribution of ``values``. ``bins`` is what numpy.histogram takes (a count, an
        edge list or a rule name); torch's default "tensorflow" uses numpy's "auto" rule."""
        array = _array(values).astype(xp.float64).ravel()
        if array.size == 0:
            raise ValueError("add_histogram: values is empty")
        if not xp.isfinite(array).all():
            raise ValueError(f"add_histogram: values of {tag!r} hold NaN or inf")
        counts, edges = xp.histogram(array, bins="auto" if bins == "tensorflow" else bins)
        if max_bins is not None and len(counts) > max_bins:
            counts, edges = xp.histogram(array, bins=int(max_bins))
        histo = self._pb[1].HistogramProto(
            min=float(array.min()), max=float(array.max()), num=float(array.size),
            sum=float(array.sum()), sum_squares=float(array @ array),
            bucket_limit=edges[1:].tolist(), bucket=counts.astype(xp.float64).tolist())
        value = self._pb[1].Summary.Value(tag=tag, histo=histo)
        self._event(self._writer, value, global_step, walltime, "add_histogram")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """A piece of (Markdown) text, shown by TensorBoard's text plugin."""
        _, summary_pb2, tensor_pb2, shape_pb2, _ = self._pb
        metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
        tensor = tensor_pb2.TensorProto(
            dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")],
            tensor_shape=shape_pb2.TensorShapeProto(
                dim=[shape_pb2.TensorShapeProto.Dim(size=1)]))
        value = summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor)
        self._event(self._writer, value, global_step, walltime, "add_text")

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        raise NotImplementedError("SummaryWriter.add_graph: chainrule has no graph tracer; "
                                  "log scalars, histograms and text")

    def flush(self):
        """Write everything buffered to disk."""
        for writer in (self._writer, *self._scalar_writers.values()):
            writer.flush()

    def close(self):
        """Flush and close the event files (further add_* calls raise)."""
        if self._closed:
            return
        for writer in (self._writer, *self._scalar_writers.values()):
            writer.close()
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
