"""8. L1 and L2: proximal L1 gives exact zeros, L2 shrinks without zeroing."""
from .. import nn
from .._backend import xp
from ..factories import tensor
from ..nn import functional as F
from ..nn.utils import l1_penalty
from ..optim import SGD
from . import plots
from .section import Section, fmt

_D, _INFORMATIVE = 40, 5


def sparse_regression(rng, n=200):
    """y = X w* + noise with only 5 of 40 true weights non-zero."""
    x = rng.standard_normal((n, _D))
    w = xp.zeros(_D)
    w[:_INFORMATIVE] = rng.uniform(1, 2, _INFORMATIVE) * rng.choice([-1, 1], _INFORMATIVE)
    return tensor(x), tensor((x @ w + 0.5 * rng.standard_normal(n))[:, None]), w


def train(x, y, method, lam, steps, lr=0.1):
    """Least squares by full-batch SGD with one regularizer of strength ``lam``.

    method: "l1" (SGD's proximal step, l1=lam), "l1-subgradient" (lam * |w|_1 added to the
    loss) or "l2" (weight_decay=lam, i.e. lam/2 |w|^2 added to the loss).
    """
    model = nn.Linear(_D, 1, bias=False, dtype=xp.float64)
    nn.init.zeros_(model.weight)
    opt = SGD(model.parameters(), lr=lr, l1=lam if method == "l1" else 0.0,
              weight_decay=lam if method == "l2" else 0.0)
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        if method == "l1-subgradient":
            loss = loss + lam * l1_penalty(model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.weight._data[0].copy()


def run(ctx):
    rng = ctx.rng(8)
    x, y, w_true = sparse_regression(rng)
    # Test error: fresh inputs, scored against the noise-free truth.
    x_test = ctx.rng(88).standard_normal((500, _D))
    y_test = x_test @ w_true
    lams = xp.geomspace(1e-3, 3, 7 if ctx.quick else 13)
    steps = 150 if ctx.quick else 300
    methods = {"l1": "L1, proximal (l1=λ)",
               "l1-subgradient": "L1, subgradient",
               "l2": "L2 (weight_decay=λ)"}
    weights = {m: xp.array([train(x, y, m, lam, steps) for lam in lams]) for m in methods}
    zeros = {m: (w == 0).mean(axis=1) for m, w in weights.items()}
    tiny = {m: (xp.abs(w) < 1e-3).mean(axis=1) for m, w in weights.items()}
    test_mse = {m: [float(((x_test @ wi - y_test) ** 2).mean()) for wi in w]
                for m, w in weights.items()}
    k = int(xp.argmin(test_mse["l1"]))
    # Compare the two at the same penalty: the one where L1 predicts best.
    lam_show = float(lams[k])

    fig, (ax, ax_l1, ax_l2) = plots.figure(3, width=10.6, height=3.4)
    for (m, label), color, style in zip(methods.items(), (plots.BLUE, plots.PURPLE, plots.ORANGE),
                                        ("o-", "s--", "o-")):
        ax.semilogx(lams, zeros[m], style, ms=3.5, color=color, label=label)
    ax.axhline(1 - _INFORMATIVE / _D, color=plots.GREY, ls=":", lw=1,
               label=f"true zeros ({_D - _INFORMATIVE}/{_D})")
    ax.set(title="Weights exactly 0", xlabel="penalty strength λ", ylabel="fraction of weights",
           ylim=(-0.03, 1.03))
    ax.legend(fontsize=7.5, loc="center left")
    for a, m, title in ((ax_l1, "l1", "L1 (proximal) path"), (ax_l2, "l2", "L2 path")):
        for j in range(_D):
            a.semilogx(lams, weights[m][:, j], lw=1.1 if j < _INFORMATIVE else 0.7,
                       color=plots.BLUE if j < _INFORMATIVE else plots.GREY,
                       alpha=1 if j < _INFORMATIVE else 0.6)
        a.axvline(lam_show, color=plots.RED, ls=":", lw=1)
        a.set(title=title, xlabel="penalty strength λ", ylabel="weight value")
    ax_l1.plot([], [], color=plots.BLUE, label="5 informative")
    ax_l1.plot([], [], color=plots.GREY, label="35 pure noise")
    ax_l1.legend(fontsize=7.5, loc="upper right")
    for a, letter in zip((ax, ax_l1, ax_l2), "abc"):
        plots.panel_label(a, letter)
    png = ctx.save(fig, "l1_l2.png")

    l2_min_abs = float(xp.abs(weights["l2"]).min())
    sub = weights["l1-subgradient"][k]
    return [Section(
        key="l1_l2", number=8, title="L1 and L2 regularization",
        idea="<p>Both add a penalty on the size of the weights to the objective, trading a "
             "little training fit for simpler models that generalize better. L2 (ridge, "
             "weight decay) penalizes Σw²: its pull on a weight is proportional to the "
             "weight, so weights shrink smoothly towards zero but do not reach it. L1 (lasso) "
             "penalizes Σ|w|: its pull has the same size however small the weight, so a "
             "weight whose data gradient is weaker than λ is set to exactly zero, which gives "
             "sparse models (feature selection). Exact zeros need the right optimizer: the "
             "proximal (soft-thresholding) step; adding λΣ|w| to the loss and following its "
             "subgradient makes weights oscillate around zero instead.</p>",
        formula="<div>L2: J(w) = loss(w) + (λ/2) Σ w<sub>j</sub>², &nbsp; step: "
                "w ← w − η(∇loss + λw)</div>"
                "<div>L1: J(w) = loss(w) + λ Σ |w<sub>j</sub>|, &nbsp; proximal step: "
                "w ← sign(u) · max(|u| − ηλ, 0), &nbsp; u = w − η∇loss</div>",
        images=[(png, "Fraction of exactly-zero weights against the penalty strength, and "
                 "the weight paths under L1 and L2",
                 f"Least squares with {_D} inputs of which {_INFORMATIVE} matter, "
                 f"{steps} full-batch SGD steps per λ. (a) Weights exactly equal to 0 under L1 by "
                 "SGD's proximal step (<code>l1=λ</code>), L1 added to the loss (subgradient "
                 "steps) and L2 (<code>weight_decay=λ</code>); dotted: the true fraction. "
                 "(b, c) Every weight's final value against λ; the dotted line marks the λ "
                 "where L1's test error is lowest.")],
        measured={"lambdas": lams.tolist(),
                  "zero_fraction_l1_proximal": zeros["l1"].tolist(),
                  "zero_fraction_l1_subgradient": zeros["l1-subgradient"].tolist(),
                  "zero_fraction_l2": zeros["l2"].tolist(),
                  "below_1e-3_fraction_l1_subgradient": tiny["l1-subgradient"].tolist(),
                  "l2_smallest_abs_weight": l2_min_abs,
                  "test_mse_l1": test_mse["l1"], "test_mse_l2": test_mse["l2"],
                  "best_l1_lambda": lam_show,
                  "best_l1_nonzero_count": int((weights["l1"][k] != 0).sum()),
                  "best_l1_informative_kept": int((weights["l1"][k][:_INFORMATIVE] != 0).sum())},
        findings=[
            f"At λ = {lam_show:.3g} (lowest L1 test error): proximal L1 kept "
            f"{int((weights['l1'][k] != 0).sum())} non-zero weights, "
            f"{int((weights['l1'][k][:_INFORMATIVE] != 0).sum())} of them the {_INFORMATIVE} "
            f"informative ones; exactly zero: {zeros['l1'][k]:.0%} (L1 proximal), "
            f"{zeros['l1-subgradient'][k]:.0%} (L1 subgradient, whose weights hover within "
            f"{fmt(xp.abs(sub[_INFORMATIVE:]).max())} of zero), {zeros['l2'][k]:.0%} (L2).",
            f"Across all {len(lams)} values of λ from {lams[0]:g} to {lams[-1]:g}, L2 "
            f"produced no exact zero: its smallest |w| was {fmt(l2_min_abs)}.",
            f"Test MSE at that λ: L1 {fmt(test_mse['l1'][k])}, L2 {fmt(test_mse['l2'][k])}; "
            f"with almost no penalty (λ = {lams[0]:g}): {fmt(test_mse['l1'][0])}.",
        ],
        claims={
            "proximal L1 sets weights to exactly zero": max(zeros["l1"]) > 0,
            "L2 produced no exact zero at any λ": max(zeros["l2"]) == 0 and l2_min_abs > 0,
            "L1 as a loss term hovers near zero instead of reaching it":
                zeros["l1-subgradient"][k] < zeros["l1"][k],
            "the best L1 model keeps the informative weights":
                int((weights["l1"][k][:_INFORMATIVE] != 0).sum()) == _INFORMATIVE,
        },
        misstatement="L2 regularization yields sparse models.",
        correction="L2 shrinks weights in proportion to their size and essentially never "
                   "sets them to exactly zero (none did here at any λ). Sparsity is L1's "
                   "property, and in practice it needs a proximal/soft-thresholding update "
                   "(or coordinate descent) to produce exact zeros.",
        dependencies=["optim.SGD(l1=, weight_decay=)", "nn.utils.l1_penalty", "nn.Linear",
                      "nn.functional.mse_loss"])]
