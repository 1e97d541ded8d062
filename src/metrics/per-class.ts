// Per-class score tables (flair's and SuPar's end-of-training reports): P/R/F1 per span type, accuracy per gold tag, UAS/LAS per gold relation, LF per arc label, and an aligned text rendering.

import type { ArcGraph } from './graph.js';
import type { HeadedTree } from './attachment.js';
import { universalRelation } from './attachment.js';
import type { ConllevalResult } from './spans.js';
import { formatFixedC } from './fixed-format.js';
import { assertSameLengths } from './shape.js';

/** One row per class: its name, how many gold items it has, and its scores (fractions in [0, 1]) or counts. */
export interface PerClassRow {
  label: string;
  values: number[];
}

export interface PerClassTable {
  /** What a row is ('type', 'tag', 'relation', 'label'). */
  classHeader: string;
  /** Column names after the class, and which columns are percentages (printed ×100 with two decimals). */
  columns: { name: string; percent: boolean }[];
  /** Rows by descending gold count, then by name (code-point order). */
  rows: PerClassRow[];
}

const count = (name: string): { name: string; percent: boolean } => ({ name, percent: false });
const pct = (name: string): { name: string; percent: boolean } => ({ name, percent: true });

function byGoldThenName(rows: PerClassRow[]): PerClassRow[] {
  return rows.sort((a, b) => (b.values[0] as number) - (a.values[0] as number) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

const f1 = (correct: number, gold: number, predicted: number): number => (gold + predicted > 0 ? (2 * correct) / (gold + predicted) : 0);

/** conlleval's per-type counts as rows: gold, predicted, correct, precision, recall, F1. */
export function spanClassTable(r: ConllevalResult): PerClassTable {
  const rows = [...r.byType].map(([type, s]) => ({ label: type, values: [s.gold, s.predicted, s.correct, s.precision, s.recall, s.f1] }));
  return { classHeader: 'type', columns: [count('gold'), count('predicted'), count('correct'), pct('precision'), pct('recall'), pct('F1')], rows: byGoldThenName(rows) };
}

/**
 * Accuracy per gold tag (recall of the tag), with the tag's precision and F1 beside it: a tag predicted where gold has
 * another counts against the predicted tag's precision. `gold[s]`, `pred[s]` are the tags of sentence s.
 */
export function tagClassTable(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): PerClassTable {
  assertSameLengths(gold, pred, 'labels');
  const stats = new Map<string, { gold: number; predicted: number; correct: number }>();
  const at = (tag: string) => {
    let s = stats.get(tag);
    if (!s) stats.set(tag, (s = { gold: 0, predicted: 0, correct: 0 }));
    return s;
  };
  gold.forEach((g, si) => {
    const p = pred[si] as readonly string[];
    g.forEach((tag, i) => {
      at(tag).gold++;
      at(p[i] as string).predicted++;
      if (p[i] === tag) at(tag).correct++;
    });
  });
  const rows = [...stats].map(([tag, s]) => ({
    label: tag,
    values: [s.gold, s.predicted, s.gold > 0 ? s.correct / s.gold : 0, s.predicted > 0 ? s.correct / s.predicted : 0, f1(s.correct, s.gold, s.predicted)],
  }));
  return { classHeader: 'tag', columns: [count('gold'), count('predicted'), pct('accuracy'), pct('precision'), pct('F1')], rows: byGoldThenName(rows) };
}

/**
 * UAS and LAS per gold relation (DEPREL as written, e.g. nsubj:pass): over the words whose gold relation it is, the
 * share with the right head, and with the right head and universal relation (the CoNLL 2018 LAS rule).
 */
export function relationClassTable(gold: readonly HeadedTree[], pred: readonly HeadedTree[]): PerClassTable {
  assertSameLengths(gold.map((t) => t.heads), pred.map((t) => t.heads), 'words');
  const stats = new Map<string, { words: number; heads: number; labeled: number }>();
  gold.forEach((g, si) => {
    const p = pred[si] as HeadedTree;
    g.heads.forEach((h, i) => {
      const rel = g.rels[i] ?? '';
      let s = stats.get(rel);
      if (!s) stats.set(rel, (s = { words: 0, heads: 0, labeled: 0 }));
      s.words++;
      if (p.heads[i] !== h) return;
      s.heads++;
      if (universalRelation(p.rels[i] ?? '') === universalRelation(rel)) s.labeled++;
    });
  });
  const rows = [...stats].map(([rel, s]) => ({ label: rel, values: [s.words, s.heads / s.words, s.labeled / s.words] }));
  return { classHeader: 'relation', columns: [count('words'), pct('UAS'), pct('LAS')], rows: byGoldThenName(rows) };
}

/**
 * Labelled precision, recall and F1 per arc label: an arc (dependent, head, label) is correct when the gold graph has
 * the same one (each graph's arcs as a set; top/root arcs from 0 included).
 */
export function arcLabelClassTable(gold: readonly ArcGraph[], pred: readonly ArcGraph[]): PerClassTable {
  if (gold.length !== pred.length) throw new RangeError(`gold has ${gold.length} sentences, prediction has ${pred.length}`);
  const stats = new Map<string, { gold: number; predicted: number; correct: number }>();
  const at = (label: string) => {
    let s = stats.get(label);
    if (!s) stats.set(label, (s = { gold: 0, predicted: 0, correct: 0 }));
    return s;
  };
  const keyOf = (a: { dep: number; head: number; label: string }): string => `${a.dep}\t${a.head}\t${a.label}`;
  gold.forEach((g, si) => {
    const goldSet = new Set(g.arcs.map(keyOf));
    const predSet = new Set((pred[si] as ArcGraph).arcs.map(keyOf));
    for (const k of goldSet) at(k.slice(k.lastIndexOf('\t') + 1)).gold++;
    for (const k of predSet) {
      const s = at(k.slice(k.lastIndexOf('\t') + 1));
      s.predicted++;
      if (goldSet.has(k)) s.correct++;
    }
  });
  const rows = [...stats].map(([label, s]) => ({
    label,
    values: [s.gold, s.predicted, s.correct, s.predicted > 0 ? s.correct / s.predicted : 0, s.gold > 0 ? s.correct / s.gold : 0, f1(s.correct, s.gold, s.predicted)],
  }));
  return { classHeader: 'label', columns: [count('gold'), count('predicted'), count('correct'), pct('LP'), pct('LR'), pct('LF')], rows: byGoldThenName(rows) };
}

/** The table as aligned text: a header line, a rule, then one line per class (numbers right-aligned). */
export function formatPerClassTable(t: PerClassTable): string {
  const cells = t.rows.map((r) => [r.label, ...r.values.map((v, i) => (t.columns[i]?.percent ? formatFixedC(100 * v, 2) : String(v)))]);
  const head = [t.classHeader, ...t.columns.map((c) => c.name)];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: readonly string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}
