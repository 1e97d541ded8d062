# PyTorch peer of ace-ts's biaffine dependency parser training step, driven over stdin by bench/parser-step.ts.
"""Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 parser_step_torch.py --lengths 25,25,... [--blocks 100,512]
                 [--hidden 400] [--layers 3] [--arc-mlp 500] [--rel-mlp 100] [--labels 40] [--dropout 0.33] [--seed 1]

The model of ace-ts's BiaffineNetwork + TreeObjective with SuPar's formulation (Dozat & Manning 2017):
frozen input blocks concatenated (no input gradient) -> `layers` single-layer bidirectional nn.LSTMs (hidden per
direction) with locked ("shared", one mask per sentence) dropout after each, over pack_padded_sequence when lengths
differ -> a learned root vector in front of each sentence -> four Linear + LeakyReLU(0.1) MLPs with locked dropout
-> biaffines as torch.einsum('bxi,oij,byj->boxy') (SuPar): arc with a bias on the head side, labels with biases on
both sides, computed for all pairs as SuPar does -> arc cross-entropy over heads (self-loops and padding masked),
label cross-entropy at the gold arcs (both means over words) -> clip_grad_norm_(5) -> Adam(lr 2e-3, betas (0.9, 0.9),
eps 1e-12). One fixed random batch with random gold trees; torch.set_num_threads(1).

Prints one JSON line {"ready": ...}, then answers each stdin line:
  "run N"  -> N training steps, prints {"steps": N, "seconds": s, "loss": loss of the last step}
  "quit"   -> prints {"maxrss_kb": peak RSS of this process, "baseline_rss_kb": after import torch} and exits.
"""
import argparse
import json
import os
import random
import resource
import sys
import time

import torch
from torch import nn

BASELINE_RSS_KB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # python + torch imported, before the model


def locked_dropout(x, p, training):
    """x [B, T, F]: one Bernoulli mask per sentence and feature, shared over time, scaled by 1/(1-p)."""
    if not training or p == 0:
        return x
    mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - p) / (1 - p)
    return x * mask


class Mlp(nn.Module):
    def __init__(self, n_in, n_out, dropout):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        nn.init.xavier_uniform_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.act = nn.LeakyReLU(0.1)
        self.dropout = dropout

    def forward(self, x):
        return locked_dropout(self.act(self.linear(x)), self.dropout, self.training)


class Biaffine(nn.Module):
    """SuPar's Biaffine: weight [n_out, n_in + bias_x, n_in + bias_y], zero init."""

    def __init__(self, n_in, n_out, bias_x, bias_y):
        super().__init__()
        self.bias_x, self.bias_y = bias_x, bias_y
        self.weight = nn.Parameter(torch.zeros(n_out, n_in + bias_x, n_in + bias_y))

    def forward(self, x, y):
        if self.bias_x:
            x = torch.cat((x, torch.ones_like(x[..., :1])), -1)
        if self.bias_y:
            y = torch.cat((y, torch.ones_like(y[..., :1])), -1)
        s = torch.einsum('bxi,oij,byj->boxy', x, self.weight, y)
        return s.squeeze(1) if s.shape[1] == 1 else s.permute(0, 2, 3, 1)  # arc [B, T, T]; rel [B, T, T, L]


class Parser(nn.Module):
    def __init__(self, width, hidden, layers, arc_mlp, rel_mlp, labels, dropout):
        super().__init__()
        self.lstms = nn.ModuleList(
            nn.LSTM(width if i == 0 else 2 * hidden, hidden, num_layers=1, bidirectional=True, batch_first=True)
            for i in range(layers))
        self.dropout = dropout
        self.root = nn.Parameter(torch.randn(2 * hidden) * 0.1)
        self.arc_d = Mlp(2 * hidden, arc_mlp, dropout)
        self.arc_h = Mlp(2 * hidden, arc_mlp, dropout)
        self.rel_d = Mlp(2 * hidden, rel_mlp, dropout)
        self.rel_h = Mlp(2 * hidden, rel_mlp, dropout)
        self.arc_attn = Biaffine(arc_mlp, 1, bias_x=True, bias_y=False)
        self.rel_attn = Biaffine(rel_mlp, labels, bias_x=True, bias_y=True)

    def forward(self, x, lengths, packed):
        h = x
        for lstm in self.lstms:
            if packed:
                seq = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
                h, _ = lstm(seq)
                h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            else:
                h, _ = lstm(h)
            h = locked_dropout(h, self.dropout, self.training)
        root = self.root.expand(h.shape[0], 1, h.shape[2])
        h = torch.cat((root, h), 1)  # [B, T = maxLen + 1, 2h]
        s_arc = self.arc_attn(self.arc_d(h), self.arc_h(h))
        s_rel = self.rel_attn(self.rel_d(h), self.rel_h(h))
        return s_arc, s_rel


def random_heads(rng, n):
    """A random tree over words 1..n: a random order, each word after the first hangs from an earlier one."""
    order = list(range(1, n + 1))
    rng.shuffle(order)
    heads = [0] * n
    for i, w in enumerate(order):
        heads[w - 1] = 0 if i == 0 else order[rng.randrange(i)]
    return heads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", required=True)
    ap.add_argument("--blocks", default="100,512")
    ap.add_argument("--hidden", type=int, default=400)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--arc-mlp", type=int, default=500)
    ap.add_argument("--rel-mlp", type=int, default=100)
    ap.add_argument("--labels", type=int, default=40)
    ap.add_argument("--dropout", type=float, default=0.33)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)

    lengths = [int(s) for s in a.lengths.split(",")]
    batch, max_len = len(lengths), max(lengths)
    packed = min(lengths) < max_len
    width = sum(int(d) for d in a.blocks.split(","))
    model = Parser(width, a.hidden, a.layers, a.arc_mlp, a.rel_mlp, a.labels, a.dropout)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.9), eps=1e-12)
    len_t = torch.tensor(lengths)
    word_mask = torch.arange(max_len).unsqueeze(0) < len_t.unsqueeze(1)
    x = torch.randn(batch, max_len, width) * word_mask.unsqueeze(2)
    t = max_len + 1
    # Positions 0..T-1 with 0 the root; dependents are real words, heads root + real words other than the dependent.
    dep_mask = torch.zeros(batch, t, dtype=torch.bool)
    dep_mask[:, 1:] = word_mask
    head_ok = torch.zeros(batch, t, t, dtype=torch.bool)
    heads = torch.zeros(batch, t, dtype=torch.long)
    rels = torch.zeros(batch, t, dtype=torch.long)
    for b, n in enumerate(lengths):
        head_ok[b, 1:n + 1, :n + 1] = True
        heads[b, 1:n + 1] = torch.tensor(random_heads(rng, n))
        rels[b, 1:n + 1] = torch.randint(0, a.labels, (n,))
    head_ok &= ~torch.eye(t, dtype=torch.bool).unsqueeze(0)

    def step():
        opt.zero_grad(set_to_none=False)
        s_arc, s_rel = model(x, len_t, packed)
        s_arc = s_arc.masked_fill(~head_ok, -1e9)
        arc_loss = nn.functional.cross_entropy(s_arc[dep_mask], heads[dep_mask])
        s_rel = s_rel[dep_mask]  # [words, T, L]
        s_rel = s_rel[torch.arange(s_rel.shape[0]), heads[dep_mask]]  # [words, L]
        rel_loss = nn.functional.cross_entropy(s_rel, rels[dep_mask])
        loss = arc_loss + rel_loss
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        return float(loss)

    step()  # builds Adam's state, so the timed runs measure steady state
    print(json.dumps({
        "ready": True, "torch": torch.__version__, "packed": packed, "baseline_rss_kb": BASELINE_RSS_KB,
        "tokens_per_step": sum(lengths), "params": sum(p.numel() for p in model.parameters()),
        "threads": {"torch_intra_op": torch.get_num_threads(), "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")},
        "blas_info": next((s.strip() for s in torch.__config__.show().replace("\n", ",").split(",") if "BLAS_INFO" in s), None),
    }), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "run":
            n = int(cmd[1])
            t0 = time.perf_counter()
            loss = 0.0
            for _ in range(n):
                loss = step()
            print(json.dumps({"steps": n, "seconds": time.perf_counter() - t0, "loss": loss}), flush=True)
        elif cmd[0] == "quit":
            break
        else:
            print(json.dumps({"error": f"unknown command {line.strip()}"}), flush=True)
    print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "baseline_rss_kb": BASELINE_RSS_KB}),
          flush=True)


if __name__ == "__main__":
    main()
