// TaggerModel runs its step over packed rows (no padding): same loss, gradients and paths as the padded pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../../src/engine/backend/select.js';
import { LockedDropout } from '../../src/engine/layers/dropout.js';
import { packRows, rowCount, type SeqLayout } from '../../src/engine/layout.js';
import type { Param } from '../../src/engine/param.js';
import { crfNllBatch, crfViterbiBatch } from '../../src/structs/crf.js';
import { TaggerModel, type TaggerDims } from '../../src/tasks/tagger/tagger-model.js';
import { Rng } from '../../src/util/rng.js';
import { relDiff } from '../engine/grad-helpers.js';

const backend = getBackend();

const dims: TaggerDims = {
  blockSizes: [6, 4, 5, 3],
  trainableBlocks: [false, true, false, true],
  hidden: 5,
  numTags: 6,
  outputDropout: 0.3,
  learnedBlockScale: true,
};
const selection = [true, true, false, true];

/** A random variable-length batch: padded blocks with garbage in the padding rows, gold tags at real positions. */
function randomBatch(seed: number, lengths = [4, 9, 1, 6, 9, 2, 7]) {
  const rng = new Rng(seed);
  const layout: SeqLayout = { batch: lengths.length, maxLen: Math.max(...lengths), lengths };
  const rows = layout.batch * layout.maxLen;
  const blocks = dims.blockSizes.map((d, i) => (selection[i] ? Float32Array.from({ length: rows * d }, () => rng.normal()) : null));
  const gold = new Int32Array(rows);
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) gold[b * layout.maxLen + t] = rng.int(dims.numTags);
  });
  return { layout, lengths, blocks, gold };
}

/** The padded pipeline the model used to run: every layer over batch·maxLen rows, the CRF over padded emissions. */
function paddedReference(model: TaggerModel, blocks: readonly (Float32Array | null)[], layout: SeqLayout, gold: Int32Array, rng: Rng) {
  const rows = layout.batch * layout.maxLen;
  const k = dims.numTags;
  const drop = new LockedDropout(dims.outputDropout);
  const gates = model.proj.forward(blocks, rows, selection);
  const h = model.lstm.forward(gates, layout);
  const hd = drop.forward(h, layout.batch, layout.maxLen, model.lstm.outputSize, rng, true);
  const em = model.out.forward(hd, rows);
  const dEm = new Float32Array(rows * k);
  const dTrans = new Float32Array(k * k);
  const dStart = new Float32Array(k);
  const dEnd = new Float32Array(k);
  const params = { numTags: k, transitions: model.transitions.value, start: model.start.value, end: model.end.value };
  const loss = crfNllBatch(em, layout.lengths, gold, params, { emissions: dEm, transitions: dTrans, start: dStart, end: dEnd });
  const scale = 1 / layout.batch;
  for (let i = 0; i < dEm.length; i++) dEm[i] *= scale;
  for (const [p, g] of [[model.transitions, dTrans], [model.start, dStart], [model.end, dEnd]] as const) {
    for (let i = 0; i < g.length; i++) p.grad[i] += g[i] * scale;
  }
  const dBlocks = model.proj.backward(model.lstm.backward(drop.backward(model.out.backward(dEm))));
  return { loss, dBlocks: dBlocks.map((g) => (g ? Float32Array.from(g) : null)) };
}

function assertSameGrads(got: Param[], want: Param[]): void {
  assert.equal(got.length, want.length);
  got.forEach((p, i) => {
    assert.equal(p.name, want[i].name);
    const r = relDiff(p.grad, want[i].grad);
    assert.ok(r < 1e-5, `${p.name}: relative difference ${r}`);
  });
}

for (const [label, lengths] of [['variable lengths', [4, 9, 1, 6, 9, 2, 7]], ['equal lengths (no padding)', [5, 5, 5]]] as const) {
  test(`tagger step over packed rows equals the padded pipeline (${label}): loss, every parameter gradient, block gradients`, () => {
    const { layout, blocks, gold } = randomBatch(5, [...lengths]);
    const model = new TaggerModel(backend, new Rng(9), dims);
    const reference = new TaggerModel(backend, new Rng(9), dims);
    // Non-zero block logits and CRF scores so that every gradient path is exercised.
    for (const m of [model, reference]) {
      const r = new Rng(10);
      for (const p of [m.proj.blockLogits!, m.transitions, m.start, m.end]) for (let i = 0; i < p.size; i++) p.value[i] = r.normal() * 0.5;
    }
    const want = paddedReference(reference, blocks, layout, gold, new Rng(11));
    const got = model.trainStep(blocks, layout, gold, selection, new Rng(11), undefined);
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss), `loss ${got.loss} vs ${want.loss}`);
    assertSameGrads(model.params(), reference.params());
    const real = new Set<number>();
    lengths.forEach((n, b) => {
      for (let t = 0; t < n; t++) real.add(b * layout.maxLen + t);
    });
    dims.blockSizes.forEach((d, i) => {
      const g = got.dBlocks[i];
      const w = want.dBlocks[i];
      if (!(selection[i] && dims.trainableBlocks[i])) {
        assert.equal(g, null);
        return;
      }
      assert.ok(g && w);
      assert.equal(g.length, layout.batch * layout.maxLen * d);
      const r = relDiff(g, w);
      assert.ok(r < 1e-5, `dBlock ${i}: relative difference ${r}`);
      for (let row = 0; row < layout.batch * layout.maxLen; row++) {
        if (!real.has(row)) for (let j = 0; j < d; j++) assert.equal(g[row * d + j], 0);
      }
    });
  });
}

test('tagger step with packed input blocks equals the step with padded ones', () => {
  const { layout, blocks, gold } = randomBatch(6);
  const total = rowCount(layout, 'packed');
  const packed = blocks.map((x, i) => (x ? Float32Array.from(packRows(x, layout, dims.blockSizes[i], new Float32Array(total * dims.blockSizes[i]))) : null));
  const a = new TaggerModel(backend, new Rng(3), dims);
  const b = new TaggerModel(backend, new Rng(3), dims);
  const ra = a.trainStep(blocks, layout, gold, selection, new Rng(4), undefined);
  const rb = b.trainStep(packed, layout, gold, selection, new Rng(4), undefined, 'packed');
  assert.equal(rb.loss, ra.loss);
  assertSameGrads(b.params(), a.params());
  dims.blockSizes.forEach((d, i) => {
    const ga = ra.dBlocks[i];
    const gb = rb.dBlocks[i];
    if (ga === null) return assert.equal(gb, null);
    assert.ok(gb);
    assert.equal(gb.length, total * d);
    assert.deepEqual(gb, packRows(ga, layout, d, new Float32Array(total * d)));
  });
});

test('tagger decode over packed rows: the Viterbi paths of the padded emissions', () => {
  const { layout, blocks } = randomBatch(7);
  const model = new TaggerModel(backend, new Rng(12), dims);
  const reference = new TaggerModel(backend, new Rng(12), dims);
  const rows = layout.batch * layout.maxLen;
  const h = reference.lstm.forward(reference.proj.forward(blocks, rows, selection), layout);
  const em = reference.out.forward(h, rows);
  const params = { numTags: dims.numTags, transitions: reference.transitions.value, start: reference.start.value, end: reference.end.value };
  const want = crfViterbiBatch(em, layout.lengths, params);
  const emPacked = model.emissions(blocks, layout, selection, new Rng(1), false);
  assert.ok(relDiff(emPacked, em) < 1e-5);
  assert.deepEqual(model.decode(blocks, layout, selection, new Rng(1), undefined), want);
});
