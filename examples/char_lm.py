"""A character-level language model that learns Shakespeare: a 2-layer LSTM or a small GPT.

Both read tiny Shakespeare (shipped with chainrule) in random windows of ``--block``
characters, train with AdamW, a warmup-cosine learning rate and gradient clipping for
``--minutes`` of wall-clock time, then report the validation loss in nats and bits per
character next to the unigram (3.35 nats) and bigram (2.48 nats) baselines, and sample text.

    python examples/char_lm.py --model lstm --minutes 10
    python examples/char_lm.py --model gpt --minutes 10 --temperature 0.8 --top-k 10

The GPT is nn.TransformerEncoder built from pre-norm nn.TransformerEncoderLayer blocks under a
causal mask (4 layers, 4 heads, 128 wide, tanh GELU as GPT-2, block 128 by default). Outputs
(a JSON summary with the loss curve and the sample, and the weights) go to run_out/char_lm/,
which git ignores.
"""
import argparse
import json
import math
import os
import time

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.datasets import tiny_shakespeare
from chainrule.nn import functional as F
from chainrule.nn.utils import clip_grad_norm_
from chainrule.optim import AdamW
from chainrule.optim.lr_scheduler import LambdaLR

DEFAULTS = {  # per model: width, layers, learning rate, weight decay, batch size
    "lstm": dict(width=256, layers=2, lr=3e-3, weight_decay=0.01, batch=32),
    "gpt": dict(width=128, layers=4, lr=2e-3, weight_decay=0.1, batch=16),
}


class LSTMLM(nn.Module):
    """Embedding -> stacked LSTM -> linear read-out to the next character's logits."""

    def __init__(self, vocab, width, layers, dropout=0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.rnn = nn.LSTM(64, width, num_layers=layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(width, vocab)

    def forward(self, idx, state=None):
        out, state = self.rnn(self.embed(idx), state)
        return self.head(out), state


class GPT(nn.Module):
    """Token and position embeddings, pre-norm Transformer blocks under a causal mask, a final
    LayerNorm and a linear read-out (GPT-2's shape, as in nanoGPT)."""

    def __init__(self, vocab, width, layers, heads, block, dropout=0.0):
        super().__init__()
        self.block = block
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(block, width)
        self.drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout,
                                           activation=nn.GELU(approximate="tanh"),
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(width))
        self.head = nn.Linear(width, vocab)
        for name, p in self.named_parameters():      # GPT-2's init: N(0, 0.02) weights
            if p.ndim == 2:
                nn.init.normal_(p, 0.0, 0.02)
        self.masks = {}

    def forward(self, idx, state=None):
        T = idx.shape[1]
        if T not in self.masks:
            self.masks[T] = nn.Transformer.generate_square_subsequent_mask(T)
        x = self.drop(self.tok(idx) + self.pos(cr.arange(T)))
        x = self.blocks(x, mask=self.masks[T], is_causal=True)
        return self.head(x), None


def build(args, vocab):
    if args.model == "lstm":
        return LSTMLM(vocab, args.width, args.layers, args.dropout)
    return GPT(vocab, args.width, args.layers, args.heads, args.block, args.dropout)


def windows(data, starts, block):
    """Inputs and next-character targets for windows of ``block`` starting at ``starts``."""
    idx = starts[:, None] + np.arange(block)
    return cr.tensor(data[idx]), cr.tensor(data[idx + 1])


def evaluate(model, data, block, batch, max_windows=None):
    """Mean loss (nats per character) over non-overlapping windows of the data; each window
    is read from an empty context, as during training."""
    starts = np.arange(0, len(data) - block - 1, block)
    if max_windows is not None and len(starts) > max_windows:
        starts = starts[np.linspace(0, len(starts) - 1, max_windows).astype(int)]
    model.eval()
    total = 0.0
    with cr.no_grad():
        for i in range(0, len(starts), batch):
            x, y = windows(data, starts[i:i + batch], block)
            logits, _ = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            total += loss.item() * x.shape[0]
    model.train()
    return total / len(starts)


def sample(model, corpus, args, prompt="\n"):
    """``args.sample_len`` characters, each drawn from softmax(logits / temperature) over the
    ``args.top_k`` most likely characters."""
    rng = np.random.default_rng(args.seed)
    ids = list(corpus.encode(prompt).tolist())
    model.eval()
    state, context = None, ids
    with cr.no_grad():
        for _ in range(args.sample_len):
            if args.model == "lstm":
                logits, state = model(cr.tensor([context]), state)
            else:
                logits, _ = model(cr.tensor([ids[-args.block:]]))
            z = logits._data[0, -1].astype(np.float64) / max(args.temperature, 1e-6)
            if args.top_k:
                z[z < np.sort(z)[-min(args.top_k, len(z))]] = -np.inf
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(p), p=p / p.sum()))
            ids.append(nxt)
            context = [nxt]
    model.train()
    return corpus.decode(ids[len(prompt):])


def progress(total_seconds, enabled):
    try:
        if not enabled:
            raise ImportError
        from tqdm import tqdm
        return tqdm(total=round(total_seconds), unit="s", bar_format="{l_bar}{bar}| "
                    "{n:.0f}/{total:.0f} s {postfix}")
    except ImportError:
        return None


def train(args):
    cr.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    corpus = tiny_shakespeare()
    train_data, val_data = corpus.train_data._data, corpus.val_data._data
    model = build(args, corpus.vocab_size)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = AdamW([{"params": decay, "weight_decay": args.weight_decay},
                 {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
    budget = args.minutes * 60
    start = time.perf_counter()

    def lr_factor(step):
        # linear warmup over the first steps, then a cosine from lr to lr / 10 over the time
        # budget (the run is bounded by wall-clock time, not by a number of steps)
        if step < args.warmup:
            return (step + 1) / args.warmup
        done = min(1.0, (time.perf_counter() - start) / budget)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done))
    sched = LambdaLR(opt, lr_factor)
    print(f"{args.model}: {n_params:,} parameters, {args.minutes:g} min budget, batch "
          f"{args.batch} x {args.block} characters; baselines: unigram "
          f"{corpus.baselines['unigram']:.2f}, bigram {corpus.baselines['bigram']:.2f} nats")
    bar = progress(budget, args.progress)
    history, step, smooth, first = [], 0, None, None
    while time.perf_counter() - start < budget and (args.steps is None or step < args.steps):
        x, y = windows(train_data, rng.integers(0, len(train_data) - args.block - 1,
                                                args.batch), args.block)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, corpus.vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        sched.step()
        step += 1
        if smooth is None:
            first = smooth = loss.item()
        smooth = 0.95 * smooth + 0.05 * loss.item()
        if step % args.eval_every == 0:
            val = evaluate(model, val_data, args.block, args.batch, args.eval_windows)
            history.append({"step": step, "seconds": round(time.perf_counter() - start, 1),
                            "train": round(smooth, 4), "val": round(val, 4)})
            if bar is None:
                print(f"step {step:5d}  {history[-1]['seconds']:6.0f} s  train {smooth:.3f}  "
                      f"val {val:.3f}")
        if bar is not None:
            bar.n = min(round(time.perf_counter() - start), bar.total)
            bar.set_postfix_str(f"step {step} loss {smooth:.3f} lr {opt.param_groups[0]['lr']:.1e}"
                                + (f" val {history[-1]['val']:.3f}" if history else ""))
    if bar is not None:
        bar.close()
    seconds = time.perf_counter() - start
    val = evaluate(model, val_data, args.block, args.batch, args.final_windows)
    text = sample(model, corpus, args)
    result = {"model": args.model, "parameters": n_params, "steps": step,
              "seconds": round(seconds, 1), "first_loss": first,
              "train_loss": smooth, "val_loss": val, "val_bits_per_char": val / math.log(2),
              "baselines": corpus.baselines, "history": history, "sample": text,
              "args": vars(args)}
    print(f"\n{args.model}: {step} steps in {seconds:.0f} s; validation {val:.3f} nats/char = "
          f"{val / math.log(2):.3f} bits/char (unigram {corpus.baselines['unigram']:.2f}, "
          f"bigram {corpus.baselines['bigram']:.2f} nats)\n\n--- sample (temperature "
          f"{args.temperature}, top-k {args.top_k}) ---\n{text}\n")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, f"{args.model}.json"), "w") as f:
            json.dump(result, f, indent=1)
        cr.save(model.state_dict(), os.path.join(args.out, f"{args.model}.pt"))
    return result


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=["lstm", "gpt"], default="gpt")
    p.add_argument("--minutes", type=float, default=10.0, help="wall-clock training budget")
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps too")
    p.add_argument("--width", type=int, help="LSTM hidden size / GPT model width")
    p.add_argument("--layers", type=int)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--block", type=int, default=128, help="characters per training window")
    p.add_argument("--batch", type=int)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--warmup", type=int, default=100, help="warmup steps")
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-windows", type=int, default=128,
                   help="validation windows per periodic estimate (the final one uses all)")
    p.add_argument("--final-windows", type=int, default=None,
                   help="validation windows of the final estimate (default: all of them)")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--sample-len", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="run_out/char_lm", help="output folder ('' for none)")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None):
    return train(parse_args(argv))


if __name__ == "__main__":
    main()
