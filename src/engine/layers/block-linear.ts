// Selection-aware projection of a list of input blocks: y = Σ_selected s_b·x_b·W_bᵀ + b, deselected blocks cost nothing.
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import { Param, type Module } from '../param.js';
import { initWeight, type Init } from '../init.js';
import { addColumnSums, broadcastRows, grow } from '../buffers.js';

export interface BlockLinearOptions {
  /** Params: `<name>.block<i>.weight` [out, d_i], `<name>.bias` [out], `<name>.blockLogits` [blocks]. */
  name: string;
  /** Width d_i of each input block. */
  blockSizes: readonly number[];
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /**
   * Default Xavier uniform with fan-in Σ d_i, i.e. the same distribution as one Linear over the concatenation.
   * Bias starts at zero.
   */
  init?: Init;
  /** Scale each selected block by σ(w_b) with learnable logits w_b starting at 0 (the All+Weight baseline). Default false. */
  learnedBlockScale?: boolean;
  /** Which blocks need an input gradient (trainable features); default none. */
  inputGrad?: readonly boolean[];
}

/**
 * The concatenation x = [x_0; x_1; …] times Wᵀ, computed block by block so that only selected blocks are
 * multiplied (one sgemm per selected block, accumulated with beta = 1). Equals a Linear over the concatenation
 * of the selected blocks with the deselected blocks' columns removed (not zeroed). Backward touches only the
 * selected blocks' weights and inputs: deselected weights keep exactly zero gradient.
 * With learnedBlockScale, s_b = σ(w_b), ∂L/∂w_b = σ'(w_b)·⟨dyᵀ·x_b, W_b⟩.
 */
export class BlockLinear implements Module {
  readonly weights: Param[];
  readonly bias: Param | null;
  readonly blockLogits: Param | null;
  readonly blockSizes: readonly number[];
  readonly outFeatures: number;
  private readonly inputGrad: readonly boolean[];
  private blocks: readonly (Float32Array | null)[] = [];
  private selection: readonly boolean[] = [];
  private readonly scales: Float64Array;
  private rows = 0;
  private y = new Float32Array(0);
  private readonly dx: Float32Array[];
  private tmp = new Float32Array(0);

  constructor(private readonly backend: Backend, rng: Rng, options: BlockLinearOptions) {
    this.blockSizes = [...options.blockSizes];
    this.outFeatures = options.outFeatures;
    const fanIn = this.blockSizes.reduce((a, b) => a + b, 0);
    const init = options.init ?? { kind: 'xavier-uniform' };
    this.weights = this.blockSizes.map((d, i) => {
      const p = new Param(`${options.name}.block${i}.weight`, [options.outFeatures, d]);
      initWeight(rng, p.value, init, fanIn, options.outFeatures);
      return p;
    });
    this.bias = options.bias === false ? null : new Param(`${options.name}.bias`, [options.outFeatures]);
    this.blockLogits = options.learnedBlockScale ? new Param(`${options.name}.blockLogits`, [this.blockSizes.length]) : null;
    this.inputGrad = options.inputGrad ?? this.blockSizes.map(() => false);
    if (this.inputGrad.length !== this.blockSizes.length) throw new Error(`BlockLinear ${options.name}: inputGrad needs one flag per block`);
    this.scales = new Float64Array(this.blockSizes.length);
    this.dx = this.blockSizes.map(() => new Float32Array(0));
  }

  params(): Param[] {
    const out = [...this.weights];
    if (this.bias) out.push(this.bias);
    if (this.blockLogits) out.push(this.blockLogits);
    return out;
  }

  /** The parameters that a step with this selection can change (hand these to the optimizer to skip the rest). */
  paramsFor(selection: readonly boolean[]): Param[] {
    const out = this.weights.filter((_, i) => selection[i]);
    if (this.bias) out.push(this.bias);
    if (this.blockLogits) out.push(this.blockLogits);
    return out;
  }

  /**
   * blocks[i] is [rows, d_i] (may be null when deselected); selection[i] says whether block i takes part.
   * Returns y [rows, out], a layer-owned view valid until the next forward. Inputs are kept by reference.
   */
  forward(blocks: readonly (Float32Array | null)[], rows: number, selection: readonly boolean[]): Float32Array {
    const n = this.outFeatures;
    if (blocks.length !== this.blockSizes.length || selection.length !== this.blockSizes.length) {
      throw new Error(`BlockLinear: expected ${this.blockSizes.length} blocks and selection flags, got ${blocks.length} and ${selection.length}`);
    }
    this.blocks = blocks;
    this.selection = selection;
    this.rows = rows;
    this.y = grow(this.y, rows * n);
    const y = this.y.subarray(0, rows * n);
    if (this.bias) broadcastRows(this.bias.value, rows, n, y);
    else y.fill(0);
    for (let b = 0; b < blocks.length; b++) {
      if (!selection[b]) continue;
      const x = blocks[b];
      const d = this.blockSizes[b];
      if (x === null || x.length < rows * d) throw new Error(`BlockLinear: selected block ${b} needs ${rows}×${d} values`);
      const s = this.blockLogits ? 1 / (1 + Math.exp(-this.blockLogits.value[b])) : 1;
      this.scales[b] = s;
      this.backend.sgemm(false, true, rows, n, d, s, x, d, this.weights[b].value, d, 1, y, n);
    }
    return y;
  }

  /**
   * Accumulate gradients of the selected blocks' weights (and bias, block logits) from dy [rows, out]; returns
   * per block the input gradient [rows, d_i] for selected blocks flagged in `inputGrad`, null for the others.
   */
  backward(dy: Float32Array): (Float32Array | null)[] {
    const { rows, outFeatures: n } = this;
    if (this.bias) addColumnSums(this.backend, dy, rows, n, this.bias.grad);
    const out: (Float32Array | null)[] = [];
    for (let b = 0; b < this.blockSizes.length; b++) {
      if (!this.selection[b]) {
        out.push(null);
        continue;
      }
      const x = this.blocks[b] as Float32Array;
      const d = this.blockSizes[b];
      const w = this.weights[b];
      const s = this.scales[b];
      if (this.blockLogits) {
        // G = dyᵀ·x_b once: dW_b = s·G and ∂L/∂s = ⟨G, W_b⟩.
        this.tmp = grow(this.tmp, n * d);
        const g = this.tmp.subarray(0, n * d);
        this.backend.sgemm(true, false, n, d, rows, 1, dy, n, x, d, 0, g, d);
        let ds = 0;
        const wv = w.value;
        const wg = w.grad;
        for (let i = 0; i < n * d; i++) {
          ds += g[i] * wv[i];
          wg[i] += s * g[i];
        }
        this.blockLogits.grad[b] += ds * s * (1 - s);
      } else {
        this.backend.sgemm(true, false, n, d, rows, 1, dy, n, x, d, 1, w.grad, d);
      }
      if (this.inputGrad[b]) {
        this.dx[b] = grow(this.dx[b], rows * d);
        const dx = this.dx[b].subarray(0, rows * d);
        this.backend.sgemm(false, false, rows, d, n, s, dy, n, w.value, d, 0, dx, d);
        out.push(dx);
      } else {
        out.push(null);
      }
    }
    return out;
  }
}
