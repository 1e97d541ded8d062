// Test helper: every head assignment over n words that forms a tree, for brute-force checks of the tree decoders.

import type { Rng } from '../../src/util/rng.js';
import { isProjective, isTree } from '../../src/structs/tree.js';

export interface EnumeratedTree {
  heads: Int32Array;
  singleRoot: boolean;
  projective: boolean;
}

const cache = new Map<number, EnumeratedTree[]>();

/** All trees over words 1..n rooted at 0 (heads[0] = −1), found by filtering all n^n head assignments. */
export function allTrees(n: number): EnumeratedTree[] {
  const hit = cache.get(n);
  if (hit !== undefined) return hit;
  const trees: EnumeratedTree[] = [];
  const heads = new Int32Array(n + 1);
  heads[0] = -1;
  const choose = (d: number): void => {
    if (d > n) {
      if (isTree(heads)) {
        const copy = heads.slice();
        let rootChildren = 0;
        for (let i = 1; i <= n; i++) if (copy[i] === 0) rootChildren++;
        trees.push({ heads: copy, singleRoot: rootChildren === 1, projective: isProjective(copy) });
      }
      return;
    }
    for (let h = 0; h <= n; h++) {
      if (h === d) continue;
      heads[d] = h;
      choose(d + 1);
    }
  };
  choose(1);
  cache.set(n, trees);
  return trees;
}

/** The best score among trees passing `keep`, by enumeration. `scores [n+1, n+1]`, scores[d * (n+1) + h]. */
export function bruteBest(scores: Float64Array, n: number, keep: (t: EnumeratedTree) => boolean): number {
  let best = -Infinity;
  for (const tree of allTrees(n)) {
    if (!keep(tree)) continue;
    let s = 0;
    for (let d = 1; d <= n; d++) s += scores[d * (n + 1) + tree.heads[d]];
    if (s > best) best = s;
  }
  return best;
}

/** Random arc scores [n+1, n+1]; `rootBoost` favours root arcs so unconstrained trees tend to have many. */
export function randomScores(rng: Rng, n: number, rootBoost = 0): Float64Array {
  const size = n + 1;
  const s = new Float64Array(size * size);
  for (let i = 0; i < s.length; i++) s[i] = rng.normal();
  for (let d = 1; d <= n; d++) s[d * size] += rootBoost;
  return s;
}
