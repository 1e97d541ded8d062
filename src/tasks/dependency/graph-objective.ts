// Semantic dependency graphs from biaffine scores (Dozat & Manning 2018): a sigmoid per (dependent, head), label cross-entropy, LF/ELAS.
import type { Backend } from '../../engine/backend/backend.js';
import { sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from '../../engine/index.js';
import type { GraphArc, GraphSentence } from '../../formats/types.js';
import { enhancedScores, sdpScores } from '../../metrics/graph.js';
import { arcLabelClassTable } from '../../metrics/per-class.js';
import type { Evaluation } from '../task.js';
import type { ParserScores } from './biaffine-network.js';
import type { ObjectiveLoss, ParserObjective } from './parser-objective.js';
import { argmax, ensure } from './tree-objective.js';

/** 'LF': SDP labelled F1 (top arcs included); 'ELAS': enhanced-UD labelled attachment F1 (IWPT 2020). */
export type GraphMetric = 'LF' | 'ELAS';
export const GRAPH_METRICS: readonly GraphMetric[] = Object.freeze(['LF', 'ELAS']);

export interface GraphObjectiveOptions {
  metric: GraphMetric;
  /** Loss = λ·label + (1 − λ)·edge (SuPar's interpolation). */
  interpolation: number;
  /** Keep arcs whose logit exceeds this (0 ⇔ σ > 0.5). */
  threshold: number;
  /** Give a word with no kept arc its best-scoring head (enhanced UD: every word has a head; SDP: off). */
  atLeastOneHead: boolean;
}

export const GRAPH_OBJECTIVE_DEFAULTS: Readonly<GraphObjectiveOptions> = Object.freeze({
  metric: 'LF',
  interpolation: 0.1,
  threshold: 0,
  atLeastOneHead: false,
});

/** Settings that suit a metric: ELAS data (enhanced UD) gives every word a head. */
export function graphObjectiveOptionsFor(metric: GraphMetric): GraphObjectiveOptions {
  return { ...GRAPH_OBJECTIVE_DEFAULTS, metric, atLeastOneHead: metric === 'ELAS' };
}

/** One predicted graph: arcs with 1-based dependents and heads (0 = root/top). */
export interface PredictedGraph {
  arcs: GraphArc[];
}

/** Gold arcs with label ids (duplicates of the same head → dependent pair keep the first label). */
export interface GraphGold {
  dep: Int32Array;
  head: Int32Array;
  label: Int32Array;
}

/**
 * Edge loss: mean binary cross-entropy of σ(s_arc[d, h]) over all pairs of a real dependent d and a head h in root +
 * words, h ≠ d. Label loss: mean cross-entropy of s_rel[d, h] over gold arcs. Decoding keeps arcs with σ > 0.5 and
 * labels each with its best label.
 */
export class GraphObjective implements ParserObjective<GraphSentence, PredictedGraph, GraphGold> {
  readonly kind = 'graph' as const;
  readonly metricName: string;
  readonly options: GraphObjectiveOptions;
  private targets: Float32Array = new Float32Array(0);
  private mask = new Uint8Array(0);
  private dArc: Float32Array = new Float32Array(0);
  private dRel: Float32Array = new Float32Array(0);

  constructor(private readonly backend: Backend, options: Partial<GraphObjectiveOptions> = {}) {
    this.options = { ...GRAPH_OBJECTIVE_DEFAULTS, ...options };
    if (!GRAPH_METRICS.includes(this.options.metric)) throw new RangeError(`unknown graph metric '${String(this.options.metric)}' (expected ${GRAPH_METRICS.join(', ')})`);
    const l = this.options.interpolation;
    if (!(l >= 0 && l <= 1)) throw new RangeError(`interpolation must be in [0, 1], got ${l}`);
    this.metricName = this.options.metric;
  }

  get settings(): Readonly<Record<string, unknown>> {
    return { ...this.options };
  }

  labelSet(sentences: readonly GraphSentence[]): string[] {
    const set = new Set<string>();
    for (const s of sentences) for (const a of s.arcs) set.add(a.label);
    return [...set].sort();
  }

  encode(sentence: GraphSentence, labelIndex: ReadonlyMap<string, number>, where: string): GraphGold {
    const n = sentence.words.length;
    const seen = new Set<number>();
    const dep: number[] = [];
    const head: number[] = [];
    const label: number[] = [];
    for (const a of sentence.arcs) {
      if (!(a.dep >= 1 && a.dep <= n && a.head >= 0 && a.head <= n)) throw new Error(`${where}: arc ${a.head} → ${a.dep} outside ${n} words`);
      // Collapsing an empty node whose head is also its dependent leaves a self-loop (EWT train has some); the
      // scorer has no h = d pair, so such an arc is not a training target (it still counts in gold when scoring).
      if (a.head === a.dep) continue;
      const key = a.dep * (n + 1) + a.head;
      if (seen.has(key)) continue;
      seen.add(key);
      const k = labelIndex.get(a.label);
      if (k === undefined) throw new Error(`${where}: label ${a.label} is not in the label set`);
      dep.push(a.dep);
      head.push(a.head);
      label.push(k);
    }
    return { dep: Int32Array.from(dep), head: Int32Array.from(head), label: Int32Array.from(label) };
  }

  loss(scores: ParserScores, gold: readonly GraphGold[]): ObjectiveLoss {
    const { batch, size: t, lengths, arc } = scores;
    const cells = batch * t * t;
    if (this.targets.length < cells) {
      this.targets = new Float32Array(cells);
      this.mask = new Uint8Array(cells);
    }
    const targets = this.targets.subarray(0, cells);
    const mask = this.mask.subarray(0, cells);
    targets.fill(0);
    mask.fill(0);
    let arcs = 0;
    for (let b = 0; b < batch; b++) {
      const n = lengths[b];
      for (let d = 1; d <= n; d++) {
        const o = (b * t + d) * t;
        for (let h = 0; h <= n; h++) if (h !== d) mask[o + h] = 1;
      }
      const g = gold[b];
      for (let i = 0; i < g.dep.length; i++) targets[(b * t + g.dep[i]) * t + g.head[i]] = 1;
      arcs += g.dep.length;
    }
    this.dArc = ensure(this.dArc, cells);
    const dArc = this.dArc.subarray(0, cells);
    const edge = sigmoidBinaryCrossEntropy(arc.subarray(0, cells), targets, mask, dArc);
    // Label scores of the gold arcs only: ∂L/∂s_rel is [arcs, labels] for these arcs.
    const lambda = this.options.interpolation;
    for (let i = 0; i < cells; i++) dArc[i] *= 1 - lambda;
    const edgeSum = (1 - lambda) * edge.loss * edge.count;
    if (arcs === 0) return { loss: (1 - lambda) * edge.loss, sum: edgeSum, dArc, dRel: new Float32Array(0) };
    const at = new Int32Array(arcs);
    const relTargets = new Int32Array(arcs);
    let a = 0;
    for (let b = 0; b < batch; b++) {
      const g = gold[b];
      for (let i = 0; i < g.dep.length; i++) {
        at[a] = (b * t + g.dep[i]) * t + g.head[i];
        relTargets[a++] = g.label[i];
      }
    }
    const relRows = scores.relAt(at);
    const k = relRows.length / arcs;
    this.dRel = ensure(this.dRel, arcs * k);
    const dRel = this.dRel.subarray(0, arcs * k);
    const label = softmaxCrossEntropy(this.backend, relRows, arcs, k, relTargets, dRel);
    for (let i = 0; i < arcs * k; i++) dRel[i] *= lambda;
    return { loss: (1 - lambda) * edge.loss + lambda * label.loss, sum: edgeSum + lambda * label.loss * label.count, dArc, dRel };
  }

  /** Nothing beyond the arc scores grows with n² (the kept arcs are a few per word, unless the threshold keeps all). */
  decodeBytes(): number {
    return 0;
  }

  decode(scores: ParserScores, labels: readonly string[]): PredictedGraph[] {
    const { batch, size: t, lengths, arc } = scores;
    const k = labels.length;
    const { threshold, atLeastOneHead } = this.options;
    // Kept arcs first (cells into the batch's scores), then label scores for those arcs only.
    const cells: number[] = [];
    const sentenceEnd: number[] = [];
    for (let b = 0; b < batch; b++) {
      const n = lengths[b];
      for (let d = 1; d <= n; d++) {
        const o = (b * t + d) * t;
        let best = -1;
        let kept = 0;
        for (let h = 0; h <= n; h++) {
          if (h === d) continue;
          if (best < 0 || arc[o + h] > arc[o + best]) best = h;
          if (arc[o + h] > threshold) {
            cells.push(o + h);
            kept++;
          }
        }
        if (kept === 0 && atLeastOneHead && best >= 0) cells.push(o + best);
      }
      sentenceEnd.push(cells.length);
    }
    const rel = scores.relAt(Int32Array.from(cells));
    const out: PredictedGraph[] = [];
    let i = 0;
    for (let b = 0; b < batch; b++) {
      const arcs: GraphArc[] = [];
      for (; i < sentenceEnd[b]; i++) {
        const c = cells[i];
        arcs.push({ dep: Math.floor(c / t) - b * t, head: c % t, label: labels[argmax(rel, i * k, k)] });
      }
      out.push({ arcs });
    }
    return out;
  }

  evaluate(gold: readonly GraphSentence[], pred: readonly PredictedGraph[]): Evaluation {
    const perClass = arcLabelClassTable(gold, pred);
    if (this.options.metric === 'ELAS') {
      const r = enhancedScores(gold, pred);
      return { score: 100 * r.elas.f1, details: { ELAS: 100 * r.elas.f1, EULAS: 100 * r.eulas.f1, precision: 100 * r.elas.precision, recall: 100 * r.elas.recall }, perClass };
    }
    const r = sdpScores(gold, pred);
    return { score: 100 * r.labeled.f1, details: { LF: 100 * r.labeled.f1, UF: 100 * r.unlabeled.f1, LP: 100 * r.labeled.precision, LR: 100 * r.labeled.recall }, perClass };
  }

  /** An arc survives when more than half of the models predict it; it takes the label most of them gave (ties: earliest). */
  vote(predictions: readonly (readonly PredictedGraph[])[], lengths: readonly number[]): PredictedGraph[] {
    return lengths.map((_, s) => {
      const tally = new Map<string, { dep: number; head: number; votes: number; labels: Map<string, number>; best: string; bestCount: number }>();
      for (const p of predictions) {
        for (const a of p[s].arcs) {
          const key = `${a.dep}\t${a.head}`;
          let e = tally.get(key);
          if (!e) tally.set(key, (e = { dep: a.dep, head: a.head, votes: 0, labels: new Map(), best: a.label, bestCount: 0 }));
          e.votes++;
          const c = (e.labels.get(a.label) ?? 0) + 1;
          e.labels.set(a.label, c);
          if (c > e.bestCount) {
            e.best = a.label;
            e.bestCount = c;
          }
        }
      }
      const arcs = [...tally.values()].filter((e) => 2 * e.votes > predictions.length).map((e) => ({ dep: e.dep, head: e.head, label: e.best }));
      arcs.sort((x, y) => x.dep - y.dep || x.head - y.head);
      return { arcs };
    });
  }
}
