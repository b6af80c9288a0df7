"""Floors of the layer workloads (convolution, normalisation, attention): the same matrix
products, and the fewest NumPy passes around them, in bare NumPy on preallocated arrays (no
autograd, no modules, no allocation). The conv, norms and attention suites time each floor in
the same alternating rounds as the workload itself and PyTorch's, and print it as a "floor:"
row: its ratio to PyTorch is the best a NumPy library reaches on this CPU with those calls.

Every builder returns a zero-argument callable; arrays are random and made once.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from benchmarks.floors import adam_passes

f32 = np.float32


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(f32) * 0.1


# ---- convolution: N x C x H x W, C -> C channels, 3 x 3, padding 1 (channels-last columns) ------
def _windows(xl, out, k=3):
    """Copy the windows of a padded channels-last (N, Hp, Wp, C) into ``out``, the
    (N * OH * OW, k * k * C) columns (preallocated: a fresh 75 MB buffer per call would time
    this VM's page faults, not the copy)."""
    n, hp, wp, c = xl.shape
    sn, sh, sw, sc = xl.strides
    oh, ow = hp - k + 1, wp - k + 1
    view = as_strided(xl, (n, oh, ow, k, k, c), (sn, sh, sw, sh, sw, sc), writeable=False)
    out.reshape(view.shape)[...] = view
    return out


def conv3x3(n, c, hw, convs=1, copies=False):
    """``convs`` convolutions forward + backward: per convolution the forward product
    cols @ W^T, the weight gradient cols^T @ g and the input gradient gcols @ Wf^T. With
    ``copies``, also what feeds them: the zero-padded channels-last copies of the input and of
    the output gradient and their window copies (forward columns reused by the weight
    gradient)."""
    m, k = n * hw * hw, 9 * c
    cols, gcols = _rand(m, k), _rand(m, k, seed=1)
    w, wf, g = _rand(c, k, seed=2), _rand(c, k, seed=3), _rand(m, c, seed=4)
    x, dy = _rand(n, c, hw, hw, seed=5), _rand(n, hw, hw, c, seed=6)
    xl, gl = np.zeros((n, hw + 2, hw + 2, c), f32), np.zeros((n, hw + 2, hw + 2, c), f32)
    cols_buf, gcols_buf = np.empty((m, k), f32), np.empty((m, k), f32)

    def run():
        for _ in range(convs):
            a, b = cols, gcols
            if copies:
                xl[:, 1:-1, 1:-1] = x.transpose(0, 2, 3, 1)
                gl[:, 1:-1, 1:-1] = dy
                a, b = _windows(xl, cols_buf), _windows(gl, gcols_buf)
            a @ w.T
            a.T @ g
            b @ wf.T
    return run


def lenet_step(batch=64):
    """A LeNet-5 training step's products alone (benchmarks/conv.py's model): each
    convolution's forward and weight-gradient products over its columns (and conv2's input
    gradient, the convolution of the padded output gradient with the flipped kernel), the three
    Linear layers' forward and two backward products, and Adam's passes over every parameter."""
    m1, m2, m2g = batch * 24 * 24, batch * 8 * 8, batch * 12 * 12
    products = [(_rand(m1, 25), _rand(6, 25), _rand(m1, 6)),
                (_rand(m2, 150), _rand(16, 150), _rand(m2, 16))]
    gcols, wf = _rand(m2g, 400), _rand(6, 400)
    sizes = [256, 120, 84, 10]
    linears = [(_rand(batch, i), _rand(o, i), _rand(batch, o)) for i, o in zip(sizes, sizes[1:])]
    adam = adam_passes([(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,)] +
                       [w.shape for _, w, _ in linears] + [(o,) for o in sizes[1:]])

    def run():
        for cols, w, g in products:
            cols @ w.T
            cols.T @ g
        gcols @ wf.T
        for x, w, g in linears:
            x @ w.T
            g @ w
            g.T @ x
        adam()
    return run


# ---- normalisation ----------------------------------------------------------------------------
def layer_norm(rows, n):
    """LayerNorm forward + backward over (rows, n): the row statistics as BLAS products and
    vecdot, 4 passes forward (centre, scale, weight, bias), 5 backward, the two parameter
    gradients."""
    x, dy = _rand(rows, n), _rand(rows, n, seed=1)
    w, b = _rand(1, n, seed=2) + 1, _rand(1, n, seed=3)
    xhat, y, dx, corr = (np.empty((rows, n), f32) for _ in range(4))
    avg, ones = np.full((n, 1), 1 / n, f32), np.ones(rows, f32)

    def run():
        np.subtract(x, x @ avg, out=xhat)
        rstd = 1 / np.sqrt(np.vecdot(xhat, xhat)[:, None] / n + 1e-5)
        np.multiply(xhat, rstd, out=xhat)
        np.multiply(xhat, w, out=y)
        np.add(y, b, out=y)
        np.multiply(dy, w, out=dx)
        c = np.vecdot(dx, xhat)[:, None] / n
        mean_g = dx @ avg
        np.multiply(xhat, c, out=corr)
        np.subtract(dx, corr, out=dx)
        np.subtract(dx, mean_g, out=dx)
        np.multiply(dx, rstd, out=dx)
        np.einsum("ij,ij->j", dy, xhat)
        ones @ dy
    return run


def batch_norm(n, c, length):
    """BatchNorm forward + backward in training over (N, C, L): per-channel sums as BLAS
    products, 3 passes forward (centre, scale, shift), 4 backward (with the two sums)."""
    x, dy = _rand(n, c, length), _rand(n, c, length, seed=1)
    centred, y, dx = (np.empty((n, c, length), f32) for _ in range(3))
    ones, count = np.ones(length, f32), n * length

    def channel_sum(a):
        return (a.reshape(n * c, length) @ ones).reshape(n, c).sum(axis=0)

    def channel_dot(a, b):
        return np.vecdot(a.reshape(n * c, length), b.reshape(n * c, length)).reshape(
            n, c).sum(axis=0)

    def col(v):
        return v.reshape(1, c, 1)

    def run():
        np.subtract(x, col(channel_sum(x) / count), out=centred)
        rstd = 1 / np.sqrt(channel_dot(centred, centred) / count + 1e-5)
        np.multiply(centred, col(rstd), out=y)
        np.add(y, col(rstd), out=y)                  # the shift (bias), any vector
        sum_dy, sum_dy_c = channel_sum(dy), channel_dot(dy, centred)
        np.multiply(centred, col(rstd * rstd * sum_dy_c / count), out=dx)
        np.subtract(dy, dx, out=dx)
        np.subtract(dx, col(sum_dy / count), out=dx)
        np.multiply(dx, col(rstd), out=dx)
    return run


# ---- attention ----------------------------------------------------------------------------------
def _causal_blocks(length, block=64):
    return [(r0, min(r0 + block, length), min(length, r0 + block))
            for r0 in range(0, length, block)]


def sdpa_causal(batch, heads, length, dim, softmax=False):
    """Causal attention forward + backward on (batch, heads, length, dim): per block of 64
    query rows, the 2 forward and 4 backward batched products over the keys it sees (as
    chainrule and PyTorch skip the rest). With ``softmax``, also the fewest passes of the
    softmax and its gradient over each block (exp2, row sums, scale; subtract, multiply)."""
    q, k, v, go = (_rand(batch, heads, length, dim, seed=i) for i in range(4))
    kt, vt = k.swapaxes(-1, -2), v.swapaxes(-1, -2)
    D = _rand(batch, heads, length, 1, seed=5)
    blocks = _causal_blocks(length)

    def run():
        for r0, r1, hi in blocks:
            s = q[..., r0:r1, :] @ kt[..., :hi]
            if softmax:
                np.exp2(s, out=s)
                s *= 1 / s.sum(axis=-1, keepdims=True)
            s @ v[..., :hi, :]
            s.swapaxes(-1, -2) @ go[..., r0:r1, :]
            dp = go[..., r0:r1, :] @ vt[..., :hi]
            if softmax:
                dp -= D[..., r0:r1, :]
                dp *= s
            dp @ k[..., :hi, :]
            dp.swapaxes(-1, -2) @ q[..., r0:r1, :]
    return run


def gpt_step(batch=16, block=128, width=128, heads=4, layers=4, vocab=65):
    """A GPT training step's products alone (pre-norm blocks, feed-forward 4 x width): per
    layer the four Linear layers' forward, input- and weight-gradient products and causal
    attention's six; the read-out's three; AdamW's passes over every parameter."""
    m = batch * block
    linears = [(width, 3 * width), (width, width), (width, 4 * width), (4 * width, width)]
    acts = {i: _rand(m, i, seed=i) for i in {a for a, _ in linears} | {b for _, b in linears}}
    weights = [_rand(o, i, seed=o + i) for i, o in linears]
    head, x_out = _rand(vocab, width), _rand(m, vocab)
    attention = sdpa_causal(batch, heads, block, width // heads)
    shapes = [w.shape for w in weights] * layers + [head.shape] + \
        [(o,) for _, o in linears] * layers + [(vocab,), (vocab, width), (block, width)]
    adam = adam_passes(shapes)

    def run():
        for _ in range(layers):
            for (i, o), w in zip(linears, weights):
                x, g = acts[i], acts[o]
                x @ w.T
                g @ w
                g.T @ x
            attention()
        h = acts[width]
        h @ head.T, x_out @ head, x_out.T @ h
        adam()
    return run
