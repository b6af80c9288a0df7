"""11. Cross entropy: Shannon's H(p, q), its relation to KL divergence and to likelihood."""
import math

from .._backend import xp
from ..factories import tensor
from ..nn.parameter import Parameter
from ..ops.activation import softmax
from ..optim import SGD
from ..nn import functional as F
from . import plots
from .section import Section, fmt

_P = xp.array([0.5, 0.3, 0.15, 0.05])


def entropy(p, q=None, base=math.e):
    """H(p) or H(p, q) = -sum p log q, computed with chainrule tensors."""
    p = tensor(xp.asarray(p, dtype=xp.float64))
    q = p if q is None else tensor(xp.asarray(q, dtype=xp.float64))
    return float(-(p * q.log()).sum(dim=-1).item()) / math.log(base)


def fit_categorical(samples, k, steps, lr=1.0):
    """Logits trained by SGD on the mean cross entropy of ``samples``; returns q and the losses.

    Minimizing the mean cross entropy -1/N sum log q(x_i) maximizes the likelihood, so q
    should end at the empirical frequencies.
    """
    logits = Parameter(xp.zeros((1, k)))
    opt = SGD([logits], lr=lr)
    target = tensor(samples)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(logits.expand(len(samples), k), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return softmax(logits.detach(), dim=1)._data[0], xp.array(losses)


def run(ctx):
    p_true = 0.3
    q = xp.linspace(0.005, 0.995, 199)
    bern = xp.stack([xp.full_like(q, p_true), 1 - xp.full_like(q, p_true)], axis=1)
    model = xp.stack([q, 1 - q], axis=1)
    h_pq = -(tensor(bern) * tensor(model).log()).sum(dim=1)._data / math.log(2)
    h_p = entropy([p_true, 1 - p_true], base=2)
    kl = h_pq - h_p
    best_q = float(q[xp.argmin(h_pq)])

    rng = ctx.rng(11)
    n = 200
    samples = rng.choice(len(_P), size=n, p=_P)
    empirical = xp.bincount(samples, minlength=len(_P)) / n
    fitted, losses = fit_categorical(samples, len(_P), 60 if ctx.quick else 120)
    nll = -float(xp.log(fitted[samples]).sum())
    ce = F.cross_entropy(tensor(xp.log(fitted))[None].expand(n, len(_P)),
                         tensor(samples)).item()
    h_emp = entropy(empirical)
    h_cross = entropy(empirical, fitted)
    uniform = xp.full(len(_P), 1 / len(_P))
    checks = {"H(p)": entropy(_P, base=2), "H(p, uniform)": entropy(_P, uniform, base=2),
              "KL(p || uniform)": entropy(_P, uniform, base=2) - entropy(_P, base=2)}
    kl_random = []
    for _ in range(1000):
        r = rng.dirichlet(xp.ones(len(_P)))
        kl_random.append(entropy(_P, r) - entropy(_P))

    fig, (ax, ax_fit, ax_loss) = plots.figure(3, width=10.6, height=3.3)
    ax.plot(q, h_pq, color=plots.BLUE, label="H(p, q)")
    ax.axhline(h_p, color=plots.GREEN, ls="--", lw=1.2, label=f"H(p) = {h_p:.3f}")
    ax.plot(q, kl, color=plots.ORANGE, label="KL(p ‖ q)")
    ax.axvline(p_true, color=plots.GREY, lw=0.8, ls=":")
    ax.set(title="Coin with p(heads) = 0.3", xlabel="model's q(heads)", ylabel="bits",
           ylim=(0, 3))
    plots.allow_clipping(ax, "H(p, q) and KL grow without bound as q nears 0 or 1")
    ax.legend(loc="upper center", fontsize=7.5)
    pos = xp.arange(len(_P))
    for i, (values, label, color) in enumerate(((_P, "true p", plots.GREY),
                                                (empirical, f"frequencies in {n} samples",
                                                 plots.GREEN),
                                                (fitted, "q fitted by min. cross entropy",
                                                 plots.BLUE))):
        ax_fit.bar(pos + (i - 1) * 0.27, values, width=0.27, color=color, label=label)
    ax_fit.set_axisbelow(True)
    ax_fit.set(title="Min. cross entropy = max. likelihood", xlabel="category",
               ylabel="probability", xticks=pos)
    ax_fit.legend(fontsize=7.5)
    ax_loss.plot(range(1, len(losses) + 1), losses, color=plots.BLUE,
                 label="mean cross entropy (nats)")
    ax_loss.axhline(h_emp, color=plots.GREEN, ls="--", lw=1.2,
                    label="H(frequencies): the minimum")
    ax_loss.set(title="Training the logits", xlabel="SGD step", ylabel="nats")
    ax_loss.legend(fontsize=7.5)
    for a, letter in zip((ax, ax_fit, ax_loss), "abc"):
        plots.panel_label(a, letter)
    png = ctx.save(fig, "cross_entropy.png")

    return [Section(
        key="cross_entropy", number=11, title="Cross entropy",
        idea="<p>Cross entropy comes from Claude Shannon's information theory (1948). The "
             "entropy H(p) of a distribution p is the average number of bits (log base 2) or "
             "nats (natural log) needed to encode outcomes drawn from p with the best code; "
             "the cross entropy H(p, q) is the average code length when the code is built for "
             "a model q instead. The excess is the Kullback–Leibler divergence KL(p ‖ q) ≥ 0, "
             "zero only when q = p. As a loss, p is the data (one-hot labels or the empirical "
             "distribution) and q the model's prediction; H(p) does not depend on the model, "
             "so minimizing cross entropy minimizes the KL divergence, and the mean cross "
             "entropy over a data set is the negative log-likelihood divided by N: minimizing "
             "it is maximum likelihood estimation.</p>",
        formula="<div>H(p) = −Σ<sub>x</sub> p(x) log p(x), &nbsp; H(p, q) = −Σ<sub>x</sub> "
                "p(x) log q(x)</div>"
                "<div>H(p, q) = H(p) + KL(p ‖ q), &nbsp; KL(p ‖ q) = Σ<sub>x</sub> p(x) "
                "log (p(x) / q(x)) ≥ 0</div>"
                "<div>(1/N) Σ<sub>i</sub> −log q<sub>θ</sub>(x<sub>i</sub>) = H(p̂, "
                "q<sub>θ</sub>) = −(1/N) log L(θ)</div>",
        images=[(png, "Cross entropy, entropy and KL divergence for a coin; a categorical "
                 "model fitted by minimizing cross entropy; its training curve",
                 "(a) For a coin with p(heads) = 0.3, the cross entropy H(p, q) of every model "
                 "q is the entropy H(p) plus the KL divergence KL(p ‖ q), lowest at q = p. (b) Logits trained by "
                 f"SGD on the mean cross entropy of {n} samples land on the samples' "
                 "frequencies (the maximum-likelihood estimate), not on the true p. (c) The "
                 "loss falls to the entropy of those frequencies.")],
        measured={"coin_entropy_bits": h_p, "argmin_q_of_cross_entropy": best_q,
                  "min_cross_entropy_bits": float(h_pq.min()),
                  "max_abs_fitted_minus_frequencies": float(xp.abs(fitted - empirical).max()),
                  "final_mean_cross_entropy_nats": float(losses[-1]),
                  "entropy_of_frequencies_nats": h_emp,
                  "cross_entropy_times_n": ce * n, "negative_log_likelihood": nll,
                  "cross_entropy_from_formula_nats": h_cross,
                  "four_way_example_bits": checks,
                  "min_kl_over_1000_random_q": float(min(kl_random))},
        findings=[
            f"Coin: H(p, q) is smallest at q = {best_q:.3f} (grid step 0.005), where it equals "
            f"H(p) = {h_p:.4f} bits; everywhere else KL(p ‖ q) &gt; 0.",
            f"For p = ({', '.join(f'{v:g}' for v in _P)}): H(p) = {checks['H(p)']:.3f} bits, "
            f"a uniform code costs H(p, u) = {checks['H(p, uniform)']:.3f} bits, the "
            f"difference being KL = {checks['KL(p || uniform)']:.3f} bits. Over 1000 random "
            f"models q, the smallest KL(p ‖ q) was {fmt(min(kl_random))} (never negative).",
            "The fitted q matches the sample frequencies to "
            f"{fmt(xp.abs(fitted - empirical).max())}; N × mean cross entropy = {ce * n:.4f} "
            f"and −log L = {nll:.4f} nats: the same number.",
        ],
        claims={
            "H(p, q) is smallest at q = p, where it equals H(p)":
                abs(best_q - p_true) < 0.0051 and abs(float(h_pq.min()) - h_p) < 1e-9,
            "KL(p ‖ q) > 0 everywhere else on the grid":
                bool((kl[xp.abs(q - p_true) > 1e-9] > 0).all()),
            "KL(p ‖ q) was never negative over the random models": min(kl_random) >= 0,
            "the fitted q lands on the sample frequencies, not on the true p":
                float(xp.abs(fitted - empirical).max())
                < 0.25 * float(xp.abs(empirical - xp.asarray(_P)).max()),
            "N × mean cross entropy is −log L": abs(ce * n - nll) < 1e-6 * max(1.0, abs(nll)),
            "the training loss falls to the entropy of the frequencies":
                abs(float(losses[-1]) - h_emp) < 1e-3 and losses[-1] < losses[0],
        },
        misstatement="Cross entropy comes from thermodynamics: it measures the disorder of "
                     "the predictions.",
        correction="Cross entropy is an information-theoretic quantity (Shannon, 1948; "
                    "relative entropy: Kullback and Leibler, 1951): the expected code length "
                    "when data from p are coded with a code built for q. Shannon's entropy "
                    "has the same formula as the Gibbs entropy of statistical mechanics, "
                    "S = −k<sub>B</sub> Σ p ln p, which is where the name comes from; the link "
                    "is an analogy of formula, and nothing in the loss involves heat or "
                    "physical disorder.",
        dependencies=["log", "softmax", "nn.functional.cross_entropy", "optim.SGD"])]
