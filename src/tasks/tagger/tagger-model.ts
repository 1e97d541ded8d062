// The BiLSTM-CRF sequence labeller (Lample et al. 2016; Akbik et al. 2018) over selected embedding blocks (Wang et al. 2021).
import type { Backend } from '../../engine/backend/backend.js';
import { BiLstm, BlockLinear, Linear, LockedDropout, Param, collectParams, type SeqLayout } from '../../engine/index.js';
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
  /** ∂(mean NLL)/∂block for each selected trainable block (null otherwise). */
  dBlocks: (Float32Array | null)[];
}

/**
 * blocks → BlockLinear (the first LSTM layer's input projection, selected blocks only) → BiLSTM → locked dropout →
 * Linear → CRF. The projection is part of the LSTM: deselecting a block removes its columns from the gate products.
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
  private dEmissions = new Float32Array(0);
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

  /** Emission scores [batch·maxLen, K] (a layer-owned view). */
  emissions(blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng, training: boolean): Float32Array {
    const rows = layout.batch * layout.maxLen;
    const gates = this.proj.forward(blocks, rows, selection);
    const h = this.lstm.forward(gates, layout);
    const hd = this.drop.forward(h, layout.batch, layout.maxLen, this.lstm.outputSize, rng, training);
    return this.out.forward(hd, rows);
  }

  /** Forward and backward of the mean CRF NLL over the batch; accumulates parameter gradients. */
  trainStep(
    blocks: readonly (Float32Array | null)[], layout: SeqLayout, gold: Int32Array, selection: readonly boolean[], rng: Rng,
    constraints: TransitionConstraints | undefined,
  ): StepResult {
    const k = this.dims.numTags;
    const rows = layout.batch * layout.maxLen;
    const em = this.emissions(blocks, layout, selection, rng, true);
    if (this.dEmissions.length < rows * k) this.dEmissions = new Float32Array(rows * k);
    const dEm = this.dEmissions.subarray(0, rows * k);
    this.dTrans.fill(0);
    this.dStart.fill(0);
    this.dEnd.fill(0);
    const loss = crfNllBatch(em.subarray(0, rows * k), layout.lengths, gold, this.crfParams(),
      { emissions: dEm, transitions: this.dTrans, start: this.dStart, end: this.dEnd }, { constraints, workspace: this.ws });
    // Mean over sentences, as the optimizer's learning rate assumes.
    const scale = 1 / layout.batch;
    for (let i = 0; i < dEm.length; i++) dEm[i] *= scale;
    addScaled(this.transitions.grad, this.dTrans, scale);
    addScaled(this.start.grad, this.dStart, scale);
    addScaled(this.end.grad, this.dEnd, scale);
    const dh = this.drop.backward(this.out.backward(dEm));
    const dGates = this.lstm.backward(dh);
    const dBlocks = this.proj.backward(dGates);
    return { loss, dBlocks };
  }

  /** Best tag paths [batch, maxLen] (−1 at padding). */
  decode(blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng, constraints: TransitionConstraints | undefined): Int32Array {
    const rows = layout.batch * layout.maxLen;
    const em = this.emissions(blocks, layout, selection, rng, false);
    return crfViterbiBatch(em.subarray(0, rows * this.dims.numTags), layout.lengths, this.crfParams(), undefined, { constraints, workspace: this.ws });
  }
}

function addScaled(dst: Float32Array, src: Float32Array, s: number): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i] * s;
}
