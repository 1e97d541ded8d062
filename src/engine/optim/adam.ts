// Adam (Kingma & Ba 2015) with L2 weight decay as PyTorch's Adam, via the backend's fused update kernel.
import type { Backend } from '../backend/backend.js';
import type { Param } from '../param.js';
import { SlotOptimizer } from './optimizer.js';

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** L2 added to the gradient; default 0. */
  weightDecay?: number;
}

const DEFAULTS = { lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 0 };

/**
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε), with g = ∇ + λp and bias corrections by the
 * parameter's own step count. Row-sparse parameters update only touched rows (their moments stay lazy).
 */
export class Adam extends SlotOptimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(private readonly backend: Backend, params: readonly Param[], options: AdamOptions = {}) {
    super(params, 'adam', ['m', 'v']);
    this.lr = options.lr ?? DEFAULTS.lr;
    [this.beta1, this.beta2] = options.betas ?? DEFAULTS.betas;
    this.eps = options.eps ?? DEFAULTS.eps;
    this.weightDecay = options.weightDecay ?? DEFAULTS.weightDecay;
  }

  step(only?: readonly Param[]): void {
    for (const p of only ?? this.params) {
      const [m, v] = this.slotsOf(p);
      const t = this.steps.get(p)! + 1;
      this.steps.set(p, t);
      if (p.touched === null) {
        this.backend.adamUpdate(p.value, p.grad, m, v, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, t);
        continue;
      }
      const w = p.rowSize;
      const rows = p.touched.indices();
      for (let i = 0; i < rows.length; i++) {
        const a = rows[i] * w;
        const b = a + w;
        this.backend.adamUpdate(
          p.value.subarray(a, b), p.grad.subarray(a, b), m.subarray(a, b), v.subarray(a, b),
          this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, t,
        );
      }
    }
  }
}
