// BiLSTM: forward against a float64 reference per item, padding independence, and gradients on padded batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BiLstm } from '../../src/engine/layers/bilstm.js';
import { BlockLinear } from '../../src/engine/layers/block-linear.js';
import { packPlan } from '../../src/engine/layout.js';
import { Rng } from '../../src/util/rng.js';
import { checkLayer, randomArray, realIndices } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** Plain float64 LSTM over one sequence xs[t][in]; gates (i, f, g, o). */
function referenceLstm(xs: number[][], wih: Float32Array, whh: Float32Array, bias: Float32Array, h: number, row0: number): number[][] {
  const inSize = xs[0]?.length ?? 0;
  let hp = new Array(h).fill(0);
  let cp = new Array(h).fill(0);
  const out: number[][] = [];
  for (const x of xs) {
    const z = new Array(4 * h).fill(0).map((_, r) => {
      let s = bias[row0 + r];
      for (let i = 0; i < inSize; i++) s += wih[(row0 + r) * inSize + i] * x[i];
      for (let j = 0; j < h; j++) s += whh[r * h + j] * hp[j];
      return s;
    });
    const c = cp.map((cv, j) => sig(z[h + j]) * cv + sig(z[j]) * Math.tanh(z[2 * h + j]));
    hp = c.map((cv, j) => sig(z[3 * h + j]) * Math.tanh(cv));
    cp = c;
    out.push(hp);
  }
  return out;
}

test('packPlan: running items are a prefix at every step', () => {
  const plan = packPlan({ batch: 4, maxLen: 5, lengths: [2, 5, 0, 3] });
  assert.deepEqual(Array.from(plan.order), [1, 3, 0, 2]);
  assert.deepEqual(Array.from(plan.active), [3, 3, 2, 1, 1]);
  assert.equal(plan.total, 10);
  assert.deepEqual(Array.from(plan.rowBackward.subarray(0, 3)), [1 * 5 + 4, 3 * 5 + 2, 0 * 5 + 1]);
});

forEachBackend((backend) => {
  test('BiLSTM forward matches a float64 reference per item, zero at padding', () => {
    const rng = new Rng(11);
    const h = 3;
    const inSize = 4;
    const lengths = [3, 5, 1];
    const maxLen = 5;
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: inSize, hiddenSize: h });
    const x = randomArray(rng, 3 * maxLen * inSize);
    const y = lstm.forward(x, { batch: 3, maxLen, lengths });
    const [wih, bias, whhF, whhB] = lstm.params().map((p) => p.value);
    lengths.forEach((n, b) => {
      const xs = Array.from({ length: n }, (_, t) => Array.from(x.subarray((b * maxLen + t) * inSize, (b * maxLen + t + 1) * inSize)));
      const fwd = referenceLstm(xs, wih, whhF, bias, h, 0);
      const bwd = referenceLstm([...xs].reverse(), wih, whhB, bias, h, 4 * h).reverse();
      for (let t = 0; t < maxLen; t++) {
        for (let j = 0; j < h; j++) {
          const row = (b * maxLen + t) * 2 * h;
          if (t >= n) {
            assert.equal(y[row + j], 0);
            assert.equal(y[row + h + j], 0);
          } else {
            assert.ok(Math.abs(y[row + j] - fwd[t][j]) < 1e-5, `fwd b${b} t${t}`);
            assert.ok(Math.abs(y[row + h + j] - bwd[t][j]) < 1e-5, `bwd b${b} t${t}`);
          }
        }
      }
    });
  });

  test('BiLSTM: padding values change neither real outputs nor receive gradient', () => {
    const rng = new Rng(12);
    const layout = { batch: 3, maxLen: 4, lengths: [4, 2, 3] };
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2 });
    const x = randomArray(rng, 12 * 3);
    const y1 = Float32Array.from(lstm.forward(x, layout));
    const x2 = Float32Array.from(x);
    for (let i = 0; i < x2.length; i++) if (!realIndices(layout.lengths, 4, 3).includes(i)) x2[i] = 100 + i;
    const y2 = lstm.forward(x2, layout);
    assert.deepEqual(y2, y1);
    const dx = lstm.backward(randomArray(rng, y1.length));
    const real = new Set(realIndices(layout.lengths, 4, 3));
    for (let i = 0; i < dx.length; i++) if (!real.has(i)) assert.equal(dx[i], 0);
  });

  test('BiLSTM gradients, 2 layers, padded batch', () => {
    const rng = new Rng(13);
    const layout = { batch: 3, maxLen: 4, lengths: [2, 4, 3] };
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 3, hiddenSize: 3, numLayers: 2 });
    const x = randomArray(rng, 12 * 3);
    checkLayer(
      {
        params: lstm.params(),
        inputs: { x: { value: x, indices: realIndices(layout.lengths, 4, 3) } },
        forward: () => lstm.forward(x, layout),
        backward: (dy) => ({ x: lstm.backward(dy) }),
        outputIndices: realIndices(layout.lengths, 4, 6),
      },
      14,
      { samplesPerTensor: 16 },
    );
  });

  test('LSTM (one direction) gradients, padded batch with an empty item', () => {
    const rng = new Rng(15);
    const layout = { batch: 3, maxLen: 3, lengths: [3, 0, 2] };
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 2, hiddenSize: 4, bidirectional: false });
    const x = randomArray(rng, 9 * 2);
    checkLayer(
      {
        params: lstm.params(),
        inputs: { x: { value: x, indices: realIndices(layout.lengths, 3, 2) } },
        forward: () => lstm.forward(x, layout),
        backward: (dy) => ({ x: lstm.backward(dy) }),
        outputIndices: realIndices(layout.lengths, 3, 4),
      },
      16,
    );
  });

  test('BiLSTM fed by a BlockLinear projection (projectedInput) matches gradients end to end', () => {
    const rng = new Rng(17);
    const layout = { batch: 2, maxLen: 3, lengths: [3, 2] };
    const h = 2;
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 0, hiddenSize: h, projectedInput: true });
    const proj = new BlockLinear(backend, rng, { name: 'proj', blockSizes: [2, 3, 2], outFeatures: lstm.projectionSize, init: { kind: 'uniform', bound: 0.5 }, inputGrad: [true, true, true] });
    const sel = [true, false, true];
    const blocks = [2, 3, 2].map((d) => randomArray(rng, 6 * d));
    const params = [...proj.params(), ...lstm.params()];
    assert.equal(lstm.params().some((p) => p.name.includes('weightIh')), false);
    checkLayer(
      {
        params,
        inputs: { x2: { value: blocks[2], indices: realIndices(layout.lengths, 3, 2) } },
        forward: () => lstm.forward(proj.forward(blocks, 6, sel), layout),
        backward: (dy) => ({ x2: proj.backward(lstm.backward(dy))[2]! }),
        outputIndices: realIndices(layout.lengths, 3, 2 * h),
      },
      18,
    );
    assert.ok(proj.weights[1].grad.every((v) => v === 0));
  });
});
