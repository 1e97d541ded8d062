// Checks Eisner's algorithm against brute force over all projective trees, and its batched form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { eisner, eisnerBatch, eisnerTableBytes, EisnerWorkspace } from '../../src/structs/eisner.js';
import { isProjective, isTree, treeScore } from '../../src/structs/tree.js';
import { bruteBest, randomScores } from './brute-trees.js';
import { decodePeakMib } from './decode-memory.js';

test('Eisner finds the best projective tree (brute force, n ≤ 6, with and without single root)', () => {
  const rng = new Rng(11);
  const ws = new EisnerWorkspace();
  for (let n = 1; n <= 6; n++) {
    for (let trial = 0; trial < 6; trial++) {
      const scores = randomScores(rng, n, trial % 2 === 0 ? 0 : 2);
      for (const singleRoot of [false, true]) {
        const heads = eisner(scores, n, { singleRoot, workspace: ws });
        const label = `n=${n} trial=${trial} singleRoot=${singleRoot}`;
        assert.equal(heads[0], -1, label);
        assert.ok(isTree(heads, singleRoot), `${label}: not a tree: ${Array.from(heads)}`);
        assert.ok(isProjective(heads), `${label}: not projective: ${Array.from(heads)}`);
        const best = bruteBest(scores, n, (t) => t.projective && (!singleRoot || t.singleRoot));
        const got = treeScore(scores, heads);
        assert.ok(Math.abs(got - best) < 1e-9, `${label}: score ${got}, brute force ${best}`);
      }
    }
  }
});

test('Eisner defaults to a single root and handles the empty sentence', () => {
  const rng = new Rng(12);
  const scores = randomScores(rng, 5, 5);
  assert.ok(isTree(eisner(scores, 5), true), 'default is single root');
  assert.deepEqual(Array.from(eisner(new Float64Array(1), 0)), [-1]);
});

test('batched Eisner equals per-sentence decoding and pads with −1', () => {
  const rng = new Rng(13);
  const lengths = [4, 0, 6, 1];
  const size = 7;
  const batch = new Float32Array(lengths.length * size * size);
  for (let i = 0; i < batch.length; i++) batch[i] = rng.normal();
  const out = new Int32Array(lengths.length * size).fill(99);
  const heads = eisnerBatch(batch, lengths, out);
  assert.equal(heads, out);
  for (let b = 0; b < lengths.length; b++) {
    const n = lengths[b];
    const single = new Float32Array((n + 1) * (n + 1));
    for (let d = 0; d <= n; d++) for (let h = 0; h <= n; h++) single[d * (n + 1) + h] = batch[b * size * size + d * size + h];
    assert.deepEqual(Array.from(heads.subarray(b * size, b * size + n + 1)), Array.from(eisner(single, n)), `sentence ${b}`);
    for (let i = n + 1; i < size; i++) assert.equal(heads[b * size + i], -1);
  }
});

test('Eisner on a longer sentence returns a valid projective single-root tree', () => {
  const rng = new Rng(14);
  const n = 80;
  const heads = eisner(randomScores(rng, n, 1), n);
  assert.ok(isTree(heads, true) && isProjective(heads), 'well-formed projective tree');
});

test('Eisner keeps two float64 tables of (n+1)² cells and no split tables: 16 bytes per pair', () => {
  const n = 700;
  assert.equal(eisnerTableBytes(n), 16 * 701 * 701);
  const ws = new EisnerWorkspace();
  eisner(randomScores(new Rng(15), n, 1), n, { workspace: ws });
  assert.equal(ws.complete.byteLength + ws.incomplete.byteLength, eisnerTableBytes(n));
  // The tables are 7.5 MiB; four float64 and three int32 tables (44 bytes per pair) were 20.6 MiB.
  const rise = decodePeakMib('eisner', n);
  assert.ok(rise < 12, `peak RSS rose ${rise.toFixed(1)} MiB while decoding`);
});
