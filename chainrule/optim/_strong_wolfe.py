"""The strong-Wolfe line search LBFGS uses (``line_search_fn="strong_wolfe"``).

Along a descent direction ``d`` from ``x`` it looks for a step ``t`` whose loss has decreased
enough (Armijo: ``f(t) <= f(0) + c1 t f'(0)``) and whose slope has flattened enough (strong
curvature: ``|f'(t)| <= c2 |f'(0)|``). It first grows ``t`` until an interval is known to hold
such a step, then shrinks that interval by cubic interpolation ("zoom"); Nocedal & Wright,
Numerical Optimization, algorithms 3.5 and 3.6. Every decision and every rounding follows
PyTorch's ``torch.optim.lbfgs._strong_wolfe``, so LBFGS takes the very same steps.

Values are NumPy scalars and flat arrays; ``obj_func(x, t, d)`` returns the loss (a float)
and the flat gradient at ``x + t d``, leaving the parameters at ``x``.
"""
from .._backend import xp


def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1`` and
    ``g2``, clamped to ``bounds`` (default: between the two points); the middle of the
    bounds when the cubic has no minimum."""
    if bounds is None:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    else:
        lo, hi = bounds
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if not d2_square >= 0:
        return (lo + hi) / 2.0
    d2 = xp.sqrt(d2_square)
    # written from the farther point, as the formula is stable that way
    if x1 <= x2:
        best = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        best = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(best, lo), hi)


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """Search along ``d`` from ``x`` (loss ``f``, flat gradient ``g``, slope ``gtd = g . d``),
    starting from the step ``t``, with at most ``max_ls`` evaluations after the first.

    Returns ``(loss, flat gradient, t, number of evaluations)`` at the step taken.
    """
    d_norm = xp.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)

    # ---- bracketing: grow t until [t_prev, t] holds an acceptable step ----------------------
    # Each bracket end is kept as [step, loss, gradient, slope].
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    ends = None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            ends = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            ends = [[t, f_new, g_new, gtd_new]]
            done = True
            break
        if gtd_new >= 0:
            ends = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        # still descending: extrapolate, between just past t and ten times t
        t_next = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter >= max_ls:  # out of evaluations: the interval from 0 to the last step
        ends = [[0, f, g, gtd], [t, f_new, g_new, gtd_new]]

    # ---- zoom: shrink the bracket until a step satisfies both conditions ----------------------
    low, high = (0, 1) if ends[0][1] <= ends[-1][1] else (1, 0)
    insufficient_progress = False
    while not done and ls_iter < max_ls:
        if abs(ends[1][0] - ends[0][0]) * d_norm < tolerance_change:
            break  # the bracket has become too small to matter
        t = cubic_minimum(ends[0][0], ends[0][1], ends[0][3], ends[1][0], ends[1][1],
                          ends[1][3])
        # A trial too close to an end makes little progress; after two such in a row (or one
        # outside the bracket) move it to a tenth of the bracket's width from the nearer end.
        t_max, t_min = max(ends[0][0], ends[1][0]), min(ends[0][0], ends[1][0])
        margin = 0.1 * (t_max - t_min)
        if min(t_max - t, t - t_min) < margin:
            if insufficient_progress or t >= t_max or t <= t_min:
                t = t_max - margin if abs(t - t_max) < abs(t - t_min) else t_min + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        point = [t, f_new, g_new, gtd_new]
        if f_new > (f + c1 * t * gtd) or f_new >= ends[low][1]:
            # not enough decrease: the trial becomes the high end
            ends[high] = point
            low, high = (0, 1) if ends[0][1] <= ends[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (ends[high][0] - ends[low][0]) >= 0:
                ends[high] = ends[low]  # the minimum lies on the other side of the trial
            ends[low] = point

    t, f_new, g_new, _ = ends[low]
    return f_new, g_new, t, evals
