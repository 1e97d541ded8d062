// Checks the tree validators by counting the trees they accept against closed-form counts, and on hand cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProjective, isTree, treeScore } from '../../src/structs/tree.js';
import { allTrees } from './brute-trees.js';

function binomial(a: number, b: number): number {
  let r = 1;
  for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
  return Math.round(r);
}

test('isTree and isProjective accept exactly the known numbers of trees', () => {
  for (let n = 1; n <= 5; n++) {
    const trees = allTrees(n);
    // Cayley: arborescences of the complete graph on n + 1 nodes with a fixed root; n^(n-1) with one root child.
    assert.equal(trees.length, (n + 1) ** (n - 1), `all trees, n=${n}`);
    assert.equal(trees.filter((t) => t.singleRoot).length, n ** (n - 1), `single-root trees, n=${n}`);
    // Projective trees under an artificial root: C(3n, n) / (2n + 1); with one root child: C(3n − 2, n − 1) / n.
    assert.equal(trees.filter((t) => t.projective).length, binomial(3 * n, n) / (2 * n + 1), `projective, n=${n}`);
    assert.equal(trees.filter((t) => t.projective && t.singleRoot).length, binomial(3 * n - 2, n - 1) / n, `projective single-root, n=${n}`);
  }
});

test('isTree rejects cycles, self-loops, out-of-range heads and extra root children', () => {
  assert.equal(isTree([-1, 0, 1, 2]), true);
  assert.equal(isTree([-1, 2, 1]), false); // 1 ↔ 2 cycle
  assert.equal(isTree([-1, 1]), false); // self-loop
  assert.equal(isTree([-1, 3]), false); // head beyond n
  assert.equal(isTree([-1, 0, 0]), true);
  assert.equal(isTree([-1, 0, 0], true), false);
  assert.equal(isTree([-1]), true);
  assert.equal(isTree([-1, 0, 3, 2], false), false); // cycle not reachable from the root
});

test('isProjective sees crossing arcs, root arcs included', () => {
  assert.equal(isProjective([-1, 0, 1, 2]), true);
  assert.equal(isProjective([-1, 3, 0, 2, 2]), false); // 3 → 1 crosses 0 → 2
  assert.equal(isProjective([-1, 0, 4, 4, 1]), true); // 4 → 2 and 4 → 3 nested under 1 → 4
  assert.equal(isProjective([-1, 3, 4, 0, 3]), false); // 3 → 1 and 4 → 2 cross
});

test('treeScore sums the arcs of the tree', () => {
  const scores = Float64Array.from([0, 0, 0, 1, 2, 3, 4, 5, 6]); // [3, 3], scores[d * 3 + h]
  assert.equal(treeScore(scores, [-1, 0, 1]), 1 + 5);
  assert.equal(treeScore(scores, [-1, 2, 0]), 3 + 4);
});
