"""torch.backends's switches that CPU-only programs set: accepted, with no effect."""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
