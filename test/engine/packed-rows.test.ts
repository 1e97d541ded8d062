// Packed rows (RowOrder 'packed': sentence-major, no padding): layout helpers, BiLSTM packed = padded, gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addColumnSums } from '../../src/engine/buffers.js';
import { BiLstm } from '../../src/engine/layers/bilstm.js';
import { BlockLinear } from '../../src/engine/layers/block-linear.js';
import { packPlan, packRows, packedStarts, rowCount, unpackRows, type SeqLayout } from '../../src/engine/layout.js';
import { Rng } from '../../src/util/rng.js';
import { checkLayer, randomArray, relDiff } from './grad-helpers.js';
import { forEachBackend } from '../helpers/backends.js';

test('packRows / unpackRows: real rows in sentence order, zero padding on the way back', () => {
  const layout: SeqLayout = { batch: 4, maxLen: 5, lengths: [2, 5, 0, 3] };
  const cols = 3;
  assert.equal(rowCount(layout, 'padded'), 20);
  assert.equal(rowCount(layout, 'packed'), 10);
  assert.deepEqual(Array.from(packedStarts(layout)), [0, 2, 7, 7, 10]);
  const padded = Float32Array.from({ length: 20 * cols }, (_, i) => i + 1);
  const packed = packRows(padded, layout, cols, new Float32Array(64));
  assert.equal(packed.length, 10 * cols);
  const expectRows = [0, 1, 5, 6, 7, 8, 9, 15, 16, 17];
  expectRows.forEach((r, i) => assert.deepEqual(Array.from(packed.subarray(i * cols, (i + 1) * cols)), Array.from(padded.subarray(r * cols, (r + 1) * cols))));
  const back = unpackRows(packed, layout, cols, new Float32Array(20 * cols).fill(-7));
  for (let r = 0; r < 20; r++) {
    for (let c = 0; c < cols; c++) assert.equal(back[r * cols + c], expectRows.includes(r) ? padded[r * cols + c] : 0);
  }
});

test('packPlan over packed rows indexes sentence-major rows without padding', () => {
  const layout: SeqLayout = { batch: 4, maxLen: 5, lengths: [2, 5, 0, 3] };
  const padded = packPlan(layout);
  const packed = packPlan(layout, 'packed');
  assert.equal(packed.rowOrder, 'packed');
  assert.deepEqual(Array.from(packed.active), Array.from(padded.active));
  // Item 1 starts at packed row 2, item 3 at 7, item 0 at 0.
  assert.deepEqual(Array.from(packed.rowForward.subarray(0, 3)), [2, 7, 0]);
  assert.deepEqual(Array.from(packed.rowBackward.subarray(0, 3)), [2 + 4, 7 + 2, 0 + 1]);
  const starts = packedStarts(layout);
  for (let i = 0; i < padded.total; i++) {
    const pr = padded.rowForward[i];
    const b = Math.floor(pr / layout.maxLen);
    assert.equal(packed.rowForward[i], starts[b] + (pr % layout.maxLen));
  }
});

forEachBackend((backend) => {
  test('addColumnSums (one sgemm against ones) adds the column sums of a float64 reference', () => {
    const rng = new Rng(3);
    for (const [rows, cols] of [[1, 1], [7, 5], [333, 129], [0, 4]]) {
      const x = randomArray(rng, rows * cols);
      const out = randomArray(rng, cols);
      const expect = Array.from(out, (v, c) => {
        let s = v;
        for (let r = 0; r < rows; r++) s += x[r * cols + c];
        return s;
      });
      addColumnSums(backend, x, rows, cols, out);
      for (let c = 0; c < cols; c++) assert.ok(Math.abs(out[c] - expect[c]) < 1e-4, `${rows}×${cols} col ${c}: ${out[c]} vs ${expect[c]}`);
    }
  });

  test('BiLSTM over packed rows equals the padded path: outputs, parameter and input gradients', () => {
    const rng = new Rng(21);
    const lengths = [3, 7, 1, 0, 5, 7];
    const layout: SeqLayout = { batch: lengths.length, maxLen: 7, lengths };
    const inSize = 5;
    const padded = new BiLstm(backend, new Rng(22), { name: 'lstm', inputSize: inSize, hiddenSize: 4, numLayers: 2 });
    const packed = new BiLstm(backend, new Rng(22), { name: 'lstm', inputSize: inSize, hiddenSize: 4, numLayers: 2 });
    const rowsPadded = layout.batch * layout.maxLen;
    const total = rowCount(layout, 'packed');
    const xPadded = randomArray(rng, rowsPadded * inSize);
    const xPacked = Float32Array.from(packRows(xPadded, layout, inSize, new Float32Array(total * inSize)));
    const yPadded = Float32Array.from(padded.forward(xPadded, layout));
    const yPacked = packed.forward(xPacked, layout, 'packed');
    assert.equal(yPacked.length, total * packed.outputSize);
    assert.ok(relDiff(yPacked, packRows(yPadded, layout, padded.outputSize, new Float32Array(total * padded.outputSize))) < 1e-6);
    const dyPacked = randomArray(rng, total * packed.outputSize);
    const dyPadded = unpackRows(dyPacked, layout, packed.outputSize, new Float32Array(rowsPadded * packed.outputSize));
    const dxPadded = Float32Array.from(padded.backward(dyPadded));
    const dxPacked = packed.backward(dyPacked);
    assert.equal(dxPacked.length, total * inSize);
    assert.ok(relDiff(dxPacked, packRows(dxPadded, layout, inSize, new Float32Array(total * inSize))) < 1e-5);
    padded.params().forEach((p, i) => {
      const q = packed.params()[i];
      assert.equal(q.name, p.name);
      assert.ok(relDiff(q.grad, p.grad) < 1e-5, `${p.name}: ${relDiff(q.grad, p.grad)}`);
    });
  });

  test('BiLSTM gradients over packed rows, fed by a BlockLinear projection', () => {
    const rng = new Rng(23);
    const layout: SeqLayout = { batch: 3, maxLen: 4, lengths: [2, 4, 3] };
    const total = rowCount(layout, 'packed');
    const h = 2;
    const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 0, hiddenSize: h, projectedInput: true });
    const proj = new BlockLinear(backend, rng, { name: 'proj', blockSizes: [2, 3], outFeatures: lstm.projectionSize, init: { kind: 'uniform', bound: 0.5 }, inputGrad: [true, false] });
    const sel = [true, true];
    const blocks = [2, 3].map((d) => randomArray(rng, total * d));
    checkLayer(
      {
        params: [...proj.params(), ...lstm.params()],
        inputs: { x0: { value: blocks[0] } },
        forward: () => lstm.forward(proj.forward(blocks, total, sel), layout, 'packed'),
        backward: (dy) => ({ x0: proj.backward(lstm.backward(dy))[0]! }),
      },
      24,
      { samplesPerTensor: 16 },
    );
  });
});
