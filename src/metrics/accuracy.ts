// Token accuracy for per-word labels (POS tags): the share of words whose predicted label equals the gold one.

import { formatFixedC } from './fixed-format.js';
import { assertSameLengths } from './shape.js';

export interface AccuracyResult {
  correct: number;
  total: number;
  /** correct / total; 0 when there are no words. */
  accuracy: number;
}

/**
 * Compares labels position by position; `gold[s]` and `pred[s]` are the labels of sentence s and
 * must have equal lengths (RangeError naming the sentence otherwise). Labels compare as exact
 * strings, as the CoNLL 2018 script compares UPOS/XPOS under gold tokenization.
 */
export function tokenAccuracy(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): AccuracyResult {
  assertSameLengths(gold, pred, 'labels');
  let correct = 0;
  let total = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s] as readonly string[];
    const p = pred[s] as readonly string[];
    for (let i = 0; i < g.length; i++) {
      total++;
      if (g[i] === p[i]) correct++;
    }
  }
  return { correct, total, accuracy: total > 0 ? correct / total : 0 };
}

/** Token accuracy as a conlleval-style two-line report (the model mode's report for POS taggers). */
export function formatAccuracyReport(correct: number, total: number): string {
  const pct = total > 0 ? (100 * correct) / total : 0;
  return `processed ${total} tokens; correct: ${correct}.\naccuracy: ${formatFixedC(pct, 2).padStart(6)}%\n`;
}
