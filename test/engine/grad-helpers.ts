// Shared harness for layer gradient checks: a random linear loss over a layer's output, checked by finite differences.
import assert from 'node:assert/strict';
import type { Param } from '../../src/engine/param.js';
import { gradCheck, projectionLoss, randomProjection, type GradCheckOptions, type GradTarget } from '../../src/engine/gradcheck.js';
import { Rng } from '../../src/util/rng.js';

export interface LayerUnderTest {
  params: Param[];
  /** Forward pass; returns the output whose projection is the loss. */
  forward: () => Float32Array;
  /** Backward from dy; returns input gradients by input name. */
  backward: (dy: Float32Array) => Record<string, Float32Array>;
  inputs: Record<string, { value: Float32Array; indices?: number[] }>;
  /** Output elements in the loss (e.g. only real rows); default all. */
  outputIndices?: number[];
}

/** Runs a gradient check over every param and input; asserts no failure and returns the report. */
export function checkLayer(layer: LayerUnderTest, seed: number, options: GradCheckOptions = {}) {
  const rng = new Rng(seed);
  const y0 = layer.forward();
  const r = randomProjection(rng, y0.length);
  if (layer.outputIndices) {
    const keep = new Uint8Array(r.length);
    for (const i of layer.outputIndices) keep[i] = 1;
    for (let i = 0; i < r.length; i++) if (!keep[i]) r[i] = 0;
  }
  let inputGrads: Record<string, Float32Array> = {};
  const targets: GradTarget[] = layer.params.map((p) => ({ name: p.name, value: p.value, grad: p.grad }));
  for (const [name, inp] of Object.entries(layer.inputs)) {
    targets.push({ name: `input:${name}`, value: inp.value, grad: () => inputGrads[name], ...(inp.indices ? { indices: inp.indices } : {}) });
  }
  const report = gradCheck(
    () => projectionLoss(layer.forward(), r),
    () => {
      for (const p of layer.params) p.zeroGrad();
      layer.forward();
      const got = layer.backward(r);
      inputGrads = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, Float32Array.from(v)]));
    },
    targets,
    rng,
    options,
  );
  assert.deepEqual(report.failures, [], `gradient check failed (worst ratio ${report.worstRatio})`);
  assert.ok(report.checked > 0);
  return report;
}

export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.float() * 2 - 1) * scale;
  return a;
}

/** Flat indices of the real (non-padding) rows of a padded [batch·maxLen, width] matrix. */
export function realIndices(lengths: readonly number[], maxLen: number, width: number): number[] {
  const out: number[] = [];
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) for (let j = 0; j < width; j++) out.push((b * maxLen + t) * width + j);
  });
  return out;
}

/** max |a − b| relative to max |b| (1 when b is all zero and a is not). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}
