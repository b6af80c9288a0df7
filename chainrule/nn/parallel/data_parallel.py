"""DataParallel on the CPU: there is one device, so it wraps the module and calls it."""
from ..module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wraps ``module`` as torch.nn.DataParallel does; with one CPU device it simply calls it.

    The state_dict keys get the ``module.`` prefix, as torch's, so checkpoints saved from a
    wrapped model load into a wrapped model.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

