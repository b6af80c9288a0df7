"""A per-epoch progress bar: tqdm when installed, else a small built-in one; silent off a tty."""
import sys
import time

__all__ = ["progress_bar", "format_logs"]


def format_logs(logs):
    """'loss=0.1234 accuracy=0.9700' for the scalar entries of ``logs``."""
    parts = []
    for k, v in logs.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{k}={v:.4g}" if k == "lr" else f"{k}={v:.4f}")
    return " ".join(parts)


class _Silent:
    def update(self, logs):
        pass

    def close(self, logs):
        pass


class _Tqdm:
    def __init__(self, tqdm, total, desc, stream):
        self.bar = tqdm(total=total, desc=desc, unit="batch", file=stream, leave=True,
                        dynamic_ncols=True)

    def update(self, logs):
        self.bar.set_postfix_str(format_logs(logs), refresh=False)
        self.bar.update(1)

    def close(self, logs):
        self.bar.set_postfix_str(format_logs(logs), refresh=False)
        self.bar.close()


class _Simple:
    """``Epoch 2/10 [=========>    ] 30/45 loss=0.2134 accuracy=0.9410``, redrawn at most 10x/s."""

    width = 24

    def __init__(self, total, desc, stream):
        self.total, self.desc, self.stream = total, desc, stream
        self.n, self.last, self.start = 0, 0.0, time.perf_counter()

    def _draw(self, logs, end=""):
        if self.total:
            filled = int(self.width * self.n / self.total)
            bar = "=" * filled + (">" if filled < self.width else "") + \
                " " * (self.width - filled - 1)
            count = f"[{bar[:self.width]}] {self.n}/{self.total}"
        else:
            count = f"{self.n}"
        secs = time.perf_counter() - self.start
        self.stream.write(f"\r{self.desc} {count} {secs:.1f}s {format_logs(logs)}\x1b[K{end}")
        self.stream.flush()

    def update(self, logs):
        self.n += 1
        now = time.perf_counter()
        if now - self.last >= 0.1:
            self.last = now
            self._draw(logs)

    def close(self, logs):
        self._draw(logs, end="\n")


def progress_bar(total, desc, enabled=True, stream=None):
    """A bar for one epoch of ``total`` batches (None if unknown); no output unless ``enabled``
    and ``stream`` (default stdout) is a terminal, so logs and pipes stay clean."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if not enabled or not (isatty and isatty()):
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Simple(total, desc, stream)
    return _Tqdm(tqdm, total, desc, stream)
