"""6. Softmax: probabilities, softmax regression, the p - y gradient, the max-subtraction trick."""
import warnings

from .. import nn
from .._backend import xp
from ..autograd.grad_mode import no_grad
from ..factories import tensor
from ..nn import functional as F
from ..ops.activation import sigmoid, softmax
from ..optim import SGD
from . import plots
from .section import Section, fmt


def blobs(rng, n_per_class=100):
    """Three overlapping Gaussian classes in 2-D."""
    centres = xp.array([[-1.6, -0.8], [1.6, -0.8], [0.0, 1.6]])
    x = xp.concatenate([c + rng.standard_normal((n_per_class, 2)) for c in centres])
    y = xp.repeat(xp.arange(3), n_per_class)
    return tensor(x.astype(xp.float32)), tensor(y)


def run(ctx):
    rng = ctx.rng(6)
    z = tensor(rng.standard_normal((1000, 10)) * 3)
    p = softmax(z, dim=1)._data
    sum_error = float(xp.abs(p.sum(axis=1) - 1).max())
    shift_error = float(xp.abs(softmax(z + 100.0, dim=1)._data - p).max())
    two = tensor(rng.standard_normal((1000, 2)))
    binary_gap = float(xp.abs(softmax(two, dim=1)._data[:, 0]
                              - sigmoid(two[:, 0] - two[:, 1])._data).max())

    big = xp.array([1000.0, 999.0, 998.0])
    with warnings.catch_warnings(), xp.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        naive = xp.exp(big) / xp.exp(big).sum()
    stable = softmax(tensor(big), dim=0)._data

    logits = tensor(rng.standard_normal((8, 5)), requires_grad=True)
    labels = tensor(rng.integers(0, 5, 8))
    F.cross_entropy(logits, labels).backward()
    onehot = xp.eye(5)[labels._data]
    p_minus_y = (softmax(logits.detach(), dim=1)._data - onehot) / 8
    grad_gap = float(xp.abs(logits.grad._data - p_minus_y).max())

    x, y = blobs(ctx.rng(61))
    model = nn.Linear(2, 3)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt = SGD(model.parameters(), lr=0.5)
    steps = 100 if ctx.quick else 300
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with no_grad():
        accuracy = float((model(x)._data.argmax(1) == y._data).mean())

    fig, (ax, ax_grad) = plots.figure(2, width=10.0, height=3.5)
    gx, gy = xp.meshgrid(xp.linspace(-5, 5, 200), xp.linspace(-4.5, 5, 190))
    grid = tensor(xp.stack([gx.ravel(), gy.ravel()], 1).astype(xp.float32))
    with no_grad():
        probs = softmax(model(grid), dim=1)._data
    colors = xp.array([[0.18, 0.43, 0.71], [0.88, 0.54, 0.12], [0.18, 0.62, 0.36]])
    image = (probs @ colors).reshape(gx.shape + (3,))
    image = 1 - 0.45 * (1 - image)  # pale tints: the points stay readable on top
    ax.imshow(image, extent=(-5, 5, -4.5, 5), origin="lower", aspect="auto")
    ax.contour(gx, gy, probs.max(1).reshape(gx.shape), levels=[0.5], colors="#555",
               linewidths=0.8, linestyles="--")
    for k, color in enumerate((plots.BLUE, plots.ORANGE, plots.GREEN)):
        pts = x._data[y._data == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=9, color=color, edgecolor="white", lw=0.3,
                   label=f"class {k}")
    ax.set(title="Softmax regression: p(class | x)", xlabel="x₁", ylabel="x₂", xlim=(-5, 5),
           ylim=(-4.5, 5))
    ax.legend(loc="upper right", fontsize=7.5, framealpha=0.8, frameon=True)
    ax.grid(False)
    ax_grad.scatter(p_minus_y.ravel(), logits.grad._data.ravel(), s=16, color=plots.BLUE,
                    zorder=3)
    lim = float(xp.abs(p_minus_y).max()) * 1.15
    ax_grad.plot([-lim, lim], [-lim, lim], color=plots.GREY, lw=1)
    ax_grad.set(title="Gradient on the logits is p − y", xlabel="(p − y) / N (formula)",
                ylabel="∂L/∂z by backward()", xlim=(-lim, lim), ylim=(-lim, lim),
                aspect="equal")
    plots.panel_label(ax, "a")
    plots.panel_label(ax_grad, "b")
    png = ctx.save(fig, "softmax.png")

    return [Section(
        key="softmax", number=6, title="Softmax",
        idea="<p>Softmax turns a vector of K real scores (logits) into a probability "
             "distribution: every output is positive and they sum to 1, and the largest logit "
             "gets the largest probability. Adding the same constant to every logit changes "
             "nothing. A linear layer followed by softmax and trained with cross entropy is "
             "multinomial logistic regression (softmax regression); with K = 2 it reduces to "
             "the sigmoid of the difference of the two logits. The gradient of the cross "
             "entropy with respect to the logits is simply p − y (y one-hot). Implementations "
             "subtract the largest logit before exponentiating, which changes nothing "
             "mathematically but keeps e<sup>z</sup> from overflowing.</p>",
        formula="<div>softmax(z)<sub>i</sub> = e<sup>z<sub>i</sub></sup> / "
                "Σ<sub>j</sub> e<sup>z<sub>j</sub></sup> = e<sup>z<sub>i</sub> − m</sup> / "
                "Σ<sub>j</sub> e<sup>z<sub>j</sub> − m</sup>, &nbsp; m = max<sub>j</sub> "
                "z<sub>j</sub></div>"
                "<div>L = −log p<sub>y</sub>, &nbsp; ∂L/∂z = p − y</div>"
                "<div>K = 2: softmax(z)<sub>1</sub> = σ(z<sub>1</sub> − z<sub>2</sub>)</div>",
        images=[(png, "Decision regions of a softmax regression on three classes, and the "
                 "logits' gradient from backward against p minus y",
                 f"(a) A linear layer + softmax trained with cross entropy ({steps} SGD steps) "
                 "on three 2-D classes; colour = predicted class probabilities, dashed: where "
                 "the top probability is 0.5. (b) Each logit's gradient of the mean cross "
                 "entropy, from <code>backward()</code>, against (p − y)/N.")],
        measured={"max_abs_sum_minus_1": sum_error, "max_change_when_adding_100": shift_error,
                  "two_class_vs_sigmoid_max_diff": binary_gap,
                  "naive_softmax_finite_at_logit_1000": bool(xp.isfinite(naive).all()),
                  "stable_softmax_at_1000_999_998": stable.tolist(),
                  "grad_minus_p_minus_y_max_diff": grad_gap,
                  "softmax_regression_train_accuracy": accuracy,
                  "softmax_regression_final_loss": losses[-1]},
        findings=[
            f"Over 1000 random 10-way logit vectors, |Σp − 1| ≤ {fmt(sum_error)}; adding 100 "
            f"to every logit changed p by at most {fmt(shift_error)}.",
            "Two classes, 1000 random logit pairs: softmax(z)<sub>1</sub> and "
            "σ(z<sub>1</sub> − z<sub>2</sub>) "
            + ("are identical." if binary_gap == 0 else f"differ by at most {fmt(binary_gap)}."),
            "Logits (1000, 999, 998): the naive e<sup>z</sup>/Σe<sup>z</sup> gives "
            f"{', '.join(str(v) for v in naive)} (e<sup>1000</sup> overflows); chainrule's "
            f"softmax gives ({', '.join(f'{v:.4f}' for v in stable)}).",
            f"backward() through cross entropy equals (p − y)/N to {fmt(grad_gap)}.",
            f"Softmax regression reached training accuracy {accuracy:.1%} on three "
            f"overlapping classes (loss {fmt(losses[-1])}).",
        ],
        claims={
            "softmax outputs sum to 1": sum_error < 1e-6,
            "adding a constant to every logit changes nothing": shift_error < 1e-6,
            "for two classes softmax is the sigmoid of the logit difference": binary_gap < 1e-6,
            "the naive formula overflows at logit 1000": not bool(xp.isfinite(naive).all()),
            "the max-shifted softmax stays finite and sums to 1":
                bool(xp.isfinite(stable).all()) and abs(float(stable.sum()) - 1) < 1e-6,
            "the logits' gradient is (p − y)/N": grad_gap < 1e-6,
        },
        misstatement="Softmax outputs independent probabilities for each class, like one "
                     "sigmoid per class.",
        correction="Softmax couples the classes: the outputs always sum to 1, so raising "
                   "one logit lowers every other probability. Independent per-class sigmoids "
                   "(multi-label classification) do not sum to 1. Softmax regression is "
                   "multinomial logistic regression, and for two classes it is exactly a "
                   "sigmoid of the logit difference.",
        dependencies=["softmax", "sigmoid", "nn.functional.cross_entropy", "nn.Linear",
                      "optim.SGD", "Tensor.backward"])]
