// One-layer perceptron with LeakyReLU, as in the biaffine parser's arc/label projections (Dozat & Manning 2017).
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import type { Module, Param } from '../param.js';
import type { Init } from '../init.js';
import { grow } from '../buffers.js';
import { Linear } from './linear.js';

export interface MlpOptions {
  /** Params `<name>.weight`, `<name>.bias`. */
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** LeakyReLU slope for negative inputs; default 0.1 (SuPar). */
  negativeSlope?: number;
  /** Default Xavier uniform; bias zero. */
  init?: Init;
}

/** y = LeakyReLU(x·Wᵀ + b); backward multiplies by 1 or the slope where the pre-activation was ≤ 0. */
export class Mlp implements Module {
  readonly linear: Linear;
  readonly negativeSlope: number;
  private y = new Float32Array(0);
  private dz = new Float32Array(0);
  private z: Float32Array = new Float32Array(0);

  constructor(backend: Backend, rng: Rng, options: MlpOptions) {
    this.linear = new Linear(backend, rng, { name: options.name, inFeatures: options.inFeatures, outFeatures: options.outFeatures, ...(options.init ? { init: options.init } : {}) });
    this.negativeSlope = options.negativeSlope ?? 0.1;
  }

  params(): Param[] {
    return this.linear.params();
  }

  /** x [rows, in] → y [rows, out] (layer-owned view). */
  forward(x: Float32Array, rows: number): Float32Array {
    this.z = this.linear.forward(x, rows);
    const n = this.z.length;
    this.y = grow(this.y, n);
    const a = this.negativeSlope;
    for (let i = 0; i < n; i++) {
      const v = this.z[i];
      this.y[i] = v > 0 ? v : a * v;
    }
    return this.y.subarray(0, n);
  }

  backward(dy: Float32Array): Float32Array {
    return this.linear.backward(this.activationGrad(dy));
  }

  backwardParamsOnly(dy: Float32Array): void {
    this.linear.backwardParamsOnly(this.activationGrad(dy));
  }

  private activationGrad(dy: Float32Array): Float32Array {
    const n = this.z.length;
    this.dz = grow(this.dz, n);
    const a = this.negativeSlope;
    for (let i = 0; i < n; i++) this.dz[i] = this.z[i] > 0 ? dy[i] : a * dy[i];
    return this.dz.subarray(0, n);
  }
}
