// Transformer-encoder candidates (BERT-like ONNX models through transformers.js): chosen hidden layers, pooled per word.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { AutoModel, AutoTokenizer, Tensor, env as hfEnv } from '@huggingface/transformers';
import type { Sentence } from '../formats/types.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';
import { hashConfig, sha256, sha256File } from '../util/hash.js';
import type { CandidateSpec, FrozenCandidate } from './candidate.js';
import { isSubwordPooling, pooledDim, poolSubwords, type PieceSpan, type SubwordPooling } from './subword-pooling.js';

export interface TransformerOptions {
  /** Local model folder: config.json, tokenizer.json (+ tokenizer_config.json), onnx/model.onnx. */
  path?: string | undefined;
  /** A hub id, used only with `download: true` (files go to `<cacheDir>/transformers`). */
  model?: string | undefined;
  download: boolean;
  /** Hidden states to concatenate: 0 = embeddings output, L = last layer; negative counts from the end. */
  layers: number[];
  pooling: SubwordPooling;
  /** Tokens per window, special tokens included; default: the model's limit. */
  maxLength?: number | undefined;
  /** Fill each window with neighbouring sentences of the same embed() call (FLERT-style document context). */
  context: boolean;
  /** Windows per ONNX run (sorted by length, padded to the longest). */
  batchSize: number;
  /** onnxruntime intra-op threads; 0 lets onnxruntime choose. */
  threads: number;
}

/** The one home of the defaults for `spec.options`. ACE (Wang et al., 2021) used the first subtoken's last layer. */
export const TRANSFORMER_DEFAULTS: Readonly<Omit<TransformerOptions, 'path' | 'model' | 'maxLength'>> = Object.freeze({
  download: false,
  layers: [-1],
  pooling: 'first',
  context: false,
  batchSize: 16,
  threads: 0,
});

/** Distinct word forms whose token ids are remembered per tokenizer. */
const WORD_MEMO_SIZE = 200_000;

/** Output names the exporter (bench/peers/make_bert.py) gives the hidden states: `hidden_state_<i>`. */
const HIDDEN_STATE_OUTPUT = /^hidden_state_(\d+)$/;

type HfTokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
type HfModel = Awaited<ReturnType<typeof AutoModel.from_pretrained>>;

/** How words become token ids for one tokenizer. */
export interface WordTokenizer {
  /** Ids before and after a window's content ([CLS] … [SEP]). */
  prefix: number[];
  suffix: number[];
  /** Ids of one word; never empty (a word the tokenizer drops becomes the unknown token). */
  word(word: string, first: boolean): number[];
}

/**
 * Builds word-by-word tokenization. WordPiece splits on whitespace before anything else, so word by word equals
 * tokenizing the sentence; byte-level BPE marks a preceding space inside the token, so words after the first are
 * encoded with a leading space (detected by comparing against encoding a two-word string).
 */
export function makeWordTokenizer(tok: HfTokenizer): WordTokenizer {
  const enc = (text: string, special = false) => tok.encode(text, { add_special_tokens: special }) as number[];
  const bare = enc('x');
  const full = enc('x', true);
  const at = full.findIndex((_, i) => bare.every((id, j) => full[i + j] === id));
  const prefix = at < 0 ? [] : full.slice(0, at);
  const suffix = at < 0 ? [] : full.slice(at + bare.length);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const together = enc('hello world');
  const spaced = !same([...enc('hello'), ...enc('world')], together) && same([...enc('hello'), ...enc(' world')], together);
  const unk = tok.unk_token_id ?? (tok as unknown as { pad_token_id?: number }).pad_token_id ?? 0;
  // Word forms repeat a lot (Zipf), and transformers.js's encode costs ~0.1 ms a call: memoise, boundedly.
  const memo = new Map<string, number[]>();
  return {
    prefix,
    suffix,
    word(word, first) {
      const text = spaced && !first ? ` ${word}` : word;
      let ids = memo.get(text);
      if (!ids) {
        const got = enc(text);
        ids = got.length > 0 ? got : [unk];
        if (memo.size >= WORD_MEMO_SIZE) memo.clear();
        memo.set(text, ids);
      }
      return ids;
    },
  };
}

/** A run of words [from, to) of one sentence that one window covers, and where its pieces sit in that sentence. */
export interface WordWindow {
  from: number;
  to: number;
}

/**
 * Covers words with windows of at most `budget` pieces, each next window starting about half a window later, so
 * neighbouring windows overlap by ~half. `counts[w]` must be in 1..budget.
 */
export function planWindows(counts: readonly number[], budget: number): WordWindow[] {
  const n = counts.length;
  const windows: WordWindow[] = [];
  let from = 0;
  while (from < n) {
    let to = from;
    let len = 0;
    while (to < n && len + counts[to] <= budget) len += counts[to++];
    windows.push({ from, to });
    if (to >= n) break;
    let next = from + 1;
    let acc = counts[from];
    while (next < to && acc < len / 2) acc += counts[next++];
    from = next;
  }
  return windows;
}

/**
 * For each word, the window where it is most central: the largest distance (in pieces) to the nearer window edge;
 * ties go to the earlier window.
 */
export function assignWindows(counts: readonly number[], windows: readonly WordWindow[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const c of counts) {
    starts.push(at);
    at += c;
  }
  const ends = counts.map((c, w) => starts[w] + c);
  return counts.map((_, w) => {
    let best = -1;
    let bestScore = -Infinity;
    windows.forEach((win, k) => {
      if (w < win.from || w >= win.to) return;
      const score = Math.min(starts[w] - starts[win.from], ends[win.to - 1] - ends[w]);
      if (score > bestScore) [best, bestScore] = [k, score];
    });
    return best;
  });
}

/** One ONNX input row: ids plus, for the words it reads out, their piece spans in the row. */
interface Segment {
  ids: number[];
  sentence: number;
  words: number[];
  spans: PieceSpan[];
}

interface LoadedTransformer {
  tokenizer: WordTokenizer;
  model: HfModel;
  /** Output names of hidden states, index = layer (0 = embeddings). */
  stateNames: string[];
  hidden: number;
  limit: number;
  padId: number;
  modelHash: string;
}

// The one setting of transformers.js's process-wide `env` this module makes, once, at import: local model folders
// are allowed (Node's default, stated so no other import can leave it off). Remote access and the download cache
// are chosen per call in load() (local_files_only, cache_dir), so loading one model never changes how another loads.
hfEnv.allowLocalModels = true;

// One load per (folder, threads) per process: the candidates of different layers or poolings share the session.
const loaded = new Map<string, Promise<LoadedTransformer>>();

function optionError(spec: CandidateSpec, message: string): UsageError {
  return new UsageError(`candidate ${spec.name}: ${message}`);
}

function parseOptions(spec: CandidateSpec): TransformerOptions {
  const o = { ...TRANSFORMER_DEFAULTS, ...(spec.options ?? {}) } as Record<string, unknown>;
  const int = (k: string, min: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw optionError(spec, `option "${k}" must be an integer ≥ ${min}`);
    return v;
  };
  if (!Array.isArray(o.layers) || o.layers.length === 0 || !o.layers.every((l) => Number.isInteger(l))) {
    throw optionError(spec, 'option "layers" must be a non-empty list of integers');
  }
  if (!isSubwordPooling(o.pooling)) throw optionError(spec, `unknown pooling ${JSON.stringify(o.pooling)}`);
  if (o.path === undefined && o.model === undefined) throw optionError(spec, 'give "path" (a local model folder) or "model" with "download": true');
  return {
    path: o.path === undefined ? undefined : String(o.path),
    model: o.model === undefined ? undefined : String(o.model),
    download: o.download === true,
    layers: o.layers as number[],
    pooling: o.pooling,
    maxLength: o.maxLength === undefined ? undefined : int('maxLength', 3),
    context: o.context === true,
    batchSize: int('batchSize', 1),
    threads: int('threads', 0),
  };
}

/** Model content hash, memoised in the cache dir by (path, size, mtime) so a 400 MB file is hashed once. */
async function modelHash(folder: string, cacheDir: string): Promise<string> {
  const files = ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')].map((f) => join(folder, f));
  const stamp = files.map((f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  });
  const memo = join(cacheDir, 'transformer', 'model-hashes', `${sha256(stamp.join('\n'))}.txt`);
  if (existsSync(memo)) return readFileSync(memo, 'utf8').trim();
  const hash = sha256((await Promise.all(files.map((f) => sha256File(f)))).join(':'));
  writeFileAtomic(memo, hash + '\n');
  return hash;
}

async function load(options: TransformerOptions, cacheDir: string): Promise<LoadedTransformer> {
  let id: string;
  let folder: string;
  if (options.path !== undefined) {
    folder = resolve(options.path);
    id = folder; // an absolute path is read as is by transformers.js, never taken for a hub id
    for (const f of ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')]) {
      if (!existsSync(join(folder, f))) throw new UsageError(`transformer model folder ${folder} lacks ${f}`);
    }
  } else {
    if (!options.download) throw new UsageError(`transformer model "${options.model}" is a hub id: set "download": true to fetch it, or give "path"`);
    id = options.model as string;
    folder = join(cacheDir, 'transformers', id);
  }
  // Per call, never through transformers.js's global env: a model folder is read only locally; a hub id may be
  // fetched (download: true) into <cacheDir>/transformers.
  const local = options.path !== undefined
    ? { local_files_only: true }
    : { local_files_only: false, cache_dir: join(cacheDir, 'transformers') };
  const tok = await AutoTokenizer.from_pretrained(id, local);
  // Full graph optimisation (node fusions) measured ~25% faster than transformers.js's default on BERT shapes.
  const sessionOptions = {
    graphOptimizationLevel: 'all' as const,
    ...(options.threads > 0 ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  };
  const model = await AutoModel.from_pretrained(id, { ...local, dtype: 'fp32', device: 'cpu', session_options: sessionOptions });
  const tokenizer = makeWordTokenizer(tok);
  // One tiny run finds the hidden-state outputs and their width.
  const probe = [...tokenizer.prefix, ...tokenizer.word('a', true), ...tokenizer.suffix];
  const out = (await model(feeds([probe], 0))) as Record<string, Tensor>;
  const stateNames = Object.keys(out)
    .map((name) => [name, HIDDEN_STATE_OUTPUT.exec(name)] as const)
    .filter(([, m]) => m !== null)
    .sort((a, b) => Number(a[1]![1]) - Number(b[1]![1]))
    .map(([name]) => name);
  if (stateNames.length === 0) {
    if (!out.last_hidden_state) throw new UsageError(`transformer ${id}: the ONNX model has neither hidden_state_<i> nor last_hidden_state outputs`);
    stateNames.push('last_hidden_state'); // a stock export: only the last layer is available (as layer 0 = -1)
  }
  const hidden = out[stateNames[0]].dims[2];
  const cfg = (model as unknown as { config?: Record<string, unknown> }).config ?? {};
  const positions = typeof cfg.max_position_embeddings === 'number' ? cfg.max_position_embeddings : 512;
  const tokLimit = (tok as unknown as { model_max_length?: number }).model_max_length;
  const limit = typeof tokLimit === 'number' && tokLimit > 0 && tokLimit < positions ? tokLimit : positions;
  const padId = (tok as unknown as { pad_token_id?: number }).pad_token_id ?? 0;
  const hash = options.path !== undefined ? await modelHash(folder, cacheDir) : sha256(`hub:${id}`);
  return { tokenizer, model, stateNames, hidden, limit, padId, modelHash: hash };
}

/** input_ids and attention_mask for rows padded to the longest (token_type_ids are zero-filled by transformers.js). */
function feeds(rows: number[][], padId: number): Record<string, Tensor> {
  const t = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * t).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * t);
  rows.forEach((r, i) => r.forEach((id, j) => {
    ids[i * t + j] = BigInt(id);
    mask[i * t + j] = 1n;
  }));
  return { input_ids: new Tensor('int64', ids, [rows.length, t]), attention_mask: new Tensor('int64', mask, [rows.length, t]) };
}

/** Splits sentences into ONNX rows: whole sentences (with context if asked), or overlapping windows for long ones. */
function segment(lt: LoadedTransformer, sentences: readonly Sentence[], maxLength: number, context: boolean): Segment[] {
  const { prefix, suffix } = lt.tokenizer;
  const budget = maxLength - prefix.length - suffix.length;
  if (budget < 1) throw new UsageError(`maxLength ${maxLength} leaves no room beside ${prefix.length + suffix.length} special tokens`);
  // Words longer than a window keep their first `budget` pieces.
  const pieces = sentences.map((s) => s.words.map((w, i) => lt.tokenizer.word(w, i === 0).slice(0, budget)));
  const total = pieces.map((p) => p.reduce((n, w) => n + w.length, 0));
  const segments: Segment[] = [];
  pieces.forEach((words, si) => {
    if (words.length === 0) return;
    const counts = words.map((w) => w.length);
    if (total[si] > budget) {
      const windows = planWindows(counts, budget);
      const owner = assignWindows(counts, windows);
      windows.forEach((win, k) => {
        const seg: Segment = { ids: [...prefix], sentence: si, words: [], spans: [] };
        for (let w = win.from; w < win.to; w++) {
          if (owner[w] === k) {
            seg.words.push(w);
            seg.spans.push({ start: seg.ids.length, end: seg.ids.length + counts[w] });
          }
          seg.ids.push(...words[w]);
        }
        seg.ids.push(...suffix);
        if (seg.words.length > 0) segments.push(seg);
      });
      return;
    }
    // Whole sentence; with context, neighbours are added alternately (left first) while they fit.
    let left = si;
    let right = si + 1;
    let used = total[si];
    if (context) {
      for (let grew = true; grew; ) {
        grew = false;
        if (left > 0 && used + total[left - 1] <= budget) used += total[--left], grew = true;
        if (right < sentences.length && used + total[right] <= budget) used += total[right++], grew = true;
      }
    }
    const seg: Segment = { ids: [...prefix], sentence: si, words: [], spans: [] };
    for (let s = left; s < right; s++) {
      for (let w = 0; w < pieces[s].length; w++) {
        if (s === si) {
          seg.words.push(w);
          seg.spans.push({ start: seg.ids.length, end: seg.ids.length + pieces[s][w].length });
        }
        seg.ids.push(...pieces[s][w]);
      }
    }
    seg.ids.push(...suffix);
    segments.push(seg);
  });
  return segments;
}

/**
 * A transformer candidate. `spec.options`: `path` (local folder, loaded offline) or `model` + `download: true`;
 * `layers` (default [-1]), `pooling` (default first), `maxLength`, `context`, `batchSize`, `threads`.
 * Vectors: per word, the selected layers' states concatenated, each pooled over the word's subwords.
 */
export async function createTransformerCandidate(spec: CandidateSpec, opts: { cacheDir: string }): Promise<FrozenCandidate> {
  const options = parseOptions(spec);
  const key = JSON.stringify([options.path ? resolve(options.path) : options.model, options.threads]);
  let pending = loaded.get(key);
  if (!pending) {
    pending = load(options, isAbsolute(opts.cacheDir) ? opts.cacheDir : resolve(opts.cacheDir));
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  const lt = await pending;
  const nStates = lt.stateNames.length;
  const layers = options.layers.map((l) => (l < 0 ? nStates + l : l));
  layers.forEach((l, i) => {
    if (l < 0 || l >= nStates) throw optionError(spec, `layer ${options.layers[i]} is outside the model's ${nStates} hidden states`);
  });
  const maxLength = Math.min(options.maxLength ?? lt.limit, lt.limit);
  const pieceDim = lt.hidden * layers.length;
  const dim = pooledDim(options.pooling, pieceDim);
  const configHash = hashConfig({ kind: 'transformer', model: lt.modelHash, layers, pooling: options.pooling, maxLength, context: options.context });

  async function embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
    const result = sentences.map((s) => new Float32Array(s.words.length * dim));
    const segments = segment(lt, sentences, maxLength, options.context).sort((a, b) => a.ids.length - b.ids.length);
    for (let from = 0; from < segments.length; from += options.batchSize) {
      const batch = segments.slice(from, from + options.batchSize);
      const out = (await lt.model(feeds(batch.map((s) => s.ids), lt.padId))) as Record<string, Tensor>;
      const t = out[lt.stateNames[0]].dims[1];
      const data = layers.map((l) => out[lt.stateNames[l]].data as Float32Array);
      batch.forEach((seg, b) => {
        // Gather this row's states, the chosen layers side by side, then pool only the words it reads out.
        const rows = new Float32Array(seg.ids.length * pieceDim);
        for (let p = 0; p < seg.ids.length; p++) {
          data.forEach((d, k) => {
            const src = (b * t + p) * lt.hidden;
            rows.set(d.subarray(src, src + lt.hidden), p * pieceDim + k * lt.hidden);
          });
        }
        const pooled = poolSubwords(rows, pieceDim, seg.spans, options.pooling);
        seg.words.forEach((w, i) => result[seg.sentence].set(pooled.subarray(i * dim, (i + 1) * dim), w * dim));
      });
      for (const tensor of Object.values(out)) (tensor as { dispose?: () => void }).dispose?.();
    }
    return result;
  }

  return { spec, dim, frozen: true, configHash, embed };
}
