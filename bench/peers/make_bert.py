# A BERT-shaped encoder in plain PyTorch with random weights, exported as an HF-style folder (ONNX + tokenizer.json).
"""Builds the reference model that ace-ts's transformer candidate and its PyTorch peer both run.

Debian's python3-torch has no `transformers`, so the architecture (Devlin et al., 2019: post-LN encoder, erf GELU,
learned positions) is written out here. The ONNX export returns every hidden state (`hidden_state_0` = embeddings
output ... `hidden_state_L` = last layer), which is what the TypeScript side reads layers from.

Folder written:  config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, model.pt (state dict for the
PyTorch peer), vocab.txt.

Usage: python3 make_bert.py OUT_DIR [--layers 12 --hidden 768 --heads 12 --vocab 30000 --max-pos 512
                                     --words-from FILE --seed 0]
"""
import argparse
import json
import math
import os
import string

import torch
from torch import nn

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class Layer(nn.Module):
    def __init__(self, hidden, heads, inter, eps):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.ff1 = nn.Linear(hidden, inter)
        self.ff2 = nn.Linear(inter, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, bias):
        b, t, h = x.shape
        d = h // self.heads

        def split(y):
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        ctx = torch.matmul(att.softmax(-1), v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class Bert(nn.Module):
    """Returns the tuple of all hidden states, embeddings output first."""

    def __init__(self, cfg):
        super().__init__()
        h, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.word = nn.Embedding(cfg["vocab_size"], h)
        self.pos = nn.Embedding(cfg["max_position_embeddings"], h)
        self.typ = nn.Embedding(cfg["type_vocab_size"], h)
        self.ln = nn.LayerNorm(h, eps=eps)
        self.layers = nn.ModuleList(
            Layer(h, cfg["num_attention_heads"], cfg["intermediate_size"], eps) for _ in range(cfg["num_hidden_layers"])
        )

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        positions = torch.arange(t, dtype=torch.long).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(positions) + self.typ(token_type_ids))
        # Additive mask: padded keys get a large negative score (as BERT does), never -inf, so no NaN on empty rows.
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        states = [x]
        for layer in self.layers:
            x = layer(x, bias)
            states.append(x)
        return tuple(states)


def wordpiece(word, vocab, max_chars=100):
    """Greedy longest-match-first WordPiece of one (already lower-cased, punctuation-split) word."""
    if len(word) > max_chars:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            cand = word[start:end] if start == 0 else "##" + word[start:end]
            if cand in vocab:
                found = cand
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def basic_split(text):
    """BERT's basic tokenizer for ASCII-ish text: lower-case, split on whitespace and around punctuation."""
    out = []
    for chunk in text.lower().split():
        cur = ""
        for ch in chunk:
            if ch in string.punctuation:
                if cur:
                    out.append(cur)
                    cur = ""
                out.append(ch)
            else:
                cur += ch
        if cur:
            out.append(cur)
    return out


def build_vocab(size, words):
    """Specials, single characters (plain and ##), then the given words, then fillers up to `size` (0: no cap)."""
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = SPECIALS + chars + ["##" + c for c in chars]
    seen = set(vocab)
    for w in words:
        if size and len(vocab) >= size:
            break
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    i = 0
    while size and len(vocab) < size:
        vocab.append(f"[unused{i}]")
        i += 1
    return vocab


def tokenizer_json(vocab, max_len):
    ids = {t: i for i, t in enumerate(vocab)}
    special = lambda t: {"SpecialToken": {"id": t, "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in SPECIALS
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]")],
            "pair": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def make(out, layers, hidden, heads, vocab_size, max_pos, words, seed, inter=None, pos_scale=1.0):
    torch.manual_seed(seed)
    vocab = build_vocab(vocab_size, words)
    cfg = {
        "model_type": "bert", "architectures": ["BertModel"], "vocab_size": len(vocab), "hidden_size": hidden,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": inter or 4 * hidden,
        "max_position_embeddings": max_pos, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
        "pad_token_id": 0,
    }
    model = Bert(cfg).eval()
    with torch.no_grad():  # BERT's init scale, so activations look like a trained model's rather than saturate.
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.02)
        model.pos.weight.mul_(pos_scale)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab, max_pos), f)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": max_pos,
                   "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                   "mask_token": "[MASK]"}, f, indent=1)
    with open(os.path.join(out, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    torch.save(model.state_dict(), os.path.join(out, "model.pt"))
    ids = torch.tensor([[2, 10, 11, 3]], dtype=torch.long)
    names = [f"hidden_state_{i}" for i in range(layers + 1)]
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"}}
    axes.update({n: {0: "batch", 1: "seq"} for n in names})
    tmp = os.path.join(out, "onnx", "model.onnx.tmp")
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), tmp,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=names,
                      dynamic_axes=axes, opset_version=14, do_constant_folding=True)
    os.replace(tmp, os.path.join(out, "onnx", "model.onnx"))  # last, so a complete folder is the success marker
    return model, vocab, cfg


def load(folder):
    """The PyTorch model and vocabulary of a folder written by `make`."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    model = Bert(cfg).eval()
    model.load_state_dict(torch.load(os.path.join(folder, "model.pt")))
    with open(os.path.join(folder, "vocab.txt")) as f:
        vocab = [line.rstrip("\n") for line in f]
    return model, vocab, cfg


def frequent_words(path, limit):
    """Most frequent lower-cased tokens of a CoNLL-U file's FORM column, for a realistic vocabulary."""
    counts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[0].isdigit():
                for w in basic_split(cols[1]):
                    counts[w] = counts.get(w, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--vocab", type=int, default=30000)
    ap.add_argument("--max-pos", type=int, default=512)
    ap.add_argument("--words-from", default=None, help="CoNLL-U file whose frequent words fill the vocabulary")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    words = frequent_words(a.words_from, a.vocab) if a.words_from else []
    make(a.out, a.layers, a.hidden, a.heads, a.vocab, a.max_pos, words, a.seed)
    print(json.dumps({"out": a.out}))
