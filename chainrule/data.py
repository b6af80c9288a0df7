"""Alias of ``chainrule.utils.data`` (torch.utils.data's place), kept for existing code."""
import sys

from .utils import data as _data

sys.modules[__name__] = _data
