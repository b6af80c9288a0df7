"""Memory over long sequences: LSTM, GRU and a vanilla RNN on the adding problem.

Each input is a sequence of (value, marker) pairs; the target is the sum of the two values
whose marker is 1, one in each half of the sequence. Answering 1 every time scores a mean
squared error of 1/6 ~ 0.167. The gated LSTM and GRU learn to keep the marked values in
their state and beat that baseline by far; the vanilla RNN, whose gradient vanishes over
the ~seq_len / 2 steps between the markers, does not (or only barely) within the same budget.

    python examples/adding_problem.py --quick         # about 1.5 minutes (92 s measured)
    python examples/adding_problem.py                 # 6 to 12 minutes, by machine load
    python examples/adding_problem.py --seq-len 50 --epochs 5

Each model shows a progress bar (tqdm, from ``pip install "chainrule[progress]"``; a line per
epoch without it). Times measured on a 2-core AMD EPYC VM shared with other work.
"""
import argparse
import time

import chainrule as cr
from chainrule import nn
from chainrule.datasets import adding_problem
from chainrule.nn import functional as F
from chainrule.nn.rnn import GRU, LSTM, RNN
from chainrule.nn.utils import clip_grad_norm_
from chainrule.optim import Adam

BASELINE = 1 / 6
# --quick: shorter sequences and fewer of them; explicit options still win
QUICK = {"seq_len": 50, "epochs": 8, "train_size": 2000, "batch_size": 20}


class Regressor(nn.Module):
    """A recurrent layer read out at its last step by a linear layer."""

    def __init__(self, rnn, hidden):
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def progress(name, total, enabled):
    """A tqdm bar over all of a model's batches, or None (then a line per epoch)."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=f"{name:>4}", unit="batch", leave=False, mininterval=0.5)


def train(name, model, data, args):
    (x_train, y_train), (x_test, y_test) = data
    opt = Adam(model.parameters(), lr=args.lr)
    n = x_train.shape[0]
    batches = -(-n // args.batch_size)
    bar = progress(name, args.epochs * batches, not args.no_progress)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        order = cr.randperm(n).numpy()
        total = 0.0
        for i in range(0, n, args.batch_size):
            idx = order[i:i + args.batch_size]
            loss = F.mse_loss(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(idx)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"epoch {epoch + 1}/{args.epochs} loss {loss.item():.4f}",
                                    refresh=False)
        if bar is None and not args.no_progress:
            print(f"{name:>4}: epoch {epoch + 1}/{args.epochs}, training MSE {total / n:.4f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    if bar is not None:
        bar.close()
    with cr.no_grad():
        mse = F.mse_loss(model(x_test), y_test).item()
    print(f"{name:>4}: test MSE {mse:.4f}  ({mse / BASELINE:6.1%} of the 0.167 baseline, "
          f"{time.perf_counter() - start:.0f} s)")
    return mse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a shorter run that still shows the gap: T=50, 2000 sequences, "
                        "8 epochs, batches of 20 (about 1.5 minutes)")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    data = (adding_problem(args.train_size, args.seq_len, seed=args.seed),
            adding_problem(args.test_size, args.seq_len, seed=args.seed + 1))
    print(f"adding problem, T = {args.seq_len}: {args.train_size} training sequences, "
          f"{args.epochs} epochs; baseline (always answer 1): MSE {BASELINE:.3f}")
    results = {}
    start = time.perf_counter()
    for name, cls in (("LSTM", LSTM), ("GRU", GRU), ("RNN", RNN)):
        cr.manual_seed(args.seed)
        model = Regressor(cls(2, args.hidden, batch_first=True), args.hidden)
        results[name] = train(name, model, data, args)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return results


if __name__ == "__main__":
    main()
