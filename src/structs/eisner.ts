// Eisner's O(n³) algorithm (Eisner 1996): the highest-scoring projective dependency tree from arc scores.
//
// Score convention (shared with mst.ts, as SuPar's s_arc[dep, head]): scores [n+1, n+1] row-major,
// scores[d * (n+1) + h] = score of the arc h → d; index 0 is the artificial root. A tree's score is the sum of
// its arcs. Returned heads have length n+1: heads[d] is the head of word d, heads[0] = −1 (ROOT_HEAD).

import type { FloatArray } from './float-array.js';
import { batchTreeShape, DEFAULT_TREE_DECODE_OPTIONS, ROOT_HEAD, type TreeDecodeOptions } from './tree.js';

/**
 * Scratch tables for one sentence of up to n words, reused across calls: two (n+1)² float64 matrices, 16·(n+1)² bytes.
 * Each packs two span tables, one per triangle: `complete[s·(n+1) + t]` (s < t) is the best complete span s..t headed
 * by s (facing right) and `complete[t·(n+1) + s]` the one headed by t (facing left); `incomplete` likewise for the
 * spans that hold the arc s ↔ t. Split points are not stored: backtracking recomputes the few it follows.
 */
export class EisnerWorkspace {
  complete = new Float64Array(0);
  incomplete = new Float64Array(0);
  stack = new Int32Array(0);

  ensure(n: number): void {
    const cells = (n + 1) * (n + 1);
    if (this.complete.length >= cells) return;
    this.complete = new Float64Array(cells);
    this.incomplete = new Float64Array(cells);
    // A derivation has about 3n split spans and as many trivial ones; the stack never holds more than all of them.
    this.stack = new Int32Array(3 * (8 * n + 8));
  }
}

/** Bytes of the tables `eisner` allocates for a sentence of n words (what a memory limit should count). */
export function eisnerTableBytes(n: number): number {
  return 16 * (n + 1) * (n + 1);
}

export interface EisnerOptions extends TreeDecodeOptions {
  readonly workspace?: EisnerWorkspace;
}

const COMPLETE_RIGHT = 0;
const COMPLETE_LEFT = 1;
const INCOMPLETE_RIGHT = 2;
const INCOMPLETE_LEFT = 3;

/** Best split of the incomplete span s..t: a right-facing complete s..r and a left-facing complete r+1..t. */
function incompleteSplit(c: Float64Array, size: number, s: number, t: number): { best: number; arg: number } {
  let best = -Infinity;
  let arg = s;
  for (let r = s; r < t; r++) {
    const v = c[s * size + r] + c[t * size + r + 1];
    if (v > best) {
      best = v;
      arg = r;
    }
  }
  return { best, arg };
}

/** Best split of the left-facing complete span s..t (head t): a complete left s..r, then the incomplete arc t → r. */
function completeLeftSplit(c: Float64Array, inc: Float64Array, size: number, s: number, t: number): { best: number; arg: number } {
  let best = -Infinity;
  let arg = s;
  for (let r = s; r < t; r++) {
    const v = c[r * size + s] + inc[t * size + r];
    if (v > best) {
      best = v;
      arg = r;
    }
  }
  return { best, arg };
}

/** Best split of the right-facing complete span s..t (head s): the incomplete arc s → r, then a complete right r..t. */
function completeRightSplit(c: Float64Array, inc: Float64Array, size: number, s: number, t: number): { best: number; arg: number } {
  let best = -Infinity;
  let arg = t;
  for (let r = s + 1; r <= t; r++) {
    const v = inc[s * size + r] + c[r * size + t];
    if (v > best) {
      best = v;
      arg = r;
    }
  }
  return { best, arg };
}

/**
 * Decode one sentence: scores[o + d * stride + h] for d, h in 0..n; heads written to out[oo .. oo + n].
 * With singleRoot, a complete span headed by the root may only close at n, so the root takes one dependent.
 */
function decodeInto(
  scores: FloatArray,
  o: number,
  stride: number,
  n: number,
  singleRoot: boolean,
  ws: EisnerWorkspace,
  out: Int32Array,
  oo: number,
): void {
  out[oo] = ROOT_HEAD;
  if (n === 0) return;
  ws.ensure(n);
  const size = n + 1;
  const c = ws.complete;
  const inc = ws.incomplete;
  for (let s = 0; s < size; s++) c[s * size + s] = 0;
  for (let w = 1; w <= n; w++) {
    for (let s = 0; s + w <= n; s++) {
      const t = s + w;
      const joined = incompleteSplit(c, size, s, t).best;
      inc[s * size + t] = joined + scores[o + t * stride + s];
      inc[t * size + s] = s === 0 ? -Infinity : joined + scores[o + s * stride + t]; // the root is nobody's dependent
      c[t * size + s] = completeLeftSplit(c, inc, size, s, t).best;
      c[s * size + t] = singleRoot && s === 0 && t < n ? -Infinity : completeRightSplit(c, inc, size, s, t).best;
    }
  }
  if (!(c[n] > -Infinity)) throw new RangeError(`no projective tree over ${n} words has a finite score`);
  backtrack(ws, n, out, oo);
}

/** Follow the best splits from the full span 0..n (recomputed from the tables, as the forward pass chose them), writing each arc's head. */
function backtrack(ws: EisnerWorkspace, n: number, out: Int32Array, oo: number): void {
  const size = n + 1;
  const { complete: c, incomplete: inc, stack } = ws;
  let top = 0;
  stack[top++] = COMPLETE_RIGHT;
  stack[top++] = 0;
  stack[top++] = n;
  while (top > 0) {
    const t = stack[--top];
    const s = stack[--top];
    const kind = stack[--top];
    if (s === t) continue;
    // Push the two sub-spans each span splits into (kind, s, t triples).
    if (kind === COMPLETE_RIGHT) {
      const r = completeRightSplit(c, inc, size, s, t).arg;
      top = push(stack, top, INCOMPLETE_RIGHT, s, r);
      top = push(stack, top, COMPLETE_RIGHT, r, t);
    } else if (kind === COMPLETE_LEFT) {
      const r = completeLeftSplit(c, inc, size, s, t).arg;
      top = push(stack, top, COMPLETE_LEFT, s, r);
      top = push(stack, top, INCOMPLETE_LEFT, r, t);
    } else {
      if (kind === INCOMPLETE_RIGHT) out[oo + t] = s;
      else out[oo + s] = t;
      const r = incompleteSplit(c, size, s, t).arg;
      top = push(stack, top, COMPLETE_RIGHT, s, r);
      top = push(stack, top, COMPLETE_LEFT, r + 1, t);
    }
  }
}

function push(stack: Int32Array, top: number, kind: number, s: number, t: number): number {
  stack[top] = kind;
  stack[top + 1] = s;
  stack[top + 2] = t;
  return top + 3;
}

/** Best projective tree for one sentence of n words: `scores [n+1, n+1]` (see top) → `heads [n+1]`. */
export function eisner(scores: FloatArray, n: number, options: EisnerOptions = {}): Int32Array {
  const size = n + 1;
  if (!Number.isInteger(n) || n < 0 || scores.length !== size * size) {
    throw new RangeError(`scores of length ${scores.length} is not [${size}, ${size}]`);
  }
  const heads = new Int32Array(size);
  const singleRoot = options.singleRoot ?? DEFAULT_TREE_DECODE_OPTIONS.singleRoot;
  decodeInto(scores, 0, size, n, singleRoot, options.workspace ?? new EisnerWorkspace(), heads, 0);
  return heads;
}

/**
 * Best projective trees for a padded batch: `scores [B, N, N]` (each sentence's top-left [n_b+1, n_b+1] block
 * used, same convention), `lengths [B]` = n_b words (root excluded) → `heads [B, N]` (into `out` when given),
 * heads[b, 0] = −1 and −1 at padded positions.
 */
export function eisnerBatch(
  scores: FloatArray,
  lengths: ArrayLike<number>,
  out?: Int32Array,
  options: EisnerOptions = {},
): Int32Array {
  const b = lengths.length;
  const size = batchTreeShape(scores.length, lengths);
  const heads = out ?? new Int32Array(b * size);
  if (heads.length !== b * size) throw new RangeError(`heads output of length ${heads.length} is not [${b}, ${size}]`);
  const singleRoot = options.singleRoot ?? DEFAULT_TREE_DECODE_OPTIONS.singleRoot;
  const ws = options.workspace ?? new EisnerWorkspace();
  for (let i = 0; i < b; i++) {
    const n = lengths[i];
    heads.fill(ROOT_HEAD, i * size + n + 1, (i + 1) * size);
    decodeInto(scores, i * size * size, size, n, singleRoot, ws, heads, i * size);
  }
  return heads;
}
