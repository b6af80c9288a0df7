"""9. Objective functions: the common losses against the error, and the objective in training."""
from .. import nn
from .._backend import xp
from ..autograd.grad_mode import no_grad
from ..factories import tensor
from ..nn import functional as F
from ..nn.parameter import Parameter
from ..nn.utils import l2_penalty
from ..ops.elementwise import where
from ..optim import Adam
from ..random import Generator
from . import plots
from ._mlp import linear_layers, mlp
from .activation_runs import circles
from .section import Section, fmt

_LAMBDA = 1e-3


def loss_curves():
    """Each loss against the error e = prediction - target, and against the margin m = y f."""
    e = tensor(xp.linspace(-3, 3, 601))
    zero = tensor(xp.zeros(601))
    regression = {"squared": F.mse_loss(e, zero, reduction="none")._data,
                  "absolute": F.l1_loss(e, zero, reduction="none")._data,
                  "huber": F.huber_loss(e, zero, reduction="none")._data}
    m = tensor(xp.linspace(-3, 3, 601))
    # A margin m = y f(x) with y = +1 is the logit itself; log2 puts logistic loss in bits,
    # where it bounds the 0-1 loss from above.
    logistic = F.binary_cross_entropy_with_logits(m, tensor(xp.ones(601)),
                                                  reduction="none") / xp.log(2)
    zero_one = where(m < 0, tensor(xp.ones(601)), tensor(xp.zeros(601)))
    classification = {"logistic (cross entropy, bits)": logistic._data,
                      "hinge  max(0, 1 − m)": (1 - m).relu()._data,
                      "0-1 loss (error rate)": zero_one._data}
    return e._data, regression, m._data, classification


def train_classifier(steps, seed):
    """A 2-16-1 tanh network on the circles task: objective, validation loss and accuracy."""
    x, y = circles(xp.random.default_rng(78), n=600)
    x_train, y_train, x_val, y_val = x[:400], y[:400], x[400:], y[400:]
    model = mlp([2, 16, 1], nn.Tanh, "xavier", Generator(seed))
    weights = [m.weight for m in linear_layers(model)]
    opt = Adam(model.parameters(), lr=0.03)
    history = {"objective": [], "train_loss": [], "val_loss": [], "val_accuracy": []}
    for _ in range(steps):
        data_loss = F.binary_cross_entropy_with_logits(model(x_train), y_train)
        objective = data_loss + _LAMBDA * l2_penalty(weights)
        opt.zero_grad()
        objective.backward()
        opt.step()
        with no_grad():
            z = model(x_val)
            history["val_loss"].append(F.binary_cross_entropy_with_logits(z, y_val).item())
            history["val_accuracy"].append(float(((z._data > 0) == (y_val._data > 0.5)).mean()))
        history["objective"].append(objective.item())
        history["train_loss"].append(data_loss.item())
    error_slopes = error_rate_slopes(model, x_val, y_val)
    return {k: xp.array(v) for k, v in history.items()}, error_slopes


def error_rate_slopes(model, x, y, eps=1e-6):
    """Central differences of the error rate with respect to every parameter."""
    def error_rate():
        return float(((model(x)._data > 0) != (y._data > 0.5)).mean())
    slopes = []
    with no_grad():
        for p in model.parameters():
            flat = p._data.reshape(-1)
            for i in range(flat.size):
                keep = flat[i]
                flat[i] = keep + eps
                plus = error_rate()
                flat[i] = keep - eps
                minus = error_rate()
                flat[i] = keep
                slopes.append((plus - minus) / (2 * eps))
    return xp.array(slopes)


def fit_line(loss_fn, x, y, steps):
    """Slope and intercept minimizing ``loss_fn`` by Adam, from (0, 0)."""
    w, b = Parameter(xp.zeros(1)), Parameter(xp.zeros(1))
    opt = Adam([w, b], lr=0.1)
    for _ in range(steps):
        loss = loss_fn(x * w + b, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(w._data[0]), float(b._data[0])


def run(ctx):
    e, regression, m, classification = loss_curves()
    steps = 150 if ctx.quick else 400
    history, error_slopes = train_classifier(steps, seed=90)
    flat = int((error_slopes == 0).sum())
    rng = ctx.rng(9)
    x = rng.uniform(0, 10, 60)
    y = 2.0 * x + 1.0 + 0.5 * rng.standard_normal(60)
    y[xp.argsort(x)[-6:]] -= 20.0  # gross errors on the 10% largest x: they pull on the slope
    fits = {name: fit_line(fn, tensor(x), tensor(y), 300 if ctx.quick else 800)
            for name, fn in (("squared", F.mse_loss), ("absolute", F.l1_loss),
                             ("huber", F.huber_loss))}

    fig, axes = plots.figure(2, 2, width=10.0, height=6.4)
    ax_reg, ax_cls, ax_train, ax_fit = axes
    labels = {"squared": "squared error  e²", "absolute": "absolute error  |e|",
              "huber": "Huber (δ = 1)"}
    for name, values in regression.items():
        ax_reg.plot(e, values, label=labels[name])
    ax_reg.set(title="Regression losses against the error", xlabel="error e = ŷ − y",
               ylabel="loss", ylim=(0, 5))
    plots.allow_clipping(ax_reg, "e² outgrows the others: that is its point")
    ax_reg.legend(loc="upper center")
    for (name, values), color in zip(classification.items(),
                                     (plots.BLUE, plots.ORANGE, "#222")):
        ax_cls.plot(m, values, label=name, color=color,
                    drawstyle="steps-post" if name.startswith("0-1") else "default")
    ax_cls.set(title="Classification losses against the margin", xlabel="margin m = y·f(x)",
               ylabel="loss", ylim=(0, 1.05 * max(v.max() for v in classification.values())))
    ax_cls.legend(loc="upper right")
    t = range(1, steps + 1)
    ax_train.plot(t, history["objective"], color=plots.BLUE,
                  label=f"objective: train loss + {_LAMBDA:g}·Σw²")
    ax_train.plot(t, history["val_loss"], color=plots.ORANGE, label="validation loss")
    ax_train.set(title="Training minimizes the objective", xlabel="Adam step", ylabel="loss")
    acc = ax_train.twinx()
    acc.plot(t, 1 - history["val_accuracy"], color=plots.GREEN, lw=1.2,
             label="validation error rate")
    acc.set(ylabel="error rate", ylim=(0, 0.6))
    acc.grid(False)
    acc.spines["right"].set_visible(True)
    lines = ax_train.get_lines() + acc.get_lines()
    ax_train.legend(lines, [ln.get_label() for ln in lines], loc="upper right")
    ax_fit.scatter(x, y, s=10, color=plots.GREY, label="data (6 outliers)")
    xs = xp.array([0, 10])
    for (name, (w, b)), color in zip(fits.items(), (plots.BLUE, plots.ORANGE, plots.GREEN)):
        ax_fit.plot(xs, w * xs + b, color=color, label=f"{labels[name].split('  ')[0]}: "
                    f"slope {w:.2f}")
    ax_fit.plot(xs, 2 * xs + 1, color="#222", ls=":", lw=1, label="true line: slope 2")
    ax_fit.set(title="Same data, different objective", xlabel="x", ylabel="y")
    ax_fit.legend(loc="upper left", fontsize=7.5)
    for a, letter in zip(axes, "abcd"):
        plots.panel_label(a, letter)
    png = ctx.save(fig, "objectives.png")

    decreases = float((xp.diff(history["objective"]) <= 1e-9).mean())
    slopes = {k: v[0] for k, v in fits.items()}
    at2 = {k: float(v[xp.argmin(xp.abs(e - 2))]) for k, v in regression.items()}
    return [Section(
        key="objectives", number=9, title="Objective functions",
        idea="<p>The objective function (or cost) is the single number training minimizes, "
             "usually the average loss over the training examples plus regularization terms. "
             "The loss says how bad one prediction is: squared error for regression (large "
             "errors dominate), absolute error (robust to outliers, the median's loss), Huber "
             "(squared near 0, absolute beyond δ), and for classification cross entropy "
             "(logistic loss) or the hinge loss. It must be differentiable (almost everywhere) "
             "with useful gradients, which is why the error rate itself is never the "
             "objective; it is what one reports.</p>",
        formula="<div>J(θ) = (1/N) Σ<sub>i</sub> ℓ(f<sub>θ</sub>(x<sub>i</sub>), "
                "y<sub>i</sub>) + λ R(θ)</div>"
                "<div>ℓ<sub>MSE</sub> = e², &nbsp; ℓ<sub>MAE</sub> = |e|, &nbsp; "
                "ℓ<sub>Huber</sub> = ½e² if |e| ≤ δ, else δ(|e| − ½δ)</div>"
                "<div>ℓ<sub>logistic</sub> = log(1 + e<sup>−m</sup>), &nbsp; "
                "ℓ<sub>hinge</sub> = max(0, 1 − m), &nbsp; m = y·f(x), y ∈ {−1, +1}</div>",
        images=[(png, "Regression and classification losses against error and margin, loss "
                 "curves during training, and lines fitted under three objectives",
                 "(a) Regression losses. (b) Classification losses against the margin; the "
                 "logistic loss in bits bounds the 0-1 loss from above. (c) A small tanh "
                 "network trained by Adam: the objective it minimizes, the validation loss, "
                 "and the validation error rate (right axis). (d) A line fitted to data with "
                 "six gross outliers by minimizing each loss.")],
        measured={"loss_at_error_2": at2,
                  "n_parameters": int(error_slopes.size),
                  "parameters_where_error_rate_slope_is_0": flat,
                  "objective_first": float(history["objective"][0]),
                  "objective_last": float(history["objective"][-1]),
                  "fraction_of_steps_objective_decreased": decreases,
                  "val_loss_last": float(history["val_loss"][-1]),
                  "val_accuracy_last": float(history["val_accuracy"][-1]),
                  "fitted_slope": slopes, "true_slope": 2.0},
        findings=[
            "At error e = 2: " + ", ".join(f"{labels[k].split('  ')[0]} {fmt(v)}"
                                          for k, v in at2.items()) + ".",
            f"Nudging each of the trained network's {error_slopes.size} parameters by "
            f"±10<sup>−6</sup> left the validation error rate unchanged for {flat} of them: "
            "its gradient is zero almost everywhere, so there is nothing to descend.",
            f"The objective fell from {fmt(history['objective'][0])} to "
            f"{fmt(history['objective'][-1])} in {steps} Adam steps (it decreased on "
            f"{decreases:.0%} of steps); validation loss {fmt(history['val_loss'][-1])}, "
            f"validation accuracy {history['val_accuracy'][-1]:.1%}.",
            "Slope fitted with 10% outliers (true 2): "
            + ", ".join(f"{labels[k].split('  ')[0]} {v:.2f}" for k, v in slopes.items())
            + ".",
        ],
        claims={
            "the error rate's slope is zero for almost every parameter":
                flat >= 0.9 * error_slopes.size,
            "training lowered the objective":
                history["objective"][-1] < history["objective"][0],
            "the outliers pull the squared-error fit away, the robust losses much less":
                abs(slopes["squared"] - 2) > 2 * max(abs(slopes["absolute"] - 2),
                                                     abs(slopes["huber"] - 2)),
            "at e = 2 squared error exceeds absolute error, which exceeds Huber":
                at2["squared"] > at2["absolute"] > at2["huber"],
        },
        misstatement="The objective function is the accuracy that training maximizes.",
        correction="Accuracy is piecewise constant in the weights, so its gradient is zero "
                   "almost everywhere (measured above): training minimizes a differentiable "
                   "surrogate such as cross entropy, usually plus a regularization term, and "
                   "accuracy is reported alongside. Which loss is chosen also decides what a "
                   "good fit means, as the outliers in (d) show.",
        dependencies=["nn.functional (mse, l1, huber, BCE-with-logits losses)",
                      "nn.utils.l2_penalty", "nn.Sequential", "optim.Adam", "where"])]
