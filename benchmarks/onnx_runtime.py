"""Deploying a trained model: batch-1 inference of the same weights in chainrule, PyTorch and
ONNX Runtime (the model exported with chainrule.onnx.export), for users choosing how to serve.

Workloads: an MLP (784-512-512-10, ReLU) on one image, and a char-level LSTM language model
(embedding 64, LSTM 256, linear head 65) over 50 steps of one sequence. chainrule and PyTorch
run under no_grad. Each runs with 2 threads, then with 1 (chainrule's BLAS limited through
threadpoolctl). The main table is chainrule against PyTorch; the table after it adds ONNX
Runtime.
"""
import contextlib
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


def _session(model, example, threads):
    import onnxruntime as ort
    f = io.BytesIO()
    cr.onnx.export(model, (example,), f, input_names=["x"], output_names=["y"])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
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
        tm = _torch_copy(torch, model, kind) if torch is not None else None
        for threads in (2, 1):
            label = f"{name}, {threads} thread{'s' if threads > 1 else ''}"
            with _threads(torch, threads):
                times, err = _time_engines(model, x, data, tm, torch, threads, rounds)
            rows.append((label, times["chainrule"], times.get("torch"), None))
            _ORT_ROWS.append((label, times["ort"], times["chainrule"], times.get("torch"), err))
    return rows


def _time_engines(model, x, data, tm, torch, threads, rounds):
    session = _session(model, x, threads)
    feeds = {"x": data}
    err = float(np.abs(model(x).detach().numpy() - session.run(None, feeds)[0]).max())

    def step_cr():
        with cr.no_grad():
            model(x)
    contenders = {"chainrule": step_cr, "ort": lambda: session.run(None, feeds)}
    if tm is not None:
        tx = torch.from_numpy(data)

        def step_torch():
            with torch.no_grad():
                tm(tx)
        contenders["torch"] = step_torch
    return compare(contenders, rounds=rounds), err


@contextlib.contextmanager
def _threads(torch, n):
    """n BLAS threads for chainrule (threadpoolctl, when installed) and n for PyTorch; a
    batch-1 server often runs one thread per request, and on a busy machine two threads that
    synchronise at every LSTM step lose far more than they gain."""
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        limit = contextlib.nullcontext()
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with limit:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


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
