"""The fused LSTM layer-direction: whole-sequence forward and hand-written BPTT.

    i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)        gates in torch's order (i, f, g, o)
    f = sigmoid(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    o = sigmoid(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g
    h' = o * tanh(c')
"""
from .._backend import xp
from .recurrent import FusedRecurrent, recurrent_operand, sigmoid_


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
        if b_ih is not None:
            A += b_ih + b_hh
        c0 = self._initial_state(c0, plan.B, w_hh.shape[1], x.dtype)
        with xp.errstate(over="ignore"):
            if self.save or plan.gather is not None:
                C = self._sequence_loop(A, S, c0, w_hh.T)
                c_n = plan.final(C) if self.save else plan.unsort_batch(C[0])
            else:
                c_n = self._inference_loop(A, S, c0, recurrent_operand(w_hh, plan.B))
        out, h_n = self._outputs(S)
        if self.save:
            self.x2d, self.A, self.C, self.S = x2d, A, C, S
            self.w_ih, self.w_hh = w_ih, w_hh
        return out, h_n, c_n

    def _sequence_loop(self, A, S, c0, w_hh_t):
        """The general loop: A becomes the activations (i, f, g, o) in place and, with grad,
        every step keeps c (in C) and tanh(c) (in self.TC) for backward. Returns C."""
        plan, save = self.plan, self.save
        T, B, H = plan.T, plan.B, c0.shape[1]
        dtype = A.dtype
        keep = 1 if save else 0           # without grad one slot of C and TC is reused
        C = (xp.zeros if plan.gather is not None else xp.empty)((T + 1 if save else 1, B, H),
                                                                dtype)
        C[T * plan.p * keep] = c0
        TC = self.TC = xp.empty((T if save else 1, B, H), dtype)
        hh = xp.empty((4 * H, B), dtype).T      # F-ordered: OpenBLAS is ~25% faster writing it
        gt = xp.empty((B, H), dtype)
        ig = xp.empty((B, H), dtype)
        one = xp.ones((), dtype)
        A4 = A.reshape(T, B, 4, H)
        p, q, ns = plan.p, plan.q, plan.ns
        for t in plan.order:
            n = ns[t]
            z = A[t, :n]
            xp.matmul(S[t + p, :n], w_hh_t, out=hh[:n])
            z += hh[:n]
            a = A4[t, :n]
            i, f, g, o = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            xp.tanh(g, out=gt[:n])              # before sigmoid_ overwrites the g block
            sigmoid_(z, one)
            xp.copyto(g, gt[:n])
            c_prev, c = C[(t + p) * keep, :n], C[(t + q) * keep, :n]
            tc = TC[t * keep, :n]
            xp.multiply(f, c_prev, out=c)
            xp.multiply(i, g, out=ig[:n])
            c += ig[:n]
            xp.tanh(c, out=tc)
            xp.multiply(o, tc, out=S[t + q, :n])
        return C

    def _inference_loop(self, A, S, c, w_hh_t):
        """Without grad and lengths: one gate buffer with fixed block views and as few array
        calls per step as possible, which is what batch-1 inference is made of. Returns c_n."""
        plan = self.plan
        B, H = c.shape
        dtype = A.dtype
        Z = xp.empty((B, 4 * H), dtype)
        zi, zf, zg, zo = (Z[:, k * H:(k + 1) * H] for k in range(4))
        gt, ig, tc = (xp.empty((B, H), dtype) for _ in range(3))
        one = xp.ones((), dtype)
        p, q = plan.p, plan.q
        for t in plan.order:
            xp.matmul(S[t + p], w_hh_t, out=Z)
            xp.add(Z, A[t], out=Z)
            xp.tanh(zg, out=gt)
            sigmoid_(Z, one)                     # the g block's sigmoid goes unused
            xp.multiply(zf, c, out=c)
            xp.multiply(zi, gt, out=ig)
            xp.add(c, ig, out=c)
            xp.tanh(c, out=tc)
            xp.multiply(zo, tc, out=S[t + q])
        return c

    def backward(self, dout, dh_n, dc_n):
        plan, A, C, TC, S, w_hh = self.plan, self.A, self.C, self.TC, self.S, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dtype = A.dtype
        dout, dh = self._grad_carry(dout, dh_n)
        dc = plan.sort_batch(dc_n)
        # Rows past a sequence's length must hold zero gradient for the big GEMMs below.
        dG = (xp.zeros if plan.gather is not None else xp.empty)((T, B, 4 * H), dtype)
        dG4 = dG.reshape(T, B, 4, H)
        A4 = A.reshape(T, B, 4, H)
        tmp = xp.empty((B, H), dtype)
        p, q, ns = plan.p, plan.q, plan.ns
        for t in reversed(plan.order):
            n = ns[t]
            a, d = A4[t, :n], dG4[t, :n]
            i, f, g, o = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            di, df, dg, do = d[:, 0], d[:, 1], d[:, 2], d[:, 3]
            h, tc, c_prev = S[t + q, :n], TC[t, :n], C[t + p, :n]
            dh_t, dc_t, tm = dh[:n], dc[:n], tmp[:n]
            dh_t += dout[t, :n]
            # dc += dh * o * (1 - tanh(c)^2), with o * tanh(c)^2 = h * tanh(c)
            xp.multiply(h, tc, out=tm)
            xp.subtract(o, tm, out=tm)
            tm *= dh_t
            dc_t += tm
            # do = dh * tanh(c) * o (1 - o) = dh * h * (1 - o)
            xp.subtract(1, o, out=do)
            do *= h
            do *= dh_t
            # di = dc * g * i (1 - i) and df = dc * c_prev * f (1 - f), on the (i, f) block at once
            dif, aif = d[:, :2], a[:, :2]
            xp.subtract(1, aif, out=dif)
            dif *= aif
            di *= g
            df *= c_prev
            dif *= dc_t[:, None, :]
            # dg = dc * i * (1 - g^2)
            xp.multiply(g, g, out=dg)
            xp.subtract(1, dg, out=dg)
            dg *= i
            dg *= dc_t
            # carry to step t-1: dc * f and dgates @ W_hh
            dc_t *= f
            xp.matmul(dG[t, :n], w_hh, out=dh_t)
        dG2d = dG.reshape(T * B, 4 * H)
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = self._input_grads(dG2d, dG2d, dh)
        dc0 = plan.unsort_batch(dc) if self.needs_input_grad[2] else None
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh
