"""Activations: sigmoid, relu, tanh, softmax, log_softmax. Each is written so that no finite
input overflows: exponentials are only ever taken of non-positive numbers."""
from .._backend import xp, stable_sigmoid
from ..autograd.function import Function
from ._broadcast import normalize_dim


class Sigmoid(Function):
    def forward(self, x):
        self.out = stable_sigmoid(x)
        return self.out

    def backward(self, grad):
        s = self.out
        return grad * s * (1 - s)


class ReLU(Function):
    def forward(self, x):
        self.out = xp.maximum(x, 0)
        return self.out

    def backward(self, grad):
        # torch's relu passes no gradient at exactly 0.
        return grad * (self.out > 0)


class Tanh(Function):
    def forward(self, x):
        self.out = xp.tanh(x)
        return self.out

    def backward(self, grad):
        t = self.out
        return grad * (1 - t * t)


class Softmax(Function):
    def forward(self, x, axis):
        shifted = x - x.max(axis=axis, keepdims=True)
        e = xp.exp(shifted, out=shifted)
        e /= e.sum(axis=axis, keepdims=True)
        self.out, self.axis = e, axis
        return e

    def backward(self, grad):
        # d softmax: s * (g - sum(g * s))
        s = self.out
        return s * (grad - (grad * s).sum(axis=self.axis, keepdims=True)), None


class LogSoftmax(Function):
    def forward(self, x, axis):
        shifted = x - x.max(axis=axis, keepdims=True)
        shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.out, self.axis = shifted, axis
        return shifted

    def backward(self, grad):
        return grad - xp.exp(self.out) * grad.sum(axis=self.axis, keepdims=True), None


def _softmax_axis(x, dim, op):
    if dim is None:
        # torch's legacy implicit dim: 0 for 0-D, 1-D and 3-D inputs, else 1.
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, x.ndim, op)[0] if x.ndim else None


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return ReLU.apply(x)


def tanh(x):
    return Tanh.apply(x)


def softmax(x, dim=None, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return Softmax.apply(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(x, dim=None, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return LogSoftmax.apply(x, _softmax_axis(x, dim, "log_softmax"))
