"""F1 on a million labels: chainrule.metrics against scikit-learn, side by side."""
import numpy as np

from benchmarks._harness import compare

REFERENCE = "scikit-learn"


def run(quick=False):
    import chainrule.metrics as cm
    try:
        import sklearn.metrics as sk
    except ImportError:
        sk = None
    rng = np.random.default_rng(0)
    n = 1_000_000
    y_true = rng.integers(0, 10, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, 10, size=n))
    names = np.array([f"class_{i}" for i in range(10)])
    rows = []
    for label, (a, b) in (("int", (y_true, y_pred)), ("str", (names[y_true], names[y_pred]))):
        contenders = {"chainrule": lambda: cm.f1_score(a, b, average="macro")}
        if sk:
            contenders["sklearn"] = lambda: sk.f1_score(a, b, average="macro")
        t = compare(contenders, rounds=3 if quick else 5, number=1, warmup=1)
        rows.append((f"f1_score macro, 1e6 {label} labels", t["chainrule"],
                     t.get("sklearn"), None))
    return rows


if __name__ == "__main__":
    from benchmarks._harness import print_table
    print_table("Metrics", run(), REFERENCE)
