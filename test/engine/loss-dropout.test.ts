// Losses (softmax CE, sigmoid BCE) and dropout variants: values against direct formulas, gradients, masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softmaxCrossEntropy } from '../../src/engine/loss/softmax-cross-entropy.js';
import { sigmoidBinaryCrossEntropy } from '../../src/engine/loss/binary-cross-entropy.js';
import { Dropout, LockedDropout } from '../../src/engine/layers/dropout.js';
import { gradCheck } from '../../src/engine/gradcheck.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  test('softmax cross-entropy: value, ignored rows, finite-difference gradient', () => {
    const rng = new Rng(21);
    const rows = 4;
    const cols = 5;
    const x = randomArray(rng, rows * cols, 3);
    const targets = Int32Array.from([2, -1, 0, 4]);
    const grad = new Float32Array(rows * cols);
    const { loss, count } = softmaxCrossEntropy(backend, x, rows, cols, targets, grad);
    assert.equal(count, 3);
    let expected = 0;
    for (const r of [0, 2, 3]) {
      let z = 0;
      for (let c = 0; c < cols; c++) z += Math.exp(x[r * cols + c]);
      expected += Math.log(z) - x[r * cols + targets[r]];
    }
    assert.ok(Math.abs(loss - expected / 3) < 1e-5);
    assert.ok(grad.subarray(cols, 2 * cols).every((v) => v === 0));
    const report = gradCheck(
      () => softmaxCrossEntropy(backend, x, rows, cols, targets, null, { reduction: 'sum' }).loss,
      () => softmaxCrossEntropy(backend, x, rows, cols, targets, grad, { reduction: 'sum' }),
      [{ name: 'logits', value: x, grad }],
      rng,
      { samplesPerTensor: 40 },
    );
    assert.deepEqual(report.failures, []);
  });
});

test('sigmoid BCE: stable for large logits, mask, finite-difference gradient', () => {
  const rng = new Rng(22);
  const x = Float32Array.from([0.3, -2, 50, -50, 1.5, 0.1]);
  const y = [1, 0, 1, 1, 0, 1];
  const mask = Uint8Array.from([1, 1, 1, 1, 1, 0]);
  const grad = new Float32Array(6);
  const { loss, count } = sigmoidBinaryCrossEntropy(x, y, mask, grad, { reduction: 'sum' });
  assert.equal(count, 5);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const direct = [0, 1, 2, 4].reduce((s, i) => s - (y[i] ? Math.log(sig(x[i])) : Math.log(1 - sig(x[i]))), 0) + 50;
  assert.ok(Math.abs(loss - direct) < 1e-6);
  assert.equal(grad[5], 0);
  const xs = randomArray(rng, 6, 2);
  const report = gradCheck(
    () => sigmoidBinaryCrossEntropy(xs, y, mask, null).loss,
    () => sigmoidBinaryCrossEntropy(xs, y, mask, grad),
    [{ name: 'logits', value: xs, grad }],
    rng,
  );
  assert.deepEqual(report.failures, []);
});

test('gradCheck reports a wrong gradient', () => {
  const rng = new Rng(23);
  const x = randomArray(rng, 5);
  const grad = new Float32Array(5);
  const report = gradCheck(
    () => x.reduce((s, v) => s + v * v * v, 0),
    () => x.forEach((v, i) => (grad[i] = 3 * v * v * 1.05)),
    [{ name: 'x', value: x, grad }],
    rng,
  );
  assert.ok(report.failures.length > 0);
});

test('Dropout: identity at eval; mask scaled 1/(1−p) and reused by backward', () => {
  const rng = new Rng(24);
  const d = new Dropout(0.25);
  const x = randomArray(rng, 4000);
  assert.equal(d.forward(x, rng, false), x);
  const y = Float32Array.from(d.forward(x, rng, true));
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    if (y[i] === 0) zeros++;
    else assert.equal(y[i], Math.fround(x[i] * (1 / 0.75)));
  }
  assert.ok(zeros > 800 && zeros < 1200, `dropped ${zeros}`);
  const ones = new Float32Array(4000).fill(1);
  const dx = d.backward(ones);
  for (let i = 0; i < x.length; i++) assert.equal(dx[i] === 0, y[i] === 0);
});

test('LockedDropout shares its mask over time', () => {
  const rng = new Rng(25);
  const ld = new LockedDropout(0.5);
  const batch = 3;
  const maxLen = 4;
  const cols = 8;
  const ones = new Float32Array(batch * maxLen * cols).fill(1);
  const m = ld.forward(ones, batch, maxLen, cols, rng, true);
  for (let b = 0; b < batch; b++) {
    for (let t = 1; t < maxLen; t++) {
      assert.deepEqual(Array.from(m.subarray((b * maxLen + t) * cols, (b * maxLen + t + 1) * cols)), Array.from(m.subarray(b * maxLen * cols, (b * maxLen + 1) * cols)));
    }
  }
  assert.ok(m.every((v) => v === 0 || v === 2));
  assert.deepEqual(ld.backward(ones), m);
});

test('LockedDropout: packed rows get the same masks as padded rows; the two draws; in-place scaling with a row mask', () => {
  const batch = 3;
  const maxLen = 5;
  const cols = 6;
  const lengths = [5, 2, 3];
  const x = randomArray(new Rng(3), batch * maxLen * cols);
  const padded = new LockedDropout(0.4);
  const y = Float32Array.from(padded.forward(x, batch, maxLen, cols, new Rng(9), true));
  // The packed copy of x's real rows, through another instance with the same rng state.
  const packedX = new Float32Array(10 * cols);
  let o = 0;
  lengths.forEach((n, b) => {
    packedX.set(x.subarray(b * maxLen * cols, (b * maxLen + n) * cols), o);
    o += n * cols;
  });
  const packed = new LockedDropout(0.4);
  const yp = packed.forwardPacked(packedX, { batch, maxLen, lengths }, cols, new Rng(9), true);
  o = 0;
  lengths.forEach((n, b) => {
    assert.deepEqual(Array.from(yp.subarray(o, o + n * cols)), Array.from(y.subarray(b * maxLen * cols, (b * maxLen + n) * cols)));
    o += n * cols;
  });
  // 'drop-below' drops exactly where 'keep-below' keeps, for uniforms on either side of 1 − p = p = 0.5.
  const ones = new Float32Array(batch * maxLen * cols).fill(1);
  const keepBelow = Float32Array.from(new LockedDropout(0.5).forward(ones, batch, maxLen, cols, new Rng(4), true));
  const dropBelow = new LockedDropout(0.5, 'drop-below').forward(ones, batch, maxLen, cols, new Rng(4), true);
  for (let i = 0; i < ones.length; i++) assert.equal(keepBelow[i] === 0, dropBelow[i] !== 0, `element ${i}`);
  // scaleInPlace: the forward's values times a 0/1 row scale, in place.
  const inPlace = new LockedDropout(0.4);
  assert.equal(inPlace.drawMask(batch, cols, new Rng(9), true), true);
  const rowScale = Float32Array.from({ length: batch * maxLen }, (_, r) => (r % 4 === 1 ? 0 : 1));
  const z = Float32Array.from(x);
  inPlace.scaleInPlace(z, Int32Array.from([0, maxLen, 2 * maxLen, 3 * maxLen]), rowScale);
  for (let i = 0; i < z.length; i++) assert.equal(z[i], rowScale[Math.floor(i / cols)] === 0 ? y[i] * 0 : y[i], `element ${i}`);
  assert.equal(inPlace.drawMask(batch, cols, new Rng(9), false), false, 'no mask outside training');
});
