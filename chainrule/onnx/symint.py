"""SymInt: an int that remembers how it was computed from a traced tensor's shape.

While exporting, ``x.shape`` and ``x.size()`` of a traced tensor give SymInts, so that
``x.view(B, T, heads, -1)``, ``x[:, :T]`` or ``arange(T)`` can be written into the graph as
run-time computations on Shape(x) rather than the example's sizes (dynamic axes). A SymInt is
an int everywhere else; arithmetic with +, -, * and // keeps the expression.

Expressions are tuples: ("dim", value name, axis), ("const", n), (op, expr, expr).
"""
import operator


class SymInt(int):

    def __new__(cls, value, expr):
        self = int.__new__(cls, value)
        self.expr = expr
        return self

    def _op(self, other, kind, fn, swap=False):
        if not isinstance(other, int) or isinstance(other, bool):
            return fn(int(self), other) if not swap else fn(other, int(self))
        a, b = _expr(self), _expr(other)
        if swap:
            a, b = b, a
        value = fn(int(self), int(other)) if not swap else fn(int(other), int(self))
        return SymInt(value, (kind, a, b))

    def __add__(self, o):
        return self._op(o, "add", operator.add)

    def __radd__(self, o):
        return self._op(o, "add", operator.add, swap=True)

    def __sub__(self, o):
        return self._op(o, "sub", operator.sub)

    def __rsub__(self, o):
        return self._op(o, "sub", operator.sub, swap=True)

    def __mul__(self, o):
        return self._op(o, "mul", operator.mul)

    def __rmul__(self, o):
        return self._op(o, "mul", operator.mul, swap=True)

    def __floordiv__(self, o):
        return self._op(o, "floordiv", operator.floordiv)

    def __rfloordiv__(self, o):
        return self._op(o, "floordiv", operator.floordiv, swap=True)

    def __neg__(self):
        return SymInt(-int(self), ("sub", ("const", 0), self.expr))

    __hash__ = int.__hash__


def _expr(v):
    return v.expr if isinstance(v, SymInt) else ("const", int(v))


def has_sym(values):
    return any(isinstance(v, SymInt) for v in values)
