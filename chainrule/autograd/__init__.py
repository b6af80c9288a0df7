"""Reverse-mode automatic differentiation: the chain rule, applied by a graph walk."""
from .function import Function
from .gradcheck import GradcheckError, grad, gradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)

__all__ = ["Function", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]
