// Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch's SGD update).
import type { Param } from '../param.js';
import { SlotOptimizer } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default 0. */
  weightDecay?: number;
}

/**
 * g = ∇ + λp; with momentum μ: b ← μb + g (b = g on the first step), p ← p − lr·b; without: p ← p − lr·g.
 * Row-sparse parameters update only touched rows.
 */
export class Sgd extends SlotOptimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;

  constructor(params: readonly Param[], options: SgdOptions) {
    super(params, 'sgd', ['momentum']);
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
  }

  step(only?: readonly Param[]): void {
    for (const p of only ?? this.params) {
      const [buf] = this.slotsOf(p);
      const first = this.steps.get(p) === 0;
      this.steps.set(p, this.steps.get(p)! + 1);
      if (p.touched === null) {
        this.update(p, buf, 0, p.size, first);
        continue;
      }
      const w = p.rowSize;
      const rows = p.touched.indices();
      for (let i = 0; i < rows.length; i++) this.update(p, buf, rows[i] * w, rows[i] * w + w, first);
    }
  }

  private update(p: Param, buf: Float32Array, from: number, to: number, first: boolean): void {
    const { lr, momentum: mu, weightDecay: wd } = this;
    const value = p.value;
    const grad = p.grad;
    for (let i = from; i < to; i++) {
      const g = grad[i] + wd * value[i];
      if (mu === 0) {
        value[i] -= lr * g;
        continue;
      }
      const b = first ? g : mu * buf[i] + g;
      buf[i] = b;
      value[i] -= lr * b;
    }
  }
}
