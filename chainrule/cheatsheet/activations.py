"""3-5. Sigmoid, ReLU and tanh: curves and derivatives by autograd, and what they do in training."""
from .. import nn
from .._backend import xp
from ..ops.activation import relu, sigmoid, tanh
from . import plots
from .activation_runs import curve, dying_relu, layer_gradient_norms, train_speed
from .section import Section, fmt

def _draw_curve(ax, z, y, dy, name, derivative_name, ylim):
    ax.plot(z, y, color=plots.BLUE, label=name)
    ax.plot(z, dy, color=plots.ORANGE, label=f"{derivative_name} (by backward)")
    ax.axhline(0, color=plots.GREY, lw=0.8)
    ax.set(xlabel="pre-activation z", ylim=ylim, title=f"{name} and its derivative")
    ax.legend(loc="upper left")


def _draw_depth(ax, norms, title):
    for (label, values), color in zip(norms.items(), plots.PALETTE):
        ax.semilogy(range(1, len(values) + 1), values, "o-", ms=3, color=color, label=label)
    ax.set(xlabel="layer (1 = nearest the input)", ylabel="|∂L/∂W| of the layer", title=title,
           xticks=[1, 5, 10, 15, 20])
    ax.legend(fontsize=8)


def run(ctx):
    width = 64 if ctx.quick else 100
    norms = {
        "sigmoid, Xavier init": layer_gradient_norms(nn.Sigmoid, "xavier", 31, width=width),
        "tanh, Xavier init": layer_gradient_norms(nn.Tanh, "xavier", 32, width=width),
        "ReLU, He init": layer_gradient_norms(nn.ReLU, "he", 33, width=width),
        "ReLU, Xavier init": layer_gradient_norms(nn.ReLU, "xavier", 34, width=width),
    }
    tanh_section, sigmoid_weights = _tanh(ctx)
    return [_sigmoid(ctx, norms, sigmoid_weights), _relu(ctx, norms), tanh_section]


def per_layer(norms):
    """The factor by which a gradient changes per layer going towards the input (a
    least-squares line through the log norms, layer 20 to layer 1)."""
    layers = xp.arange(len(norms))
    return float(10 ** -xp.polyfit(layers, xp.log10(norms), 1)[0])


def _sigmoid(ctx, norms, trained_weights):
    z, y, dy = curve(sigmoid, -8, 8, 1601)
    exact = y * (1 - y)
    sig = norms["sigmoid, Xavier init"]
    relu_he = norms["ReLU, He init"]
    fig, (ax, ax_depth) = plots.figure(2, width=10.0, height=3.3)
    _draw_curve(ax, z, y, dy, "σ(z)", "σ′(z)", (-0.1, 1.1))
    ax.annotate(f"max σ′ = {dy.max():.4f}", xy=(0, dy.max()), xytext=(1.6, 0.4),
                arrowprops=dict(arrowstyle="->", color="#444"), fontsize=8.5)
    _draw_depth(ax_depth, {"sigmoid, Xavier init": sig, "ReLU, He init": relu_he},
                "Gradient per layer, 20-layer network")
    plots.panel_label(ax, "a")
    plots.panel_label(ax_depth, "b")
    image = ctx.save(fig, "sigmoid.png")
    return Section(
        key="sigmoid", number=3, title="Sigmoid",
        idea="<p>The logistic sigmoid squashes a neuron's <em>pre-activation</em> z = w·x + b "
             "(the weighted sum of its inputs) into (0, 1). It is the natural output for a "
             "probability, as in logistic regression and binary classification. As a hidden "
             "activation it saturates: its slope is at most ¼ (at z = 0) and nearly 0 for "
             "|z| &gt; 5, and back propagation multiplies by that slope at every layer, so "
             "gradients shrink geometrically with depth (the vanishing gradient). Its outputs "
             "are all positive, i.e. not centred on zero.</p>",
        formula="<div>σ(z) = 1 / (1 + e<sup>−z</sup>), &nbsp; z = w·x + b</div>"
                "<div>σ′(z) = σ(z) (1 − σ(z)) ≤ ¼, &nbsp; σ(−z) = 1 − σ(z)</div>",
        images=[(image, "The sigmoid curve with its derivative, and gradient norms per layer "
                 "of a 20-layer sigmoid network against a ReLU one",
                 "(a) σ and σ′, the derivative taken by <code>backward()</code>. (b) Size of "
                 "the gradient reaching each layer of a 20-layer, "
                 f"{64 if ctx.quick else 100}-wide network at initialization (log scale).")],
        measured={"max_derivative": float(dy.max()), "argmax_z": float(z[xp.argmax(dy)]),
                  "min_output": float(y.min()), "max_output": float(y.max()),
                  "autograd_vs_formula_max_diff": float(xp.abs(dy - exact).max()),
                  "grad_norm_per_layer": sig.tolist(),
                  "first_to_last_layer_grad_ratio": float(sig[0] / sig[-1]),
                  "relu_he_first_to_last_layer_grad_ratio": float(relu_he[0] / relu_he[-1]),
                  "trained_sigmoid_net_weight_range": list(trained_weights)},
        findings=[
            f"Largest derivative measured by backward() on [−8, 8]: {dy.max():.6f} at "
            f"z = {fmt(z[xp.argmax(dy)])}; largest difference from the formula σ(1 − σ): "
            f"{fmt(xp.abs(dy - exact).max())}.",
            f"Outputs stay inside (0, 1): from {fmt(y.min())} to 1 − {fmt(1 - y.max())}.",
            f"20 sigmoid layers (Xavier init): the first layer's gradient is "
            f"{fmt(sig[0] / sig[-1])} times the last layer's; with ReLU and He init the ratio "
            f"is {fmt(relu_he[0] / relu_he[-1])}.",
        ],
        claims={
            "σ′ is at most ¼, reached at z = 0":
                abs(float(dy.max()) - 0.25) < 1e-6 and abs(float(z[xp.argmax(dy)])) < 1e-9,
            "backward() gives σ(1 − σ)": float(xp.abs(dy - exact).max()) < 1e-9,
            "outputs stay inside (0, 1)": float(y.min()) > 0 and float(y.max()) < 1,
            "gradients shrink geometrically with depth through sigmoid layers":
                per_layer(sig) < 1 and sig[0] / sig[-1] < 1e-2,
            "ReLU with He init keeps the gradient's size (within 10× over 20 layers)":
                0.1 < relu_he[0] / relu_he[-1] < 10,
            "the trained weights are not squashed into (0, 1)":
                trained_weights[0] < 0 or trained_weights[1] > 1,
        },
        misstatement="The sigmoid squashes the weights into the range (0, 1).",
        correction="It squashes each unit's <strong>pre-activation</strong> z = w·x + b, not "
                   "the weights, which stay unconstrained real numbers: the weights of the "
                   "sigmoid network trained in entry 5 range from "
                   f"{trained_weights[0]:.2f} to {trained_weights[1]:.2f}.",
        dependencies=["sigmoid", "Tensor.backward", "nn.Linear", "nn.init.xavier_normal_"])


def _relu(ctx, norms):
    z, y, dy = curve(relu, -3, 3, 601)
    zero = int(xp.argmin(xp.abs(z)))
    lrs = [0.01, 0.025, 0.03] if ctx.quick else [0.005, 0.01, 0.02, 0.025, 0.03, 0.035]
    seeds = range(3 if ctx.quick else 5)
    steps = 150 if ctx.quick else 200
    runs = {lr: [dying_relu(lr, 500 + s, steps=steps) for s in seeds] for lr in lrs}
    dead = {lr: [r[0] for r in rs if r[2]] for lr, rs in runs.items()}
    dead_mean = [float(xp.mean(v)) if v else 0.0 for v in dead.values()]
    dead_grad = max(r[1] for rs in runs.values() for r in rs if r[2])
    # The same networks, data and batches with BatchNorm1d between the layer and its ReLU.
    normed = {lr: [dying_relu(lr, 500 + s, steps=steps, batch_norm=True) for s in seeds]
              for lr in lrs}
    normed_mean = [float(xp.mean([r[0] for r in rs if r[2]])) if any(r[2] for r in rs)
                   else 0.0 for rs in normed.values()]
    fig, (ax, ax_depth, ax_dead) = plots.figure(3, width=10.6, height=3.3)
    _draw_curve(ax, z, y, dy, "ReLU(z)", "ReLU′(z)", (-0.3, 3.1))
    _draw_depth(ax_depth, {k: norms[k] for k in ("ReLU, He init", "ReLU, Xavier init",
                                                 "sigmoid, Xavier init")},
                "Gradient per layer, 20 layers")
    for lr, values in dead.items():
        ax_dead.plot([lr] * len(values), values, "o", color=plots.ORANGE, alpha=0.5, ms=4)
    ax_dead.plot(lrs, dead_mean, "-", color=plots.RED, label="plain (mean over seeds)")
    ax_dead.plot(lrs, normed_mean, "s--", ms=3, color=plots.GREEN,
                 label="with BatchNorm1d (mean)")
    ax_dead.set(xlabel="SGD learning rate", ylabel="fraction of dead units",
                title="Dying ReLU: dead units", ylim=(-0.03, 1))
    ax_dead.legend(loc="upper left")
    for a, letter in zip((ax, ax_depth, ax_dead), "abc"):
        plots.panel_label(a, letter)
    image = ctx.save(fig, "relu.png")
    he = norms["ReLU, He init"]
    xav = norms["ReLU, Xavier init"]
    n_diverged = sum(not r[2] for rs in runs.values() for r in rs)
    return Section(
        key="relu", number=4, title="ReLU",
        idea="<p>The rectified linear unit passes positive pre-activations unchanged and "
             "zeroes negative ones: range [0, ∞), derivative exactly 1 or 0 (at z = 0 the "
             "derivative is undefined; chainrule, like PyTorch, uses 0). It does not saturate "
             "for positive inputs, so gradients pass through active units undiminished. "
             "Depth still needs the right initialization: He (Kaiming) initialization, "
             "Var(w) = 2 / fan_in, compensates for ReLU zeroing half of its inputs and keeps "
             "the gradient's size from layer to layer. The caveat: a unit whose "
             "pre-activation is negative for every input outputs 0 and gets a zero gradient, "
             "so it never recovers (a “dead” ReLU); large learning rates cause it.</p>",
        formula="<div>ReLU(z) = max(0, z), &nbsp; ReLU′(z) = 1 if z &gt; 0, 0 if z &lt; 0</div>"
                "<div>He initialization: w ~ 𝒩(0, 2 / fan<sub>in</sub>)</div>",
        images=[(image, "ReLU and its derivative, gradient norms per layer for ReLU networks, "
                 "and the fraction of dead units against the learning rate",
                 "(a) ReLU and its derivative by <code>backward()</code>. (b) The 20-layer "
                 "experiment of entry 3 with ReLU. (c) A one-hidden-layer ReLU network (200 "
                 "units) trained by SGD on a regression task: units inactive on every training "
                 "input after training, one dot a seed; green: the same networks with "
                 "<code>nn.BatchNorm1d</code> between the layer and its ReLU.")],
        measured={"derivative_values": sorted(set(float(v) for v in dy)),
                  "derivative_at_0": float(dy[zero]), "min_output": float(y.min()),
                  "he_first_to_last_layer_grad_ratio": float(he[0] / he[-1]),
                  "xavier_first_to_last_layer_grad_ratio": float(xav[0] / xav[-1]),
                  "he_grad_norm_per_layer": he.tolist(),
                  "learning_rates": lrs, "dead_fraction_mean": dead_mean,
                  "dead_fraction_mean_batchnorm": normed_mean,
                  "max_abs_grad_into_dead_units": dead_grad, "diverged_runs": n_diverged},
        findings=[
            f"backward() gives derivative values {sorted(set(float(v) for v in dy))} only, and "
            f"{float(dy[zero]):g} at z = 0; outputs are never below {float(y.min()):g}.",
            f"20 ReLU layers with He init: first-to-last layer gradient ratio "
            f"{fmt(he[0] / he[-1])} (kept alive; sigmoid: "
            f"{fmt(norms['sigmoid, Xavier init'][0] / norms['sigmoid, Xavier init'][-1])}). "
            f"With Xavier's variance (half of He's for square layers) every layer halves the "
            "signal's variance, forward and backward: the gradients are "
            f"{fmt(he.mean() / xav.mean())} times smaller than with He on average, and at "
            f"least {fmt((he / xav).min())} times smaller at every layer.",
            "Dead units after training, by learning rate: "
            + ", ".join(f"{lr}: {m:.0%}" for lr, m in zip(lrs, dead_mean))
            + f". The gradient reaching any dead unit's weights is exactly {fmt(dead_grad)}, "
            "so nothing revives them."
            + (f" ({n_diverged} of the runs at the largest rates diverged and "
               f"{'is' if n_diverged == 1 else 'are'} left out.)" if n_diverged else ""),
            "With <code>nn.BatchNorm1d</code> normalizing each unit's pre-activation over the "
            "batch before the ReLU, at the same rates: "
            + ", ".join(f"{lr}: {m:.0%}" for lr, m in zip(lrs, normed_mean))
            + " dead" + (": re-centring each unit's input on every batch kept every unit "
                         "alive at these rates." if max(normed_mean) == 0 else "."),
        ],
        claims={
            "ReLU's derivative is exactly 0 or 1, and 0 at z = 0":
                set(float(v) for v in dy) <= {0.0, 1.0} and float(dy[zero]) == 0.0,
            "ReLU outputs are never negative": float(y.min()) >= 0,
            "He init keeps the gradient's size (within 10× over 20 layers)":
                0.1 < he[0] / he[-1] < 10,
            "with Xavier init the ReLU network's gradients are far smaller at every layer":
                bool((he > 10 * xav).all()),
            "larger learning rates leave more dead units": dead_mean[-1] > dead_mean[0],
            "a dead unit's weights get a gradient of exactly 0": dead_grad == 0,
            "BatchNorm before the ReLU leaves fewer dead units at the largest rate":
                normed_mean[-1] < dead_mean[-1],
        },
        misstatement="ReLU has no vanishing-gradient problem, so any deep ReLU network trains.",
        correction="ReLU keeps gradients alive only with a suitable initialization (He), and "
                   "its zero half has a gradient of exactly 0: a unit pushed into it on every "
                   "input is dead for good, which large learning rates cause.",
        dependencies=["relu", "Tensor.backward", "nn.Sequential", "nn.Linear",
                      "nn.init.kaiming_normal_", "nn.BatchNorm1d", "nn.functional.mse_loss",
                      "optim.SGD"])


def _tanh(ctx):
    z, y, dy = curve(tanh, -4, 4, 801)
    _, s, ds = curve(sigmoid, -4, 4, 801)
    zero = int(xp.argmin(xp.abs(z)))
    steps = 150 if ctx.quick else 300
    seeds = range(2 if ctx.quick else 3)
    lrs = [1.0, 3.0] if ctx.quick else [0.3, 1.0, 3.0, 10.0]
    results = {}
    for name, act in (("tanh", nn.Tanh), ("sigmoid", nn.Sigmoid)):
        runs = {lr: [train_speed(act, lr, 700 + s, steps) for s in seeds] for lr in lrs}
        # Best = lowest loss averaged over the whole run: fast and stable, not lucky at the end.
        best = min(lrs, key=lambda lr: xp.nan_to_num(
            xp.mean([r[0] for r in runs[lr]]), nan=xp.inf))
        results[name] = (best, xp.array([r[0] for r in runs[best]]),
                         xp.concatenate([r[1] for r in runs[best]]))
    target = 0.3
    reach = {k: int(xp.argmax(v[1].mean(0) < target)) + 1 if (v[1].mean(0) < target).any()
             else None for k, v in results.items()}
    fig, (ax, ax_train) = plots.figure(2, width=10.0, height=3.3)
    ax.plot(z, s, color=plots.GREY, lw=1.2, label="σ(z), for comparison")
    _draw_curve(ax, z, y, dy, "tanh(z)", "tanh′(z)", (-1.15, 1.15))
    ax.legend(loc="lower right", fontsize=8)
    for (name, (lr, losses, _)), color in zip(results.items(), (plots.BLUE, plots.GREY)):
        mean = losses.mean(0)
        ax_train.plot(range(1, steps + 1), mean, color=color, label=f"{name} (best η = {lr:g})")
        ax_train.fill_between(range(1, steps + 1), losses.min(0), losses.max(0), color=color,
                              alpha=0.15, lw=0)
    ax_train.axhline(xp.log(2), color=plots.GREY, ls=":", lw=1)
    ax_train.set(xlabel="SGD step (full batch)", ylabel="training loss (cross entropy)",
                 title="Same network, same data: tanh vs sigmoid", yscale="log",
                 ylim=(0.9 * min(v[1].min() for v in results.values()),
                       1.1 * max(v[1].max() for v in results.values())))
    ax_train.legend(loc="upper right")
    plots.panel_label(ax, "a")
    plots.panel_label(ax_train, "b")
    image = ctx.save(fig, "tanh.png")
    sig_w = results["sigmoid"][2]
    final = {k: float(v[1].mean(0)[-1]) for k, v in results.items()}
    probe = ctx.rng(51).standard_normal(100_000)
    mean_t, mean_s = (float(f(probe)) for f in (lambda p: xp.tanh(p).mean(),
                                               lambda p: (1 / (1 + xp.exp(-p))).mean()))
    section = Section(
        key="tanh", number=5, title="Tanh",
        idea="<p>The hyperbolic tangent is an <em>activation function</em>: a rescaled "
             "sigmoid, tanh(z) = 2σ(2z) − 1, with range (−1, 1). It is odd, so its outputs "
             "are centred on zero, and its slope at 0 is 1, four times the sigmoid's. Both "
             "help gradient descent: when a layer's inputs are all positive (sigmoid outputs), "
             "the gradients of each unit's incoming weights all share one sign and the updates "
             "zig-zag. On standardized inputs, networks with tanh hidden units usually train "
             "faster than with sigmoid ones (LeCun et al., <cite>Efficient BackProp</cite>, "
             "1998). It still saturates for large |z|.</p>",
        formula="<div>tanh(z) = (e<sup>z</sup> − e<sup>−z</sup>) / (e<sup>z</sup> + "
                "e<sup>−z</sup>) = 2σ(2z) − 1</div>"
                "<div>tanh′(z) = 1 − tanh²(z), &nbsp; tanh′(0) = 1, &nbsp; "
                "tanh(−z) = −tanh(z)</div>",
        images=[(image, "tanh and its derivative beside the sigmoid, and training loss "
                 "curves of the same network with tanh and with sigmoid units",
                 "(a) tanh and its derivative by <code>backward()</code>; the sigmoid in grey. "
                 f"(b) A 2-32-1 network on a circle-shaped two-class task (standardized "
                 f"inputs), full-batch SGD, each activation at the learning rate from "
                 f"{', '.join(f'{lr:g}' for lr in lrs)} with the lowest mean training loss; "
                 f"mean of {len(seeds)} seeds, band = "
                 "min to max. Dotted: ln 2, the loss of a coin flip.")],
        measured={"derivative_at_0": float(dy[zero]), "max_derivative": float(dy.max()),
                  "min_output": float(y.min()), "max_output": float(y.max()),
                  "mean_output_standard_normal_input": mean_t,
                  "sigmoid_mean_output_standard_normal_input": mean_s,
                  "final_loss_tanh": final["tanh"], "final_loss_sigmoid": final["sigmoid"],
                  "best_lr_tanh": results["tanh"][0], "best_lr_sigmoid": results["sigmoid"][0],
                  "steps_to_loss_0.3_tanh": reach["tanh"] or steps + 1,
                  "steps_to_loss_0.3_sigmoid": reach["sigmoid"] or steps + 1,
                  "sigmoid_net_weight_range": [float(sig_w.min()), float(sig_w.max())]},
        findings=[
            f"tanh′(0) = {float(dy[zero]):g} by backward(), against σ′(0) = "
            f"{float(ds[zero]):g}; outputs in ({fmt(y.min())}, {fmt(y.max())}).",
            f"Mean output for z ~ 𝒩(0, 1): tanh {mean_t:+.4f}, sigmoid {mean_s:.4f}.",
            f"After {steps} steps: tanh loss {fmt(final['tanh'])}, sigmoid "
            f"{fmt(final['sigmoid'])} (ln 2 = 0.693 is chance). Loss below {target} after "
            + ", ".join(f"{k}: {f'{v} steps' if v else f'not within {steps} steps'}"
                        for k, v in reach.items()) + ".",
        ],
        claims={
            "tanh′(0) = 1, four times σ′(0)": abs(float(dy[zero]) - 1) < 1e-9
                and abs(float(ds[zero]) - 0.25) < 1e-9,
            "tanh outputs are centred on zero, sigmoid's are not":
                abs(mean_t) < 0.01 and mean_s > 0.4,
            "the tanh network trains faster than the sigmoid one":
                final["tanh"] < final["sigmoid"]
                and (reach["tanh"] or steps + 1) < (reach["sigmoid"] or steps + 1),
        },
        misstatement="tanh is a weight initialization method.",
        correction="tanh is an <strong>activation function</strong> applied to "
                   "pre-activations. Initializers are rules for the starting weights, such as "
                   "Xavier/Glorot (designed with tanh-like activations in mind) and He (for "
                   "ReLU); the networks here use Xavier initialization with tanh units.",
        dependencies=["tanh", "sigmoid", "Tensor.backward", "nn.Sequential", "nn.Tanh",
                      "nn.Sigmoid", "nn.functional.binary_cross_entropy_with_logits",
                      "optim.SGD"])
    return section, (float(sig_w.min()), float(sig_w.max()))
