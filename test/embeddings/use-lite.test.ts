// Tests the USE-lite layer candidates: shapes, context sensitivity, pooling, padding invariance, one shared execution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tfCore from '@energetic-ai/core';
import type { Sentence } from '../../src/formats/types.js';
import { UsageError } from '../../src/util/errors.js';
import { USE_LITE_MAX_PIECES, USE_LITE_STATE_DIM, alignUseLitePieces, createUseLiteCandidate, pieceWindows } from '../../src/embeddings/use-lite.js';

const opts = { cacheDir: '/nonexistent-never-used' };
const spec = (layer: number, pooling?: string) => ({ name: `use-l${layer}`, kind: 'use-lite' as const, options: { layer, ...(pooling ? { pooling } : {}) } });

const row = (m: Float32Array, i: number, dim: number) => m.subarray(i * dim, (i + 1) * dim);
const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** Counts graph executions, to see that the two layer candidates share one. */
function countExecutions(): { count: () => number; restore: () => void } {
  const proto = (tfCore as unknown as { GraphModel: { prototype: { executeAsync: (...a: unknown[]) => unknown } } }).GraphModel.prototype;
  const original = proto.executeAsync;
  let n = 0;
  proto.executeAsync = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return { count: () => n, restore: () => void (proto.executeAsync = original) };
}

test('alignment: word-by-word pieces, and a word with no piece gets the unknown piece', () => {
  const fake = { encode: (w: string) => (w === '' ? [] : [...w].map((c) => c.charCodeAt(0))) };
  const { ids, spans } = alignUseLitePieces(fake, ['ab', '', 'c']);
  assert.deepEqual(ids, [97, 98, 0, 99]);
  assert.deepEqual(spans, [{ start: 0, end: 2 }, { start: 2, end: 3 }, { start: 3, end: 4 }]);
});

test('use-l0 and use-l1: one 512-d row per word, different layers, shared execution per batch', async () => {
  const l0 = await createUseLiteCandidate(spec(0), opts);
  const l1 = await createUseLiteCandidate(spec(1), opts);
  assert.equal(l0.dim, USE_LITE_STATE_DIM);
  assert.equal(l1.dim, USE_LITE_STATE_DIM);
  assert.equal(l0.frozen, true);
  assert.notEqual(l0.configHash, l1.configHash);
  assert.equal((await createUseLiteCandidate(spec(0), opts)).configHash, l0.configHash);

  const batch: Sentence[] = [
    { words: ['I', 'deposited', 'money', 'at', 'the', 'bank', '.'] },
    { words: ['We', 'sat', 'on', 'the', 'river', 'bank', 'fishing', 'all', 'afternoon', '.'] },
    { words: [] },
  ];
  const spy = countExecutions();
  try {
    const a0 = await l0.embed(batch);
    const a1 = await l1.embed(batch);
    assert.equal(spy.count(), 1, 'layer 1 must reuse the execution made for layer 0');
    assert.deepEqual(a0.map((m) => m.length), batch.map((s) => s.words.length * 512));
    assert.deepEqual(a1.map((m) => m.length), batch.map((s) => s.words.length * 512));
    for (const m of [...a0, ...a1]) assert.ok(m.every(Number.isFinite));
    assert.ok(maxAbsDiff(a0[0], a1[0]) > 1e-3, 'layers 0 and 1 must differ');
    // "bank" in two contexts: contextual states differ.
    for (const a of [a0, a1]) assert.ok(maxAbsDiff(row(a[0], 5, 512), row(a[1], 5, 512)) > 1e-3);
    // Once both layers have read a batch it is dropped: asking again executes again.
    await l0.embed(batch);
    assert.equal(spy.count(), 2);
  } finally {
    spy.restore();
  }
});

test('padding does not leak: a sentence alone equals the same sentence batched with a longer one', async () => {
  const l1 = await createUseLiteCandidate(spec(1), opts);
  const short: Sentence = { words: ['Hello', 'there', '!'] };
  const long: Sentence = { words: 'This is a much longer sentence that forces the short one to be padded .'.split(' ') };
  const [alone] = await l1.embed([short]);
  const [, batched] = await l1.embed([long, short]);
  assert.ok(maxAbsDiff(alone, batched) < 1e-4, `diff ${maxAbsDiff(alone, batched)}`);
});

test('pooling: mean lies between, first_last is first ⊕ last, empty word still gets a finite row', async () => {
  const words = ['Unbelievably', ',', 'antidisestablishmentarianism', 'won', ''];
  const s: Sentence[] = [{ words }];
  const [first] = await (await createUseLiteCandidate(spec(1, 'first'), opts)).embed(s);
  const [last] = await (await createUseLiteCandidate(spec(1, 'last'), opts)).embed(s);
  const [mean] = await (await createUseLiteCandidate(spec(1, 'mean'), opts)).embed(s);
  const fl = await createUseLiteCandidate(spec(1, 'first_last'), opts);
  assert.equal(fl.dim, 1024);
  const [both] = await fl.embed(s);
  for (let w = 0; w < words.length; w++) {
    assert.deepEqual(both.subarray(w * 1024, w * 1024 + 512), row(first, w, 512));
    assert.deepEqual(both.subarray(w * 1024 + 512, (w + 1) * 1024), row(last, w, 512));
  }
  // The long word has several pieces: first, last and mean all differ.
  assert.ok(maxAbsDiff(row(first, 2, 512), row(last, 2, 512)) > 1e-3);
  assert.ok(maxAbsDiff(row(mean, 2, 512), row(first, 2, 512)) > 1e-4);
  assert.ok(row(mean, 4, 512).some((x) => x !== 0) && mean.every(Number.isFinite));
});

test('bad options are usage errors', async () => {
  await assert.rejects(createUseLiteCandidate(spec(2), opts), UsageError);
  await assert.rejects(createUseLiteCandidate(spec(0, 'max'), opts), UsageError);
});

test('piece windows: each piece is kept from exactly one window, windows fit the limit and overlap by half', () => {
  for (const [n, max] of [[1, 128], [128, 128], [129, 128], [200, 128], [1000, 128], [37, 8]]) {
    const ws = pieceWindows(n, max);
    let next = 0;
    for (const w of ws) {
      assert.ok(w.end - w.start <= max && w.start >= 0 && w.end <= n, `window ${JSON.stringify(w)} of ${n}/${max}`);
      assert.equal(w.keepFrom, next, 'kept ranges tile the sentence');
      assert.ok(w.start <= w.keepFrom && w.keepFrom < w.keepTo && w.keepTo <= w.end);
      next = w.keepTo;
    }
    assert.equal(next, n);
    if (n > max) assert.ok(ws.slice(1, -1).every((w) => w.keepFrom - w.start >= max / 4 && w.end - w.keepTo >= max / 4));
  }
});

test('a sentence longer than the graph reads gets a state for every word, the early ones from the first window', async () => {
  const l0 = await createUseLiteCandidate(spec(0), opts);
  // Single-piece words ("mat", say, is two), so word i is piece i.
  const vocab = 'the cat sat on a door and then it ran to it'.split(' ');
  const words = Array.from({ length: 300 }, (_, i) => vocab[i % vocab.length]);
  const [long] = await l0.embed([{ words }]);
  assert.equal(long.length, 300 * USE_LITE_STATE_DIM);
  assert.ok(long.every(Number.isFinite));
  const [prefix] = await l0.embed([{ words: words.slice(0, USE_LITE_MAX_PIECES) }]);
  const kept = pieceWindows(300, USE_LITE_MAX_PIECES)[0].keepTo;
  assert.ok(maxAbsDiff(long.subarray(0, kept * USE_LITE_STATE_DIM), prefix.subarray(0, kept * USE_LITE_STATE_DIM)) < 1e-4);
  // The same word far apart sits in different contexts: its states differ.
  assert.ok(maxAbsDiff(row(long, 12, USE_LITE_STATE_DIM), row(long, 288, USE_LITE_STATE_DIM)) > 1e-3);
});
