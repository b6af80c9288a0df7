"""The fused GRU layer-direction: whole-sequence forward and hand-written BPTT.

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        gates in torch's order (r, z, n)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h
"""
from .._backend import xp
from .recurrent import FusedRecurrent, recurrent_operand, sigmoid_


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
            A[..., :2 * H] += b_hh[:2 * H]      # b_hr, b_hz just add; b_hn sits inside r * (.)
            b_hn = b_hh[2 * H:]
        # The hidden projections W_hh h + b_h: backward needs the n block of every step.
        keep = 1 if save else 0
        HH = xp.empty((T if save else 1, B, 3 * H), dtype)
        tmp = xp.empty((B, H), dtype)
        one = xp.ones((), dtype)
        A3 = A.reshape(T, B, 3, H)
        w_hh_t = recurrent_operand(w_hh, B)
        p, q, ns = plan.p, plan.q, plan.ns
        with xp.errstate(over="ignore"):
            for t in plan.order:
                n = ns[t]
                h_prev, hh = S[t + p, :n], HH[t * keep, :n]
                xp.matmul(h_prev, w_hh_t, out=hh)
                a = A3[t, :n]
                rz, r, z, new = A[t, :n, :2 * H], a[:, 0], a[:, 1], a[:, 2]
                rz += hh[:, :2 * H]
                sigmoid_(rz, one)
                hn = hh[:, 2 * H:]
                if b_hn is not None:
                    hn += b_hn
                xp.multiply(r, hn, out=tmp[:n])
                new += tmp[:n]
                xp.tanh(new, out=new)
                # h = (1 - z) * n + z * h_prev = n + z * (h_prev - n)
                h = S[t + q, :n]
                xp.subtract(h_prev, new, out=h)
                h *= z
                h += new
        out, h_n = self._outputs(S)
        if save:
            self.x2d, self.A, self.HH, self.S = x2d, A, HH, S
            self.w_ih, self.w_hh = w_ih, w_hh
        return out, h_n

    def backward(self, dout, dh_n):
        plan, A, HH, S, w_hh = self.plan, self.A, self.HH, self.S, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dtype = A.dtype
        dout, dh = self._grad_carry(dout, dh_n)
        # Gate gradients on the input side (dr, dz, dn) and the hidden side (dr, dz, dn * r);
        # rows past a sequence's length must stay zero for the big GEMMs below.
        new_buf = xp.zeros if plan.gather is not None else xp.empty
        dGx = new_buf((T, B, 3 * H), dtype)
        dGh = new_buf((T, B, 3 * H), dtype)
        A3, HH3 = A.reshape(T, B, 3, H), HH.reshape(T, B, 3, H)
        dGx3, dGh3 = dGx.reshape(T, B, 3, H), dGh.reshape(T, B, 3, H)
        one_minus_z = xp.empty((B, H), dtype)
        mm = xp.empty((B, H), dtype)
        p, ns = plan.p, plan.ns
        for t in reversed(plan.order):
            n = ns[t]
            a, d = A3[t, :n], dGx3[t, :n]
            r, z, new = a[:, 0], a[:, 1], a[:, 2]
            dr, dz, dn = d[:, 0], d[:, 1], d[:, 2]
            hn, h_prev = HH3[t, :n, 2], S[t + p, :n]
            dh_t, omz = dh[:n], one_minus_z[:n]
            dh_t += dout[t, :n]
            xp.subtract(1, z, out=omz)
            # dn = dh * (1 - z) * (1 - n^2)
            xp.multiply(new, new, out=dn)
            xp.subtract(1, dn, out=dn)
            dn *= omz
            dn *= dh_t
            # dz = dh * (h_prev - n) * z (1 - z)
            xp.subtract(h_prev, new, out=dz)
            dz *= dh_t
            dz *= z
            dz *= omz
            # dr = dn * (W_hn h + b_hn) * r (1 - r)
            xp.subtract(1, r, out=dr)
            dr *= r
            dr *= hn
            dr *= dn
            dgh = dGh[t, :n]
            xp.copyto(dgh[:, :2 * H], dGx[t, :n, :2 * H])
            xp.multiply(dn, r, out=dGh3[t, :n, 2])
            # carry to step t-1: dh * z + dgates_h @ W_hh
            xp.matmul(dgh, w_hh, out=mm[:n])
            dh_t *= z
            dh_t += mm[:n]
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = self._input_grads(
            dGx.reshape(T * B, 3 * H), dGh.reshape(T * B, 3 * H), dh)
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh
