"""Module, the base of every layer, and the containers Sequential, ModuleList and ModuleDict.

A Module finds its parameters, buffers and sub-modules by attribute assignment, names them the
way PyTorch does ("0.weight", "encoder.bias"), and saves / loads them as a state_dict whose keys
match PyTorch's, so weights move between the two libraries unchanged.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping as _Mapping

from .._backend import xp
from .._device import check_device, device as _device_type
from ..tensor import Tensor
from .module_hooks import ModuleHookMethods
from .parameter import Parameter

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, spaces):
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


class Module(ModuleHookMethods):
    """Base class of all layers: subclasses set parameters and sub-modules as attributes in
    ``__init__`` and define ``forward``; calling the module runs ``forward`` (through the
    hooks of module_hooks.py once one is registered)."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        if self._module_hooks is None:
            return self.forward(*args, **kwargs)
        return self._module_hooks.call(self, args, kwargs)

    # ---- registration ---------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call")
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(chainrule.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (chainrule.nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(chainrule.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        d = self.__dict__
        d.pop(name, None)
        for store in (d["_parameters"], d["_buffers"], d["_modules"]):
            store.pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name):
        # Only reached when normal lookup fails; __dict__ is read directly so that copy and
        # pickle (which probe attributes before __init__ ran) see a plain AttributeError.
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        if any(name in d[s] for s in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        """Add ``param`` (a Parameter or None) under ``name``."""
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (chainrule.nn.Parameter or None required)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (saved in state_dict when
        ``persistent``, cast by to(), never trained)."""
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (chainrule.Tensor or None required)")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module under ``name`` (also what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The module at dotted path ``target`` ("" is self)."""
        mod = self
        for part in target.split(".") if target else ():
            if part not in mod._modules or mod._modules[part] is None:
                raise AttributeError(f"{mod._get_name()} has no submodule `{part}` "
                                     f"(looking up {target!r})")
            mod = mod._modules[part]
        return mod

    # ---- traversal ------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for self and every descendant, depth first, each module once."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                sub = prefix + ("." if prefix else "") + name
                yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        seen = set()
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, parameter) pairs; a parameter shared by two modules comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes and bulk updates -----------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (dropout active) on self and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data.fill(0)

    def apply(self, fn):
        """Call ``fn`` on every child (recursively), then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, device=None, dtype=None, non_blocking=False, memory_format=None):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` as torch's:
        floating point parameters, their grads and buffers are cast to ``dtype`` in place (the
        Parameter objects stay the same, so an optimizer built earlier still holds them). The
        device must be the CPU (check_device's error otherwise)."""
        if len(args) > 2:
            raise TypeError(f"to: expected at most 2 positional arguments (device, dtype), got "
                            f"{len(args)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a._data.dtype
            elif isinstance(a, (str, _device_type)) or (isinstance(a, int)
                                                         and not isinstance(a, bool)):
                device = a
            elif a is not None:
                dtype = a
        check_device(f"{type(self).__name__}.to", device)
        if dtype is None:
            return self
        dtype = xp.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: modules can only be cast to a floating point dtype, got "
                            f"{dtype}")
        for m in self.modules():
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is not None and t._data.dtype.kind == "f":
                    t._data = t._data.astype(dtype, copy=False)
                    if t.grad is not None:
                        t.grad._data = t.grad._data.astype(dtype, copy=False)
        return self

    def type(self, dst_type):
        return self.to(dst_type)

    def double(self):
        return self.to(xp.float64)

    def float(self):
        return self.to(xp.float32)

    def half(self):
        return self.to(xp.float16)

    def cpu(self):
        return self

    def cuda(self, device=None):
        check_device(f"{type(self).__name__}.cuda", "cuda" if device is None else device)

    # ---- state_dict -----------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict of every parameter and persistent buffer under PyTorch's dotted
        names; values are detached tensors sharing memory with the module."""
        out = OrderedDict() if destination is None else destination
        for key, p in self._parameters.items():
            if p is not None:
                out[prefix + key] = p if keep_vars else p.detach()
        for key, b in self._buffers.items():
            if b is not None and key not in self._non_persistent_buffers:
                out[prefix + key] = b if keep_vars else b.detach()
        # Like torch, no de-duplication here: a module reachable by two paths appears twice.
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict`` (values: Tensors or arrays, e.g. from a torch model) into this
        module's parameters and buffers in place, cast to their dtype.

        Returns (missing_keys, unexpected_keys). Raises ValueError that lists every missing,
        unexpected (only when ``strict``) and mis-shaped key at once.
        """
        if not isinstance(state_dict, _Mapping):
            hint = ("; to load a file, use model.load_state_dict(chainrule.load(path))"
                    if isinstance(state_dict, str) or hasattr(state_dict, "__fspath__") else "")
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected state_dict to be "
                            f"dict-like (name -> Tensor), got {type(state_dict).__name__}{hint}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, updates = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value, array = state_dict[key], None
            try:
                array = value._data if isinstance(value, Tensor) else xp.asarray(value)
                if array.dtype.kind not in "biuf":
                    raise TypeError
            except Exception:
                got = type(value).__name__
                if array is not None:       # e.g. a complex or object array
                    got = f"a {got} of dtype {array.dtype}"
                errors.append(f'While copying the parameter named "{key}", expected a Tensor '
                              f"or array of real numbers but received {got}")
                continue
            if array.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(array.shape)} from checkpoint, the shape in current "
                              f"model is {tuple(target._data.shape)}.")
                continue
            updates.append((target, array))
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise ValueError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                             + "\n\t".join(errors))
        for target, array in updates:     # all checks passed: nothing is half-loaded
            target._data[...] = array
        return _IncompatibleKeys(missing, unexpected)

    # ---- repr -----------------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The module's own settings for its repr (one line); children are added by repr."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(mod), 2)
                       for key, mod in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"


def _check_name(module, name, kind):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
    if name in module.__dict__ and name not in module._parameters \
            and name not in module._buffers and name not in module._modules:
        raise KeyError(f"attribute '{name}' already exists")


from .container import ModuleDict, ModuleList, Sequential  # noqa: E402,F401
