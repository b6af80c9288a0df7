"""The metrics fit() and evaluate() track: names or streaming metric objects, resolved once.

By name: "accuracy" (or "acc"), "precision", "recall", "f1". Precision, recall and F1 read the
number of classes from the first batch of model outputs, shape (N, C): with C > 2 they are
macro averages (the unweighted mean over classes, each class counting equally), with C == 2 or
1-D binary scores they score the positive class 1. Classes with no predicted (or true) samples
score 0 rather than warning. Any object with ``update(preds, target)``, ``compute()`` and
``reset()`` works too (e.g. ``chainrule.metrics.F1Score(10, average="weighted")``).
"""
import copy
import re

__all__ = ["MetricSet"]

_ALIASES = {"accuracy": "accuracy", "acc": "accuracy", "precision": "precision",
            "recall": "recall", "f1": "f1", "f1_score": "f1"}


class _ByName:
    """A named metric whose streaming object is built from the first batch's shape."""

    def __init__(self, name):
        self.kind = _ALIASES[name]
        self.metric = None

    def _build(self, preds):
        from .. import metrics
        if self.kind == "accuracy":
            return metrics.Accuracy()
        cls = {"precision": metrics.Precision, "recall": metrics.Recall,
               "f1": metrics.F1Score}[self.kind]
        shape = tuple(preds.shape)
        floating = preds.dtype.kind == "f"
        if floating and (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            return cls(2, average="binary", zero_division=0)
        if floating and len(shape) == 2 and shape[1] >= 2:
            average = "binary" if shape[1] == 2 else "macro"
            return cls(shape[1], average=average, zero_division=0)
        raise ValueError(f"metric {self.kind!r}: by name it needs class scores of shape (N, C) "
                         f"or binary scores (N,) from the model, got {preds.dtype} of shape "
                         f"{shape}; pass e.g. chainrule.metrics.F1Score(num_classes, "
                         "average='macro') instead")

    def update(self, preds, target):
        if self.metric is None:
            self.metric = self._build(preds)
        self.metric.update(preds, target)

    def compute(self):
        return self.metric.compute()

    def reset(self):
        if self.metric is not None:
            self.metric.reset()


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _resolve(metrics):
    if isinstance(metrics, dict):
        pairs = list(metrics.items())
    else:
        if isinstance(metrics, str) or hasattr(metrics, "update"):
            metrics = [metrics]
        pairs = []
        for m in metrics:
            if isinstance(m, str):
                if m not in _ALIASES:
                    raise ValueError(f"fit: unknown metric {m!r}; use one of accuracy, "
                                     "precision, recall, f1 or a metric object")
                pairs.append((_ALIASES[m], m))
            else:
                pairs.append((getattr(m, "name", None) or _snake(type(m).__name__), m))
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError(f"fit: metric names must be unique; got {names} (pass a dict "
                         "{name: metric} to name them)")
    for name, m in pairs:
        if not isinstance(m, str) and not all(hasattr(m, a) for a in
                                              ("update", "compute", "reset")):
            raise TypeError(f"fit: metric {name!r} must be a name or an object with update(), "
                            f"compute() and reset(); got {type(m).__name__}")
    return pairs


class MetricSet:
    """Fresh copies of the requested metrics, updated per batch and read per epoch."""

    def __init__(self, metrics):
        self.items = [(name, _ByName(m) if isinstance(m, str) else copy.deepcopy(m))
                      for name, m in _resolve(metrics)]
        self.reset()

    def __bool__(self):
        return bool(self.items)

    def reset(self):
        self.seen = False
        for _, m in self.items:
            m.reset()

    def update(self, preds, target):
        self.seen = True
        for _, m in self.items:
            m.update(preds, target)

    def compute(self, prefix=""):
        if not self.seen:
            return {}
        out = {}
        for name, m in self.items:
            value = m.compute()
            out[prefix + name] = float(value) if getattr(value, "ndim", 0) == 0 else value
        return out
