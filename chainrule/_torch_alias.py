"""Make ``import torch`` (and every ``torch.*`` submodule) resolve to chainrule, for one process.

``torch_alias()`` installs a meta-path finder first in ``sys.meta_path``. Importing
``torch.X.Y`` imports ``chainrule.X.Y`` and returns a thin module view of it named
``torch.X.Y``: attribute reads and writes go through to the chainrule module, so
``torch.nn.Linear is chainrule.nn.Linear`` and ``torch.backends.cudnn.benchmark = True`` sets
chainrule's flag. What chainrule lacks fails on the spot, by name:
``chainrule does not provide torch.fft``. Libraries built on real PyTorch (torchvision, ...)
are refused with a message, rather than half-importing on top of chainrule.

The chainrule modules themselves are never changed; leaving the context removes the finder
and the ``torch`` entries of ``sys.modules``.
"""
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import types

__all__ = ["torch_alias", "TorchModuleMissing", "TorchAttributeMissing"]

# Libraries that need the real PyTorch underneath; they cannot run on chainrule.
_TORCH_ECOSYSTEM = ("torchvision", "torchaudio", "torchtext", "torchdata", "torchmetrics",
                    "torch_geometric", "pytorch_lightning", "lightning", "timm", "functorch")


class TorchModuleMissing(ModuleNotFoundError):
    """A ``torch.*`` module chainrule does not provide (an ImportError, so feature checks
    written as ``try: import torch.fft / except ImportError`` still work)."""


class TorchAttributeMissing(AttributeError):
    """A ``torch.*`` name chainrule does not provide."""


class _TorchView(types.ModuleType):
    """The module ``torch.X`` as user code sees it: a view of ``chainrule.X``."""

    def __init__(self, name, real):
        super().__init__(name, getattr(real, "__doc__", None))
        object.__setattr__(self, "_chainrule_module", real)
        # Every view is a package to the import system, so `import torch.X.Y` always reaches
        # the finder and fails with a message naming torch.X.Y.
        object.__setattr__(self, "__path__", [])

    def __getattr__(self, name):
        real = object.__getattribute__(self, "_chainrule_module")
        try:
            value = getattr(real, name)
        except AttributeError:
            if name.startswith("__"):
                raise
            raise TorchAttributeMissing(f"chainrule does not provide {self.__name__}.{name} "
                                        f"(running under `chainrule run`)") from None
        if isinstance(value, types.ModuleType) and value.__name__.startswith("chainrule"):
            # A submodule reached as an attribute: one view per module, registered as the
            # import system would, so `torch.nn.functional is torch.nn.functional`.
            torch_name = self.__name__ + "." + name
            value = sys.modules.setdefault(torch_name, _view(torch_name, value))
            object.__setattr__(self, name, value)
        return value

    def __setattr__(self, name, value):
        # The import system records submodules and its own bookkeeping on the view; user
        # settings (torch.backends.cudnn.benchmark = True) go through to chainrule.
        if isinstance(value, _TorchView) or name.startswith("__"):
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, "_chainrule_module"), name, value)

    def __dir__(self):
        return dir(object.__getattribute__(self, "_chainrule_module"))


def _view(torch_name, real):
    view = _TorchView(torch_name, real)
    for attr in ("__file__", "__version__", "__all__"):
        if hasattr(real, attr):
            object.__setattr__(view, attr, getattr(real, attr))
    return view


class _ViewLoader(importlib.abc.Loader):
    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return _view(spec.name, self.real)

    def exec_module(self, module):
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in _TORCH_ECOSYSTEM:
            raise TorchModuleMissing(
                f"{top} is built on PyTorch itself and cannot run on chainrule; under "
                f"`chainrule run` only `torch` is provided (by chainrule)", name=fullname)
        if top != "torch":
            return None
        real_name = "chainrule" + fullname[len("torch"):]
        try:
            real = importlib.import_module(real_name)
        except ModuleNotFoundError as e:
            if e.name and real_name.startswith(e.name):
                raise TorchModuleMissing(f"chainrule does not provide {fullname} (running "
                                         "under `chainrule run`)", name=fullname) from None
            raise
        return importlib.machinery.ModuleSpec(fullname, _ViewLoader(real),
                                              is_package=True)


def _torch_entries():
    return {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}


@contextlib.contextmanager
def torch_alias():
    """Within the block, ``import torch`` gives chainrule (real torch entries are set aside
    and put back afterwards)."""
    saved = _torch_entries()
    for name in saved:
        del sys.modules[name]
    finder = _TorchFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in _torch_entries():
            del sys.modules[name]
        sys.modules.update(saved)
