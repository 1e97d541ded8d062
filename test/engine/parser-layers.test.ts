// MLP, Biaffine and the id-sequence encoder: forward against direct formulas, gradients by finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp } from '../../src/engine/layers/mlp.js';
import { Biaffine } from '../../src/engine/layers/biaffine.js';
import { SequenceEncoder } from '../../src/engine/layers/char-encoder.js';
import { BiLstm } from '../../src/engine/layers/bilstm.js';
import { Rng } from '../../src/util/rng.js';
import { checkLayer, randomArray } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  test('MLP: LeakyReLU forward and gradients', () => {
    const rng = new Rng(41);
    const mlp = new Mlp(backend, rng, { name: 'mlp', inFeatures: 4, outFeatures: 5 });
    mlp.linear.bias!.value.set(randomArray(rng, 5));
    const x = randomArray(rng, 3 * 4, 2);
    const y = mlp.forward(x, 3);
    const z = mlp.linear.forward(x, 3);
    const zc = Float32Array.from(z);
    const y2 = mlp.forward(x, 3);
    for (let i = 0; i < zc.length; i++) assert.equal(y2[i], zc[i] > 0 ? zc[i] : Math.fround(0.1 * zc[i]));
    assert.ok(y.some((v) => v < 0));
    checkLayer({ params: mlp.params(), inputs: { x: { value: x } }, forward: () => mlp.forward(x, 3), backward: (d) => ({ x: mlp.backward(d) }) }, 42);
  });

  test('SequenceEncoder: final states of both directions, empty items zero, gradients', () => {
    const rng = new Rng(47);
    const enc = new SequenceEncoder(backend, rng, { name: 'chars', vocabSize: 7, embeddingDim: 3, hiddenSize: 2 });
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6, 1]);
    const lengths = Int32Array.from([3, 0, 4]);
    const out = Float32Array.from(enc.forward(ids, lengths));
    assert.deepEqual(Array.from(out.subarray(4, 8)), [0, 0, 0, 0]);
    // Item 2 alone gives the same vector: no leakage between items.
    const alone = enc.forward(Int32Array.from([4, 5, 6, 1]), Int32Array.from([4]));
    assert.deepEqual(Array.from(alone), Array.from(out.subarray(8, 12)));
    // Equals a BiLSTM over the embedded ids, read at the ends.
    const lstm: BiLstm = enc.lstm;
    const y = lstm.forward(enc.embedding.forward(Int32Array.from([1, 2, 3])), { batch: 1, maxLen: 3, lengths: [3] });
    assert.deepEqual(Array.from(out.subarray(0, 4)), [y[8], y[9], y[2], y[3]]);
    checkLayer({ params: enc.params(), inputs: {}, forward: () => enc.forward(ids, lengths), backward: (d) => (enc.backward(d), {}) }, 48);
  });

  test('Biaffine pairs: forwardPairs/backwardPairs equal the full grid at the chosen pairs', () => {
    const rng = new Rng(91);
    const n = 4;
    const k = 3;
    const batch = 2;
    const t = 4;
    const bi = new Biaffine(backend, { name: 'p', inFeatures: n, outFeatures: k, biasX: true, biasY: true });
    bi.weight.value.set(randomArray(rng, bi.weight.size));
    const x = randomArray(rng, batch * t * n);
    const y = randomArray(rng, batch * t * n);
    // Pairs (b, i, j): row of x is b·t+i, row of y is b·t+j; one pair repeated to check accumulation.
    const pairs: [number, number, number][] = [[0, 1, 0], [0, 3, 2], [1, 0, 3], [1, 2, 2], [0, 1, 0]];
    const xRows = Int32Array.from(pairs, ([b, i]) => b * t + i);
    const yRows = Int32Array.from(pairs, ([b, , j]) => b * t + j);
    const full = Float32Array.from(bi.forward(x, y, batch, t));
    const ps = Float32Array.from(bi.forwardPairs(x, y, batch * t, xRows, yRows));
    pairs.forEach(([b, i, j], p) => {
      for (let o = 0; o < k; o++) assert.ok(Math.abs(ps[p * k + o] - full[((b * t + i) * t + j) * k + o]) < 1e-5);
    });
    // The same upstream gradient, given per pair or scattered into the grid, yields the same gradients.
    const ds = randomArray(rng, pairs.length * k);
    bi.weight.grad.fill(0);
    const gp = bi.backwardPairs(ds);
    const dxPairs = Float32Array.from(gp.dx);
    const dyPairs = Float32Array.from(gp.dy);
    const dwPairs = Float32Array.from(bi.weight.grad);
    const grid = new Float32Array(batch * t * t * k);
    pairs.forEach(([b, i, j], p) => {
      for (let o = 0; o < k; o++) grid[((b * t + i) * t + j) * k + o] += ds[p * k + o];
    });
    bi.weight.grad.fill(0);
    bi.forward(x, y, batch, t);
    const gf = bi.backward(grid);
    const close = (a: Float32Array, b: Float32Array) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(b[i])), `${v} vs ${b[i]}`));
    close(dxPairs, gf.dx);
    close(dyPairs, gf.dy);
    close(dwPairs, bi.weight.grad);
  });

  for (const [k, biasX, biasY] of [[1, true, false], [3, true, true], [2, false, true]] as const) {
    test(`Biaffine out=${k} biasX=${biasX} biasY=${biasY}: direct formula and gradients`, () => {
      const rng = new Rng(43 + k);
      const n = 3;
      const batch = 2;
      const t = 3;
      const bi = new Biaffine(backend, { name: 'b', inFeatures: n, outFeatures: k, biasX, biasY });
      assert.ok(bi.weight.value.every((v) => v === 0));
      bi.weight.value.set(randomArray(rng, bi.weight.size));
      const x = randomArray(rng, batch * t * n);
      const y = randomArray(rng, batch * t * n);
      const s = bi.forward(x, y, batch, t);
      const [n1, , n2] = bi.weight.shape;
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < t; i++) {
          for (let j = 0; j < t; j++) {
            for (let o = 0; o < k; o++) {
              let e = 0;
              for (let p = 0; p < n1; p++) {
                for (let q = 0; q < n2; q++) {
                  const xv = p < n ? x[(b * t + i) * n + p] : 1;
                  const yv = q < n ? y[(b * t + j) * n + q] : 1;
                  e += xv * bi.weight.value[(p * k + o) * n2 + q] * yv;
                }
              }
              assert.ok(Math.abs(s[((b * t + i) * t + j) * k + o] - e) < 1e-5);
            }
          }
        }
      }
      checkLayer(
        { params: bi.params(), inputs: { x: { value: x }, y: { value: y } }, forward: () => bi.forward(x, y, batch, t), backward: (d) => { const g = bi.backward(d); return { x: g.dx, y: g.dy }; } },
        50 + k,
      );
    });
  }
});

