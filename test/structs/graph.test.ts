// Checks semantic-graph decoding on hand cases and against a direct sigmoid-threshold reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { decodeGraph, decodeGraphBatch, graphArcs, NO_ARC } from '../../src/structs/graph.js';

/** A sentence of n words with every arc logit `fill`, label scores zero; `set` places single arcs. */
function blank(n: number, numLabels: number, fill = -5) {
  const size = n + 1;
  const arcs = new Float64Array(size * size).fill(fill);
  const labels = new Float64Array(size * size * numLabels);
  const set = (head: number, dep: number, logit: number, label: number) => {
    arcs[dep * size + head] = logit;
    labels[(dep * size + head) * numLabels + label] = 3;
  };
  return { arcs, labels, set };
}

test('keeps arcs with σ > 0.5 and labels each with its best label', () => {
  const { arcs, labels, set } = blank(3, 4);
  set(0, 2, 2.0, 1); // root → 2
  set(2, 1, 0.7, 3); // 2 → 1
  set(2, 3, 1.5, 0); // 2 → 3
  set(1, 3, 0.3, 2); // 1 → 3: a second head for word 3
  set(3, 1, 0, 2); // σ(0) = 0.5 is not above the threshold
  const arcsOut = graphArcs(decodeGraph(arcs, labels, 3, 4), 3);
  assert.deepEqual(arcsOut, [
    { head: 2, dependent: 1, label: 3 },
    { head: 0, dependent: 2, label: 1 },
    { head: 1, dependent: 3, label: 2 },
    { head: 2, dependent: 3, label: 0 },
  ]);
});

test('a higher threshold drops the weaker arcs', () => {
  const { arcs, labels, set } = blank(3, 2);
  set(0, 2, 2.0, 1); // σ ≈ 0.881
  set(2, 1, 0.7, 0); // σ ≈ 0.668
  set(2, 3, 1.5, 1); // σ ≈ 0.818
  const arcsOut = graphArcs(decodeGraph(arcs, labels, 3, 2, { threshold: 0.8 }), 3);
  assert.deepEqual(arcsOut.map((a) => [a.head, a.dependent]), [[0, 2], [2, 3]]);
});

test('ensureHead gives only headless words their best head', () => {
  const { arcs, labels, set } = blank(3, 3);
  set(0, 2, 2.0, 1);
  set(3, 1, -0.2, 2); // best (but rejected) head of word 1
  set(0, 1, -1.0, 0);
  set(2, 3, 0.9, 0); // word 3 already has a head
  set(1, 3, -0.1, 1); // better than the others rejected for word 3, yet it must not be added
  const plain = graphArcs(decodeGraph(arcs, labels, 3, 3), 3);
  assert.deepEqual(plain.map((a) => [a.head, a.dependent]), [[0, 2], [2, 3]]);
  const ensured = graphArcs(decodeGraph(arcs, labels, 3, 3, { ensureHead: true }), 3);
  assert.deepEqual(ensured, [
    { head: 3, dependent: 1, label: 2 },
    { head: 0, dependent: 2, label: 1 },
    { head: 2, dependent: 3, label: 0 },
  ]);
});

test('never produces self-loops or arcs into the root, whatever the scores', () => {
  const { arcs, labels } = blank(4, 2, 10);
  const graph = decodeGraph(arcs, labels, 4, 2);
  for (let h = 0; h <= 4; h++) assert.equal(graph[h], NO_ARC, `root as dependent of ${h}`);
  for (let d = 0; d <= 4; d++) assert.equal(graph[d * 5 + d], NO_ARC, `self-loop at ${d}`);
  assert.equal(graphArcs(graph, 4).length, 4 * 4); // every other arc passes
});

test('matches a direct sigmoid threshold on random scores, batched equal to per-sentence', () => {
  const rng = new Rng(31);
  const lengths = [5, 0, 3];
  const size = 6;
  const numLabels = 3;
  const arcs = new Float32Array(lengths.length * size * size);
  const labels = new Float32Array(arcs.length * numLabels);
  for (let i = 0; i < arcs.length; i++) arcs[i] = rng.normal() * 2;
  for (let i = 0; i < labels.length; i++) labels[i] = rng.normal();
  for (const threshold of [0.3, 0.5, 0.75]) {
    const graphs = decodeGraphBatch(arcs, labels, lengths, numLabels, undefined, { threshold });
    for (let b = 0; b < lengths.length; b++) {
      const n = lengths[b];
      const o = b * size * size;
      for (let d = 0; d < size; d++) {
        for (let h = 0; h < size; h++) {
          const cell = o + d * size + h;
          const inside = d >= 1 && d <= n && h <= n && h !== d;
          const keep = inside && 1 / (1 + Math.exp(-arcs[cell])) > threshold;
          let best = 0;
          for (let l = 1; l < numLabels; l++) if (labels[cell * numLabels + l] > labels[cell * numLabels + best]) best = l;
          assert.equal(graphs[cell], keep ? best : NO_ARC, `t=${threshold} b=${b} d=${d} h=${h}`);
        }
      }
      const single = new Float32Array((n + 1) * (n + 1));
      const singleLabels = new Float32Array(single.length * numLabels);
      for (let d = 0; d <= n; d++) {
        for (let h = 0; h <= n; h++) {
          single[d * (n + 1) + h] = arcs[o + d * size + h];
          for (let l = 0; l < numLabels; l++) singleLabels[(d * (n + 1) + h) * numLabels + l] = labels[(o + d * size + h) * numLabels + l];
        }
      }
      const oneGraph = decodeGraph(single, singleLabels, n, numLabels, { threshold });
      for (let d = 0; d <= n; d++) for (let h = 0; h <= n; h++) assert.equal(graphs[o + d * size + h], oneGraph[d * (n + 1) + h]);
    }
  }
  assert.throws(() => decodeGraph(new Float64Array(4), new Float64Array(8), 1, 2, { threshold: 1.5 }), RangeError);
});
