"""Optimizer: the base of every optimizer (parameter groups, per-parameter state, checkpoints).

A subclass declares its hyper-parameters (the defaults every group falls back to) and implements
``_update(group, params)``, which moves each parameter of one group, in place, from its gradient.
Parameters whose ``.grad`` is None are skipped, as in PyTorch.
"""
import numbers
from collections import defaultdict
from copy import deepcopy

from .._backend import xp
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._state_check import check_optimizer_state


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts that define
            parameter groups (each a dict with ``"params"`` and any hyper-parameter to override).
        defaults: the hyper-parameters a group takes when it does not set them.

    Attributes:
        param_groups: list of dicts, one a group, holding ``"params"`` and every hyper-parameter
            (schedulers change ``group["lr"]`` there).
        state: defaultdict parameter -> dict of that parameter's buffers (Tensors) and ``"step"``
            (an int: the number of updates the parameter has received, where the optimizer
            counts them; PyTorch keeps a 0-d float tensor, and either loads here).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        # Scratch arrays, one set a parameter, reused every step so that updates allocate
        # nothing; kept out of ``state`` because they hold no information between steps.
        self._scratch = {}
        _refuse_unsupported_flags(type(self).__name__, defaults)
        self._check_group(defaults)
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            "dicts, but got a Tensor; wrap it in a list")
        if isinstance(params, set):
            raise TypeError(f"{type(self).__name__}: parameters must be in an ordered collection "
                            "(a list), not a set, whose order changes between runs")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- parameter groups -------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional hyper-parameters).

        Useful to start training frozen layers later with their own learning rate.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: param_group must be a dict, but got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: param_group has no 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list), not "
                            "a set, whose order changes between runs")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: either every parameter comes with a name or none does")
            params = [p[1] for p in params]
            group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (it was computed by "
                                 f"{type(p.grad_fn).__name__}); optimize the leaves it came from")
            if p._data.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating point tensors, got "
                                f"{p._data.dtype}")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        if len({id(p) for p in params}) != len(params):
            # PyTorch warns that this will become an error; a double update is never wanted.
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        named = "param_names" in group
        if self.param_groups and named != ("param_names" in self.param_groups[0]):
            raise ValueError(f"{name}: all parameter groups must be either with or without names")
        _refuse_unsupported_flags(name, group)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validate a group's hyper-parameters (subclasses raise ValueError naming the argument)."""

    # ---- the update -------------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss (run with
                gradients enabled).
        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update(group, params)
        return loss

    def _update(self, group, params):
        raise NotImplementedError(f"{type(self).__name__} must define _update(group, params)")

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.grad_fn = None
                        p.grad.requires_grad = False
                        p.grad._data.fill(0)

    # ---- helpers for subclasses -------------------------------------------------------------
    def _grad(self, p):
        """The gradient array of ``p``, checked against the parameter's shape."""
        g = p.grad._data
        if g.shape != p._data.shape:
            raise ValueError(f"{type(self).__name__}: parameter of shape {p._data.shape} has a "
                             f"gradient of shape {g.shape}")
        return g

    def _buffers(self, p, n):
        """``n`` scratch arrays shaped like ``p`` (allocated once, reused every step)."""
        bufs = self._scratch.get(p)
        data = p._data
        if bufs is None or bufs[0].shape != data.shape or bufs[0].dtype != data.dtype:
            bufs = self._scratch[p] = []
        while len(bufs) < n:
            bufs.append(xp.empty_like(data))
        return bufs

    def _new_state(self, p, names, fill=0.0):
        state = self.state.setdefault(p, {})
        for key in names:
            state[key] = Tensor._from_array(xp.full_like(p._data, fill))
        return state

    # ---- checkpoints ------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as a dict, in PyTorch's layout.

        ``{"state": {index: {"step": int, buffer name: Tensor, ...}}, "param_groups": [{...,
        "params": [index, ...]}]}``, where a parameter's index is its position across the groups
        in order. The buffers are copies: later steps do not change a state dict taken before.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state and index[id(p)] not in state:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": deepcopy(groups)}

    def load_state_dict(self, state_dict):
        """Load a state dict from :meth:`state_dict` (of an optimizer built the same way).

        Buffers are copied (and cast to their parameter's dtype), so the two optimizers never
        share memory; hyper-parameters in the saved groups replace the current ones.
        """
        name = type(self).__name__
        check_optimizer_state(self, state_dict)   # a file's values pass the constructor's checks
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups but the optimizer has {len(self.param_groups)}")
        id_map = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(saved['params'])} parameters in the state dict but "
                                 f"{len(group['params'])} in the optimizer")
            id_map.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            key = int(key)
            if key not in id_map:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {key}, "
                                 f"but the groups only list indices {sorted(id_map)}")
            p = id_map[key]
            state[p] = {k: self._load_state_value(k, v, p, key) for k, v in values.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = deepcopy({k: v for k, v in saved.items() if k != "params"})
            for key, default in self.defaults.items():  # e.g. SGD's l1 in a PyTorch state dict
                new.setdefault(key, default)
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups

    def _load_state_value(self, key, value, p, index):
        """One entry of a saved parameter state, as this optimizer keeps it (a copy). Buffers
        shaped like the parameter by default; subclasses with other entries (a 0-d running
        product, LBFGS's flat vectors) override this for those keys."""
        return _load_value(value, p, key, index, type(self).__name__)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _refuse_unsupported_flags(name, group):
    """PyTorch's implementation switches: ``foreach`` and ``fused`` (one implementation here, so
    accepted and ignored) and the two that would change what a step means, refused."""
    if group.get("differentiable"):
        raise ValueError(f"{name}: differentiable=True is not supported (chainrule's optimizer "
                         "steps are not recorded by autograd)")
    if group.get("capturable"):
        raise ValueError(f"{name}: capturable=True is not supported (it is for CUDA graphs; "
                         "chainrule runs on the CPU)")
    if group.get("fused") and group.get("foreach"):
        raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together")


def direction(w, g, out, weight_decay, maximize):
    """The gradient ``g``, negated under ``maximize``, plus ``weight_decay * w`` (L2 coupled to
    the gradient): ``g`` itself when neither applies, else written into ``out``."""
    if weight_decay != 0:
        xp.multiply(w, weight_decay, out=out)
        (xp.subtract if maximize else xp.add)(out, g, out=out)
        return out
    if maximize:
        return xp.negative(g, out=out)
    return g


def _copy_value(v):
    if isinstance(v, Tensor):
        return Tensor._from_array(v._data.copy())
    if isinstance(v, xp.ndarray):
        return v.copy()
    return deepcopy(v)


def _load_value(v, p, key, index, name):
    if key == "step":
        return int(float(v.item() if hasattr(v, "item") else v))
    if isinstance(v, (Tensor, xp.ndarray)) or hasattr(v, "__array__"):
        # asarray, then copy: np.array(copy=True) trips a NumPy 2 warning on torch tensors
        arr = xp.asarray(v._data if isinstance(v, Tensor) else v).copy()
        if arr.shape != p._data.shape:
            raise ValueError(f"{name}.load_state_dict: state {key!r} of parameter {index} has "
                             f"shape {arr.shape} but the parameter has shape {p._data.shape}")
        if arr.dtype.kind == "f":
            arr = arr.astype(p._data.dtype, copy=False)
        return Tensor._from_array(arr)
    return deepcopy(v)


def check_number(opt, arg, value, ok, expected, what=None):
    """Raise ValueError ``"Adam: invalid learning rate: -1.0 (expected lr >= 0)"`` unless ``ok``.

    Also raises TypeError when ``value`` is not a real number.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{opt}: {arg} must be a real number, got {type(value).__name__}")
    if not ok(value):
        raise ValueError(f"{opt}: invalid {what or arg}: {value} (expected {expected})")


def check_betas(opt, betas):
    """Raise unless ``betas`` is a pair of numbers in [0, 1) (Adam and its relatives)."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"{opt}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        check_number(opt, f"betas[{i}]", b, lambda v: 0 <= v < 1, f"0 <= betas[{i}] < 1",
                     f"beta parameter at index {i}")


def check_adam_group(opt, group):
    """The checks Adam and its relatives share: lr, eps and weight_decay non-negative, betas a
    pair in [0, 1)."""
    check_number(opt, "lr", group["lr"], lambda v: v >= 0, "lr >= 0", "learning rate")
    check_number(opt, "eps", group["eps"], lambda v: v >= 0, "eps >= 0", "epsilon value")
    check_betas(opt, group["betas"])
    check_number(opt, "weight_decay", group["weight_decay"], lambda v: v >= 0,
                 "weight_decay >= 0", "weight_decay value")
