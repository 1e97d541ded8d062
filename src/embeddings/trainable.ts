// Trainable candidates' shared parts: the padded batch they read, the vocabularies they keep, and the id-table layer.
import type { Backend } from '../engine/backend/backend.js';
import { Embedding, type Param } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import type { Sentence } from '../formats/types.js';
import { UsageError } from '../util/errors.js';

/** A padded batch: sentence indices into the current set, and the layout they occupy. */
export interface BatchRef {
  indices: readonly number[];
  sentences: readonly Sentence[];
  maxLen: number;
}

/**
 * Vocabularies trainable candidates build from the training data; stored in model bundles as they are here.
 * `chars` is shared by every char candidate, `features` is keyed by column, `words` by candidate name.
 */
export interface BlockVocabs {
  chars?: readonly string[];
  features?: Record<string, readonly string[]>;
  words?: Record<string, readonly string[]>;
}

/** What a trainable candidate's layer is built from. */
export interface LayerContext {
  vocabs: BlockVocabs;
  backend: Backend;
  rng: Rng;
}

/**
 * A trainable candidate's layer: it owns its parameters (named `cand.<candidate name>…`), fills its block of a padded
 * batch [batch·maxLen, dim] and takes that block's gradient back.
 */
export interface TrainableLayer {
  readonly dim: number;
  params(): Param[];
  forward(batch: BatchRef, out: Float32Array): void;
  /** dBlock [batch·maxLen, dim] for the batch of the last forward; accumulates parameter gradients. */
  backward(dBlock: Float32Array): void;
}

/**
 * A table of ids → vectors, one id per word position: casing classes, feature values, words. Padding positions take
 * `padId`, whose row receives no gradient from the encoder (padding rows are never read), so it never trains.
 */
export class IdTableLayer implements TrainableLayer {
  private readonly emb: Embedding;
  private ids = new Int32Array(0);

  constructor(
    name: string,
    count: number,
    readonly dim: number,
    private readonly padId: number,
    /** Ids of one sentence's words (words.length of them); `b` is its row in the batch, for error messages. */
    private readonly idsOf: (sentence: Sentence, b: number, put: (t: number, id: number) => void) => void,
    rng: Rng,
  ) {
    this.emb = new Embedding(rng, { name, count, dim, init: { kind: 'normal', std: 0.1 } });
  }

  params(): Param[] {
    return this.emb.params();
  }

  forward(batch: BatchRef, out: Float32Array): void {
    const n = batch.indices.length * batch.maxLen;
    if (this.ids.length !== n) this.ids = new Int32Array(n);
    this.ids.fill(this.padId);
    batch.sentences.forEach((s, b) => this.idsOf(s, b, (t, id) => (this.ids[b * batch.maxLen + t] = id)));
    out.set(this.emb.forward(this.ids));
  }

  backward(dBlock: Float32Array): void {
    this.emb.backward(dBlock);
  }
}

/** A positive integer option, or the default; `what` names the candidate in the error. */
export function positiveInt(value: unknown, fallback: number, what: string, option = 'dim'): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`candidate ${what}: ${option} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}
