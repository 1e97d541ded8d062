// Selection-aware projection of a list of input blocks: y = Σ_selected s_b·x_b·W_bᵀ + b, deselected blocks cost nothing.
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import { Param, type Module } from '../param.js';
import { initWeight, type Init } from '../init.js';
import { addColumnSums, broadcastRows, grow } from '../buffers.js';

export interface BlockLinearOptions {
  /** Params: `<name>.block<i>.weight` [d_i, out] (transposed), `<name>.bias` [out], `<name>.blockLogits` [blocks]. */
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

/** A maximal stretch of adjacent selected blocks: one matrix product covers it. */
interface Run {
  first: number;
  last: number;
  /** Row offset of its weights in the stacked [Σ d, out] matrix. */
  weightRow: number;
  width: number;
  /** Column offset of its input in the gathered matrix. */
  inputCol: number;
}

/**
 * The concatenation x = [x_0; x_1; …] times W, where only selected blocks are multiplied. The block weights are
 * stored transposed and stacked ([Σ d_i, out], block i's rows one after another), so adjacent selected blocks form
 * one run that a single product covers: fewer, larger products (with all blocks selected, one for the forward and
 * one for ∂W), which BLAS runs markedly faster than one per block. The selected inputs are gathered side by side
 * for that (skipped when no two selected blocks are adjacent). Equals a Linear over the concatenation of the
 * selected blocks with the deselected blocks' columns removed (not zeroed); deselected weights keep exactly zero
 * gradient. With learnedBlockScale, s_b = σ(w_b), ∂L/∂w_b = σ'(w_b)·⟨x_bᵀ·dy, W_b⟩, and every block is its own run.
 */
export class BlockLinear implements Module {
  readonly weights: Param[];
  readonly bias: Param | null;
  readonly blockLogits: Param | null;
  readonly blockSizes: readonly number[];
  readonly outFeatures: number;
  private readonly inputGrad: readonly boolean[];
  private readonly stackedValue: Float32Array;
  private readonly stackedGrad: Float32Array;
  private readonly weightRows: number[];
  private blocks: readonly (Float32Array | null)[] = [];
  private selection: readonly boolean[] = [];
  private runs: Run[] = [];
  /** The gathered selected inputs [rows, Σ selected d] when some run spans several blocks, else null. */
  private gathered: Float32Array | null = null;
  private gatherBuf = new Float32Array(0);
  private gatheredWidth = 0;
  private readonly scales: Float64Array;
  private rows = 0;
  private y = new Float32Array(0);
  private readonly dx: Float32Array[];
  private tmp = new Float32Array(0);

  constructor(private readonly backend: Backend, rng: Rng, options: BlockLinearOptions) {
    this.blockSizes = [...options.blockSizes];
    this.outFeatures = options.outFeatures;
    const n = options.outFeatures;
    const fanIn = this.blockSizes.reduce((a, b) => a + b, 0);
    const init = options.init ?? { kind: 'xavier-uniform' };
    this.stackedValue = new Float32Array(fanIn * n);
    this.stackedGrad = new Float32Array(fanIn * n);
    this.weightRows = [];
    let row = 0;
    this.weights = this.blockSizes.map((d, i) => {
      const at = row * n;
      this.weightRows.push(row);
      row += d;
      const storage = { value: this.stackedValue.subarray(at, at + d * n), grad: this.stackedGrad.subarray(at, at + d * n) };
      const p = new Param(`${options.name}.block${i}.weight`, [d, n], { storage });
      initWeight(rng, p.value, init, fanIn, n);
      return p;
    });
    this.bias = options.bias === false ? null : new Param(`${options.name}.bias`, [n]);
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
    for (let b = 0; b < blocks.length; b++) {
      const x = blocks[b];
      const d = this.blockSizes[b];
      if (selection[b] && (x === null || x.length < rows * d)) throw new Error(`BlockLinear: selected block ${b} needs ${rows}×${d} values`);
      this.scales[b] = selection[b] && this.blockLogits ? 1 / (1 + Math.exp(-this.blockLogits.value[b])) : 1;
    }
    this.blocks = blocks;
    this.selection = selection;
    this.rows = rows;
    this.planRuns();
    this.y = grow(this.y, rows * n);
    const y = this.y.subarray(0, rows * n);
    if (this.bias) broadcastRows(this.bias.value, rows, n, y);
    else y.fill(0);
    for (const run of this.runs) {
      const [x, col, ld] = this.runInput(run);
      const s = this.scales[run.first];
      this.backend.sgemm(false, false, rows, n, run.width, s, x.subarray(col), ld, this.stackedValue.subarray(run.weightRow * n), n, 1, y, n);
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
    for (const run of this.runs) {
      const [x, col, ld] = this.runInput(run);
      if (this.blockLogits) {
        // One block per run here. G = x_bᵀ·dy once: ∂W_b = s·G and ∂L/∂s = ⟨G, W_b⟩.
        const b = run.first;
        const s = this.scales[b];
        const w = this.weights[b];
        const size = run.width * n;
        this.tmp = grow(this.tmp, size);
        const g = this.tmp.subarray(0, size);
        this.backend.sgemm(true, false, run.width, n, rows, 1, x.subarray(col), ld, dy, n, 0, g, n);
        let ds = 0;
        const wv = w.value;
        const wg = w.grad;
        for (let i = 0; i < size; i++) {
          ds += g[i] * wv[i];
          wg[i] += s * g[i];
        }
        this.blockLogits.grad[b] += ds * s * (1 - s);
      } else {
        this.backend.sgemm(true, false, run.width, n, rows, 1, x.subarray(col), ld, dy, n, 1, this.stackedGrad.subarray(run.weightRow * n), n);
      }
    }
    const out: (Float32Array | null)[] = [];
    for (let b = 0; b < this.blockSizes.length; b++) {
      if (!this.selection[b] || !this.inputGrad[b]) {
        out.push(null);
        continue;
      }
      const d = this.blockSizes[b];
      this.dx[b] = grow(this.dx[b], rows * d);
      const dx = this.dx[b].subarray(0, rows * d);
      this.backend.sgemm(false, true, rows, d, n, this.scales[b], dy, n, this.weights[b].value, n, 0, dx, d);
      out.push(dx);
    }
    return out;
  }

  /** Groups the selected blocks into runs and, when a run spans several blocks, gathers the selected inputs. */
  private planRuns(): void {
    const runs: Run[] = [];
    let col = 0;
    for (let b = 0; b < this.blockSizes.length; b++) {
      if (!this.selection[b]) continue;
      const d = this.blockSizes[b];
      const prev = runs.at(-1);
      if (prev && prev.last === b - 1 && !this.blockLogits) {
        prev.last = b;
        prev.width += d;
      } else {
        runs.push({ first: b, last: b, weightRow: this.weightRows[b], width: d, inputCol: col });
      }
      col += d;
    }
    this.runs = runs;
    this.gatheredWidth = col;
    this.gathered = null;
    if (!runs.some((r) => r.last > r.first)) return;
    const rows = this.rows;
    this.gatherBuf = grow(this.gatherBuf, rows * col);
    const out = this.gatherBuf.subarray(0, rows * col);
    let c = 0;
    for (let b = 0; b < this.blockSizes.length; b++) {
      if (!this.selection[b]) continue;
      const d = this.blockSizes[b];
      const x = this.blocks[b] as Float32Array;
      for (let r = 0; r < rows; r++) out.set(x.subarray(r * d, r * d + d), r * col + c);
      c += d;
    }
    this.gathered = out;
  }

  /** The matrix a run reads its input from, the column it starts at, and its row stride. */
  private runInput(run: Run): [Float32Array, number, number] {
    if (this.gathered) return [this.gathered, run.inputCol, this.gatheredWidth];
    return [this.blocks[run.first] as Float32Array, 0, this.blockSizes[run.first]];
  }
}
