"""In-place random fills of a Tensor, as torch's: normal_, uniform_, exponential_, bernoulli_,
random_. Each draws from chainrule's default generator (or ``generator=``), bumps the version
counter, and is refused on a leaf that requires grad outside no_grad, as any in-place update."""
from ._backend import xp
from ._tensor_inplace import _check_inplace
from .random import numpy_generator
from .tensor import Tensor


def _draw_dtype(t, op):
    kind = t._data.dtype.kind
    if kind != "f":
        raise TypeError(f"{op}: needs a floating point tensor, got {t._data.dtype}")
    # NumPy draws float32 and float64 directly; float16 is drawn in float32 and rounded
    return t._data.dtype if t._data.dtype in (xp.float32, xp.float64) else xp.float32


def _store(t, op, values):
    _check_inplace(t, op)
    t._data[...] = values
    t._version += 1
    return t


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples of N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: expects std >= 0.0, got std={std}")
    z = numpy_generator(generator).standard_normal(self.shape, dtype=_draw_dtype(self, "normal_"))
    return _store(self, "normal_", z * std + mean if (std, mean) != (1, 0) else z)


def uniform_(self, a=0.0, b=1.0, *, generator=None, **bounds):
    """Fill with samples of U(a, b) (torch's ``from``/``to`` names are accepted too)."""
    a, b = bounds.pop("from", a), bounds.pop("to", b)
    if bounds:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(bounds)}")
    if a > b:
        raise ValueError(f"uniform_: expects from <= to, got from={a}, to={b}")
    u = numpy_generator(generator).random(self.shape, dtype=_draw_dtype(self, "uniform_"))
    return _store(self, "uniform_", u * (b - a) + a)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples of the exponential distribution of rate ``lambd``."""
    if lambd <= 0:
        raise ValueError(f"exponential_: expects lambd > 0.0, got lambd={lambd}")
    e = numpy_generator(generator).standard_exponential(
        self.shape, dtype=_draw_dtype(self, "exponential_"))
    return _store(self, "exponential_", e / lambd)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0 or 1, each element 1 with probability ``p`` (a number or a tensor that
    broadcasts to this one)."""
    p = p._data if isinstance(p, Tensor) else p
    if xp.any((xp.asarray(p) < 0) | (xp.asarray(p) > 1)):
        raise ValueError("bernoulli_: expects 0 <= p <= 1")
    u = numpy_generator(generator).random(self.shape)
    return _store(self, "bernoulli_", u < p)


# The largest integer random_() draws by default: what the dtype holds exactly.
_RANDOM_TOP = {"float16": 2 ** 11, "float32": 2 ** 24, "float64": 2 ** 53, "bool": 1}


def random_(self, low=0, high=None, *, generator=None, **bounds):
    """Fill with integers drawn uniformly from [low, high) (``random_(high)`` means [0, high));
    without bounds, from [0, the largest integer the dtype holds exactly]."""
    named_low = "from" in bounds
    low, high = bounds.pop("from", low), bounds.pop("to", high)
    if bounds:
        raise TypeError(f"random_: unexpected keyword arguments {sorted(bounds)}")
    dtype = self._data.dtype
    if high is None:
        if not named_low and low != 0:     # random_(to)
            low, high = 0, low
        else:
            top = _RANDOM_TOP.get(dtype.name)
            high = (top if top is not None else int(xp.iinfo(dtype).max)) + 1
    if low >= high:
        raise ValueError(f"random_: expects from < to, got from={low}, to={high}")
    values = numpy_generator(generator).integers(low, high, size=self.shape)
    return _store(self, "random_", values)


Tensor.normal_ = normal_
Tensor.uniform_ = uniform_
Tensor.exponential_ = exponential_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
