# PyTorch peer of ace-ts's tagger training step: BiLSTM + linear + CRF NLL + Adam, driven over stdin by bench/train-step.ts.
"""Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 train_step_torch.py --width 2048 [--batch 32] [--max-len 25]
                 [--hidden 256] [--tags 20] [--lengths 25,17,...] [--block-mask 256:1,256:0,...] [--seed 1]

Builds nn.LSTM(width, hidden, bidirectional, batch_first) -> nn.Linear(2*hidden, tags) -> a CRF whose negative
log-likelihood is written with torch ops (forward algorithm with logsumexp over time, gold path score), trained by
torch.optim.Adam(lr=1e-3) on one fixed random batch (frozen input features, no input gradient). With --lengths
(one per sentence, some shorter than --max-len) the LSTM runs over pack_padded_sequence and the CRF masks padding.
With --block-mask (size:flag per input block) every step multiplies each block by its flag at full width, which is
how the original ACE code applies a selection.

Prints one JSON line {"ready": ...} with versions and threads, then answers each stdin line:
  "run N"  -> runs N training steps, prints {"steps": N, "seconds": s, "loss": mean NLL of the last step}
  "quit"   -> prints {"maxrss_kb": peak resident set of this process, "baseline_rss_kb": after import torch} and exits.
"""
import argparse
import ctypes
import json
import os
import resource
import sys
import time

import torch
from torch import nn

BASELINE_RSS_KB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # python + torch imported, before the model


class Crf(nn.Module):
    """Linear-chain CRF: start[K], end[K], transitions[K, K] (from row, to column), zero init as ace-ts."""

    def __init__(self, k):
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(k, k))
        self.start = nn.Parameter(torch.zeros(k))
        self.end = nn.Parameter(torch.zeros(k))

    def nll(self, em, gold, mask):
        """Summed NLL over the batch. em [B, T, K], gold [B, T] (long), mask [B, T] bool with mask[:, 0] all true."""
        b, t, _ = em.shape
        # log Z: forward algorithm, alpha [B, K]; finished sentences keep their alpha.
        alpha = self.start.unsqueeze(0) + em[:, 0]
        for i in range(1, t):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions.unsqueeze(0), dim=1) + em[:, i]
            alpha = torch.where(mask[:, i].unsqueeze(1), nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end.unsqueeze(0), dim=1)
        # Gold path score.
        maskf = mask.to(em.dtype)
        emit = em.gather(2, gold.unsqueeze(2)).squeeze(2)
        trans = self.transitions[gold[:, :-1], gold[:, 1:]]
        lengths = mask.sum(1)
        last = gold.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        score = self.start[gold[:, 0]] + (emit * maskf).sum(1) + (trans * maskf[:, 1:]).sum(1) + self.end[last]
        return (log_z - score).sum()


class Tagger(nn.Module):
    def __init__(self, width, hidden, tags):
        super().__init__()
        self.lstm = nn.LSTM(width, hidden, num_layers=1, bidirectional=True, batch_first=True)
        self.out = nn.Linear(2 * hidden, tags)
        self.crf = Crf(tags)

    def loss(self, x, gold, mask, lengths, packed):
        if packed:
            seq = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            h, _ = self.lstm(seq)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
        else:
            h, _ = self.lstm(x)
        return self.crf.nll(self.out(h), gold, mask) / x.shape[0]


def openblas_threads():
    """openblas_get_num_threads() of the OpenBLAS torch loaded, if any (None otherwise)."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "openblas" in line and ".so" in line})
        for lib in libs:
            fn = getattr(ctypes.CDLL(lib), "openblas_get_num_threads", None)
            if fn is not None:
                return fn()
    except OSError:
        pass
    return None


def blas_libraries():
    with open("/proc/self/maps") as f:
        return sorted({os.path.realpath(line.split()[-1]) for line in f
                       if any(s in line for s in ("blas", "mkl", "lapack")) and ".so" in line})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=25)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--lengths", default="")
    ap.add_argument("--block-mask", default="")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)

    lengths = [int(s) for s in a.lengths.split(",")] if a.lengths else [a.max_len] * a.batch
    assert len(lengths) == a.batch and max(lengths) <= a.max_len and min(lengths) >= 1
    packed = min(lengths) < a.max_len
    model = Tagger(a.width, a.hidden, a.tags)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, a.max_len, a.width)
    len_t = torch.tensor(lengths)
    mask = torch.arange(a.max_len).unsqueeze(0) < len_t.unsqueeze(1)
    x = x * mask.unsqueeze(2)
    block_mask = None
    if a.block_mask:
        parts = [tuple(int(v) for v in item.split(":")) for item in a.block_mask.split(",")]
        assert sum(size for size, _ in parts) == a.width, "--block-mask sizes must add up to --width"
        block_mask = torch.cat([torch.full((size,), float(flag)) for size, flag in parts])
    gold = torch.randint(0, a.tags, (a.batch, a.max_len)) * mask

    def step():
        opt.zero_grad(set_to_none=False)
        inp = x * block_mask if block_mask is not None else x
        loss = model.loss(inp, gold, mask, len_t, packed)
        loss.backward()
        opt.step()
        return float(loss)

    step()  # builds Adam's state, so the timed runs measure steady state
    print(json.dumps({
        "ready": True, "torch": torch.__version__, "packed": packed, "baseline_rss_kb": BASELINE_RSS_KB,
        "tokens_per_step": sum(lengths),
        "threads": {"torch_intra_op": torch.get_num_threads(), "torch_inter_op": torch.get_num_interop_threads(),
                    "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                    "openblas_get_num_threads": openblas_threads()},
        "blas_libraries": blas_libraries(),
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
