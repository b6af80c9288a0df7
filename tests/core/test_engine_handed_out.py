"""The engine's aliasing guard tells arrays apart by identity, not by a possibly reused id."""
import numpy as np

import chainrule as cr
from chainrule.autograd import engine


def test_a_reused_id_is_not_mistaken_for_a_handed_out_array():
    handed = engine._HandedOut()
    a = np.ones(3)
    handed.add(a)
    assert a in handed
    b = np.ones(3)
    handed.refs[id(b)] = handed.refs.pop(id(a))  # as if b had been given a's freed id
    del a
    assert b not in handed
    s = np.float64(2.0)                           # no weak reference to NumPy scalars
    handed.add(s)
    assert s in handed


def test_a_gradient_shared_by_two_leaves_is_still_copied():
    w1 = cr.tensor(np.ones(4), requires_grad=True)
    w2 = cr.tensor(np.ones(4), requires_grad=True)
    (w1 + w2).sum().backward()                    # add's backward hands one array to both
    w1.grad._data += 1
    np.testing.assert_array_equal(w2.grad._data, np.ones(4))
