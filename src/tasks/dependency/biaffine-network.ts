// The biaffine scorer network (Dozat & Manning 2017, 2018): selected blocks → stacked BiLSTM → root row → four MLPs → arc and label biaffines.
import type { Backend } from '../../engine/backend/backend.js';
import {
  BiLstm, Biaffine, BlockLinear, LockedDropout, Mlp, Param, collectParams, fillNormal, type SeqLayout,
} from '../../engine/index.js';
import type { Rng } from '../../util/rng.js';

export interface BiaffineNetworkDims {
  blockSizes: readonly number[];
  /** Which blocks are trainable layers (need an input gradient). */
  trainableBlocks: readonly boolean[];
  hidden: number;
  lstmLayers: number;
  arcMlp: number;
  relMlp: number;
  numLabels: number;
  lstmDropout: number;
  mlpDropout: number;
  learnedBlockScale: boolean;
  /**
   * Arc scores always carry a head prior (a linear term in the head vector, Dozat & Manning 2017). Graph parsers
   * also need a per-dependent term and a constant: each arc's sigmoid is judged against 0, not against the other
   * heads, so the dependent's own offset matters (SuPar's semantic parser has both biases). Tree parsers leave them
   * out: a softmax over heads cancels anything constant per dependent.
   */
  arcDependentBias: boolean;
}

/**
 * Scores of a padded batch. Positions run over T = maxWords + 1 with position 0 the artificial root, so word w
 * (1-based) sits at position w, and the layout matches the structs' convention (`scores[d·T + h]` per sentence).
 */
export interface ParserScores {
  batch: number;
  /** T: the longest sentence's word count + 1. */
  size: number;
  /** Words per sentence (root excluded). */
  lengths: Int32Array;
  /** s_arc [batch, T (dependent), T (head)]; a layer-owned view valid until the next forward. */
  arc: Float32Array;
  /**
   * Label scores of the given arcs only: cells[m] = (b·T + dependent)·T + head (the index of the arc in `arc`) →
   * s_rel [m, numLabels], a layer-owned view valid until the next call or forward. Only the arcs a loss or a decoder
   * reads are scored (training: the gold arcs), not all T² pairs. The network's backward takes ∂L/∂s_rel for the
   * arcs of the last call (in training, call it at most once per forward). `cells` is kept by reference. After a
   * forward with `training` false the arcs are scored in chunks of bounded memory and backward takes no ∂s_rel.
   */
  relAt(cells: Int32Array): Float32Array;
}

/**
 * Words only run through the BiLSTM; the root is a learned vector put in front of each sentence's encoder output
 * (so frozen candidates need no root row). The first LSTM layer's input projection is a BlockLinear over the selected
 * blocks; single-layer BiLSTMs are stacked so locked dropout (one mask per sentence, shared over time) sits between
 * layers and after the last. Arc scores: Biaffine(dep, head) with a 1 appended to the dependent vector (its weight
 * row is the head prior), and to the head vector too for graphs; label scores: bias on both sides. Weights: BiLSTM uniform ±1/√h, MLPs Xavier, biaffines zero (SuPar), root N(0, 0.1²).
 */
export class BiaffineNetwork {
  readonly proj: BlockLinear;
  readonly lstms: BiLstm[] = [];
  readonly root: Param;
  readonly arcDep: Mlp;
  readonly arcHead: Mlp;
  readonly relDep: Mlp;
  readonly relHead: Mlp;
  readonly arcAttn: Biaffine;
  readonly relAttn: Biaffine;
  private readonly lstmDrops: LockedDropout[] = [];
  private readonly mlpDrops: LockedDropout[];
  private layout: SeqLayout = { batch: 0, maxLen: 0, lengths: [] };
  private size = 0;
  private x: Float32Array = new Float32Array(0);
  /** Label-MLP outputs of the last forward (layer-owned views) and the arcs relAt scored since. */
  private relX: Float32Array = new Float32Array(0);
  private relY: Float32Array = new Float32Array(0);
  private relArcs = 0;
  /** Whether the last forward was a training one (label scores then keep what backward needs). */
  private training = false;
  private relOut: Float32Array = new Float32Array(0);
  /** Counts forwards, so that a stale ParserScores.relAt (from an earlier forward) fails instead of mixing batches. */
  private generation = 0;
  private dx: Float32Array = new Float32Array(0);
  private dh: Float32Array = new Float32Array(0);

  constructor(backend: Backend, rng: Rng, readonly dims: BiaffineNetworkDims) {
    const h = dims.hidden;
    for (let l = 0; l < dims.lstmLayers; l++) {
      this.lstms.push(new BiLstm(backend, rng, { name: `encoder.lstm${l}`, inputSize: l === 0 ? 0 : 2 * h, hiddenSize: h, projectedInput: l === 0 }));
      this.lstmDrops.push(new LockedDropout(dims.lstmDropout));
    }
    this.proj = new BlockLinear(backend, rng, {
      name: 'encoder.input',
      blockSizes: dims.blockSizes,
      outFeatures: this.lstms[0].projectionSize,
      init: { kind: 'uniform', bound: 1 / Math.sqrt(h) },
      learnedBlockScale: dims.learnedBlockScale,
      inputGrad: dims.trainableBlocks,
    });
    const width = this.encoderWidth;
    this.root = new Param('encoder.root', [width]);
    fillNormal(rng, this.root.value, 0.1);
    this.arcDep = new Mlp(backend, rng, { name: 'mlp.arcDep', inFeatures: width, outFeatures: dims.arcMlp });
    this.arcHead = new Mlp(backend, rng, { name: 'mlp.arcHead', inFeatures: width, outFeatures: dims.arcMlp });
    this.relDep = new Mlp(backend, rng, { name: 'mlp.relDep', inFeatures: width, outFeatures: dims.relMlp });
    this.relHead = new Mlp(backend, rng, { name: 'mlp.relHead', inFeatures: width, outFeatures: dims.relMlp });
    this.mlpDrops = [0, 1, 2, 3].map(() => new LockedDropout(dims.mlpDropout));
    this.arcAttn = new Biaffine(backend, { name: 'attn.arc', inFeatures: dims.arcMlp, outFeatures: 1, biasX: true, biasY: dims.arcDependentBias });
    this.relAttn = new Biaffine(backend, { name: 'attn.rel', inFeatures: dims.relMlp, outFeatures: dims.numLabels, biasX: true, biasY: true });
    if (dims.lstmLayers < 1) throw new RangeError('the parser needs at least one BiLSTM layer');
  }

  /** Width of a position's encoder vector (both directions). */
  get encoderWidth(): number {
    return 2 * this.dims.hidden;
  }

  params(): Param[] {
    return [...collectParams(this.proj, ...this.lstms, this.arcDep, this.arcHead, this.relDep, this.relHead, this.arcAttn, this.relAttn), this.root];
  }

  /** Parameters a step with this selection can change. */
  paramsFor(selection: readonly boolean[]): Param[] {
    return [
      ...this.proj.paramsFor(selection),
      ...collectParams(...this.lstms, this.arcDep, this.arcHead, this.relDep, this.relHead, this.arcAttn, this.relAttn),
      this.root,
    ];
  }

  /** blocks [batch·maxWords, d_i] (word rows only) → arc and label scores over root + words. */
  forward(blocks: readonly (Float32Array | null)[], layout: SeqLayout, selection: readonly boolean[], rng: Rng, training: boolean): ParserScores {
    const { batch, maxLen } = layout;
    const rows = batch * maxLen;
    const width = this.encoderWidth;
    this.layout = layout;
    let h = this.proj.forward(blocks, rows, selection);
    this.lstms.forEach((lstm, l) => {
      h = lstm.forward(h, layout);
      h = this.lstmDrops[l].forward(h, batch, maxLen, width, rng, training);
    });
    const size = maxLen + 1;
    this.size = size;
    if (this.x.length < batch * size * width) this.x = new Float32Array(batch * size * width);
    const x = this.x.subarray(0, batch * size * width);
    for (let b = 0; b < batch; b++) {
      x.set(this.root.value, b * size * width);
      x.set(h.subarray(b * maxLen * width, (b + 1) * maxLen * width), (b * size + 1) * width);
    }
    const prows = batch * size;
    const [dArcDep, dArcHead, dRelDep, dRelHead] = this.mlpDrops;
    const ad = dArcDep.forward(this.arcDep.forward(x, prows), batch, size, this.dims.arcMlp, rng, training);
    const ah = dArcHead.forward(this.arcHead.forward(x, prows), batch, size, this.dims.arcMlp, rng, training);
    const rd = dRelDep.forward(this.relDep.forward(x, prows), batch, size, this.dims.relMlp, rng, training);
    const rh = dRelHead.forward(this.relHead.forward(x, prows), batch, size, this.dims.relMlp, rng, training);
    const arc = this.arcAttn.forward(ad, ah, batch, size);
    this.relX = rd;
    this.relY = rh;
    this.relArcs = -1;
    this.training = training;
    const generation = ++this.generation;
    const relAt = (cells: Int32Array): Float32Array => {
      if (generation !== this.generation) throw new Error('ParserScores.relAt after a later forward of the network');
      return this.relScores(cells, batch, size);
    };
    return { batch, size, lengths: Int32Array.from(layout.lengths), arc, relAt };
  }

  private relScores(cells: Int32Array, batch: number, size: number): Float32Array {
    const m = cells.length;
    const dep = new Int32Array(m);
    const head = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const c = cells[i];
      const row = Math.floor(c / size);
      if (!(c >= 0 && row < batch * size)) throw new RangeError(`arc cell ${c} outside ${batch} × ${size} × ${size} scores`);
      dep[i] = row;
      head[i] = row - (row % size) + (c % size);
    }
    const rows = batch * size;
    if (this.training) {
      this.relArcs = m;
      return this.relAttn.forwardPairs(this.relX, this.relY, rows, dep, head);
    }
    // Inference: the pairs go through in chunks, so the layer's per-pair buffers (labels × (relMlp + 1) floats each)
    // stay near REL_CHUNK_FLOATS however many arcs a long sentence has; there is no backward to keep them for.
    this.relArcs = -1;
    const k = this.dims.numLabels;
    const chunk = Math.max(1, Math.floor(REL_CHUNK_FLOATS / (k * (this.dims.relMlp + 1))));
    if (m <= chunk) return this.relAttn.forwardPairs(this.relX, this.relY, rows, dep, head);
    if (this.relOut.length < m * k) this.relOut = new Float32Array(m * k);
    const out = this.relOut.subarray(0, m * k);
    for (let a = 0; a < m; a += chunk) {
      const b = Math.min(m, a + chunk);
      out.set(this.relAttn.forwardPairs(this.relX, this.relY, rows, dep.subarray(a, b), head.subarray(a, b)), a * k);
    }
    return out;
  }

  /**
   * ∂L/∂s_arc [batch, T, T] (zero at padding) and ∂L/∂s_rel [m, labels] for the m arcs of the last `relAt` call since
   * the forward (empty when it was not called: then the label layers get no gradient) → accumulates parameter
   * gradients and returns per block ∂L/∂block for selected trainable blocks (null otherwise).
   */
  backward(dArc: Float32Array, dRel: Float32Array): (Float32Array | null)[] {
    const { batch, maxLen } = this.layout;
    const size = this.size;
    const width = this.encoderWidth;
    const n = batch * size * width;
    if (this.dx.length < n) this.dx = new Float32Array(n);
    const dx = this.dx.subarray(0, n);
    dx.fill(0);
    const [dArcDep, dArcHead, dRelDep, dRelHead] = this.mlpDrops;
    const ga = this.arcAttn.backward(dArc);
    addInto(dx, this.arcDep.backward(dArcDep.backward(ga.dx)));
    addInto(dx, this.arcHead.backward(dArcHead.backward(ga.dy)));
    if (this.relArcs >= 0) {
      const k = this.dims.numLabels;
      if (dRel.length !== this.relArcs * k) throw new RangeError(`∂s_rel has ${dRel.length} values for ${this.relArcs} scored arcs × ${k} labels`);
      const gr = this.relAttn.backwardPairs(dRel);
      addInto(dx, this.relDep.backward(dRelDep.backward(gr.dx)));
      addInto(dx, this.relHead.backward(dRelHead.backward(gr.dy)));
    } else if (dRel.length !== 0) {
      throw new RangeError('∂s_rel given but no label scores were computed since the forward (ParserScores.relAt)');
    }
    const rootGrad = this.root.grad;
    const m = batch * maxLen * width;
    if (this.dh.length < m) this.dh = new Float32Array(m);
    const dh0 = this.dh.subarray(0, m);
    for (let b = 0; b < batch; b++) {
      const o = b * size * width;
      for (let j = 0; j < width; j++) rootGrad[j] += dx[o + j];
      dh0.set(dx.subarray(o + width, o + size * width), b * maxLen * width);
    }
    let dh: Float32Array = dh0;
    for (let l = this.lstms.length - 1; l >= 0; l--) dh = this.lstms[l].backward(this.lstmDrops[l].backward(dh));
    return this.proj.backward(dh);
  }
}

/** Floats of the label biaffine's per-pair buffers at inference (16 MiB): the size of one chunk of scored arcs. */
const REL_CHUNK_FLOATS = 2 ** 22;

function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}
