// Linear, BlockLinear and Embedding: forward against direct sums, gradients against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linear } from '../../src/engine/layers/linear.js';
import { BlockLinear } from '../../src/engine/layers/block-linear.js';
import { Embedding } from '../../src/engine/layers/embedding.js';
import { Rng } from '../../src/util/rng.js';
import { checkLayer, randomArray } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  test('Linear forward equals x·Wᵀ + b computed directly', () => {
    const rng = new Rng(1);
    const lin = new Linear(backend, rng, { name: 'l', inFeatures: 5, outFeatures: 3 });
    lin.bias!.value.set([0.5, -1, 2]);
    const x = randomArray(rng, 4 * 5);
    const y = lin.forward(x, 4);
    for (let r = 0; r < 4; r++) {
      for (let o = 0; o < 3; o++) {
        let s = lin.bias!.value[o];
        for (let i = 0; i < 5; i++) s += x[r * 5 + i] * lin.weight.value[o * 5 + i];
        assert.ok(Math.abs(y[r * 3 + o] - s) < 1e-5);
      }
    }
  });

  test('Linear gradients (with and without bias)', () => {
    for (const bias of [true, false]) {
      const rng = new Rng(2);
      const lin = new Linear(backend, rng, { name: 'l', inFeatures: 6, outFeatures: 4, bias });
      if (lin.bias) lin.bias.value.set(randomArray(rng, 4));
      const x = randomArray(rng, 3 * 6);
      checkLayer({ params: lin.params(), inputs: { x: { value: x } }, forward: () => lin.forward(x, 3), backward: (dy) => ({ x: lin.backward(dy) }) }, 3);
    }
  });

  test('BlockLinear equals a Linear over the concatenation of the selected blocks, with or without adjacent runs', () => {
    const rng = new Rng(4);
    const sizes = [3, 2, 4];
    const bl = new BlockLinear(backend, rng, { name: 'b', blockSizes: sizes, outFeatures: 5 });
    bl.bias!.value.set(randomArray(rng, 5));
    const rows = 3;
    const blocks = sizes.map((d) => randomArray(rng, rows * d));
    // [T, F, T] multiplies block by block; the others gather adjacent selected blocks into one product.
    for (const sel of [[true, false, true], [true, true, true], [false, true, true], [true, true, false]]) {
      const y = Float32Array.from(bl.forward(blocks, rows, sel));
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < 5; o++) {
          let s = bl.bias!.value[o];
          sizes.forEach((d, b) => {
            if (!sel[b]) return;
            // Block weights are stored transposed: [d_b, out].
            for (let i = 0; i < d; i++) s += blocks[b][r * d + i] * bl.weights[b].value[i * 5 + o];
          });
          assert.ok(Math.abs(y[r * 5 + o] - s) < 1e-5, `selection ${sel.join(',')}`);
        }
      }
      // A deselected block may be absent altogether.
      assert.deepEqual(bl.forward(blocks.map((x, i) => (sel[i] ? x : null)), rows, sel), y);
    }
  });

  test('BlockLinear gradients with a block deselected; deselected weights get exactly zero gradient', () => {
    for (const learnedBlockScale of [false, true]) {
      const rng = new Rng(5);
      const sizes = [3, 2, 4, 2];
      const sel = [true, false, true, true];
      const bl = new BlockLinear(backend, rng, { name: 'b', blockSizes: sizes, outFeatures: 4, learnedBlockScale, inputGrad: [true, true, false, true] });
      bl.bias!.value.set(randomArray(rng, 4));
      if (bl.blockLogits) bl.blockLogits.value.set(randomArray(rng, 4));
      const rows = 3;
      const blocks = sizes.map((d) => randomArray(rng, rows * d));
      checkLayer(
        {
          params: bl.params(),
          inputs: { x0: { value: blocks[0] }, x3: { value: blocks[3] } },
          forward: () => bl.forward(blocks, rows, sel),
          backward: (dy) => {
            const dx = bl.backward(dy);
            assert.equal(dx[1], null);
            assert.equal(dx[2], null);
            return { x0: dx[0]!, x3: dx[3]! };
          },
        },
        6,
      );
      assert.ok(bl.weights[1].grad.every((v) => v === 0));
      if (bl.blockLogits) assert.equal(bl.blockLogits.grad[1], 0);
      assert.deepEqual(bl.paramsFor(sel).map((p) => p.name).includes('b.block1.weight'), false);
    }
  });
});

test('Embedding looks rows up and accumulates a row-sparse gradient', () => {
  const rng = new Rng(7);
  const emb = new Embedding(rng, { name: 'e', count: 10, dim: 3 });
  const ids = Int32Array.from([4, 2, 4, 9]);
  const y = emb.forward(ids);
  assert.deepEqual(Array.from(y.subarray(3, 6)), Array.from(emb.weight.value.subarray(6, 9)));
  const dy = randomArray(rng, 12);
  emb.backward(dy);
  assert.deepEqual(Array.from(emb.weight.touched!.indices()).sort(), [2, 4, 9]);
  for (let j = 0; j < 3; j++) assert.equal(emb.weight.grad[4 * 3 + j], Math.fround(dy[j] + dy[6 + j]));
  assert.ok(emb.weight.grad.subarray(0, 6).every((v) => v === 0));
  checkLayer({ params: emb.params(), inputs: {}, forward: () => emb.forward(ids), backward: (d) => (emb.backward(d), {}) }, 8);
  emb.weight.zeroGrad();
  assert.ok(emb.weight.grad.every((v) => v === 0));
  assert.equal(emb.weight.touched!.count, 0);
  assert.throws(() => emb.forward(Int32Array.from([10])), /outside/);
});
