// Semantic dependency graph decoding (Dozat & Manning 2018): keep every arc whose probability σ(logit) passes a
// threshold, label each kept arc with its best label; optionally give every headless word its best head.
//
// Conventions (dep-major, like eisner.ts): arcScores [n+1, n+1] logits, arcScores[d * (n+1) + h] for the arc h → d;
// labelScores [n+1, n+1, L], labelScores[(d * (n+1) + h) * L + l]; index 0 is the root, which is never a
// dependent, and no word heads itself. The result is a label matrix graph [n+1, n+1] in the same layout:
// graph[d * (n+1) + h] = label index of the arc h → d, or −1 (NO_ARC).

import type { FloatArray } from './float-array.js';

export const NO_ARC = -1;

export interface GraphDecodeOptions {
  /** Keep an arc when σ(logit) > threshold, a probability in [0, 1]. Default 0.5. */
  readonly threshold?: number;
  /** A word left without a head gets its highest-scoring one (root included). Default false. */
  readonly ensureHead?: boolean;
}

/** The one home of the graph decoder's defaults. */
export const DEFAULT_GRAPH_DECODE_OPTIONS: Required<GraphDecodeOptions> = Object.freeze({ threshold: 0.5, ensureHead: false });

export interface GraphArc {
  readonly head: number;
  readonly dependent: number;
  readonly label: number;
}

/** σ(x) > t  ⇔  x > log(t / (1 − t)); the logit form avoids an exp per arc. */
function logitThreshold(threshold: number): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`graph threshold must be a probability, got ${threshold}`);
  if (threshold === 0) return -Infinity;
  if (threshold === 1) return Infinity;
  return Math.log(threshold / (1 - threshold));
}

/** Decode one sentence of the batch layout: arcs at arcScores[ao + d * stride + h], labels at labelScores[(ao + …) * L]. */
function decodeInto(
  arcScores: FloatArray,
  labelScores: FloatArray,
  ao: number,
  stride: number,
  n: number,
  numLabels: number,
  cut: number,
  ensureHead: boolean,
  out: Int32Array,
  oo: number,
): void {
  out.fill(NO_ARC, oo, oo + stride * stride);
  for (let d = 1; d <= n; d++) {
    let kept = 0;
    let bestHead = -1;
    let bestScore = -Infinity;
    for (let h = 0; h <= n; h++) {
      if (h === d) continue;
      const cell = d * stride + h;
      const s = arcScores[ao + cell];
      if (s > bestScore) {
        bestScore = s;
        bestHead = h;
      }
      if (s > cut) {
        out[oo + cell] = bestLabel(labelScores, (ao + cell) * numLabels, numLabels);
        kept++;
      }
    }
    if (ensureHead && kept === 0 && bestHead >= 0) {
      const cell = d * stride + bestHead;
      out[oo + cell] = bestLabel(labelScores, (ao + cell) * numLabels, numLabels);
    }
  }
}

function bestLabel(labelScores: FloatArray, offset: number, numLabels: number): number {
  let best = -Infinity;
  let arg = 0;
  for (let l = 0; l < numLabels; l++) {
    const v = labelScores[offset + l];
    if (v > best) {
      best = v;
      arg = l;
    }
  }
  return arg;
}

/** Decode one sentence of n words (shapes at the top) → graph [n+1, n+1] of label indices or −1. */
export function decodeGraph(
  arcScores: FloatArray,
  labelScores: FloatArray,
  n: number,
  numLabels: number,
  options: GraphDecodeOptions = {},
): Int32Array {
  const size = n + 1;
  if (!Number.isInteger(n) || n < 0 || arcScores.length !== size * size) {
    throw new RangeError(`arc scores of length ${arcScores.length} is not [${size}, ${size}]`);
  }
  if (!(numLabels > 0) || labelScores.length !== size * size * numLabels) {
    throw new RangeError(`label scores of length ${labelScores.length} is not [${size}, ${size}, ${numLabels}]`);
  }
  const graph = new Int32Array(size * size);
  const cut = logitThreshold(options.threshold ?? DEFAULT_GRAPH_DECODE_OPTIONS.threshold);
  const ensureHead = options.ensureHead ?? DEFAULT_GRAPH_DECODE_OPTIONS.ensureHead;
  decodeInto(arcScores, labelScores, 0, size, n, numLabels, cut, ensureHead, graph, 0);
  return graph;
}

/**
 * Decode a padded batch: arcScores [B, N, N], labelScores [B, N, N, L], lengths [B] = n_b words (≤ N − 1)
 * → graphs [B, N, N] (into `out` when given), −1 everywhere outside kept arcs, padding included.
 */
export function decodeGraphBatch(
  arcScores: FloatArray,
  labelScores: FloatArray,
  lengths: ArrayLike<number>,
  numLabels: number,
  out?: Int32Array,
  options: GraphDecodeOptions = {},
): Int32Array {
  const b = lengths.length;
  const size = b === 0 ? 0 : Math.round(Math.sqrt(arcScores.length / b));
  if (size * size * b !== arcScores.length) throw new RangeError(`arc scores of length ${arcScores.length} is not [${b}, N, N]`);
  if (!(numLabels > 0) || labelScores.length !== arcScores.length * numLabels) {
    throw new RangeError(`label scores of length ${labelScores.length} is not [${b}, ${size}, ${size}, ${numLabels}]`);
  }
  const graphs = out ?? new Int32Array(b * size * size);
  if (graphs.length !== arcScores.length) throw new RangeError(`graph output of length ${graphs.length} is not [${b}, ${size}, ${size}]`);
  const cut = logitThreshold(options.threshold ?? DEFAULT_GRAPH_DECODE_OPTIONS.threshold);
  const ensureHead = options.ensureHead ?? DEFAULT_GRAPH_DECODE_OPTIONS.ensureHead;
  for (let i = 0; i < b; i++) {
    const n = lengths[i];
    if (!Number.isInteger(n) || n < 0 || n > size - 1) throw new RangeError(`length ${n} of sentence ${i} is not in 0..${size - 1}`);
    decodeInto(arcScores, labelScores, i * size * size, size, n, numLabels, cut, ensureHead, graphs, i * size * size);
  }
  return graphs;
}

/** The arcs of a decoded graph [n+1, n+1], ordered by dependent then head. */
export function graphArcs(graph: Int32Array, n: number): GraphArc[] {
  const size = n + 1;
  if (graph.length !== size * size) throw new RangeError(`graph of length ${graph.length} is not [${size}, ${size}]`);
  const arcs: GraphArc[] = [];
  for (let d = 1; d <= n; d++) {
    for (let h = 0; h <= n; h++) {
      const label = graph[d * size + h];
      if (label !== NO_ARC) arcs.push({ head: h, dependent: d, label });
    }
  }
  return arcs;
}
