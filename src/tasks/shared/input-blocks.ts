// One input block per embedding candidate for a padded batch: frozen vectors gathered from their source, trainable
// candidates (char encoder, casing, feature columns) run as layers whose gradients flow back from the encoder.
import type { Backend } from '../../engine/backend/backend.js';
import { Embedding, SequenceEncoder, type Param } from '../../engine/index.js';
import type { Rng } from '../../util/rng.js';
import type { Sentence } from '../../formats/types.js';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import { CASING_CLASS_COUNT, casingId, CASING_DEFAULTS } from '../../embeddings/casing.js';
import { CHAR_DEFAULTS, wordToCharIds } from '../../embeddings/char-ids.js';
import { FEATURE_DEFAULTS } from '../../embeddings/feature-columns.js';
import { IdVocab, UNK_ID } from '../../embeddings/id-vocab.js';

/** Rows of a frozen candidate for sentence i of the set being batched (words × dim). */
export type FrozenRows = (sentenceIndex: number) => Float32Array;

/** Vocabularies trainable candidates build from the training data; stored in model bundles. */
export interface BlockVocabs {
  chars?: readonly string[];
  features?: Record<string, readonly string[]>;
}

/** A padded batch: sentence indices into the current set, and the layout they occupy. */
export interface BatchRef {
  indices: readonly number[];
  sentences: readonly Sentence[];
  maxLen: number;
}

interface TrainableBlock {
  readonly dim: number;
  params(): Param[];
  forward(batch: BatchRef, out: Float32Array): void;
  backward(dBlock: Float32Array): void;
}

class CasingBlock implements TrainableBlock {
  readonly dim: number;
  private readonly emb: Embedding;
  private ids = new Int32Array(0);
  constructor(spec: CandidateSpec, rng: Rng) {
    this.dim = Number(spec.options?.dim ?? CASING_DEFAULTS.dim);
    // +1 so padding has its own row that never trains (it receives zero gradient from the encoder).
    this.emb = new Embedding(rng, { name: `cand.${spec.name}`, count: CASING_CLASS_COUNT + 1, dim: this.dim, init: { kind: 'normal', std: 0.1 } });
  }
  params(): Param[] {
    return this.emb.params();
  }
  forward(batch: BatchRef, out: Float32Array): void {
    const n = batch.indices.length * batch.maxLen;
    if (this.ids.length !== n) this.ids = new Int32Array(n);
    this.ids.fill(CASING_CLASS_COUNT);
    batch.sentences.forEach((s, b) => s.words.forEach((w, t) => (this.ids[b * batch.maxLen + t] = casingId(w))));
    out.set(this.emb.forward(this.ids));
  }
  backward(dBlock: Float32Array): void {
    this.emb.backward(dBlock);
  }
}

class FeatureBlock implements TrainableBlock {
  readonly dim: number;
  private readonly emb: Embedding;
  private ids = new Int32Array(0);
  constructor(spec: CandidateSpec, private readonly column: string, private readonly vocab: IdVocab, rng: Rng) {
    this.dim = Number(spec.options?.dim ?? FEATURE_DEFAULTS.dim);
    this.emb = new Embedding(rng, { name: `cand.${spec.name}`, count: vocab.size, dim: this.dim, init: { kind: 'normal', std: 0.1 } });
  }
  params(): Param[] {
    return this.emb.params();
  }
  forward(batch: BatchRef, out: Float32Array): void {
    const n = batch.indices.length * batch.maxLen;
    if (this.ids.length !== n) this.ids = new Int32Array(n);
    this.ids.fill(0);
    batch.sentences.forEach((s, b) => {
      const col = s.features?.[this.column];
      if (!col) throw new Error(`sentence ${s.id ?? b} has no "${this.column}" column for the feature candidate`);
      col.forEach((v, t) => (this.ids[b * batch.maxLen + t] = this.vocab.id(v)));
    });
    out.set(this.emb.forward(this.ids));
  }
  backward(dBlock: Float32Array): void {
    this.emb.backward(dBlock);
  }
}

class CharBlock implements TrainableBlock {
  readonly dim: number;
  private readonly encoder: SequenceEncoder;
  private rowsOfItems: Int32Array = new Int32Array(0);
  private dItems = new Float32Array(0);
  constructor(spec: CandidateSpec, readonly vocab: IdVocab, backend: Backend, rng: Rng) {
    const charDim = Number(spec.options?.charDim ?? CHAR_DEFAULTS.charDim);
    this.dim = Number(spec.options?.dim ?? CHAR_DEFAULTS.dim);
    if (this.dim % 2 !== 0) throw new Error(`candidate ${spec.name}: dim must be even (two directions)`);
    this.encoder = new SequenceEncoder(backend, rng, { name: `cand.${spec.name}`, vocabSize: vocab.size, embeddingDim: charDim, hiddenSize: this.dim / 2 });
  }
  params(): Param[] {
    return this.encoder.params();
  }
  forward(batch: BatchRef, out: Float32Array): void {
    const pieces: Int32Array[] = [];
    const rows: number[] = [];
    batch.sentences.forEach((s, b) =>
      s.words.forEach((w, t) => {
        pieces.push(wordToCharIds(w, this.vocab, CHAR_DEFAULTS.maxWordLength));
        rows.push(b * batch.maxLen + t);
      }),
    );
    const lengths = Int32Array.from(pieces, (p) => p.length);
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let o = 0;
    for (const p of pieces) {
      ids.set(p, o);
      o += p.length;
    }
    const y = this.encoder.forward(ids, lengths);
    out.fill(0);
    for (let i = 0; i < rows.length; i++) out.set(y.subarray(i * this.dim, (i + 1) * this.dim), rows[i] * this.dim);
    this.rowsOfItems = Int32Array.from(rows);
  }
  backward(dBlock: Float32Array): void {
    const n = this.rowsOfItems.length;
    if (this.dItems.length < n * this.dim) this.dItems = new Float32Array(n * this.dim);
    const d = this.dItems.subarray(0, n * this.dim);
    for (let i = 0; i < n; i++) d.set(dBlock.subarray(this.rowsOfItems[i] * this.dim, (this.rowsOfItems[i] + 1) * this.dim), i * this.dim);
    this.encoder.backward(d);
  }
}

/** Builds the vocabularies trainable candidates need from training sentences. */
export function buildBlockVocabs(specs: readonly CandidateSpec[], train: readonly Sentence[]): BlockVocabs {
  const vocabs: BlockVocabs = {};
  for (const spec of specs) {
    if (spec.kind === 'char') {
      vocabs.chars = IdVocab.fromCounts(train.flatMap((s) => s.words.flatMap((w) => [...w]))).items;
    } else if (spec.kind === 'feature') {
      const column = String(spec.options?.column ?? '');
      if (!column) throw new Error(`feature candidate ${spec.name} needs options.column`);
      vocabs.features = { ...(vocabs.features ?? {}), [column]: IdVocab.fromCounts(train.flatMap((s) => s.features?.[column] ?? [])).items };
    }
  }
  return vocabs;
}

/**
 * The candidates of a task model as blocks. Frozen candidates' rows come from a per-set source (a cache reader, or
 * direct embedding for new text); trainable ones are layers owned here. Word dropout (whole words) and locked
 * dropout (one mask per sentence and feature, shared over time) are applied to every selected block.
 */
export class InputBlocks {
  readonly dims: number[];
  readonly trainable: boolean[];
  private readonly layers: (TrainableBlock | null)[];
  private buffers: Float32Array[];
  private rowMask = new Float32Array(0);
  private lockedMasks: Float32Array[] = [];
  private frozenRows: (FrozenRows | null)[] = [];

  constructor(
    readonly specs: readonly CandidateSpec[],
    candidates: readonly Candidate[],
    vocabs: BlockVocabs,
    backend: Backend,
    rng: Rng,
    private readonly dropout: { word: number; locked: number },
  ) {
    this.layers = specs.map((spec, i) => {
      const c = candidates[i];
      if (c.frozen) return null;
      if (spec.kind === 'casing') return new CasingBlock(spec, rng);
      if (spec.kind === 'char') return new CharBlock(spec, new IdVocab(vocabs.chars ?? []), backend, rng);
      if (spec.kind === 'feature') {
        const column = String(spec.options?.column ?? '');
        return new FeatureBlock(spec, column, new IdVocab(vocabs.features?.[column] ?? []), rng);
      }
      throw new Error(`candidate ${spec.name}: no trainable block for kind ${spec.kind}`);
    });
    this.dims = specs.map((_, i) => this.layers[i]?.dim ?? candidates[i].dim);
    this.trainable = this.layers.map((l) => l !== null);
    this.buffers = this.dims.map(() => new Float32Array(0));
    this.lockedMasks = this.dims.map(() => new Float32Array(0));
  }

  params(): Param[] {
    return this.layers.flatMap((l) => (l ? l.params() : []));
  }

  paramsFor(selection: readonly boolean[]): Param[] {
    return this.layers.flatMap((l, i) => (l && selection[i] ? l.params() : []));
  }

  /** Where frozen candidates' rows come from for the sentences being batched (one source per candidate). */
  setFrozenSources(sources: readonly (FrozenRows | null)[]): void {
    this.frozenRows = [...sources];
  }

  /** Fills each selected block [batch·maxLen, d] (padding rows zero); deselected blocks are null. */
  forward(batch: BatchRef, selection: readonly boolean[], rng: Rng, training: boolean): (Float32Array | null)[] {
    const rows = batch.indices.length * batch.maxLen;
    if (this.rowMask.length < rows) this.rowMask = new Float32Array(rows);
    const rowMask = this.rowMask.subarray(0, rows);
    const pWord = training ? this.dropout.word : 0;
    for (let b = 0; b < batch.indices.length; b++) {
      for (let t = 0; t < batch.maxLen; t++) rowMask[b * batch.maxLen + t] = pWord > 0 && rng.float() < pWord ? 0 : 1;
    }
    return this.dims.map((d, i) => {
      if (!selection[i]) return null;
      if (this.buffers[i].length < rows * d) this.buffers[i] = new Float32Array(rows * d);
      const out = this.buffers[i].subarray(0, rows * d);
      const layer = this.layers[i];
      if (layer) layer.forward(batch, out);
      else this.gatherFrozen(i, batch, out);
      this.applyMasks(i, out, batch, d, rng, training);
      return out;
    });
  }

  /** Gradients of the selected trainable blocks (as returned by the projection) flow into their layers. */
  backward(dBlocks: readonly (Float32Array | null)[], batch: BatchRef): void {
    dBlocks.forEach((g, i) => {
      const layer = this.layers[i];
      if (!layer || !g) return;
      const d = this.dims[i];
      const rows = batch.indices.length * batch.maxLen;
      // The same masks as forward: dropout is a fixed elementwise scale here.
      const locked = this.lockedMasks[i];
      for (let r = 0; r < rows; r++) {
        const b = Math.floor(r / batch.maxLen);
        const rm = this.rowMask[r];
        for (let j = 0; j < d; j++) g[r * d + j] *= rm * (locked.length ? locked[b * d + j] : 1);
      }
      layer.backward(g);
    });
  }

  private gatherFrozen(i: number, batch: BatchRef, out: Float32Array): void {
    const source = this.frozenRows[i];
    if (!source) throw new Error(`candidate ${this.specs[i].name}: no frozen source set for this data`);
    const d = this.dims[i];
    out.fill(0);
    batch.indices.forEach((si, b) => {
      const rows = source(si);
      const n = batch.sentences[b].words.length;
      if (rows.length !== n * d) throw new Error(`candidate ${this.specs[i].name}: sentence ${si} has ${rows.length / d} rows for ${n} words`);
      out.set(rows, b * batch.maxLen * d);
    });
  }

  private applyMasks(i: number, out: Float32Array, batch: BatchRef, d: number, rng: Rng, training: boolean): void {
    const pLocked = training ? this.dropout.locked : 0;
    const nb = batch.indices.length;
    if (pLocked > 0) {
      if (this.lockedMasks[i].length !== nb * d) this.lockedMasks[i] = new Float32Array(nb * d);
      const m = this.lockedMasks[i];
      const keep = 1 / (1 - pLocked);
      for (let k = 0; k < nb * d; k++) m[k] = rng.float() < pLocked ? 0 : keep;
    } else {
      this.lockedMasks[i] = new Float32Array(0);
    }
    const m = this.lockedMasks[i];
    const rows = nb * batch.maxLen;
    for (let r = 0; r < rows; r++) {
      const rm = this.rowMask[r];
      const o = r * d;
      if (m.length) {
        const mo = Math.floor(r / batch.maxLen) * d;
        for (let j = 0; j < d; j++) out[o + j] *= rm * m[mo + j];
      } else if (rm === 0) {
        out.fill(0, o, o + d);
      }
    }
  }
}

/** Candidate kinds whose block is a trainable layer. */
export function isTrainableKind(spec: CandidateSpec): boolean {
  return spec.kind === 'char' || spec.kind === 'casing' || spec.kind === 'feature';
}

export { UNK_ID };
