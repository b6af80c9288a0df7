"""torch.onnx's place: ``export`` writes a chainrule model as an ONNX file.

The onnx package is an optional extra (``pip install chainrule[onnx]``) and is imported only
when ``export`` is called, so ``import chainrule.onnx`` (and ``import torch.onnx`` under
``chainrule run``) costs nothing without it.
"""
from .registry import ExportError
from .export import export  # (rebinds the name from the submodule to the function)

__all__ = ["export", "ExportError"]
