// Optimizers, clipping and schedules: updates against direct formulas, sparse rows, subsets, state round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/engine/param.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { Sgd } from '../../src/engine/optim/sgd.js';
import { clipGradNorm } from '../../src/engine/optim/clip.js';
import { ExponentialLr, ReduceLrOnPlateau } from '../../src/engine/optim/schedulers.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

function param(name: string, shape: number[], rng: Rng, sparse = false): Param {
  const p = new Param(name, shape, { sparseRows: sparse });
  p.value.set(randomArray(rng, p.size));
  return p;
}

forEachBackend((backend) => {
  test('Adam follows the textbook update (with weight decay) over several steps', () => {
    const rng = new Rng(31);
    const p = param('w', [2, 3], rng);
    const ref = Array.from(p.value);
    const m = new Array(6).fill(0);
    const v = new Array(6).fill(0);
    const opt = new Adam(backend, [p], { lr: 0.01, weightDecay: 0.1 });
    for (let t = 1; t <= 4; t++) {
      const g = randomArray(rng, 6);
      p.grad.set(g);
      opt.step();
      for (let i = 0; i < 6; i++) {
        const gi = g[i] + 0.1 * ref[i];
        m[i] = 0.9 * m[i] + 0.1 * gi;
        v[i] = 0.999 * v[i] + 0.001 * gi * gi;
        ref[i] -= (0.01 * m[i]) / (1 - 0.9 ** t) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
        assert.ok(Math.abs(p.value[i] - ref[i]) < 1e-5, `step ${t} element ${i}`);
      }
    }
  });

  test('Adam on a row-sparse parameter updates touched rows only, as dense Adam would', () => {
    const rng = new Rng(32);
    const sparse = param('e', [5, 2], rng, true);
    const dense = new Param('d', [5, 2]);
    dense.value.set(sparse.value);
    const before = Float32Array.from(sparse.value);
    sparse.touched!.touch(3);
    sparse.grad.set([0.5, -0.25], 6);
    dense.grad.set([0.5, -0.25], 6);
    new Adam(backend, [sparse], { lr: 0.1 }).step();
    new Adam(backend, [dense], { lr: 0.1 }).step();
    for (const r of [0, 1, 2, 4]) assert.deepEqual(Array.from(sparse.value.subarray(2 * r, 2 * r + 2)), Array.from(before.subarray(2 * r, 2 * r + 2)));
    assert.deepEqual(Array.from(sparse.value.subarray(6, 8)), Array.from(dense.value.subarray(6, 8)));
    assert.notDeepEqual(Array.from(sparse.value.subarray(6, 8)), Array.from(before.subarray(6, 8)));
  });

  test('Optimizer state round trip resumes bit for bit', () => {
    const rng = new Rng(34);
    const p = param('w', [4], rng);
    const q = new Param('w', [4]);
    const opt = new Adam(backend, [p], { lr: 0.05 });
    const grads = [0, 1, 2, 3].map(() => randomArray(rng, 4));
    for (const g of grads.slice(0, 2)) {
      p.grad.set(g);
      opt.step();
    }
    q.value.set(p.value);
    const resumed = new Adam(backend, [q]);
    resumed.setState(opt.getState());
    assert.equal(resumed.lr, 0.05);
    for (const g of grads.slice(2)) {
      p.grad.set(g);
      q.grad.set(g);
      opt.step();
      resumed.step();
    }
    assert.deepEqual(q.value, p.value);
    assert.throws(() => new Sgd([q], { lr: 1 }).setState(opt.getState()), /adam/);
  });
});

test('SGD with momentum and a step restricted to some parameters', () => {
  const rng = new Rng(33);
  const a = param('a', [3], rng);
  const b = param('b', [3], rng);
  const a0 = Array.from(a.value);
  const b0 = Float32Array.from(b.value);
  const opt = new Sgd([a, b], { lr: 0.5, momentum: 0.9 });
  const g1 = [1, -2, 0.5];
  const g2 = [0.25, 1, -1];
  a.grad.set(g1);
  b.grad.set(g1);
  opt.step([a]);
  a.grad.set(g2);
  opt.step([a]);
  for (let i = 0; i < 3; i++) {
    const buf2 = 0.9 * g1[i] + g2[i];
    assert.ok(Math.abs(a.value[i] - (a0[i] - 0.5 * g1[i] - 0.5 * buf2)) < 1e-6);
  }
  assert.deepEqual(b.value, b0);
  assert.equal(opt.getState().steps.b, 0);
  assert.equal(opt.getState().steps.a, 2);
});

test('clipGradNorm scales to the max norm and counts sparse rows only', () => {
  const a = new Param('a', [2]);
  const e = new Param('e', [3, 2], { sparseRows: true });
  a.grad.set([3, 0]);
  e.grad.set([0, 4], 2);
  e.touched!.touch(1);
  const norm = clipGradNorm([a, e], 1);
  assert.ok(Math.abs(norm - 5) < 1e-12);
  assert.ok(Math.abs(a.grad[0] - 0.6) < 1e-6);
  assert.ok(Math.abs(e.grad[3] - 0.8) < 1e-6);
  assert.ok(Math.abs(clipGradNorm([a, e], 10) - Math.hypot(a.grad[0], e.grad[3])) < 1e-12);
  assert.ok(Math.abs(a.grad[0] - 0.6) < 1e-6);
});

test('ReduceLrOnPlateau (max mode) waits `patience` epochs, floors at minLr, and resumes from its state', () => {
  const target = { lr: 0.1 };
  const s = new ReduceLrOnPlateau(target, { patience: 2, factor: 0.5, minLr: 0.03 });
  const reduced = [0.5, 0.6, 0.6, 0.55, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7].map((m) => s.step(m));
  assert.deepEqual(reduced, [false, false, false, false, true, false, false, false, true, false, false, false]);
  assert.equal(target.lr, 0.03);
  assert.equal(s.atMinimum, true);
  const other = { lr: 1 };
  const s2 = new ReduceLrOnPlateau(other, { patience: 2 });
  s2.setState(new ReduceLrOnPlateau({ lr: 0.2 }, { patience: 2 }).getState());
  assert.equal(other.lr, 0.2);
  const e = new ExponentialLr(target, 0.5);
  e.step();
  e.step();
  assert.equal(target.lr, 0.03 * 0.25);
  assert.deepEqual(e.getState(), { lr: 0.03 * 0.25, epoch: 2 });
});
