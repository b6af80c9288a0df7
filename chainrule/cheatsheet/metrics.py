"""10. Precision, recall and F1: definitions, a real confusion matrix, the threshold trade-off."""
from .. import nn
from .._backend import xp
from ..autograd.grad_mode import no_grad
from ..factories import tensor
from ..metrics import (accuracy_score, confusion_matrix, f1_score, precision_score,
                       recall_score)
from ..nn import functional as F
from ..optim import Adam
from . import plots
from .section import Section

_D = 6


def imbalanced(rng, n):
    """Two overlapping Gaussian classes in 6-D with about 10% positives."""
    y = (rng.random(n) < 0.1).astype(xp.int64)
    x = rng.standard_normal((n, _D)) + 0.8 * y[:, None]
    return tensor(x.astype(xp.float32)), y


def train_logistic(x, y, steps):
    """Logistic regression fitted by Adam on the mean binary cross entropy."""
    model = nn.Linear(_D, 1)
    opt = Adam(model.parameters(), lr=0.05)
    target = tensor(y.astype(xp.float32)[:, None])
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def run(ctx):
    n = 1000 if ctx.quick else 3000
    x_train, y_train = imbalanced(ctx.rng(10), n)
    x_test, y_test = imbalanced(ctx.rng(100), n)
    model = train_logistic(x_train, y_train, 100 if ctx.quick else 300)
    with no_grad():
        scores = model(x_test).sigmoid()._data[:, 0]
    pred = (scores >= 0.5).astype(xp.int64)
    (tn, fp), (fn, tp) = confusion_matrix(y_test, pred).tolist()
    precision, recall = precision_score(y_test, pred), recall_score(y_test, pred)
    f1, accuracy = f1_score(y_test, pred), accuracy_score(y_test, pred)
    baseline = accuracy_score(y_test, xp.zeros_like(y_test))
    # Precision is undefined where nothing is predicted positive: the sweep stops before that.
    thresholds = xp.linspace(0.02, 0.98, 49)
    thresholds = thresholds[thresholds <= scores.max()]
    curve = {"precision": [], "recall": [], "F1": []}
    for t in thresholds:
        p = (scores >= t).astype(xp.int64)
        curve["precision"].append(precision_score(y_test, p))
        curve["recall"].append(recall_score(y_test, p))
        curve["F1"].append(f1_score(y_test, p))
    curve = {k: xp.array(v, dtype=float) for k, v in curve.items()}
    best = int(xp.argmax(curve["F1"]))

    fig, (ax_cm, ax_t, ax_pr) = plots.figure(3, width=10.6, height=3.4)
    cells = xp.array([[tn, fp], [fn, tp]])
    ax_cm.imshow(xp.log1p(cells), cmap="Blues", vmin=0, vmax=xp.log1p(cells.max()) * 1.3)
    names = [["TN", "FP"], ["FN", "TP"]]
    for i in range(2):
        for j in range(2):
            ax_cm.text(j, i, f"{names[i][j]}\n{cells[i, j]}", ha="center", va="center",
                       fontsize=11, color="#111")
    ax_cm.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["predicted 0", "predicted 1"],
              yticklabels=["actual 0", "actual 1"], title="Confusion matrix, threshold 0.5")
    ax_cm.grid(False)
    for name, color in zip(curve, (plots.BLUE, plots.ORANGE, plots.GREEN)):
        ax_t.plot(thresholds, curve[name], color=color, label=name)
    ax_t.axvline(thresholds[best], color=plots.GREY, ls=":", lw=1)
    ax_t.set(title="Moving the threshold", xlabel="decision threshold on p(y = 1 | x)",
             ylim=(0, 1.02))
    ax_t.legend(loc="center right")
    ax_pr.plot(curve["recall"], curve["precision"], color=plots.PURPLE)
    ax_pr.plot(recall, precision, "o", color=plots.RED, label="threshold 0.5")
    ax_pr.plot(curve["recall"][best], curve["precision"][best], "s", color=plots.GREEN,
               label=f"best F1 (threshold {thresholds[best]:.2f})")
    ax_pr.set(title="Precision against recall", xlabel="recall", ylabel="precision",
              xlim=(0, 1.02), ylim=(0, 1.02))
    ax_pr.legend(loc="lower left")
    for a, letter in zip((ax_cm, ax_t, ax_pr), "abc"):
        plots.panel_label(a, letter)
    png = ctx.save(fig, "precision_recall.png")

    return [Section(
        key="precision_recall", number=10, title="F1, precision, recall",
        idea="<p>For a binary classifier and a chosen positive class: "
             "<strong>precision</strong> is the fraction of predicted positives that are "
             "truly positive (how much to trust a positive prediction); "
             "<strong>recall</strong> (sensitivity, true positive rate) is the fraction of "
             "actual positives that were found. F1 is their harmonic mean, high only when "
             "both are. Unlike accuracy they ignore true negatives, which is what makes them "
             "informative on imbalanced data. A classifier that outputs scores has no single "
             "precision or recall: raising the decision threshold usually trades recall for "
             "precision.</p>",
        formula="<div>precision = TP / (TP + FP), &nbsp; recall = TP / (TP + FN)</div>"
                "<div>F1 = 2 · precision · recall / (precision + recall) = "
                "2TP / (2TP + FP + FN)</div>",
        images=[(png, "Confusion matrix of a logistic regression, precision, recall and F1 "
                 "against the threshold, and the precision-recall curve",
                 f"A logistic regression trained with chainrule on {n} examples (about 10% "
                 f"positive), scored on {n} new ones. (a) Counts at threshold 0.5. (b) The "
                 "three metrics as the threshold moves, up to the highest score (beyond it "
                 "nothing is predicted positive and precision is undefined); dotted: best F1. "
                 "(c) The same, "
                 "precision against recall.")],
        measured={"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision,
                  "recall": recall, "f1": f1, "accuracy": accuracy,
                  "all_negative_baseline_accuracy": baseline,
                  "precision_from_counts": tp / (tp + fp), "recall_from_counts": tp / (tp + fn),
                  "thresholds": thresholds.tolist(),
                  "precision_curve": curve["precision"].tolist(),
                  "recall_curve": curve["recall"].tolist(),
                  "best_f1": float(curve["F1"][best]),
                  "best_f1_threshold": float(thresholds[best])},
        findings=[
            f"At threshold 0.5: TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn}. Precision "
            f"TP/(TP + FP) = {tp}/{tp + fp} = {precision:.3f} and recall TP/(TP + FN) = "
            f"{tp}/{tp + fn} = {recall:.3f}, equal to <code>chainrule.metrics</code>' "
            f"precision_score and recall_score; F1 = {f1:.3f}.",
            f"Accuracy is {accuracy:.1%}, but predicting “negative” for everything already "
            f"scores {baseline:.1%}: on imbalanced data accuracy says little.",
            f"Raising the threshold from {thresholds[0]:.2f} to {thresholds[-1]:.2f} (the "
            f"highest with a positive prediction left) moves precision from "
            f"{curve['precision'][0]:.2f} to {curve['precision'][-1]:.2f} and recall from "
            f"{curve['recall'][0]:.2f} to {curve['recall'][-1]:.2f}; the best F1, "
            f"{curve['F1'][best]:.3f}, is at threshold {thresholds[best]:.2f}, not 0.5.",
        ],
        claims={
            "chainrule.metrics' precision and recall equal the counts' ratios":
                abs(precision - tp / (tp + fp)) < 1e-12 and abs(recall - tp / (tp + fn)) < 1e-12,
            "predicting “negative” for everything already scores high accuracy (over 80%)":
                baseline > 0.8,
            "raising the threshold trades recall for precision":
                curve["precision"][-1] > curve["precision"][0]
                and curve["recall"][-1] < curve["recall"][0],
            "the best F1 is not at threshold 0.5": abs(thresholds[best] - 0.5) > 1e-9,
        },
        misstatement="Precision = TP / (TP + FN) and recall = TP / (TP + FP).",
        correction="That swaps them. Precision divides by everything <em>predicted</em> "
                   "positive (TP + FP); recall divides by everything <em>actually</em> "
                   f"positive (TP + FN). Here the swap would report {tp / (tp + fn):.3f} as "
                   f"precision and {tp / (tp + fp):.3f} as recall.",
        dependencies=["metrics.confusion_matrix", "metrics.precision_score",
                      "metrics.recall_score", "metrics.f1_score", "nn.Linear",
                      "nn.functional.binary_cross_entropy_with_logits", "optim.Adam"])]
