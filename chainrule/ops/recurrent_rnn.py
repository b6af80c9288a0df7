"""The fused Elman RNN layer-direction: whole-sequence forward and hand-written BPTT.

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)      (or relu instead of tanh)
"""
from .._backend import xp
from .recurrent import FusedRecurrent, recurrent_operand


class RNNFunction(FusedRecurrent):
    """One tanh or relu RNN layer in one direction over a whole (T, B, I) sequence.

    Call as ``RNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False, lengths=None,
    nonlinearity="tanh")``; h0 and the biases may be None (zeros / no bias).

    Returns:
        (output (T, B, H), h_n (B, H)).
    """

    op = "rnn"
    gates = 1

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None,
                nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"rnn: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        plan, x2d, Z, S = self._setup(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths)
        self.plan, self.relu = plan, nonlinearity == "relu"
        B, H = plan.B, w_hh.shape[1]
        if b_ih is not None:
            Z += b_ih + b_hh
        hh = xp.empty((B, H), x.dtype)
        w_hh_t = recurrent_operand(w_hh, B)
        p, q, ns = plan.p, plan.q, plan.ns
        for t in plan.order:
            n = ns[t]
            z = Z[t, :n]
            xp.matmul(S[t + p, :n], w_hh_t, out=hh[:n])
            z += hh[:n]
            if self.relu:
                xp.maximum(z, 0, out=S[t + q, :n])
            else:
                xp.tanh(z, out=S[t + q, :n])
        out, h_n = self._outputs(S)
        if self.save:
            self.x2d, self.S, self.w_ih, self.w_hh = x2d, S, w_ih, w_hh
        return out, h_n

    def backward(self, dout, dh_n):
        plan, S, w_hh = self.plan, self.S, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dout, dh = self._grad_carry(dout, dh_n)
        dZ = (xp.zeros if plan.gather is not None else xp.empty)((T, B, H), S.dtype)
        q, ns = plan.q, plan.ns
        for t in reversed(plan.order):
            n = ns[t]
            h, dz, dh_t = S[t + q, :n], dZ[t, :n], dh[:n]
            dh_t += dout[t, :n]
            if self.relu:
                # torch's relu passes no gradient at exactly 0
                xp.multiply(dh_t, h > 0, out=dz)
            else:
                xp.multiply(h, h, out=dz)
                xp.subtract(1, dz, out=dz)
                dz *= dh_t
            xp.matmul(dz, w_hh, out=dh_t)
        dZ2d = dZ.reshape(T * B, H)
        return self._input_grads(dZ2d, dZ2d, dh)
