"""torch.utils.tensorboard's SummaryWriter, writing real event files through the tensorboard
package (the optional extra ``chainrule[tensorboard]``, imported when a writer is made)."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
