// Test helper: the textbook recursive Chu-Liu-Edmonds (contract a cycle into a new matrix, solve, expand), as a reference.

/** w[d * m + h] = score of h → d; returns heads with heads[root] = −1. Small graphs only: it copies a matrix per level. */
export function referenceArborescence(w: Float64Array, m: number, root: number): Int32Array {
  const heads = new Int32Array(m);
  heads[root] = -1;
  for (let d = 0; d < m; d++) {
    if (d === root) continue;
    let best = -Infinity;
    for (let h = 0; h < m; h++) {
      if (h !== d && w[d * m + h] > best) {
        best = w[d * m + h];
        heads[d] = h;
      }
    }
  }
  // A cycle of the greedy choice, if any.
  let cycle: number[] | null = null;
  const seen = new Int32Array(m).fill(-1);
  for (let s = 0; s < m && cycle === null; s++) {
    let v = s;
    while (v !== root && seen[v] < 0) {
      seen[v] = s;
      v = heads[v];
    }
    if (v !== root && seen[v] === s) {
      cycle = [v];
      for (let u = heads[v]; u !== v; u = heads[u]) cycle.push(u);
    }
  }
  if (cycle === null) return heads;
  const inCycle = new Set(cycle);
  const rest = Array.from({ length: m }, (_, v) => v).filter((v) => !inCycle.has(v));
  const c = rest.length;
  const m2 = c + 1;
  const w2 = new Float64Array(m2 * m2).fill(-Infinity);
  const enterAt = new Int32Array(m2);
  const leaveFrom = new Int32Array(m2);
  rest.forEach((x, i) => {
    rest.forEach((y, j) => (w2[i * m2 + j] = w[x * m + y]));
    let best = -Infinity;
    for (const v of cycle) if (w[x * m + v] > best) [best, leaveFrom[i]] = [w[x * m + v], v];
    w2[i * m2 + c] = best;
    best = -Infinity;
    for (const v of cycle) {
      const gain = w[v * m + x] - w[v * m + heads[v]];
      if (gain > best) [best, enterAt[i]] = [gain, v];
    }
    w2[c * m2 + i] = best;
  });
  const sub = referenceArborescence(w2, m2, rest.indexOf(root));
  const out = Int32Array.from(heads);
  rest.forEach((x, i) => (out[x] = sub[i] === -1 ? -1 : sub[i] === c ? leaveFrom[i] : rest[sub[i]]));
  out[enterAt[sub[c]]] = rest[sub[c]];
  return out;
}
