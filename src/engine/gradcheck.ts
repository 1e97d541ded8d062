// Central finite-difference gradient checks for float32 layers, with the loss accumulated in float64.
import type { Rng } from '../util/rng.js';

/** A tensor to check: its value (perturbed in place and restored) and the analytic gradient the backward wrote. */
export interface GradTarget {
  name: string;
  value: Float32Array;
  /** Read after `backward()` ran; a function when the buffer is only known then (e.g. a returned input gradient). */
  grad: Float32Array | (() => Float32Array);
  /** Check only these flat indices (e.g. real, non-padding rows); default a random sample of all. */
  indices?: readonly number[];
}

export interface GradCheckOptions {
  /** Finite-difference step; default 1e-2 (float32 forward: smaller steps drown in rounding). */
  eps?: number;
  /** Pass when |numeric − analytic| ≤ atol + rtol·max(|numeric|, |analytic|); defaults 1e-3 and 1e-2. */
  atol?: number;
  rtol?: number;
  /** Elements checked per tensor, sampled with `rng`; default 24. */
  samplesPerTensor?: number;
}

export interface GradCheckFailure {
  tensor: string;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckReport {
  checked: number;
  /** Largest |numeric − analytic| / (atol + rtol·max(|numeric|, |analytic|)); ≤ 1 means pass. */
  worstRatio: number;
  failures: GradCheckFailure[];
}

const DEFAULTS = { eps: 1e-2, atol: 1e-3, rtol: 1e-2, samplesPerTensor: 24 } as const;

/**
 * `loss()` runs the forward pass only and returns the loss in float64; `backward()` runs forward + backward from
 * zeroed gradients so each target's `grad` holds ∂loss/∂value. Each sampled element x is set to x ± eps (the
 * float32-rounded values are used for the difference quotient) and restored afterwards.
 */
export function gradCheck(
  loss: () => number,
  backward: () => void,
  targets: readonly GradTarget[],
  rng: Rng,
  options: GradCheckOptions = {},
): GradCheckReport {
  const eps = options.eps ?? DEFAULTS.eps;
  const atol = options.atol ?? DEFAULTS.atol;
  const rtol = options.rtol ?? DEFAULTS.rtol;
  const samples = options.samplesPerTensor ?? DEFAULTS.samplesPerTensor;
  backward();
  const analytic = targets.map((t) => Float32Array.from(typeof t.grad === 'function' ? t.grad() : t.grad));
  const report: GradCheckReport = { checked: 0, worstRatio: 0, failures: [] };
  targets.forEach((target, ti) => {
    const all = target.indices ?? Array.from({ length: target.value.length }, (_, i) => i);
    const picked = all.length <= samples ? all : rng.shuffle([...all]).slice(0, samples);
    for (const i of picked) {
      const x0 = target.value[i];
      target.value[i] = x0 + eps;
      const up = target.value[i];
      const lUp = loss();
      target.value[i] = x0 - eps;
      const down = target.value[i];
      const lDown = loss();
      target.value[i] = x0;
      const numeric = (lUp - lDown) / (up - down);
      const a = analytic[ti][i];
      const ratio = Math.abs(numeric - a) / (atol + rtol * Math.max(Math.abs(numeric), Math.abs(a)));
      report.checked++;
      if (!(ratio <= report.worstRatio)) report.worstRatio = ratio;
      if (!(ratio <= 1)) report.failures.push({ tensor: target.name, index: i, analytic: a, numeric });
    }
  });
  return report;
}

/** A fixed random direction r for the scalar test loss L = Σ r_i·y_i (float64), whose gradient ∂L/∂y is r. */
export function randomProjection(rng: Rng, n: number): Float32Array {
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = rng.float() * 2 - 1;
  return r;
}

/** Σ r_i·y_i over the first r.length values, accumulated in float64. */
export function projectionLoss(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i] * r[i];
  return s;
}
