"""1. Gradient: gradient descent on a 2-D loss surface, and which way the gradient points."""
import math

from .._backend import xp
from ..factories import tensor
from . import plots
from .section import Section, fmt

# An elongated bowl f(w) = 1/2 (w - w*)^T A (w - w*) with curvatures 1 and 10 along axes turned
# by 30 degrees: the gradient is then far from pointing at the minimum, as in real losses.
_THETA = math.radians(30)
_R = xp.array([[math.cos(_THETA), -math.sin(_THETA)], [math.sin(_THETA), math.cos(_THETA)]])
_A = _R @ xp.diag([1.0, 10.0]) @ _R.T
_W_STAR = xp.array([0.5, -0.5])
# Far out along the flat axis and a little up the steep one: the gradient is dominated by the
# steep axis and so points well away from the minimum.
_START = _W_STAR - 3.5 * _R[:, 0] + 0.6 * _R[:, 1]
_STEP_SIZES = (0.02, 0.1, 0.18, 0.21)
_VIEW = (_W_STAR[0] - 5.4, _W_STAR[0] + 1.6, _W_STAR[1] - 2.9, _W_STAR[1] + 2.3)


def loss(w):
    """f(w) for a (2,) tensor, or for a batch of points (n, 2) at once."""
    a = tensor(_A)
    d = w - tensor(_W_STAR)
    if d.ndim == 1:
        return 0.5 * (d @ (a @ d))
    return 0.5 * ((d @ a) * d).sum(dim=1)


def gradient(point):
    """(f(point), grad f(point)) by chainrule's autograd."""
    w = tensor(xp.array(point, dtype=xp.float64), requires_grad=True)
    f = loss(w)
    f.backward()
    return f.item(), w.grad._data.copy()


def descend(step_size, steps):
    """The path of plain gradient descent w <- w - step_size * grad f(w) and its losses."""
    w = _START.copy()
    path, losses = [w.copy()], []
    for _ in range(steps):
        f, g = gradient(w)
        losses.append(f)
        w = w - step_size * g
        path.append(w.copy())
    losses.append(gradient(w)[0])
    return xp.array(path), xp.array(losses)


def directional_derivatives(point, n_directions=720, h=1e-5):
    """Slope of f along unit directions at ``point``, by central differences of f itself."""
    angles = xp.linspace(-math.pi, math.pi, n_directions, endpoint=False)
    u = xp.stack([xp.cos(angles), xp.sin(angles)], axis=1)
    p = tensor(xp.asarray(point, dtype=xp.float64))
    plus = loss(p + tensor(h * u))._data
    minus = loss(p - tensor(h * u))._data
    return angles, (plus - minus) / (2 * h)


def run(ctx):
    steps = 40
    f0, g0 = gradient(_START)
    paths = {eta: descend(eta, steps) for eta in _STEP_SIZES}
    angles, slopes = directional_derivatives(_START)
    best = int(xp.argmax(slopes))
    grad_angle = math.atan2(g0[1], g0[0])
    off_by = math.degrees(abs((angles[best] - grad_angle + math.pi) % (2 * math.pi) - math.pi))
    to_min = _W_STAR - _START
    cos_to_min = float(-g0 @ to_min / (xp.linalg.norm(g0) * xp.linalg.norm(to_min)))
    angle_to_min = math.degrees(math.acos(cos_to_min))
    eps = 1e-3
    unit = g0 / xp.linalg.norm(g0)
    up = gradient(_START + eps * unit)[0] - f0
    down = gradient(_START - eps * unit)[0] - f0
    lam_max = float(xp.linalg.eigvalsh(_A).max())
    finals = {eta: float(losses[-1]) for eta, (_, losses) in paths.items()}

    fig, (ax, ax_loss, ax_dir) = plots.figure(3, width=10.6, height=3.6,
                                              gridspec_kw={"width_ratios": [1.25, 1, 1]})
    x0, x1, y0, y1 = _VIEW
    xs, ys = xp.linspace(x0, x1, 160), xp.linspace(y0, y1, 140)
    gx, gy = xp.meshgrid(xs, ys)
    grid = loss(tensor(xp.stack([gx.ravel(), gy.ravel()], axis=1)))._data.reshape(gx.shape)
    ax.contour(gx, gy, grid, levels=xp.geomspace(0.02, 40, 12), colors="#b9c0c8",
               linewidths=0.8)
    for (eta, (path, _)), color in zip(paths.items(), plots.PALETTE):
        shown = path[:12]  # the first steps; later ones pile up at the minimum or fly off
        ax.plot(shown[:, 0], shown[:, 1], "o-", ms=2.4, lw=1.0, color=color, label=f"η = {eta}",
                alpha=0.9)
    arrow = 1.2 * g0 / xp.linalg.norm(g0)
    for sign, color, text, offset in ((1, plots.RED, "∇f (uphill)", (0.0, 0.28)),
                                      (-1, "#222", "−∇f (step)", (0.25, -0.3))):
        ax.annotate("", xy=_START + sign * arrow, xytext=_START,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=2))
        ax.text(*(_START + sign * arrow + offset), text, color=color, fontsize=8.5,
                ha="center", va="center")
    ax.plot(*_W_STAR, "*", color="#222", ms=11)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal", title="Paths over the contours",
           xlabel="w₁", ylabel="w₂")
    ax.legend(loc="upper left", fontsize=7.5)
    for (eta, (_, losses)), color in zip(paths.items(), plots.PALETTE):
        ax_loss.semilogy(losses, color=color, label=f"η = {eta}")
    ax_loss.axhline(losses[0], color=plots.GREY, lw=0.8, ls=":")
    ax_loss.set(title="Loss against step", xlabel="step", ylabel="f(w)", ylim=(1e-7, 1e3))
    plots.allow_clipping(ax_loss, "the diverging step size's loss leaves the plot")
    ax_loss.legend(fontsize=7.5)
    ax_dir.plot(xp.degrees(angles), slopes, color=plots.BLUE)
    ax_dir.axvline(math.degrees(grad_angle), color=plots.RED, ls="--", lw=1.2,
                   label="∇f")
    step_angle = math.degrees(math.atan2(-g0[1], -g0[0]))
    ax_dir.axvline(step_angle, color="#222", ls=":", lw=1.2, label="−∇f")
    ax_dir.axhline(0, color=plots.GREY, lw=0.8)
    ax_dir.set(title="Slope along each direction", xlabel="direction (degrees)",
               ylabel="directional derivative", xticks=range(-180, 181, 90))
    ax_dir.legend(fontsize=7.5, loc="lower right")
    for a, letter in zip((ax, ax_loss, ax_dir), "abc"):
        plots.panel_label(a, letter)
    image = ctx.save(fig, "gradient.png")

    eta_ok = max(e for e in _STEP_SIZES if e < 2 / lam_max)
    diverged = [e for e in _STEP_SIZES if finals[e] > f0]
    findings = [
        f"Starting from f = {fmt(f0)}, {steps} steps of size η = "
        + ", ".join(f"{e}: f = {fmt(finals[e])}" for e in _STEP_SIZES) + ". "
        f"The steepest curvature is λ<sub>max</sub> = {fmt(lam_max)}, so descent converges "
        f"only for η &lt; 2/λ<sub>max</sub> = {fmt(2 / lam_max)}: η = {eta_ok} zig-zags but "
        f"converges, η = {', '.join(map(str, diverged)) or '(none)'} diverged.",
        f"Of 720 directions, f rises fastest along the one {fmt(off_by, 2)}° from ∇f "
        f"(the grid spacing is 0.5°), at slope {fmt(slopes[best])} = |∇f| = "
        f"{fmt(xp.linalg.norm(g0))}.",
        f"A move of 10<sup>−3</sup> along ∇f changes f by {fmt(up)} (up); against it by "
        f"{fmt(down)} (down).",
        f"At the start, −∇f points {fmt(angle_to_min)}° away from the direction of the "
        "minimum: the gradient is local, and on an elongated bowl it does not aim at the "
        "minimum.",
    ]
    section = Section(
        key="gradient", number=1, title="Gradient",
        idea="<p>The gradient ∇f(w) is the vector of partial derivatives of a scalar loss f "
             "with respect to every parameter. It points in the direction in which f "
             "<em>increases</em> fastest (steepest ascent), its length is that rate of "
             "increase, and it is perpendicular to the contour lines. Gradient descent "
             "therefore steps <em>against</em> it, scaled by the step size (learning rate) "
             "η: too small is slow, too large overshoots and diverges.</p>",
        formula="<div>∇f(w) = (∂f/∂w<sub>1</sub>, …, ∂f/∂w<sub>n</sub>)</div>"
                "<div>w<sub>t+1</sub> = w<sub>t</sub> − η ∇f(w<sub>t</sub>)</div>"
                "<div>D<sub>u</sub> f(w) = ∇f(w) · u &nbsp; (largest for u = ∇f / |∇f|)</div>"
                "<div class='note'>Here f(w) = ½ (w − w*)ᵀ A (w − w*), curvatures 1 and 10; "
                "descent converges for η &lt; 2 / λ<sub>max</sub>(A).</div>",
        images=[(image, "Gradient descent paths over contour lines for four step sizes, "
                 "loss curves, and the directional derivative against direction",
                 "(a) Descent from the same start with four step sizes; red arrow: the "
                 "gradient, black: the step. (b) f after each step (log scale). (c) The slope "
                 "of f along every direction at the start point peaks at the gradient's "
                 "direction (dashed, ∇f) and is zero at ±90° from it (along the contour); dotted: "
                 "the descent direction −∇f.")],
        measured={"start_loss": f0, "step_sizes": list(_STEP_SIZES),
                  "final_loss": [finals[e] for e in _STEP_SIZES],
                  "critical_step_size": 2 / lam_max,
                  "steepest_direction_off_gradient_deg": off_by,
                  "max_directional_derivative": float(slopes[best]),
                  "gradient_norm": float(xp.linalg.norm(g0)),
                  "change_along_gradient": up, "change_against_gradient": down,
                  "angle_negative_gradient_to_minimum_deg": angle_to_min},
        findings=findings,
        claims={
            "descent converges below η = 2/λmax and diverges at or above it":
                all((finals[e] < f0) == (e < 2 / lam_max) for e in _STEP_SIZES),
            f"η = {eta_ok} zig-zags (η > 1/λmax) but converges":
                1 / lam_max < eta_ok and finals[eta_ok] < f0,
            "f rises fastest along ∇f, at slope |∇f|": off_by <= 0.5 and
                abs(slopes[best] - xp.linalg.norm(g0)) < 1e-3 * xp.linalg.norm(g0),
            "a move along ∇f raises f, one against it lowers f": up > 0 > down,
            "−∇f does not aim at the minimum": angle_to_min > 5,
        },
        misstatement="The gradient points downhill, towards the minimum.",
        correction="It points <strong>uphill</strong>: ∇f is the direction of steepest "
                   "<em>ascent</em>, which is why the update subtracts it. Nor does −∇f aim at "
                   "the minimum: it is perpendicular to the local contour, here "
                   f"{fmt(angle_to_min)}° off the straight line to the minimum.",
        dependencies=["Tensor.backward", "matmul", "sum"])
    return [section]
