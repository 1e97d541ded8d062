// Maximum spanning arborescence (Chu & Liu 1965; Edmonds 1967) for non-projective dependency trees, with the
// root restricted to exactly one dependent when asked (Zmigrod et al. 2020 motivate why this matters).
//
// Score convention as in eisner.ts: scores [n+1, n+1] row-major, scores[d * (n+1) + h] = score of the arc h → d,
// index 0 the root; heads [n+1] with heads[0] = −1.
//
// Single root: the best tree whose root has the one dependent r is s(0 → r) + the best arborescence over the words
// alone rooted at r. We first decode without the constraint (optimal if it already has one root dependent), then
// try root dependents in order of an upper bound (each word taking its best word head), stopping once no bound can
// beat the best tree found. Exact; each Chu-Liu-Edmonds run is O(n³) at worst on dense scores.

import type { FloatArray } from './float-array.js';
import { batchTreeShape, DEFAULT_TREE_DECODE_OPTIONS, ROOT_HEAD, type TreeDecodeOptions } from './tree.js';

/**
 * Chu-Liu-Edmonds on a dense graph of m nodes: w[d * m + h] = score of h → d (−∞ = no arc; the diagonal is
 * ignored). Returns heads [m] with heads[root] = −1. Does not modify w. Throws when some node has no finite head.
 */
export function chuLiuEdmonds(w: Float64Array, m: number, root: number): Int32Array {
  const heads = new Int32Array(m);
  heads[root] = ROOT_HEAD;
  for (let d = 0; d < m; d++) {
    if (d === root) continue;
    let best = -Infinity;
    let arg = -1;
    for (let h = 0; h < m; h++) {
      if (h === d) continue;
      const v = w[d * m + h];
      if (v > best) {
        best = v;
        arg = h;
      }
    }
    if (arg < 0) throw new RangeError(`node ${d} has no arc with a finite score`);
    heads[d] = arg;
  }
  const cycle = findCycle(heads, root);
  if (cycle === null) return heads;
  return contractAndSolve(w, m, root, heads, cycle);
}

/** Nodes of one cycle in the greedy head graph, or null when it is already a tree. */
function findCycle(heads: Int32Array, root: number): number[] | null {
  const m = heads.length;
  // mark[v] = the start node of the walk that first visited v, plus one (0 = unvisited).
  const mark = new Int32Array(m);
  mark[root] = -1;
  for (let start = 0; start < m; start++) {
    if (mark[start] !== 0) continue;
    let v = start;
    while (mark[v] === 0) {
      mark[v] = start + 1;
      v = heads[v];
    }
    if (mark[v] === start + 1) {
      const cycle = [v];
      for (let u = heads[v]; u !== v; u = heads[u]) cycle.push(u);
      return cycle;
    }
  }
  return null;
}

/** Contract the cycle into one node, solve the smaller problem, and expand its answer. */
function contractAndSolve(w: Float64Array, m: number, root: number, greedy: Int32Array, cycle: number[]): Int32Array {
  const inCycle = new Uint8Array(m);
  for (const v of cycle) inCycle[v] = 1;
  // Old index → new index; the cycle becomes the last node c of the contracted graph.
  const newIndex = new Int32Array(m);
  const oldIndex: number[] = [];
  for (let v = 0; v < m; v++) {
    if (inCycle[v]) continue;
    newIndex[v] = oldIndex.length;
    oldIndex.push(v);
  }
  const c = oldIndex.length;
  const m2 = c + 1;
  for (const v of cycle) newIndex[v] = c;
  const w2 = new Float64Array(m2 * m2).fill(-Infinity);
  // For an arc leaving the cycle to x: the cycle node that heads x best. For an arc entering from u: the cycle
  // node it enters, the one that loses least by dropping its cycle arc.
  const exitFrom = new Int32Array(m2);
  const enterAt = new Int32Array(m2);
  for (let i = 0; i < c; i++) {
    const x = oldIndex[i];
    for (let j = 0; j < c; j++) if (i !== j) w2[i * m2 + j] = w[x * m + oldIndex[j]];
    let best = -Infinity;
    let arg = cycle[0];
    for (const v of cycle) {
      const s = w[x * m + v];
      if (s > best) {
        best = s;
        arg = v;
      }
    }
    w2[i * m2 + c] = best;
    exitFrom[i] = arg;
    best = -Infinity;
    arg = cycle[0];
    for (const v of cycle) {
      const s = w[v * m + x] - w[v * m + greedy[v]];
      if (s > best) {
        best = s;
        arg = v;
      }
    }
    w2[c * m2 + i] = best;
    enterAt[i] = arg;
  }
  const heads2 = chuLiuEdmonds(w2, m2, newIndex[root]);
  const heads = new Int32Array(m);
  for (let i = 0; i < c; i++) {
    const h2 = heads2[i];
    heads[oldIndex[i]] = h2 === ROOT_HEAD ? ROOT_HEAD : h2 === c ? exitFrom[i] : oldIndex[h2];
  }
  for (const v of cycle) heads[v] = greedy[v];
  const entering = heads2[c];
  heads[enterAt[entering]] = oldIndex[entering];
  return heads;
}

export type MstOptions = TreeDecodeOptions;

/** Decode one sentence: scores[o + d * stride + h], d, h in 0..n; heads written to out[oo .. oo + n]. */
function decodeInto(scores: FloatArray, o: number, stride: number, n: number, singleRoot: boolean, out: Int32Array, oo: number): void {
  out[oo] = ROOT_HEAD;
  if (n === 0) return;
  const size = n + 1;
  const w = new Float64Array(size * size);
  for (let d = 0; d < size; d++) for (let h = 0; h < size; h++) w[d * size + h] = scores[o + d * stride + h];
  for (let h = 0; h < size; h++) w[h] = -Infinity; // the root is nobody's dependent
  const free = chuLiuEdmonds(w, size, 0);
  let rootChildren = 0;
  for (let d = 1; d <= n; d++) if (free[d] === 0) rootChildren++;
  if (!singleRoot || rootChildren === 1) {
    out.set(free, oo);
    return;
  }
  // Words-only graph (word d at index d − 1) and each word's best word head, for the upper bounds.
  const words = new Float64Array(n * n);
  const bestWordHead = new Float64Array(size);
  for (let d = 1; d <= n; d++) {
    let best = -Infinity;
    for (let h = 1; h <= n; h++) {
      const v = w[d * size + h];
      words[(d - 1) * n + (h - 1)] = v;
      if (h !== d && v > best) best = v;
    }
    bestWordHead[d] = best;
  }
  const candidates: Array<{ r: number; bound: number }> = [];
  for (let r = 1; r <= n; r++) {
    // Summed rather than total − own term, so a −∞ best word head cannot produce NaN.
    let bound = w[r * size];
    for (let d = 1; d <= n; d++) if (d !== r) bound += bestWordHead[d];
    candidates.push({ r, bound });
  }
  candidates.sort((a, b) => b.bound - a.bound || a.r - b.r);
  let bestScore = -Infinity;
  let bestHeads: Int32Array | null = null;
  let bestRoot = 0;
  for (const { r, bound } of candidates) {
    if (!(bound > bestScore)) break; // sorted: no later candidate can win either
    const sub = chuLiuEdmonds(words, n, r - 1);
    let score = w[r * size];
    for (let d = 1; d <= n; d++) if (d !== r) score += words[(d - 1) * n + sub[d - 1]];
    if (score > bestScore) {
      bestScore = score;
      bestHeads = sub;
      bestRoot = r;
    }
  }
  if (bestHeads === null) throw new RangeError(`no single-root tree over ${n} words has a finite score`);
  for (let d = 1; d <= n; d++) out[oo + d] = d === bestRoot ? 0 : bestHeads[d - 1] + 1;
}

/** Best (non-projective) tree for one sentence of n words: `scores [n+1, n+1]` (see top) → `heads [n+1]`. */
export function mst(scores: FloatArray, n: number, options: MstOptions = {}): Int32Array {
  const size = n + 1;
  if (!Number.isInteger(n) || n < 0 || scores.length !== size * size) {
    throw new RangeError(`scores of length ${scores.length} is not [${size}, ${size}]`);
  }
  const heads = new Int32Array(size);
  decodeInto(scores, 0, size, n, options.singleRoot ?? DEFAULT_TREE_DECODE_OPTIONS.singleRoot, heads, 0);
  return heads;
}

/**
 * Best trees for a padded batch: `scores [B, N, N]`, `lengths [B]` = n_b words → `heads [B, N]` (into `out`
 * when given), heads[b, 0] = −1 and −1 at padded positions.
 */
export function mstBatch(scores: FloatArray, lengths: ArrayLike<number>, out?: Int32Array, options: MstOptions = {}): Int32Array {
  const b = lengths.length;
  const size = batchTreeShape(scores.length, lengths);
  const heads = out ?? new Int32Array(b * size);
  if (heads.length !== b * size) throw new RangeError(`heads output of length ${heads.length} is not [${b}, ${size}]`);
  const singleRoot = options.singleRoot ?? DEFAULT_TREE_DECODE_OPTIONS.singleRoot;
  for (let i = 0; i < b; i++) {
    const n = lengths[i];
    heads.fill(ROOT_HEAD, i * size + n + 1, (i + 1) * size);
    decodeInto(scores, i * size * size, size, n, singleRoot, heads, i * size);
  }
  return heads;
}
