// Maximum spanning arborescence (Chu & Liu 1965; Edmonds 1967) for non-projective dependency trees, with the
// root restricted to exactly one dependent when asked (Zmigrod et al. 2020 motivate why this matters).
//
// Score convention as in eisner.ts: scores [n+1, n+1] row-major, scores[d * (n+1) + h] = score of the arc h → d,
// index 0 the root; heads [n+1] with heads[0] = −1.
//
// Memory: the scores are read in place and never copied; contractions are recorded in a tree of components
// (Camerini, Fratta & Maffioli 1979, "A note on finding optimum branchings") held in O(n) arrays, so one sentence
// costs its n² scores plus O(n), whatever the number of nested cycles. Each leaf caches its best head outside its
// component and rescans its row only when that head is swallowed by a contraction.
//
// Single root: the best tree whose root has the one dependent r is s(0 → r) + the best arborescence over the words
// alone rooted at r. We first decode without the constraint (optimal if it already has one root dependent), then
// try root dependents in order of an upper bound (each word taking its best word head), stopping once no bound can
// beat the best tree found. Exact.

import type { FloatArray } from './float-array.js';
import { batchTreeShape, DEFAULT_TREE_DECODE_OPTIONS, ROOT_HEAD, type TreeDecodeOptions } from './tree.js';

/**
 * A dense graph of m nodes read in place: node i is row and column `base + i` of the matrix at `scores[o ..]` with
 * row stride `stride`; the score of h → d sits at row d, column h.
 */
interface ScoreView {
  scores: FloatArray;
  o: number;
  stride: number;
  base: number;
}

/**
 * Chu-Liu-Edmonds on a dense graph of m nodes: w[d * m + h] = score of h → d (−∞ = no arc; the diagonal is
 * ignored). Returns heads [m] with heads[root] = −1. Does not modify w. Throws when some node has no finite head.
 */
export function chuLiuEdmonds(w: FloatArray, m: number, root: number): Int32Array {
  if (w.length !== m * m) throw new RangeError(`scores of length ${w.length} is not [${m}, ${m}]`);
  return arborescence({ scores: w, o: 0, stride: m, base: 0 }, m, root);
}

/**
 * The best arborescence rooted at `root` over the view's m nodes. Components are ids: leaves 0..m−1 are the nodes,
 * each contracted cycle gets the next id. A leaf x's arcs lose off[x] (the in-arc scores of the components that
 * contain it, taken when each was contracted), so an arc u → x entering a component scores w(u → x) − off[x].
 */
function arborescence(view: ScoreView, m: number, root: number): Int32Array {
  const { scores, o, stride, base } = view;
  const maxIds = Math.max(1, 2 * m - 1);
  /** The outermost component holding each leaf. */
  const top = new Int32Array(m);
  /** Leaves of a component as a linked list: first/last per component id, next per leaf (−1 ends). */
  const first = new Int32Array(maxIds);
  const last = new Int32Array(maxIds);
  const next = new Int32Array(m).fill(-1);
  const off = new Float64Array(m);
  /** Per leaf: its best head outside its component (cached) and that arc's raw score. */
  const bestSrc = new Int32Array(m).fill(-1);
  const bestVal = new Float64Array(m).fill(-Infinity);
  /** Per component: its chosen entering arc (leaf → leaf) and that arc's adjusted score. */
  const inSrc = new Int32Array(maxIds).fill(-1);
  const inDst = new Int32Array(maxIds).fill(-1);
  const inW = new Float64Array(maxIds);
  /** The contraction tree: parent per id, children of a contracted id as a range of `children`. */
  const parent = new Int32Array(maxIds).fill(-1);
  const childStart = new Int32Array(maxIds);
  const childEnd = new Int32Array(maxIds);
  const children = new Int32Array(maxIds);
  let ids = m;
  let childCount = 0;

  /** The best head of leaf x outside component `comp` (first best in index order). */
  const rescan = (x: number, comp: number): void => {
    const row = o + (base + x) * stride + base;
    let best = -Infinity;
    let arg = -1;
    for (let h = 0; h < m; h++) {
      if (top[h] === comp) continue;
      const v = scores[row + h];
      if (v > best) {
        best = v;
        arg = h;
      }
    }
    bestSrc[x] = arg;
    bestVal[x] = best;
  };

  for (let x = 0; x < m; x++) {
    top[x] = x;
    first[x] = x;
    last[x] = x;
  }
  for (let x = 0; x < m; x++) {
    if (x === root) continue;
    rescan(x, x);
    if (bestSrc[x] < 0) throw new RangeError(`node ${x} has no arc with a finite score`);
    inSrc[x] = bestSrc[x];
    inDst[x] = x;
    inW[x] = bestVal[x];
  }

  // stamp[id] > passStart: visited in this pass; the value names the walk.
  const stamp = new Int32Array(maxIds);
  let mark = 0;
  const live: number[] = [];
  const cycles: number[][] = [];
  for (;;) {
    live.length = 0;
    for (let id = 0; id < ids; id++) if (parent[id] < 0) live.push(id);
    const passStart = mark;
    cycles.length = 0;
    for (const c of live) {
      if (stamp[c] > passStart || c === root) continue;
      const walk = ++mark;
      let v = c;
      while (v !== root && stamp[v] <= passStart) {
        stamp[v] = walk;
        v = top[inSrc[v]];
      }
      if (v !== root && stamp[v] === walk) {
        const cycle = [v];
        for (let u = top[inSrc[v]]; u !== v; u = top[inSrc[u]]) cycle.push(u);
        cycles.push(cycle);
      }
    }
    if (cycles.length === 0) break;
    for (const cycle of cycles) {
      const c = ids++;
      childStart[c] = childCount;
      first[c] = -1;
      for (const ci of cycle) {
        parent[ci] = c;
        children[childCount++] = ci;
        for (let x = first[ci]; x >= 0; x = next[x]) {
          off[x] += inW[ci];
          top[x] = c;
        }
        if (first[c] < 0) first[c] = first[ci];
        else next[last[c]] = first[ci];
        last[c] = last[ci];
      }
      childEnd[c] = childCount;
      let best = -Infinity;
      for (let x = first[c]; x >= 0; x = next[x]) {
        if (bestSrc[x] >= 0 && top[bestSrc[x]] === c) rescan(x, c);
        if (bestSrc[x] < 0) continue;
        const v = bestVal[x] - off[x];
        if (v > best) {
          best = v;
          inSrc[c] = bestSrc[x];
          inDst[c] = x;
          inW[c] = v;
        }
      }
      if (inSrc[c] < 0) throw new RangeError(`no arc with a finite score enters the cycle ${cycle.map((ci) => first[ci]).join(', ')}`);
    }
  }

  // Expand: a component entered at leaf d passes the entering arc to its child holding d; the other children keep
  // the arcs they had inside the cycle.
  const heads = new Int32Array(m);
  heads[root] = ROOT_HEAD;
  const stack = new Int32Array(3 * maxIds);
  let sp = 0;
  for (const t of live) {
    if (t === root) continue;
    stack[sp++] = t;
    stack[sp++] = inSrc[t];
    stack[sp++] = inDst[t];
  }
  while (sp > 0) {
    const d = stack[--sp];
    const s = stack[--sp];
    const id = stack[--sp];
    if (id < m) {
      heads[id] = s;
      continue;
    }
    let holder = d;
    while (parent[holder] !== id) holder = parent[holder];
    for (let k = childStart[id]; k < childEnd[id]; k++) {
      const ch = children[k];
      stack[sp++] = ch;
      stack[sp++] = ch === holder ? s : inSrc[ch];
      stack[sp++] = ch === holder ? d : inDst[ch];
    }
  }
  return heads;
}

export type MstOptions = TreeDecodeOptions;

/** Decode one sentence: scores[o + d * stride + h], d, h in 0..n; heads written to out[oo .. oo + n]. */
function decodeInto(scores: FloatArray, o: number, stride: number, n: number, singleRoot: boolean, out: Int32Array, oo: number): void {
  out[oo] = ROOT_HEAD;
  if (n === 0) return;
  // Node 0 is the root of the arborescence, so its own row (arcs into the root) is never read.
  const free = arborescence({ scores, o, stride, base: 0 }, n + 1, 0);
  let rootChildren = 0;
  for (let d = 1; d <= n; d++) if (free[d] === 0) rootChildren++;
  if (!singleRoot || rootChildren === 1) {
    out.set(free, oo);
    return;
  }
  // The words-only graph is the same matrix from row and column 1 (word d at node d − 1).
  const words: ScoreView = { scores, o, stride, base: 1 };
  const bestWordHead = new Float64Array(n + 1);
  for (let d = 1; d <= n; d++) {
    let best = -Infinity;
    const row = o + d * stride;
    for (let h = 1; h <= n; h++) if (h !== d && scores[row + h] > best) best = scores[row + h];
    bestWordHead[d] = best;
  }
  const candidates: Array<{ r: number; bound: number }> = [];
  for (let r = 1; r <= n; r++) {
    // Summed rather than total − own term, so a −∞ best word head cannot produce NaN.
    let bound: number = scores[o + r * stride];
    for (let d = 1; d <= n; d++) if (d !== r) bound += bestWordHead[d];
    candidates.push({ r, bound });
  }
  candidates.sort((a, b) => b.bound - a.bound || a.r - b.r);
  let bestScore = -Infinity;
  let bestHeads: Int32Array | null = null;
  let bestRoot = 0;
  for (const { r, bound } of candidates) {
    if (!(bound > bestScore)) break; // sorted: no later candidate can win either
    let sub: Int32Array;
    try {
      sub = arborescence(words, n, r - 1);
    } catch (err) {
      if (err instanceof RangeError) continue; // no finite tree over the words rooted at r
      throw err;
    }
    let score: number = scores[o + r * stride];
    for (let d = 1; d <= n; d++) if (d !== r) score += scores[o + d * stride + sub[d - 1] + 1];
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
