// Labelled/unlabelled F1 over graph arcs: SDP LF/UF (SDP toolkit Scorer) and enhanced-UD ELAS/EULAS (IWPT 2020 script).

import type { GraphArc, GraphSentence } from '../formats/types.js';
import { formatFixedC, formatFixedJava, padRight } from './fixed-format.js';

/** What the metrics read of a graph; arcs with `head` 0 are the virtual top/root arcs. */
export type ArcGraph = Pick<GraphSentence, 'arcs'>;

export interface ArcScore {
  gold: number;
  predicted: number;
  correct: number;
  /** correct / predicted, 0 when nothing is predicted. */
  precision: number;
  /** correct / gold, 0 when the gold has no arcs. */
  recall: number;
  /** 2PR / (P + R), 0 when both are 0. */
  f1: number;
}

export interface SdpResult {
  labeled: ArcScore;
  unlabeled: ArcScore;
  /** Share of sentences whose labelled arc set equals the gold one (the Scorer's LM). */
  labeledExactMatch: number;
  /** The same without labels (UM). */
  unlabeledExactMatch: number;
}

export interface SdpOptions {
  /**
   * Count each top node as a virtual arc from 0 (the toolkit's "including virtual dependencies to
   * top nodes"); such arcs match on position alone, whatever label they carry. Default true, the
   * first block the toolkit prints.
   */
  includeTop?: boolean;
}

const SDP_DEFAULTS: Required<SdpOptions> = { includeTop: true };

function arcScore(gold: number, predicted: number, correct: number): ArcScore {
  const precision = predicted > 0 ? correct / predicted : 0;
  const recall = gold > 0 ? correct / gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { gold, predicted, correct, precision, recall, f1 };
}

function assertSameCount(gold: readonly unknown[], pred: readonly unknown[]): void {
  if (gold.length !== pred.length) throw new RangeError(`gold has ${gold.length} sentences, prediction has ${pred.length}`);
}

/** The arc set of one graph as the SDP Scorer builds it: a set, so duplicate arcs count once. */
function sdpArcSet(graph: ArcGraph, labeled: boolean, includeTop: boolean): Set<string> {
  const set = new Set<string>();
  for (const a of graph.arcs) {
    if (a.head === 0) {
      if (includeTop) set.add(`0\t${a.dep}\t-VIRTUAL-`);
    } else {
      set.add(`${a.head}\t${a.dep}\t${labeled ? a.label : ''}`);
    }
  }
  return set;
}

/**
 * SDP 2014/2015 scores as the toolkit's Scorer counts them: precision, recall and F1 over the set
 * of (head, dependent, label) arcs of all sentences, micro-averaged; unlabelled scoring drops the
 * label. Arcs from 0 are the virtual top arcs, kept or dropped by `includeTop`.
 */
export function sdpScores(gold: readonly ArcGraph[], pred: readonly ArcGraph[], options: SdpOptions = {}): SdpResult {
  const { includeTop } = { ...SDP_DEFAULTS, ...options };
  assertSameCount(gold, pred);
  const counts = { lg: 0, lp: 0, lc: 0, ug: 0, up: 0, uc: 0, lm: 0, um: 0 };
  for (let s = 0; s < gold.length; s++) {
    for (const labeled of [true, false]) {
      const g = sdpArcSet(gold[s] as ArcGraph, labeled, includeTop);
      const p = sdpArcSet(pred[s] as ArcGraph, labeled, includeTop);
      let common = 0;
      for (const k of p) if (g.has(k)) common++;
      const exact = common === g.size && common === p.size ? 1 : 0;
      if (labeled) {
        counts.lg += g.size;
        counts.lp += p.size;
        counts.lc += common;
        counts.lm += exact;
      } else {
        counts.ug += g.size;
        counts.up += p.size;
        counts.uc += common;
        counts.um += exact;
      }
    }
  }
  const n = gold.length;
  return {
    labeled: arcScore(counts.lg, counts.lp, counts.lc),
    unlabeled: arcScore(counts.ug, counts.up, counts.uc),
    labeledExactMatch: n > 0 ? counts.lm / n : 0,
    unlabeledExactMatch: n > 0 ? counts.um / n : 0,
  };
}

/**
 * The scores block the SDP toolkit's Scorer prints for one setting, in its words and Java `%f`
 * formatting (fractions, six decimals; a zero denominator prints NaN as Java does). The per-label
 * and per-length breakdowns are left out.
 */
export function formatSdpBlock(r: SdpResult, includeTop: boolean, sentences: number): string {
  const j = (x: number): string => formatFixedJava(x, 6);
  const prf = (s: ArcScore): [number, number, number] => {
    const p = s.correct / s.predicted; // NaN on 0/0, as in the Java original
    const rc = s.correct / s.gold;
    return [p, rc, (2 * p * rc) / (p + rc)];
  };
  const [lp, lr, lf] = prf(r.labeled);
  const [up, ur, uf] = prf(r.unlabeled);
  const exact = (x: number): string => j(sentences > 0 ? x : NaN);
  return (
    `## Scores ${includeTop ? 'including' : 'excluding'} virtual dependencies to top nodes\n\n` +
    `Number of edges in gold standard: ${r.labeled.gold}\n` +
    `Number of edges in system output: ${r.labeled.predicted}\n` +
    `Number of edges in common, labeled: ${r.labeled.correct}\n` +
    `Number of edges in common, unlabeled: ${r.unlabeled.correct}\n\n` +
    `### Labeled scores\n\nLP: ${j(lp)}\nLR: ${j(lr)}\nLF: ${j(lf)}\nLM: ${exact(r.labeledExactMatch)}\n\n` +
    `### Unlabeled scores\n\nUP: ${j(up)}\nUR: ${j(ur)}\nUF: ${j(uf)}\nUM: ${exact(r.unlabeledExactMatch)}\n`
  );
}

export interface EnhancedResult {
  /** Enhanced labelled attachment: (dependent, head, full DEPS label) triples. */
  elas: ArcScore;
  /** The same with every label reduced to its universal part (per step of a collapsed path). */
  eulas: ArcScore;
}

/** `obl:in` → `obl`; a collapsed empty-node path `conj:and>obl:in` → `conj>obl`, as the IWPT script splits it. */
export function universalEnhancedLabel(label: string): string {
  return label
    .split('>')
    .map((step) => {
      const colon = step.indexOf(':');
      return colon < 0 ? step : step.slice(0, colon);
    })
    .join('>');
}

/**
 * ELAS/EULAS as iwpt20_xud_eval.py computes them under gold tokenization. Gold and predicted
 * totals are the numbers of DEPS entries; for every word, each (gold entry, predicted entry) pair
 * with the same head and label counts once, exactly the script's nested loop (so a duplicated
 * entry can count twice). F1 is 2·correct / (gold + predicted), the script's formula. Heads 0
 * are the root.
 */
export function enhancedScores(gold: readonly ArcGraph[], pred: readonly ArcGraph[]): EnhancedResult {
  assertSameCount(gold, pred);
  let g = 0;
  let p = 0;
  let elas = 0;
  let eulas = 0;
  for (let s = 0; s < gold.length; s++) {
    const byDep = (arcs: readonly GraphArc[]): Map<number, GraphArc[]> => {
      const m = new Map<number, GraphArc[]>();
      for (const a of arcs) {
        const list = m.get(a.dep);
        if (list) list.push(a);
        else m.set(a.dep, [a]);
      }
      return m;
    };
    const goldArcs = (gold[s] as ArcGraph).arcs;
    const predArcs = (pred[s] as ArcGraph).arcs;
    g += goldArcs.length;
    p += predArcs.length;
    const predByDep = byDep(predArcs);
    for (const ga of goldArcs) {
      for (const pa of predByDep.get(ga.dep) ?? []) {
        if (pa.head !== ga.head) continue;
        if (pa.label === ga.label) elas++;
        if (pa.label === ga.label || universalEnhancedLabel(pa.label) === universalEnhancedLabel(ga.label)) eulas++;
      }
    }
  }
  const iwpt = (correct: number): ArcScore => ({
    gold: g,
    predicted: p,
    correct,
    precision: p > 0 ? correct / p : 0,
    recall: g > 0 ? correct / g : 0,
    f1: g + p > 0 ? (2 * correct) / (g + p) : 0,
  });
  return { elas: iwpt(elas), eulas: iwpt(eulas) };
}

/** The ELAS and EULAS rows of the IWPT script's verbose table (header included; no aligned accuracy). */
export function formatEnhancedRows(r: EnhancedResult): string {
  const cell = (x: number): string => formatFixedC(100 * x, 2).padStart(10);
  const row = (name: string, s: ArcScore): string => `${padRight(name, 11)}|${cell(s.precision)} |${cell(s.recall)} |${cell(s.f1)} |\n`;
  return (
    'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' +
    '-----------+-----------+-----------+-----------+-----------\n' +
    row('ELAS', r.elas) +
    row('EULAS', r.eulas)
  );
}
