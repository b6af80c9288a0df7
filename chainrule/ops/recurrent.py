"""Fused whole-sequence recurrent layers: the plumbing shared by RNN, LSTM and GRU.

Each layer-direction is one Function over the whole sequence (recurrent_rnn.py,
recurrent_lstm.py, recurrent_gru.py), and all three have the same shape:

    forward   gx = x2d @ W_ih.T + b                 one GEMM for every time step at once
              for t in time order:                   one GEMM per step for all gates together,
                  gates = gx[t] + h_{t-1} @ W_hh.T   then in-place pointwise work into buffers
                                                     preallocated for the whole sequence; with
                                                     grad, each step also stores its local
                                                     derivatives while they are in cache
    backward  back-propagation through time by hand: per step a few multiplies by those
              derivatives and one GEMM (dgates[t] @ W_hh); then dW_ih = dG2d.T @ x2d,
              dW_hh = dG2d.T @ hprev2d, dx = dG2d @ W_ih, db = ones @ dG2d: one large GEMM each.

Arrays are time-major: x is (T, B, I). The hidden states live in one (T+1, B, H) buffer that
holds h0 at one end and the T outputs after it, so the outputs of a layer and the previous
states of all steps are both contiguous slices of it: forward reads h_{t-1} from slot t and
writes h_t to slot t+1; the reverse direction reads slot t+1 and writes slot t (h0 in slot T).

Variable lengths (``lengths``, one int per batch element, 0 <= length <= T) are handled the way
cuDNN packs sequences: the batch is sorted by length (longest first) and each sequence is
reversed within its own length for the reverse direction, which turns every case into a
forward pass over a batch whose active rows at step s are the prefix ``[:n_s]``. Rows past their
length are simply not touched: their state stays frozen, their outputs stay zero and they get
no gradient, with no masking work in the loop.
"""
import time

from .. import _parallel, _threads
from .._autotune import fastest, step_threads, tuner
from .._backend import xp
from ._exp import EXP2_FASTER  # noqa: F401 (the gate kernels' choice; see _exp.py)
from ..autograd.function import Function
from ..tensor import Tensor


_MINUS_LOG2E = -1.4426950408889634




def sigmoid_(a, one):
    """In place, a <- 1 / (1 + exp(-a)): torch's formula.

    ``one`` is a 0-d array of a's dtype (a Python 1 costs a conversion on every call). For
    a < -88 (float32) exp(-a) rounds to inf and the result is the exact limit 0; callers run
    inside ``xp.errstate(over="ignore")`` so that this IEEE rounding raises no warning.
    In float32, where NumPy's exp2 is the faster (see _exp.py), exp(-a) is taken as
    2^(-a log2 e): rounding a log2 e adds a relative error of at most |a| * 6e-8, a few ulp where
    sigmoid is not already saturated.
    """
    if a.dtype == xp.float32 and EXP2_FASTER:
        xp.multiply(a, _MINUS_LOG2E, out=a)
        xp.exp2(a, out=a)
    else:
        xp.negative(a, out=a)
        xp.exp(a, out=a)
    xp.add(a, one, out=a)
    xp.reciprocal(a, out=a)
    return a


def recurrent_operand(w_hh, B):
    """W_hh.T for the per-step GEMM h @ W_hh.T: a contiguous copy when the batch is large enough
    for OpenBLAS to run about 20% faster on it, a free view for batch 1 (a GEMV either way)."""
    return xp.ascontiguousarray(w_hh.T) if B > 1 else w_hh.T


class Plan:
    """The order in which the time loop visits a batch, and the gathers that variable lengths
    need (see the module docstring).

    Attributes: ``order`` (time indices in loop order), ``p`` / ``q`` (offsets of the previous
    and the new state in the (T+1, B, H) buffer), ``ns`` (active rows per step), ``gather`` /
    ``scatter`` (flat (T*B,) indices from time order to loop order and back, or None),
    ``perm`` / ``unperm`` (batch sorting), ``lengths_sorted``.
    """

    def __init__(self, T, B, reverse, lengths, op):
        self.T, self.B = T, B
        self.gather = self.scatter = self.perm = self.unperm = self.lengths_sorted = None
        if lengths is None:
            self.order = range(T - 1, -1, -1) if reverse else range(T)
            self.p, self.q = (1, 0) if reverse else (0, 1)
            self.ns = [B] * T
            return
        L = check_lengths(lengths, T, B, op)
        perm = xp.argsort(-L, kind="stable")
        Ls = L[perm]
        steps = xp.arange(T)[:, None]
        valid = steps < Ls[None, :]                         # (T, B) in loop order
        src_t = xp.where(valid, Ls[None, :] - 1 - steps, steps) if reverse else \
            xp.broadcast_to(steps, (T, B))
        self.gather = (src_t * B + perm[None, :]).reshape(-1)
        self.scatter = xp.empty_like(self.gather)
        self.scatter[self.gather] = xp.arange(T * B)
        self.valid = valid.reshape(-1)
        self.perm, self.unperm, self.lengths_sorted = perm, xp.argsort(perm), Ls
        self.ns = valid.sum(axis=1).tolist()
        self.order = range(int(Ls[0]) if B else 0)          # steps past the longest do nothing
        self.p, self.q = 0, 1

    def to_loop(self, a2d):
        """Rows of a (T*B, k) array in time order -> loop order (a copy when lengths are set)."""
        return a2d if self.gather is None else a2d[self.gather]

    def to_time(self, a2d):
        return a2d if self.scatter is None else a2d[self.scatter]

    def sort_batch(self, a):
        """A (B, H) state in user order -> a fresh array in loop order (callers write into it)."""
        return a.copy() if self.perm is None else a[self.perm]

    def unsort_batch(self, a):
        return a if self.perm is None else a[self.unperm]

    def final(self, S):
        """The last state of every sequence from a (T+1, B, H) buffer, in user order."""
        if self.perm is None:
            return S[self.T * self.q].copy()
        return S[self.lengths_sorted, xp.arange(self.B)][self.unperm]


def check_lengths(lengths, T, B, op):
    """``lengths`` as an int64 array, or ValueError naming ``op`` when it is not one valid
    length in [0, T] per batch element."""
    L = xp.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if L.ndim != 1 or L.shape[0] != B or (L.size and L.dtype.kind not in "iu"):
        raise ValueError(f"{op}: lengths must be a 1-D sequence of {B} integers (one per batch "
                         f"element), got shape {L.shape} and dtype {L.dtype}")
    L = L.astype(xp.int64)
    if L.size and (L.min() < 0 or L.max() > T):
        raise ValueError(f"{op}: lengths must lie in [0, {T}] (the padded sequence length), "
                         f"got min {int(L.min())} and max {int(L.max())}")
    return L


# Batches at least this large may run their time loop as two halves on two threads.
MIN_SPLIT_BATCH = 16


def run_batch_halves(key, loop, arrays, *args, split=True):
    """``loop(*arrays, *args)``, a time loop whose batch rows are independent, run either whole
    on this thread (OpenBLAS on one thread or all for its per-step products, as step_threads
    measured) or as two halves of the batch on two threads, each doing whole steps on its rows:
    its small products and the pointwise gate arithmetic between them, which otherwise runs on
    one core. Which is faster depends on the CPU and the load, so the first calls for ``key``
    time both (_autotune) and the faster is kept.

    ``arrays`` are (array or None, batch axis) pairs; ``split=False`` forces the whole batch.
    """
    whole = [a for a, _ in arrays]
    B = next(a.shape[axis] for a, axis in arrays if a is not None)
    if not (split and B >= MIN_SPLIT_BATCH and _threads.blas_available and
            _threads.get_blas_threads() > 1):
        with xp.errstate(over="ignore"), step_threads(key):
            loop(*whole, *args)
        return
    choice = tuner(("halves",) + key)
    option = choice.option()
    start = time.perf_counter()
    if option == 0:
        with xp.errstate(over="ignore"), step_threads(key):
            loop(*whole, *args)
    else:
        def half(lo, hi):
            parts = [None if a is None else a[(slice(None),) * axis + (slice(lo, hi),)]
                     for a, axis in arrays]

            def run():
                with xp.errstate(over="ignore"):   # NumPy's error state is per thread
                    loop(*parts, *args)
            return run
        _parallel.run_two(half(0, B // 2), half(B // 2, B))
    choice.record(option, time.perf_counter() - start)


class FusedRecurrent(Function):
    """Shared set-up and tear-down of the fused layers; subclasses write the time loops and
    the backward pass."""

    op = "rnn"
    gates = 1

    def _setup(self, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths, c0=None):
        """Check the arrays, plan the loop and project every time step's input in one GEMM.

        Returns (plan, x2d in loop order, gx (T, B, gates*H) without biases, the (T+1, B, H)
        state buffer with h0 in place).
        """
        op, G = self.op, self.gates
        if x.ndim != 3:
            raise ValueError(f"{op}: expected a 3-D (T, B, input_size) input, got shape {x.shape}")
        T, B, I = x.shape
        H = w_hh.shape[-1]
        if w_ih.shape != (G * H, I) or w_hh.shape != (G * H, H):
            raise ValueError(f"{op}: input has {I} features and weight_hh {w_hh.shape} implies "
                             f"hidden size {H}, so weight_ih must be {(G * H, I)} and weight_hh "
                             f"{(G * H, H)}; got {w_ih.shape} and {w_hh.shape}")
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            if b is not None and b.shape != (G * H,):
                raise ValueError(f"{op}: {name} must have shape {(G * H,)}, got {b.shape}")
        for name, s in (("h0", h0), ("c0", c0)):
            if s is not None and s.shape != (B, H):
                raise ValueError(f"{op}: {name} must have shape {(B, H)} (batch, hidden_size), "
                                 f"got {s.shape}")
        dtype = x.dtype
        for name, a in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                        ("bias_hh", b_hh), ("h0", h0), ("c0", c0)):
            if a is not None and a.dtype != dtype:
                raise TypeError(f"{op}: input is {dtype} but {name} is {a.dtype}; convert the "
                                f"module or the input so that they match")
        plan = Plan(T, B, reverse, lengths, op)
        x2d = plan.to_loop(x.reshape(T * B, I))
        if plan.gather is not None:
            # Padded steps are never read, but zeros keep a stray NaN there out of dW_ih.
            x2d[~plan.valid] = 0
        gx = (x2d @ w_ih.T).reshape(T, B, G * H)
        S = (xp.zeros if lengths is not None else xp.empty)((T + 1, B, H), dtype)
        S[T * plan.p] = 0 if h0 is None else plan.sort_batch(h0)
        self.save = any(self.needs_input_grad)
        return plan, x2d, gx, S

    @staticmethod
    def _bias(b_ih, b_hh):
        """b_ih + b_hh (either may be None): both simply add to every step's gates."""
        if b_ih is None or b_hh is None:
            return b_hh if b_ih is None else b_ih
        return b_ih + b_hh

    def _initial_state(self, c0, B, H, dtype):
        return xp.zeros((B, H), dtype) if c0 is None else self.plan.sort_batch(c0)

    def _outputs(self, S):
        """The (T, B, H) outputs in time order (a view of S without lengths) and h_n."""
        plan = self.plan
        T = plan.T
        out = S[plan.q:T + plan.q]
        if plan.scatter is not None:
            out = plan.to_time(out.reshape(T * plan.B, -1)).reshape(out.shape)
        return out, plan.final(S)

    def _grad_carry(self, dout, dh_n):
        """dout in loop order and the state gradient every step adds to, starting from dh_n."""
        plan = self.plan
        if plan.gather is not None:
            dout = plan.to_loop(dout.reshape(plan.T * plan.B, -1)).reshape(dout.shape)
        return dout, plan.sort_batch(dh_n)

    def _input_grads(self, dgx_parts, dgh2d, dh0):
        """dx, dh0, dW_ih, dW_hh, db_ih, db_hh from the gate gradients of the whole sequence,
        one large GEMM each.

        dgx_parts lists (gradient columns (T*B, k), the rows of W_ih they belong to) that make
        up the input side; dgh2d (T*B, gates*H) is the hidden side.
        """
        plan, need, w_ih = self.plan, self.needs_input_grad, self.w_ih
        need_x, need_h0, need_wih, need_whh, need_bih, need_bhh = need[:2] + need[-4:]
        T, B = plan.T, plan.B
        dtype = dgh2d.dtype
        # Column sums as a GEMV with ones: faster than sum(axis=0) on a tall matrix.
        ones = xp.ones(T * B, dtype) if need_bih or need_bhh else None
        dx = dw_ih = dw_hh = db_ih = db_hh = None
        if need_x:
            for dg, rows in dgx_parts:
                # (W^T dG^T)^T ran 1.7x faster than dG W with OpenBLAS's Haswell kernels on AMD
                # EPYC (1.5 against 2.7 ms for LSTM's 1600x1024 @ 1024x64); other kernel sets
                # may differ, so both are measured on the first calls.
                w = w_ih[rows]
                term = fastest(("rnn dx", dg.shape, dg.strides, w.shape, dtype.char),
                               lambda: (w.T @ dg.T).T, lambda: dg @ w)
                dx = term if dx is None else xp.add(dx, term, out=dx)
            dx = plan.to_time(dx).reshape(T, B, -1)
        if need_wih:
            dw_ih = xp.empty_like(w_ih)
            for dg, rows in dgx_parts:
                xp.matmul(dg.T, self.x2d, out=dw_ih[rows])
        if need_bih:
            db_ih = xp.empty(w_ih.shape[0], dtype)
            for dg, rows in dgx_parts:
                xp.matmul(ones, dg, out=db_ih[rows])
        if need_whh:
            S = self.S
            dw_hh = dgh2d.T @ S[plan.p:T + plan.p].reshape(T * B, -1)
        if need_bhh:
            same = len(dgx_parts) == 1 and dgx_parts[0][0] is dgh2d and db_ih is not None
            db_hh = db_ih.copy() if same else ones @ dgh2d
        dh0 = plan.unsort_batch(dh0) if need_h0 else None
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh
