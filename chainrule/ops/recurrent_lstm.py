"""The fused LSTM layer-direction: whole-sequence forward and hand-written BPTT.

    i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)        gates in torch's order (i, f, g, o)
    f = sigmoid(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    o = sigmoid(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g
    h' = o * tanh(c')
"""
from .._backend import xp
from .recurrent import (EXP2_FASTER, FusedRecurrent, recurrent_operand, run_batch_halves,
                        sigmoid_, step_threads)

_LOG2E = 1.4426950408889634


class LSTMFunction(FusedRecurrent):
    """One LSTM layer in one direction over a whole (T, B, I) sequence.

    Call as ``LSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False,
    lengths=None)``; h0, c0 and the biases may be None (zeros / no bias).

    Returns:
        (output (T, B, H), h_n (B, H), c_n (B, H)).
    """

    op = "lstm"
    gates = 4

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None):
        plan, x2d, A, S = self._setup(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths, c0)
        self.plan = plan
        bias = self._bias(b_ih, b_hh)
        if bias is not None:
            A += bias
        # The running cell state, updated in place; rows past their length keep their last c.
        c = self._initial_state(c0, plan.B, w_hh.shape[1], x.dtype)
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        key = ("lstm", self.save, B, H, x.dtype.char)
        if self.save or plan.gather is not None:
            D = Fo = None
            if self.save:
                D, Fo = xp.empty((T, B, 4 * H), x.dtype), xp.empty((T, B, H), x.dtype)
            self.D, self.Fo = D, Fo
            # rows are independent unless lengths order them (the active rows are a prefix)
            run_batch_halves(key, self._sequence_loop,
                             [(A, 1), (S, 1), (c, 0), (D, 1), (Fo, 1)], w_hh.T,
                             split=plan.gather is None)
        else:
            with xp.errstate(over="ignore"), step_threads(key):
                self._inference_loop(A, S, c, recurrent_operand(w_hh, plan.B))
        out, h_n = self._outputs(S)
        if self.save:
            self.x2d, self.A, self.S, self.w_ih, self.w_hh = x2d, A, S, w_ih, w_hh
        return out, h_n, plan.unsort_batch(c)

    def _sequence_loop(self, A, S, c, D, Fo, w_hh_t):
        """The general loop over the batch rows given: A becomes the activations in place.
        With grad, each step also stores its local derivatives while its values are in cache,
        so backward needs only a few multiplies per step:

            D = [g i(1-i), c_prev f(1-f), i (1-g^2), tanh(c) o(1-o)],  Fo = o (1 - tanh(c)^2)
        """
        plan, save = self.plan, self.save
        T, B, H = plan.T, c.shape[0], c.shape[1]
        dtype = A.dtype
        if save:
            D4 = D.reshape(T, B, 4, H)
        hh = xp.empty((4 * H, B), dtype).T      # F-ordered: OpenBLAS is ~25% faster writing it
        gt, ig, tc = (xp.empty((B, H), dtype) for _ in range(3))
        one = xp.ones((), dtype)
        A4 = A.reshape(T, B, 4, H)
        p, q, ns = plan.p, plan.q, plan.ns
        for t in plan.order:
            n = ns[t]
            z, a = A[t, :n], A4[t, :n]
            i, f, g, o = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            c_t, g_t, ig_t, tc_t, h = c[:n], gt[:n], ig[:n], tc[:n], S[t + q, :n]
            xp.matmul(S[t + p, :n], w_hh_t, out=hh[:n])
            z += hh[:n]
            xp.tanh(g, out=g_t)
            sigmoid_(z, one)            # whole contiguous rows (fast); the g block goes unused
            if save:
                d = D[t, :n]
                di, df, dg, do = D4[t, :n, 0], D4[t, :n, 1], D4[t, :n, 2], D4[t, :n, 3]
                xp.subtract(one, z, out=d)
                d *= z
                di *= g_t
                df *= c_t               # still c_prev
                xp.multiply(g_t, g_t, out=dg)
                xp.subtract(one, dg, out=dg)
                dg *= i
            xp.multiply(f, c_t, out=c_t)
            xp.multiply(i, g_t, out=ig_t)
            c_t += ig_t
            xp.tanh(c_t, out=tc_t)
            xp.multiply(o, tc_t, out=h)
            if save:
                do *= tc_t
                fo = Fo[t, :n]
                xp.multiply(h, tc_t, out=fo)     # o tanh(c)^2 = h tanh(c)
                xp.subtract(o, fo, out=fo)

    def _inference_loop(self, A, S, c, w_hh_t):
        """Without grad and lengths (batch-1 inference): 10 array calls a step with the matrix
        product, against 12 in the general loop. The gates are computed negated,
        -z = (-A[t]) - h W_hh^T, so that exp(-z) needs no negation pass and tanh(-g) = -tanh(g)
        enters the cell update through a subtraction; f c and i tanh(g) are one multiply of the
        adjacent [i f] gate block by a [-tanh(g) c] buffer."""
        plan = self.plan
        B, H = c.shape
        dtype = A.dtype
        xp.negative(A, out=A)                    # -(x W_ih^T + b), once for the sequence
        Z = xp.empty((B, 4 * H), dtype)
        z_if, z_g, z_o = Z[:, :2 * H], Z[:, 2 * H:3 * H], Z[:, 3 * H:]
        P = xp.empty((B, 2 * H), dtype)          # [-tanh(g) | c]
        P[:, H:] = c
        p_g, p_c = P[:, :H], P[:, H:]
        Q = xp.empty((B, 2 * H), dtype)          # [-i tanh(g) | f c]
        q_ig, q_fc = Q[:, :H], Q[:, H:]
        tc = xp.empty((B, H), dtype)
        one = xp.ones((), dtype)
        exp2 = dtype == xp.float32 and EXP2_FASTER
        p, q = plan.p, plan.q
        for t in plan.order:
            xp.matmul(S[t + p], w_hh_t, out=Z)
            xp.subtract(A[t], Z, out=Z)          # -z
            xp.tanh(z_g, out=p_g)
            if exp2:                             # see sigmoid_
                xp.multiply(Z, _LOG2E, out=Z)
                xp.exp2(Z, out=Z)
            else:
                xp.exp(Z, out=Z)
            xp.add(Z, one, out=Z)
            xp.reciprocal(Z, out=Z)              # sigmoid(z); the g block goes unused
            xp.multiply(z_if, P, out=Q)
            xp.subtract(q_fc, q_ig, out=p_c)     # c = f c + i tanh(g)
            xp.tanh(p_c, out=tc)
            xp.multiply(z_o, tc, out=S[t + q])
        c[...] = p_c

    def backward(self, dout, dh_n, dc_n):
        plan, A, D, Fo, w_hh = self.plan, self.A, self.D, self.Fo, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dtype = A.dtype
        dout, dh = self._grad_carry(dout, dh_n)
        dc = plan.sort_batch(dc_n)
        # Rows past a sequence's length must hold zero gradient for the big GEMMs below.
        dG = (xp.zeros if plan.gather is not None else xp.empty)((T, B, 4 * H), dtype)
        dG4, D4, A4 = dG.reshape(T, B, 4, H), D.reshape(T, B, 4, H), A.reshape(T, B, 4, H)
        run_batch_halves(("lstm", "backward", B, H, dtype.char), self._backward_loop,
                         [(dout, 1), (dh, 0), (dc, 0), (dG4, 1), (D4, 1), (Fo, 1), (A4, 1)],
                         w_hh, split=plan.gather is None)
        dG2d = dG.reshape(T * B, 4 * H)
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = self._input_grads([(dG2d, slice(None))], dG2d, dh)
        dc0 = plan.unsort_batch(dc) if self.needs_input_grad[2] else None
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh

    def _backward_loop(self, dout, dh, dc, dG4, D4, Fo, A4, w_hh):
        """Back through time over the batch rows given: the gate gradients into dG4, and dh,
        dc carried to the initial state."""
        tmp = xp.empty(dh.shape, dh.dtype)
        ns = self.plan.ns
        for t in reversed(self.plan.order):
            n = ns[t]
            dh_t, dc_t, tm = dh[:n], dc[:n], tmp[:n]
            dh_t += dout[t, :n]
            xp.multiply(dh_t, Fo[t, :n], out=tm)
            dc_t += tm                                                   # dc through h
            xp.multiply(D4[t, :n, :3], dc_t[:, None], out=dG4[t, :n, :3])  # di, df, dg
            xp.multiply(D4[t, :n, 3], dh_t, out=dG4[t, :n, 3])             # do
            dc_t *= A4[t, :n, 1]                                     # to c_{t-1} through f
            xp.matmul(dG4[t, :n].reshape(-1, w_hh.shape[0]), w_hh, out=dh_t)   # to h_{t-1}
