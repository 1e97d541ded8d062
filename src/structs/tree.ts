// Validators for dependency trees given as head arrays (heads[0] = -1 for the root, heads[d] in 0..n otherwise).

/** Options shared by the tree decoders (eisner.ts, mst.ts). */
export interface TreeDecodeOptions {
  /** Exactly one word depends on the root (UD and most treebanks). Default: true. */
  readonly singleRoot?: boolean;
}

/** The one home of the tree decoders' defaults. */
export const DEFAULT_TREE_DECODE_OPTIONS: Required<TreeDecodeOptions> = Object.freeze({ singleRoot: true });

/** Head of the artificial root in every head array the structs return. */
export const ROOT_HEAD = -1;

/**
 * True when `heads` (length n+1; heads[0] is the root's own entry and is ignored) describes a tree rooted at 0:
 * every word 1..n has a head in 0..n other than itself, and following heads from any word reaches 0 (no cycles).
 * With `singleRoot`, exactly one word depends on 0 (n = 0 gives the empty tree, which passes either way).
 */
export function isTree(heads: ArrayLike<number>, singleRoot = false): boolean {
  const size = heads.length;
  if (size < 1) return false;
  const n = size - 1;
  let rootChildren = 0;
  for (let d = 1; d <= n; d++) {
    const h = heads[d];
    if (!Number.isInteger(h) || h < 0 || h > n || h === d) return false;
    if (h === 0) rootChildren++;
  }
  if (singleRoot && n > 0 && rootChildren !== 1) return false;
  // 0 = unvisited, 1 = on the current walk, 2 = known to reach the root.
  const state = new Uint8Array(size);
  state[0] = 2;
  for (let d = 1; d <= n; d++) {
    let v = d;
    while (state[v] === 0) {
      state[v] = 1;
      v = heads[v];
    }
    if (state[v] === 1) return false; // walked back onto this walk: a cycle
    v = d;
    while (state[v] === 1) {
      state[v] = 2;
      v = heads[v];
    }
  }
  return true;
}

/** True when the tree `heads` (assumed valid, see isTree) has no crossing arcs, root arcs included. */
export function isProjective(heads: ArrayLike<number>): boolean {
  const n = heads.length - 1;
  for (let a = 1; a <= n; a++) {
    const l1 = Math.min(a, heads[a]);
    const r1 = Math.max(a, heads[a]);
    for (let b = a + 1; b <= n; b++) {
      const l2 = Math.min(b, heads[b]);
      const r2 = Math.max(b, heads[b]);
      // Two arcs cross when exactly one endpoint of one lies strictly inside the other.
      if ((l1 < l2 && l2 < r1 && r1 < r2) || (l2 < l1 && l1 < r2 && r2 < r1)) return false;
    }
  }
  return true;
}

/**
 * Sum of arc scores of a tree. `scores [n+1, n+1]` row-major, scores[d * (n+1) + h] = score of head h for
 * dependent d (the convention of eisner.ts and mst.ts).
 */
export function treeScore(scores: ArrayLike<number>, heads: ArrayLike<number>): number {
  const size = heads.length;
  let total = 0;
  for (let d = 1; d < size; d++) total += scores[d * size + heads[d]];
  return total;
}

/**
 * Shape check shared by the batched tree decoders: `scores [B, N, N]` with `lengths [B]` words each (≤ N − 1).
 * Returns N.
 */
export function batchTreeShape(scoresLength: number, lengths: ArrayLike<number>): number {
  const b = lengths.length;
  if (b === 0) return 0;
  const size = Math.round(Math.sqrt(scoresLength / b));
  if (size * size * b !== scoresLength) throw new RangeError(`scores of length ${scoresLength} is not [${b}, N, N]`);
  for (let i = 0; i < b; i++) {
    const n = lengths[i];
    if (!Number.isInteger(n) || n < 0 || n > size - 1) throw new RangeError(`length ${n} of sentence ${i} is not in 0..${size - 1}`);
  }
  return size;
}
