// Checks Chu-Liu-Edmonds (with and without the single-root constraint) against brute force over all trees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { chuLiuEdmonds, mst, mstBatch } from '../../src/structs/mst.js';
import { eisner } from '../../src/structs/eisner.js';
import { isProjective, isTree, treeScore } from '../../src/structs/tree.js';
import { bruteBest, randomScores } from './brute-trees.js';
import { decodePeakMib } from './decode-memory.js';
import { referenceArborescence } from './reference-cle.js';

test('MST finds the best tree (brute force, n ≤ 6, with and without single root)', () => {
  const rng = new Rng(21);
  for (let n = 1; n <= 6; n++) {
    for (let trial = 0; trial < 6; trial++) {
      const scores = randomScores(rng, n, trial % 2 === 0 ? 0 : 2);
      for (const singleRoot of [false, true]) {
        const heads = mst(scores, n, { singleRoot });
        const label = `n=${n} trial=${trial} singleRoot=${singleRoot}`;
        assert.equal(heads[0], -1, label);
        assert.ok(isTree(heads, singleRoot), `${label}: not a tree: ${Array.from(heads)}`);
        const best = bruteBest(scores, n, (t) => !singleRoot || t.singleRoot);
        const got = treeScore(scores, heads);
        assert.ok(Math.abs(got - best) < 1e-9, `${label}: score ${got}, brute force ${best}`);
      }
    }
  }
});

test('MST recovers a non-projective tree that Eisner cannot', () => {
  // Gold: 0 → 2, 2 → 4, 4 → 1, 2 → 3; arc 4 → 1 crosses 0 → 2.
  const n = 4;
  const gold = [-1, 4, 0, 2, 2];
  const scores = new Float64Array(25);
  for (let d = 1; d <= n; d++) scores[d * 5 + gold[d]] = 10;
  const heads = mst(scores, n);
  assert.deepEqual(Array.from(heads), gold);
  assert.equal(isProjective(heads), false);
  const projective = eisner(scores, n);
  assert.ok(treeScore(scores, projective) < treeScore(scores, heads), 'Eisner must lose an arc');
});

test('chuLiuEdmonds breaks a greedy cycle where the entering arc loses least (hand case)', () => {
  // Nodes 0 (root), 1, 2, 3. Greedy heads form the cycle 1 → 2 → 3 → 1; the root arc enters at 2
  // (it loses the least: 2 − 5 versus 1 − 9 and 0 − 6), so the tree is 0 → 2 → 3 → 1.
  const m = 4;
  const w = new Float64Array(m * m).fill(-Infinity);
  const arc = (h: number, d: number, s: number) => (w[d * m + h] = s);
  arc(0, 1, 1);
  arc(0, 2, 2);
  arc(0, 3, 0);
  arc(3, 1, 9);
  arc(1, 2, 5);
  arc(2, 3, 6);
  assert.deepEqual(Array.from(chuLiuEdmonds(w, m, 0)), [-1, 3, 0, 2]);
});

test('MST on longer sentences: valid single-root trees, never worse than Eisner', () => {
  const rng = new Rng(22);
  for (const n of [20, 60]) {
    const scores = randomScores(rng, n, 1.5);
    const heads = mst(scores, n);
    assert.ok(isTree(heads, true), `n=${n}: well-formed single-root tree`);
    const free = mst(scores, n, { singleRoot: false });
    assert.ok(isTree(free), `n=${n}: well-formed tree`);
    assert.ok(treeScore(scores, free) >= treeScore(scores, heads) - 1e-9, 'the constraint cannot raise the score');
    assert.ok(treeScore(scores, heads) >= treeScore(scores, eisner(scores, n)) - 1e-9, 'MST ≥ best projective tree');
  }
});

test('batched MST equals per-sentence decoding and pads with −1', () => {
  const rng = new Rng(23);
  const lengths = new Int32Array([3, 5, 0]);
  const size = 6;
  const batch = new Float32Array(lengths.length * size * size);
  for (let i = 0; i < batch.length; i++) batch[i] = rng.normal() + (i % size === 0 ? 2 : 0);
  const heads = mstBatch(batch, lengths);
  for (let b = 0; b < lengths.length; b++) {
    const n = lengths[b];
    const single = new Float32Array((n + 1) * (n + 1));
    for (let d = 0; d <= n; d++) for (let h = 0; h <= n; h++) single[d * (n + 1) + h] = batch[b * size * size + d * size + h];
    assert.deepEqual(Array.from(heads.subarray(b * size, b * size + n + 1)), Array.from(mst(single, n)), `sentence ${b}`);
    for (let i = n + 1; i < size; i++) assert.equal(heads[b * size + i], -1);
  }
});

test('chuLiuEdmonds gives the textbook recursive contraction\'s tree on random dense graphs with many cycles', () => {
  const rng = new Rng(24);
  let cyclic = 0;
  for (const m of [3, 5, 9, 17, 40, 90]) {
    for (let trial = 0; trial < 8; trial++) {
      const w = new Float64Array(m * m);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      const want = referenceArborescence(w, m, 0);
      // Greedy heads with a cycle: the case contractions are for.
      const greedy = Array.from({ length: m }, (_, d) => (d === 0 ? -1 : [...Array(m).keys()].filter((h) => h !== d).reduce((a, b) => (w[d * m + b] > w[d * m + a] ? b : a))));
      if (!isTree(Int32Array.from(greedy))) cyclic++;
      assert.deepEqual(Array.from(chuLiuEdmonds(w, m, 0)), Array.from(want), `m=${m} trial=${trial}`);
    }
  }
  assert.ok(cyclic >= 30, `${cyclic} of 48 graphs had a greedy cycle`);
});

test('MST reads the scores in place: decoding 1 200 words of random scores takes O(n) memory beyond them', () => {
  // The scores are 5.5 MiB of float32; a float64 copy alone would be 11 MiB, and one per contraction level far more
  // (1 GiB before the decoder read them in place). The O(n) arrays are small; the rest is the engine's own growth.
  const rise = decodePeakMib('mst', 1200);
  assert.ok(rise < 8, `peak RSS rose ${rise.toFixed(1)} MiB while decoding`);
});
