// Multi-layer (Bi)LSTM over padded variable-length batches; each layer's input projection is one big matrix product.
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import { Param, type Module } from '../param.js';
import { fillUniform } from '../init.js';
import { addColumnSums, broadcastRows, grow } from '../buffers.js';
import { packPlan, type PackPlan, type RowOrder, type SeqLayout } from '../layout.js';
import { LstmRecurrence } from './lstm-recurrence.js';

export interface BiLstmOptions {
  /**
   * Params per layer l: `<name>.l<l>.weightIh` [dirs·4h, in], `<name>.l<l>.bias` [dirs·4h], and per direction
   * `<name>.l<l>.fwd.weightHh` / `.bwd.weightHh` [4h, h]. Gate order (i, f, g, o); rows of the forward direction first.
   */
  name: string;
  /** Width of the input rows (ignored for layer 0 when projectedInput). */
  inputSize: number;
  /** h, per direction. */
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
  /** Default true. */
  bidirectional?: boolean;
  /**
   * Layer 0 takes gate pre-activations [rows, dirs·4h] computed by the caller (e.g. by a BlockLinear that
   * multiplies only the selected input blocks) and has no weightIh/bias of its own; backward then returns ∂L/∂P.
   * Default false.
   */
  projectedInput?: boolean;
}

interface LayerState {
  weightIh: Param | null;
  bias: Param | null;
  dirs: LstmRecurrence[];
  inSize: number;
  x: Float32Array;
  p: Float32Array;
  y: Float32Array;
  dp: Float32Array;
  dx: Float32Array;
}

/**
 * LSTM (Hochreiter & Schmidhuber 1997) layers over a padded [batch·maxLen, features] matrix with lengths
 * (SeqLayout); the right-to-left direction starts at each item's own last position. Output [batch·maxLen, dirs·h],
 * directions side by side, zero at padding rows; initial states are zero. All weights and biases are initialised
 * uniform ±1/√h as in PyTorch (one bias per gate instead of PyTorch's two). No dropout inside: apply it between
 * calls if wanted.
 */
export class BiLstm implements Module {
  readonly hiddenSize: number;
  readonly numDirections: number;
  readonly outputSize: number;
  /** Width of the pre-activations layer 0 expects when projectedInput (dirs·4h). */
  readonly projectionSize: number;
  private readonly layers: LayerState[] = [];
  private plan: PackPlan | null = null;
  private rows = 0;

  constructor(private readonly backend: Backend, rng: Rng, options: BiLstmOptions) {
    const h = options.hiddenSize;
    const dirs = options.bidirectional === false ? 1 : 2;
    const numLayers = options.numLayers ?? 1;
    const bound = 1 / Math.sqrt(h);
    this.hiddenSize = h;
    this.numDirections = dirs;
    this.outputSize = dirs * h;
    this.projectionSize = dirs * 4 * h;
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? options.inputSize : dirs * h;
      const own = !(l === 0 && options.projectedInput);
      const weightIh = own ? new Param(`${options.name}.l${l}.weightIh`, [dirs * 4 * h, inSize]) : null;
      const bias = own ? new Param(`${options.name}.l${l}.bias`, [dirs * 4 * h]) : null;
      if (weightIh) fillUniform(rng, weightIh.value, bound);
      if (bias) fillUniform(rng, bias.value, bound);
      const recs: LstmRecurrence[] = [];
      for (let d = 0; d < dirs; d++) {
        const whh = new Param(`${options.name}.l${l}.${d === 0 ? 'fwd' : 'bwd'}.weightHh`, [4 * h, h]);
        fillUniform(rng, whh.value, bound);
        recs.push(new LstmRecurrence(h, whh, d === 1));
      }
      const empty = new Float32Array(0);
      this.layers.push({ weightIh, bias, dirs: recs, inSize, x: empty, p: empty, y: empty, dp: empty, dx: empty });
    }
  }

  params(): Param[] {
    const out: Param[] = [];
    for (const layer of this.layers) {
      if (layer.weightIh) out.push(layer.weightIh);
      if (layer.bias) out.push(layer.bias);
      for (const r of layer.dirs) out.push(r.weightHh);
    }
    return out;
  }

  /**
   * x: [batch·maxLen, inputSize] (or [batch·maxLen, projectionSize] pre-activations when projectedInput), kept by
   * reference until backward. Returns y [batch·maxLen, outputSize], a layer-owned view valid until the next forward.
   * With rowOrder 'packed', x and y (and dy, ∂L/∂x in backward) have Σ lengths rows instead, sentence-major without
   * padding (see RowOrder): every product then runs over real positions only.
   */
  forward(x: Float32Array, layout: SeqLayout, rowOrder: RowOrder = 'padded'): Float32Array {
    const plan = packPlan(layout, rowOrder);
    this.plan = plan;
    // Packed: exactly the plan's rows, all real. Padded: batch·maxLen rows, the padding ones stay zero.
    const rows = rowOrder === 'packed' ? plan.total : layout.batch * layout.maxLen;
    const hasPadding = rows !== plan.total;
    this.rows = rows;
    const g = this.projectionSize;
    let input = x;
    for (const layer of this.layers) {
      layer.x = input;
      if (layer.weightIh) {
        layer.p = grow(layer.p, rows * g);
        const p = layer.p.subarray(0, rows * g);
        broadcastRows(layer.bias!.value, rows, g, p);
        this.backend.sgemm(false, true, rows, g, layer.inSize, 1, input, layer.inSize, layer.weightIh.value, layer.inSize, 1, p, g);
      } else {
        if (input.length < rows * g) throw new Error(`BiLstm: projected input needs ${rows}×${g} values`);
        layer.p = input;
      }
      layer.y = grow(layer.y, rows * this.outputSize);
      const y = layer.y.subarray(0, rows * this.outputSize);
      if (hasPadding) y.fill(0);
      this.backend.lstmSequenceForward(
        layer.dirs.map((r, d) => r.forwardPass(plan, layer.p, g, d * 4 * this.hiddenSize, y, this.outputSize, d * this.hiddenSize)),
      );
      input = y;
    }
    return input;
  }

  /**
   * dy: ∂L/∂y [batch·maxLen, outputSize] (padding rows ignored). Accumulates all parameter gradients and returns
   * ∂L/∂x (or ∂L/∂P when projectedInput), zero at padding rows; a layer-owned view valid until the next backward.
   */
  backward(dy: Float32Array): Float32Array {
    return this.run(dy, true);
  }

  /** As backward, but skips ∂L/∂x of layer 0 (one large matrix product) when the input needs no gradient. */
  backwardParamsOnly(dy: Float32Array): void {
    this.run(dy, false);
  }

  private run(dy: Float32Array, inputGrad: boolean): Float32Array {
    const plan = this.plan;
    if (plan === null) throw new Error('BiLstm.backward before forward');
    const rows = this.rows;
    const hasPadding = rows !== plan.total;
    const g = this.projectionSize;
    let grad = dy;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l];
      layer.dp = grow(layer.dp, rows * g);
      const dp = layer.dp.subarray(0, rows * g);
      if (hasPadding) dp.fill(0);
      const dy = grad;
      this.backend.lstmSequenceBackward(
        layer.dirs.map((r, d) => r.backwardPass(dy, this.outputSize, d * this.hiddenSize, dp, g, d * 4 * this.hiddenSize)),
      );
      if (!layer.weightIh) {
        grad = dp;
        continue;
      }
      addColumnSums(this.backend, dp, rows, g, layer.bias!.grad);
      const k = layer.inSize;
      this.backend.sgemm(true, false, g, k, rows, 1, dp, g, layer.x, k, 1, layer.weightIh.grad, k);
      if (l === 0 && !inputGrad) return dp;
      layer.dx = grow(layer.dx, rows * k);
      const dx = layer.dx.subarray(0, rows * k);
      this.backend.sgemm(false, false, rows, k, g, 1, dp, g, layer.weightIh.value, k, 0, dx, k);
      grad = dx;
    }
    return grad;
  }
}
