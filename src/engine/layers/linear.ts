// Fully connected layer y = x·Wᵀ + b over a [rows, in] matrix, with its backward beside it.
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import { Param, type Module } from '../param.js';
import { initWeight, type Init } from '../init.js';
import { addColumnSums, broadcastRows, grow } from '../buffers.js';

export interface LinearOptions {
  /** Parameter name prefix: params are `<name>.weight` [out, in] and `<name>.bias` [out]. */
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /** Weight initialisation; default Xavier uniform. Bias starts at zero. */
  init?: Init;
}

/**
 * y[rows, out] = x[rows, in] · Wᵀ + b. Backward: dW += dyᵀ·x, db += Σ_rows dy, dx = dy·W.
 * Remembers its last forward input (by reference: do not overwrite it before backward).
 */
export class Linear implements Module {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private y = new Float32Array(0);
  private dx = new Float32Array(0);
  private x: Float32Array = new Float32Array(0);
  private rows = 0;

  constructor(private readonly backend: Backend, rng: Rng, options: LinearOptions) {
    this.inFeatures = options.inFeatures;
    this.outFeatures = options.outFeatures;
    this.weight = new Param(`${options.name}.weight`, [options.outFeatures, options.inFeatures]);
    initWeight(rng, this.weight.value, options.init ?? { kind: 'xavier-uniform' }, options.inFeatures, options.outFeatures);
    this.bias = options.bias === false ? null : new Param(`${options.name}.bias`, [options.outFeatures]);
  }

  params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** x [rows, in] → y [rows, out]; y is a layer-owned view, valid until the next forward. */
  forward(x: Float32Array, rows: number): Float32Array {
    const n = this.outFeatures;
    const k = this.inFeatures;
    this.x = x;
    this.rows = rows;
    this.y = grow(this.y, rows * n);
    const y = this.y.subarray(0, rows * n);
    if (this.bias) broadcastRows(this.bias.value, rows, n, y);
    this.backend.sgemm(false, true, rows, n, k, 1, x, k, this.weight.value, k, this.bias ? 1 : 0, y, n);
    return y;
  }

  /** Accumulate dW, db from dy [rows, out] and return dx [rows, in] (layer-owned view). */
  backward(dy: Float32Array): Float32Array {
    this.backwardParamsOnly(dy);
    const { rows, inFeatures: k, outFeatures: n } = this;
    this.dx = grow(this.dx, rows * k);
    const dx = this.dx.subarray(0, rows * k);
    this.backend.sgemm(false, false, rows, k, n, 1, dy, n, this.weight.value, k, 0, dx, k);
    return dx;
  }

  /** Accumulate dW, db only (when the input needs no gradient, e.g. frozen features): saves one matrix product. */
  backwardParamsOnly(dy: Float32Array): void {
    const { rows, inFeatures: k, outFeatures: n } = this;
    this.backend.sgemm(true, false, n, k, rows, 1, dy, n, this.x, k, 1, this.weight.grad, k);
    if (this.bias) addColumnSums(this.backend, dy, rows, n, this.bias.grad);
  }
}
