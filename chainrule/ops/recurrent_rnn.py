"""The fused Elman RNN layer-direction: whole-sequence forward and hand-written BPTT.

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)      (or relu instead of tanh)
"""
from .._backend import xp
from .recurrent import FusedRecurrent, recurrent_operand, step_threads


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
        self.plan, relu, save = plan, nonlinearity == "relu", self.save
        B, H = plan.B, w_hh.shape[1]
        bias = self._bias(b_ih, b_hh)
        if bias is not None:
            Z += bias
        if save:
            # The activation's derivative, 1 - h^2 (tanh) or [h > 0] (relu), stored in Z's
            # place once a step is done with it.
            self.F = Z
        hh = xp.empty((B, H), x.dtype)
        one = xp.ones((), x.dtype)
        w_hh_t = recurrent_operand(w_hh, B)
        p, q, ns = plan.p, plan.q, plan.ns
        with step_threads(("rnn", save, B, H, x.dtype.char)):
            for t in plan.order:
                n = ns[t]
                z, h = Z[t, :n], S[t + q, :n]
                xp.matmul(S[t + p, :n], w_hh_t, out=hh[:n])
                z += hh[:n]
                if relu:
                    xp.maximum(z, 0, out=h)
                    if save:
                        xp.sign(h, out=z)      # 1 where h > 0; torch passes no gradient at 0
                else:
                    xp.tanh(z, out=h)
                    if save:
                        xp.multiply(h, h, out=z)
                        xp.subtract(one, z, out=z)
        out, h_n = self._outputs(S)
        if save:
            self.x2d, self.S, self.w_ih, self.w_hh = x2d, S, w_ih, w_hh
        return out, h_n

    def backward(self, dout, dh_n):
        plan, F, w_hh = self.plan, self.F, self.w_hh
        T, B, H = plan.T, plan.B, w_hh.shape[1]
        dout, dh = self._grad_carry(dout, dh_n)
        dZ = (xp.zeros if plan.gather is not None else xp.empty)((T, B, H), F.dtype)
        ns = plan.ns
        with step_threads(("rnn", "backward", B, H, F.dtype.char)):
            for t in reversed(plan.order):
                n = ns[t]
                dh_t = dh[:n]
                dh_t += dout[t, :n]
                xp.multiply(dh_t, F[t, :n], out=dZ[t, :n])
                xp.matmul(dZ[t, :n], w_hh, out=dh_t)
        dZ2d = dZ.reshape(T * B, H)
        return self._input_grads([(dZ2d, slice(None))], dZ2d, dh)
