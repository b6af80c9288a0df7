"""The one global switch of autograd: whether new operations record the graph."""
import functools


class _State:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


state = _State()


def is_grad_enabled():
    return state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous one.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad`` alike."""

    _mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if fn is not None and callable(fn):  # used as a bare decorator: @no_grad
            return self(fn)
        return self

    def __init__(self, fn=None):
        pass

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Operations inside record no graph: faster, less memory, for inference and updates."""

    _mode = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a no_grad region."""

    _mode = True


class inference_mode(no_grad):
    """Same as no_grad here (chainrule has no separate inference tensors)."""

    def __new__(cls, mode=True):
        if callable(mode):
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self._mode = not mode
        return self


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode`` (usable as a function call, context manager or decorator)."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = state.enabled
        state.enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._mode
        state.enabled = self._prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
