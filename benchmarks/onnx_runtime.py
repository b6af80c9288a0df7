"""Deploying a trained model: batch-1 inference of the same weights in chainrule, PyTorch and
ONNX Runtime (the model exported with chainrule.onnx.export), for users choosing how to serve.

Workloads: an MLP (784-512-512-10, ReLU) on one image, and a char-level LSTM language model
(embedding 64, LSTM 256, linear head 65) over 50 steps of one sequence. chainrule and PyTorch
run under no_grad; every engine gets 2 threads. The main table is chainrule against PyTorch;
the table after it adds ONNX Runtime.
"""
import io
import sys

import numpy as np

from benchmarks._harness import compare, fmt_time, print_table, try_torch
import chainrule as cr

VOCAB, EMBED, HIDDEN, SEQ = 65, 64, 256, 50
_ORT_ROWS, _NOTES = [], []


def _mlp():
    from chainrule import nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


class _CharLM:
    @staticmethod
    def build():
        from chainrule import nn

        class CharLM(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(VOCAB, EMBED)
                self.lstm = nn.LSTM(EMBED, HIDDEN)
                self.head = nn.Linear(HIDDEN, VOCAB)

            def forward(self, idx):
                out, _ = self.lstm(self.embed(idx))
                return self.head(out)
        return CharLM()


def _torch_copy(torch, model, kind):
    """The same weights in a PyTorch module (state_dict keys match)."""
    if kind == "mlp":
        m = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 10))
    else:
        class CharLM(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = torch.nn.Embedding(VOCAB, EMBED)
                self.lstm = torch.nn.LSTM(EMBED, HIDDEN)
                self.head = torch.nn.Linear(HIDDEN, VOCAB)

            def forward(self, idx):
                out, _ = self.lstm(self.embed(idx))
                return self.head(out)
        m = CharLM()
    m.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                       for k, v in model.state_dict().items()})
    return m.eval()


def _session(model, example):
    import onnxruntime as ort
    f = io.BytesIO()
    cr.onnx.export(model, (example,), f, input_names=["x"], output_names=["y"])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    # ORT's pool otherwise spins after each run and takes the cores from the next contender
    # (measured: PyTorch's batch-1 LSTM 5x slower in the round after ONNX Runtime's)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(f.getvalue(), options, providers=["CPUExecutionProvider"])


def run(quick=False):
    try:
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise ImportError(f"onnxruntime is not installed ({e})") from None
    torch = try_torch()
    rounds = 5 if quick else 15
    rng = np.random.default_rng(0)
    cases = [("MLP 784-512-512-10, batch 1", "mlp", _mlp,
              rng.standard_normal((1, 784), dtype=np.float32)),
             (f"LSTM LM {EMBED}-{HIDDEN}-{VOCAB}, 1 x {SEQ} steps", "lstm", _CharLM.build,
              rng.integers(0, VOCAB, size=(SEQ, 1)))]
    rows = []
    _ORT_ROWS.clear()
    for name, kind, build, data in cases:
        cr.manual_seed(0)
        model = build().eval()
        x = cr.from_numpy(data)
        session = _session(model, x)
        feeds = {"x": data}
        ours = model(x).detach().numpy()
        theirs = session.run(None, feeds)[0]
        err = float(np.abs(ours - theirs).max())

        def step_cr():
            with cr.no_grad():
                model(x)
        contenders = {"chainrule": step_cr, "ort": lambda: session.run(None, feeds)}
        if torch is not None:
            tm, tx = _torch_copy(torch, model, kind), torch.from_numpy(data)

            def step_torch():
                with torch.no_grad():
                    tm(tx)
            contenders["torch"] = step_torch
        times = compare(contenders, rounds=rounds)
        rows.append((name, times["chainrule"], times.get("torch"), None))
        _ORT_ROWS.append((name, times["ort"], times["chainrule"], times.get("torch"), err))
    return rows


def print_extra():
    print("\n| workload | ONNX Runtime | chainrule | PyTorch | chainrule / ORT | "
          "PyTorch / ORT | max abs diff |")
    print("|---|---|---|---|---|---|---|")
    for name, ort_s, cr_s, torch_s, err in _ORT_ROWS:
        t = fmt_time(torch_s) if torch_s else "n/a"
        tr = f"{torch_s / ort_s:.2f}" if torch_s else "n/a"
        print(f"| {name} | {fmt_time(ort_s)} | {fmt_time(cr_s)} | {t} | {cr_s / ort_s:.2f} | "
              f"{tr} | {err:.1e} |")


if __name__ == "__main__":
    print_table("Deployment: batch-1 inference (float32, 2 threads)",
                run(quick="--quick" in sys.argv))
    print_extra()
