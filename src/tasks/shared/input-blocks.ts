// One input block per embedding candidate for a padded batch: frozen vectors gathered from their source, trainable
// candidates' own layers run forward and take their gradients back from the encoder; word and locked dropout on top.
import type { Backend } from '../../engine/backend/backend.js';
import { LockedDropout, type Param } from '../../engine/index.js';
import type { Rng } from '../../util/rng.js';
import type { Sentence } from '../../formats/types.js';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import { candidateKind } from '../../embeddings/registry.js';
import type { BatchRef, BlockVocabs, TrainableLayer } from '../../embeddings/trainable.js';

export type { BatchRef, BlockVocabs } from '../../embeddings/trainable.js';

/** Rows of a frozen candidate for sentence i of the set being batched (words × dim). */
export type FrozenRows = (sentenceIndex: number) => Float32Array;

/** Builds the vocabularies trainable candidates need from training sentences (each kind adds its own). */
export function buildBlockVocabs(specs: readonly CandidateSpec[], train: readonly Sentence[]): BlockVocabs {
  let vocabs: BlockVocabs = {};
  for (const spec of specs) {
    const entry = candidateKind(spec.kind);
    if (!entry.frozen && entry.addVocab) vocabs = entry.addVocab(spec, train, vocabs);
  }
  return vocabs;
}

/**
 * The candidates of a task model as blocks. Frozen candidates' rows come from a per-set source (a cache reader, or
 * direct embedding for new text); trainable ones are their candidates' layers, owned here. Word dropout (whole
 * words, not rescaled) and locked dropout (one mask per sentence and feature, shared over time) are applied to
 * every selected block.
 */
export class InputBlocks {
  readonly dims: number[];
  readonly trainable: boolean[];
  private readonly layers: (TrainableLayer | null)[];
  private readonly locked: LockedDropout[];
  private readonly lockedOn: boolean[];
  private buffers: Float32Array[];
  private rowMask = new Float32Array(0);
  private starts: Int32Array = new Int32Array(1);
  private frozenRows: (FrozenRows | null)[] = [];

  constructor(
    readonly specs: readonly CandidateSpec[],
    candidates: readonly Candidate[],
    vocabs: BlockVocabs,
    backend: Backend,
    rng: Rng,
    private readonly dropout: { word: number; locked: number },
  ) {
    this.layers = candidates.map((c) => (c.frozen ? null : c.createLayer({ vocabs, backend, rng })));
    this.dims = specs.map((_, i) => this.layers[i]?.dim ?? candidates[i].dim);
    this.trainable = this.layers.map((l) => l !== null);
    this.buffers = this.dims.map(() => new Float32Array(0));
    // 'drop-below': the draw these blocks were always trained with (see MaskDraw).
    this.locked = this.dims.map(() => new LockedDropout(dropout.locked, 'drop-below'));
    this.lockedOn = this.dims.map(() => false);
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
    const nb = batch.indices.length;
    const rows = nb * batch.maxLen;
    if (this.rowMask.length < rows) this.rowMask = new Float32Array(rows);
    const rowMask = this.rowMask.subarray(0, rows);
    const pWord = training ? this.dropout.word : 0;
    for (let b = 0; b < nb; b++) {
      for (let t = 0; t < batch.maxLen; t++) rowMask[b * batch.maxLen + t] = pWord > 0 && rng.float() < pWord ? 0 : 1;
    }
    this.starts = new Int32Array(nb + 1);
    for (let b = 0; b <= nb; b++) this.starts[b] = b * batch.maxLen;
    return this.dims.map((d, i) => {
      if (!selection[i]) return null;
      if (this.buffers[i].length < rows * d) this.buffers[i] = new Float32Array(rows * d);
      const out = this.buffers[i].subarray(0, rows * d);
      const layer = this.layers[i];
      if (layer) layer.forward(batch, out);
      else this.gatherFrozen(i, batch, out);
      this.lockedOn[i] = this.locked[i].drawMask(nb, d, rng, training);
      if (this.lockedOn[i]) {
        this.locked[i].scaleInPlace(out, this.starts, rowMask);
      } else {
        for (let r = 0; r < rows; r++) if (rowMask[r] === 0) out.fill(0, r * d, (r + 1) * d);
      }
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
      if (this.lockedOn[i]) {
        this.locked[i].scaleInPlace(g, this.starts, this.rowMask);
      } else {
        for (let r = 0; r < rows; r++) {
          const rm = this.rowMask[r];
          for (let j = 0; j < d; j++) g[r * d + j] *= rm;
        }
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
}
