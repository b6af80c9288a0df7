"""torch.onnx's place: ``export`` writes a chainrule model as an ONNX file.

The onnx package is an optional extra (``pip install chainrule[onnx]``) and is imported only
when ``export`` is called, so ``import chainrule.onnx`` (and ``import torch.onnx`` under
``chainrule run``) costs nothing without it.

How: export.py runs the model once while tracer.py records it (Function.apply, Module.__call__
and a few other seams are swapped in for that call only); the converters (ops_*.py) write each
op or layer as ONNX nodes into graph.py's Graph. Python control flow is recorded as it ran (a
loop over ``range(T)`` unrolls at the example's T); shapes read from ``x.shape`` stay symbolic
(symint.py). Not exportable, with an ExportError naming the op and module: ops with
data-dependent output shapes (boolean-mask indexing, nonzero), training-mode statistics, index
writes into values computed from the inputs, and the few ops without a converter
(registry.function_converter tells).
"""
from .registry import ExportError
from .export import export  # (rebinds the name from the submodule to the function)

__all__ = ["export", "ExportError"]
