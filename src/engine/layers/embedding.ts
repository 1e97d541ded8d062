// Lookup table: ids → rows of a [count, dim] matrix, with a row-sparse gradient (only looked-up rows are touched).
import type { Rng } from '../../util/rng.js';
import { Param, type Module } from '../param.js';
import { initWeight, type Init } from '../init.js';
import { grow } from '../buffers.js';

export interface EmbeddingOptions {
  /** Param `<name>.weight` [count, dim], row-sparse gradient. */
  name: string;
  count: number;
  dim: number;
  /** Default normal(0, 1), as PyTorch's nn.Embedding. */
  init?: Init;
}

/**
 * y[i] = W[ids[i]]. Backward: dW[ids[i]] += dy[i] for each i, marking those rows as touched so that the
 * optimizer, clipping and zeroGrad visit only them.
 */
export class Embedding implements Module {
  readonly weight: Param;
  readonly dim: number;
  private ids: Int32Array = new Int32Array(0);
  private y = new Float32Array(0);

  constructor(rng: Rng, options: EmbeddingOptions) {
    this.dim = options.dim;
    this.weight = new Param(`${options.name}.weight`, [options.count, options.dim], { sparseRows: true });
    initWeight(rng, this.weight.value, options.init ?? { kind: 'normal', std: 1 }, options.dim, options.count);
  }

  params(): Param[] {
    return [this.weight];
  }

  /** ids [n] → y [n, dim] (layer-owned view, valid until the next forward). Ids are kept by reference. */
  forward(ids: Int32Array): Float32Array {
    const d = this.dim;
    const count = this.weight.shape[0];
    this.ids = ids;
    this.y = grow(this.y, ids.length * d);
    const y = this.y.subarray(0, ids.length * d);
    const w = this.weight.value;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < count)) throw new RangeError(`Embedding ${this.weight.name}: id ${id} outside [0, ${count})`);
      y.set(w.subarray(id * d, id * d + d), i * d);
    }
    return y;
  }

  /** Scatter-add dy [n, dim] into the gradient rows of the ids of the last forward. */
  backward(dy: Float32Array): void {
    const d = this.dim;
    const g = this.weight.grad;
    const touched = this.weight.touched!;
    for (let i = 0; i < this.ids.length; i++) {
      const o = this.ids[i] * d;
      touched.touch(this.ids[i]);
      for (let j = 0; j < d; j++) g[o + j] += dy[i * d + j];
    }
  }
}
