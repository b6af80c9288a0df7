"""The fused GRU layer-direction: whole-sequence forward and hand-written BPTT.

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        gates in torch's order (r, z, n)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h
"""
from .._backend import xp
from .recurrent import FusedRecurrent, recurrent_operand, run_batch_halves, sigmoid_


class GRUFunction(FusedRecurrent):
    """One GRU layer in one direction over a whole (T, B, I) sequence.

    Call as ``GRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False, lengths=None)``;
    h0 and the biases may be None (zeros / no bias).

    Returns:
        (output (T, B, H), h_n (B, H)).
    """

    op = "gru"
    gates = 3

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None):
        plan, x2d, A, S = self._setup(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths)
        self.plan = plan
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dtype, save = x.dtype, self.save
        b_hn = None
        if b_ih is not None:
            A += b_ih
        if b_hh is not None:
            A[..., :2 * H] += b_hh[:2 * H]      # b_hr, b_hz just add; b_hn sits inside r * (.)
            b_hn = b_hh[2 * H:]
        RZ = xp.empty((T if save else 1, B, 2 * H), dtype)  # without grad one slot, reused
        if save:
            # Local derivatives, stored while the step's values are in cache, in the column
            # order (n, r, z, n_h) so that both the input side (n, r, z) and the hidden side
            # (r, z, n_h) of the gate gradient are contiguous column ranges of one array:
            #   Fn = (1 - n^2)(1 - z), [Fn, Fn hn r(1-r), (h_prev - n) z(1-z), Fn r]
            E = self.E = xp.empty((T, B, 4 * H), dtype)
        else:
            E = None
        run_batch_halves(("gru", save, B, H, dtype.char), self._forward_loop,
                         [(A, 1), (S, 1), (RZ, 1), (E, 1)], recurrent_operand(w_hh, B), b_hn,
                         split=plan.gather is None)
        out, h_n = self._outputs(S)
        if save:
            self.x2d, self.RZ, self.S, self.w_ih, self.w_hh = x2d, RZ, S, w_ih, w_hh
        return out, h_n

    def backward(self, dout, dh_n):
        plan, E, RZ, w_hh = self.plan, self.E, self.RZ, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dtype = E.dtype
        dout, dh = self._grad_carry(dout, dh_n)
        # Gate gradients in E's column order (dn, dr, dz, dn_h); rows past a sequence's length
        # must stay zero for the big GEMMs below.
        dG = (xp.zeros if plan.gather is not None else xp.empty)((T, B, 4 * H), dtype)
        run_batch_halves(("gru", "backward", B, H, dtype.char), self._backward_loop,
                         [(dout, 1), (dh, 0), (dG, 1), (E, 1), (RZ, 1)], w_hh,
                         split=plan.gather is None)
        dG2d = dG.reshape(T * B, 4 * H)
        # Input side: (dr, dz) feed rows r, z of W_ih and dn feeds rows n.
        parts = [(dG2d[:, H:3 * H], slice(0, 2 * H)), (dG2d[:, :H], slice(2 * H, 3 * H))]
        return self._input_grads(parts, dG2d[:, H:], dh)

    def _forward_loop(self, A, S, RZ, E, w_hh_t, b_hn):
        """The time loop over the batch rows given (with grad, E receives the derivatives)."""
        plan, save = self.plan, self.save
        T, B, H = plan.T, A.shape[1], S.shape[2]
        dtype = A.dtype
        keep = 1 if save else 0                 # without grad one slot of RZ is reused
        E4 = E.reshape(T, B, 4, H) if save else None
        hh = xp.empty((B, 3 * H), dtype)
        n_gate, omz = xp.empty((B, H), dtype), xp.empty((B, H), dtype)
        one = xp.ones((), dtype)
        p, q, ns = plan.p, plan.q, plan.ns
        for t in plan.order:
            n = ns[t]
            h_prev, h, hh_t, n_t = S[t + p, :n], S[t + q, :n], hh[:n], n_gate[:n]
            rz = RZ[t * keep, :n]
            r, z, hn = rz[:, :H], rz[:, H:], hh_t[:, 2 * H:]
            xp.matmul(h_prev, w_hh_t, out=hh_t)
            xp.add(A[t, :n, :2 * H], hh_t[:, :2 * H], out=rz)
            sigmoid_(rz, one)
            if b_hn is not None:
                hn += b_hn
            xp.multiply(r, hn, out=n_t)
            n_t += A[t, :n, 2 * H:]
            xp.tanh(n_t, out=n_t)
            xp.subtract(h_prev, n_t, out=h)
            if save:
                en, er, ez, enh = E4[t, :n, 0], E4[t, :n, 1], E4[t, :n, 2], E4[t, :n, 3]
                omz_t = omz[:n]
                xp.subtract(one, z, out=omz_t)
                xp.multiply(n_t, n_t, out=en)
                xp.subtract(one, en, out=en)
                en *= omz_t
                xp.multiply(h, z, out=ez)        # h holds h_prev - n here
                ez *= omz_t
                xp.subtract(one, r, out=er)
                er *= r
                er *= hn
                er *= en
                xp.multiply(en, r, out=enh)
            # h = (1 - z) n + z h_prev = n + z (h_prev - n)
            h *= z
            h += n_t

    def _backward_loop(self, dout, dh, dG, E, RZ, w_hh):
        """Back through time over the batch rows given: gate gradients into dG, dh carried."""
        T, B, H = self.plan.T, dh.shape[0], dh.shape[1]
        dG4, E4 = dG.reshape(T, B, 4, H), E.reshape(T, B, 4, H)
        mm = xp.empty((B, H), dh.dtype)
        ns = self.plan.ns
        for t in reversed(self.plan.order):
            n = ns[t]
            dh_t = dh[:n]
            dh_t += dout[t, :n]
            xp.multiply(E4[t, :n], dh_t[:, None], out=dG4[t, :n])
            xp.matmul(dG[t, :n, H:], w_hh, out=mm[:n])          # (dr, dz, dn_h) @ W_hh
            dh_t *= RZ[t, :n, H:]                                 # through z straight to h
            dh_t += mm[:n]
