// The BiLSTM-CRF sequence labeller (Lample et al. 2016; Akbik et al. 2018) over selected embedding blocks (Wang et al. 2021).
import type { Backend } from '../../engine/backend/backend.js';
import { BiLstm, BlockLinear, Linear, LockedDropout, Param, collectParams, type SeqLayout } from '../../engine/index.js';
import { packRows, rowCount, unpackRows, type RowOrder } from '../../engine/layout.js';
import { crfNllBatch, crfViterbiBatch, CrfWorkspace } from '../../structs/crf.js';
import type { TransitionConstraints } from '../../structs/transition-constraints.js';
import type { Rng } from '../../util/rng.js';

export interface TaggerDims {
  blockSizes: readonly number[];
  /** Which blocks are trainable layers (need an input gradient). */
  trainableBlocks: readonly boolean[];
  hidden: number;
  numTags: number;
  /** Dropout on the BiLSTM output, one mask per sentence shared over time. */
  outputDropout: number;
  learnedBlockScale: boolean;
}

export interface StepResult {
  /** Summed NLL over the batch's sentences. */
  loss: number;
  /** ∂(mean NLL)/∂block for each selected trainable block (null otherwise), in the row order the blocks came in. */
  dBlocks: (Float32Array | null)[];
}

/**
 * blocks → BlockLinear (the first LSTM layer's input projection, selected blocks only) → BiLSTM → locked dropout →
 * Linear → CRF. The projection is part of the LSTM: deselecting a block removes its columns from the gate products.
 * Everything before the CRF runs over packed rows (RowOrder 'packed': Σ lengths real positions, no padding), so the
 * big products cost nothing for padding; blocks may come in either row order (padded ones are packed here, one
 * row copy per item and block) and only the emissions [B, T, K] (K small) are spread into the CRF's padded layout.
 */
export class TaggerModel {
  readonly proj: BlockLinear;
  readonly lstm: BiLstm;
  readonly out: Linear;
  readonly transitions: Param;
  readonly start: Param;
  readonly end: Param;
  private readonly drop: LockedDropout;
  private readonly ws = new CrfWorkspace();
  /** Packed copies of padded input blocks, and padded copies of their gradients. */
  private packedBlocks: Float32Array[] = [];
  private paddedGrads: Float32Array[] = [];
  private emPadded = new Float32Array(0);
  private dEmissions = new Float32Array(0);
  private dEmPacked = new Float32Array(0);
  private dTrans: Float32Array;
  private dStart: Float32Array;
  private dEnd: Float32Array;

  constructor(backend: Backend, rng: Rng, readonly dims: TaggerDims) {
    const h = dims.hidden;
    this.lstm = new BiLstm(backend, rng, { name: 'encoder', inputSize: 0, hiddenSize: h, projectedInput: true });
    this.proj = new BlockLinear(backend, rng, {
      name: 'encoder.input',
      blockSizes: dims.blockSizes,
      outFeatures: this.lstm.projectionSize,
      init: { kind: 'uniform', bound: 1 / Math.sqrt(h) },
      learnedBlockScale: dims.learnedBlockScale,
      inputGrad: dims.trainableBlocks,
    });
    this.out = new Linear(backend, rng, { name: 'emission', inFeatures: this.lstm.outputSize, outFeatures: dims.numTags });
    const k = dims.numTags;
    this.transitions = new Param('crf.transitions', [k, k]);
    this.start = new Param('crf.start', [k]);
    this.end = new Param('crf.end', [k]);
    this.drop = new LockedDropout(dims.outputDropout);
    this.dTrans = new Float32Array(k * k);
    this.dStart = new Float32Array(k);
    this.dEnd = new Float32Array(k);
  }

  params(): Param[] {
    return [...collectParams(this.proj, this.lstm, this.out), this.transitions, this.start, this.end];
  }

  /** Parameters a step with this selection can change. */
  paramsFor(selection: readonly boolean[]): Param[] {
    return [...this.proj.paramsFor(selection), ...this.lstm.params(), ...this.out.params(), this.transitions, this.start, this.end];
  }

  private crfParams() {
    return { numTags: this.dims.numTags, transitions: this.transitions.value, start: this.start.value, end: this.end.value };
  }

  /**
   * Emission scores [batch·maxLen, K] (a model-owned view, zero at padding rows). blocks[i] is [rows, d_i] in
   * `blockRows` order (default padded: batch·maxLen rows, as InputBlocks fills them; packed: Σ lengths rows).
   */
  emissions(
    blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng, training: boolean,
    blockRows: RowOrder = 'padded',
  ): Float32Array {
    const k = this.dims.numTags;
    const packed = this.packedEmissions(blocks, layout, selection, rng, training, blockRows);
    const rows = layout.batch * layout.maxLen;
    if (this.emPadded.length < rows * k) this.emPadded = new Float32Array(rows * k);
    return unpackRows(packed, layout, k, this.emPadded);
  }

  /** Emission scores [Σ lengths, K] over packed rows (a layer-owned view). */
  private packedEmissions(
    blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng, training: boolean,
    blockRows: RowOrder,
  ): Float32Array {
    const total = rowCount(layout, 'packed');
    const input = blockRows === 'packed' ? blocks : this.packBlocks(blocks, layout, selection);
    const gates = this.proj.forward(input, total, selection);
    const h = this.lstm.forward(gates, layout, 'packed');
    const hd = this.drop.forwardPacked(h, layout, this.lstm.outputSize, rng, training);
    return this.out.forward(hd, total);
  }

  /** Selected padded blocks [batch·maxLen, d] → packed copies [Σ lengths, d] (model-owned). */
  private packBlocks(blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[]): readonly (Float32Array | null)[] {
    const total = rowCount(layout, 'packed');
    const padded = layout.batch * layout.maxLen;
    // No padding at all (every length is maxLen): the padded rows already are the packed rows.
    if (total === padded) return blocks;
    return blocks.map((x, i) => {
      if (!selection[i] || x === null) return null;
      const d = this.dims.blockSizes[i];
      if (x.length < padded * d) throw new Error(`TaggerModel: selected block ${i} needs ${padded}×${d} values (padded rows)`);
      if ((this.packedBlocks[i]?.length ?? 0) < total * d) this.packedBlocks[i] = new Float32Array(Math.ceil(total * d * 1.25));
      return packRows(x, layout, d, this.packedBlocks[i]);
    });
  }

  /**
   * Forward and backward of the mean CRF NLL over the batch; accumulates parameter gradients. blocks (and the
   * returned dBlocks) are in `blockRows` order; gold is always padded [batch·maxLen].
   */
  trainStep(
    blocks: readonly (Float32Array | null)[], layout: SeqLayout, gold: Int32Array, selection: readonly boolean[], rng: Rng,
    constraints: TransitionConstraints | undefined, blockRows: RowOrder = 'padded',
  ): StepResult {
    const k = this.dims.numTags;
    const rows = layout.batch * layout.maxLen;
    const total = rowCount(layout, 'packed');
    const em = this.emissions(blocks, layout, selection, rng, true, blockRows);
    if (this.dEmissions.length < rows * k) this.dEmissions = new Float32Array(rows * k);
    const dEm = this.dEmissions.subarray(0, rows * k);
    this.dTrans.fill(0);
    this.dStart.fill(0);
    this.dEnd.fill(0);
    const loss = crfNllBatch(em, layout.lengths, gold, this.crfParams(),
      { emissions: dEm, transitions: this.dTrans, start: this.dStart, end: this.dEnd }, { constraints, workspace: this.ws });
    // Mean over sentences, as the optimizer's learning rate assumes; scaled while packing the real rows back.
    const scale = 1 / layout.batch;
    if (this.dEmPacked.length < total * k) this.dEmPacked = new Float32Array(Math.ceil(total * k * 1.25));
    const dEmPacked = packRows(dEm, layout, k, this.dEmPacked);
    for (let i = 0; i < dEmPacked.length; i++) dEmPacked[i] *= scale;
    addScaled(this.transitions.grad, this.dTrans, scale);
    addScaled(this.start.grad, this.dStart, scale);
    addScaled(this.end.grad, this.dEnd, scale);
    const dh = this.drop.backward(this.out.backward(dEmPacked));
    const dGates = this.lstm.backward(dh);
    const dBlocks = this.proj.backward(dGates);
    if (blockRows === 'packed') return { loss, dBlocks };
    return { loss, dBlocks: dBlocks.map((g, i) => (g === null ? null : this.unpackGrad(g, layout, i))) };
  }

  private unpackGrad(g: Float32Array, layout: SeqLayout, i: number): Float32Array {
    const d = this.dims.blockSizes[i];
    const n = layout.batch * layout.maxLen * d;
    if (g.length === n) return g;
    if ((this.paddedGrads[i]?.length ?? 0) < n) this.paddedGrads[i] = new Float32Array(n);
    return unpackRows(g, layout, d, this.paddedGrads[i]);
  }

  /** Best tag paths [batch, maxLen] (−1 at padding). blocks in `blockRows` order, as for emissions. */
  decode(
    blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng,
    constraints: TransitionConstraints | undefined, blockRows: RowOrder = 'padded',
  ): Int32Array {
    const em = this.emissions(blocks, layout, selection, rng, false, blockRows);
    return crfViterbiBatch(em, layout.lengths, this.crfParams(), undefined, { constraints, workspace: this.ws });
  }
}

function addScaled(dst: Float32Array, src: Float32Array, s: number): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i] * s;
}
