# PyTorch peer of the transformer candidate: same model folder, same sentences, first-subword last-layer vectors.
"""Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 embed_torch.py MODEL_DIR SENTENCES_JSON [--batch-size 16]

SENTENCES_JSON is a list of word lists. Does what ace-ts's transformer candidate does per call (WordPiece word by
word, [CLS] ... [SEP], batches sorted by length and padded, last layer, first piece per word) and prints one JSON
line: words, pieces, seconds, words_per_s, threads, and a checksum of the vectors (sum of squares).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_bert  # noqa: E402


def tokenize(words, index):
    unk = index["[UNK]"]
    out = []
    for word in words:
        ids = [index[p] for w in make_bert.basic_split(word) for p in make_bert.wordpiece(w, index)]
        out.append(ids or [unk])
    return out


def embed(model, index, sentences, batch_size, max_len):
    cls, sep = index["[CLS]"], index["[SEP]"]
    pieces = [tokenize(s, index) for s in sentences]
    rows = []
    for i, p in enumerate(pieces):
        flat = [x for w in p for x in w][: max_len - 2]
        starts, at = [], 1
        for w in p:
            starts.append(min(at, len(flat)))  # words past the limit read the last kept piece (not hit on EWT)
            at += len(w)
        rows.append((i, [cls] + flat + [sep], starts))
    rows.sort(key=lambda r: len(r[1]))
    result = [None] * len(sentences)
    with torch.inference_mode():
        for b in range(0, len(rows), batch_size):
            batch = rows[b: b + batch_size]
            t = max(len(r[1]) for r in batch)
            ids = torch.zeros(len(batch), t, dtype=torch.long)
            mask = torch.zeros(len(batch), t, dtype=torch.long)
            for k, (_, r, _) in enumerate(batch):
                ids[k, : len(r)] = torch.tensor(r)
                mask[k, : len(r)] = 1
            last = model(ids, mask, torch.zeros_like(ids))[-1]
            for k, (i, _, starts) in enumerate(batch):
                result[i] = last[k, starts].numpy().copy()
    return result, sum(len(x) for p in pieces for x in p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("sentences")
    ap.add_argument("--batch-size", type=int, default=16)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    model, vocab, cfg = make_bert.load(a.model)
    index = {t: i for i, t in enumerate(vocab)}
    with open(a.sentences) as f:
        sentences = json.load(f)
    embed(model, index, sentences[:8], a.batch_size, cfg["max_position_embeddings"])  # warm-up
    t0 = time.perf_counter()
    vectors, pieces = embed(model, index, sentences, a.batch_size, cfg["max_position_embeddings"])
    seconds = time.perf_counter() - t0
    words = sum(len(s) for s in sentences)
    print(json.dumps({
        "words": words, "pieces": pieces, "seconds": seconds, "words_per_s": words / seconds,
        "threads": {"torch_intra_op": torch.get_num_threads(), "torch_inter_op": torch.get_num_interop_threads(),
                    "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")},
        "checksum": float(sum(float((v.astype("float64") ** 2).sum()) for v in vectors)),
    }))


if __name__ == "__main__":
    main()
