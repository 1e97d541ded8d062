// UAS/LAS as the CoNLL 2018 UD evaluation script (conll18_ud_eval.py) computes them under gold tokenization.
//
// Under gold tokenization every gold word aligns with the predicted word at the same position, so
// the script's precision, recall, F1 and aligned accuracy all equal correct / words. All syntactic
// words count, punctuation included; LAS compares only the universal part of the relation (before
// the first ':'), so `nsubj:pass` matches `nsubj`. The punctuation-free variant of the PTB
// literature is not the official metric; it is `attachmentScores(gold, pred, excludeGoldPunct(upos))`.

import type { TreeSentence } from '../formats/types.js';
import { formatFixedC, padRight } from './fixed-format.js';
import { assertSameLengths } from './shape.js';

/** What the metric reads of a tree: `heads[i]` is the 1-based head of word i+1 (0 = root). */
export type HeadedTree = Pick<TreeSentence, 'heads' | 'rels'>;

/** Returns true for words to leave out of the count; `sentence` and `word` are 0-based. */
export type WordExclusion = (sentence: number, word: number) => boolean;

export interface AttachmentResult {
  /** Words scored (after any exclusion). */
  words: number;
  /** Words whose predicted head equals the gold head. */
  unlabeledCorrect: number;
  /** Words whose head and universal relation both match. */
  labeledCorrect: number;
  /** unlabeledCorrect / words; 0 when no word is scored. */
  uas: number;
  /** labeledCorrect / words; 0 when no word is scored. */
  las: number;
}

/** The universal part of a UD relation: `nsubj:pass` → `nsubj`. */
export function universalRelation(rel: string): string {
  const colon = rel.indexOf(':');
  return colon < 0 ? rel : rel.slice(0, colon);
}

/**
 * Counts UAS/LAS over aligned words. Gold and predicted sentences must have equal word counts
 * (RangeError naming the sentence). With no `exclude`, this is the official CoNLL 2018 score.
 */
export function attachmentScores(gold: readonly HeadedTree[], pred: readonly HeadedTree[], exclude?: WordExclusion): AttachmentResult {
  assertSameLengths(gold.map((t) => t.heads), pred.map((t) => t.heads), 'words');
  let words = 0;
  let unlabeledCorrect = 0;
  let labeledCorrect = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s] as HeadedTree;
    const p = pred[s] as HeadedTree;
    for (let i = 0; i < g.heads.length; i++) {
      if (exclude?.(s, i)) continue;
      words++;
      if (g.heads[i] !== p.heads[i]) continue;
      unlabeledCorrect++;
      if (universalRelation(g.rels[i] ?? '') === universalRelation(p.rels[i] ?? '')) labeledCorrect++;
    }
  }
  return {
    words,
    unlabeledCorrect,
    labeledCorrect,
    uas: words > 0 ? unlabeledCorrect / words : 0,
    las: words > 0 ? labeledCorrect / words : 0,
  };
}

/**
 * The punctuation rule we use for "excluding punctuation" scores: leave out every word whose gold
 * UPOS is `PUNCT` (UD's own punctuation category; PTB-era papers dropped the tags `` '' , . :`,
 * which on UD English data corresponds to PUNCT). `goldUpos[s][i]` is the UPOS of word i of sentence s.
 */
export function excludeGoldPunct(goldUpos: readonly (readonly string[])[]): WordExclusion {
  return (s, i) => goldUpos[s]?.[i] === 'PUNCT';
}

/**
 * The UAS and LAS rows of conll18_ud_eval.py's verbose table (with its header and rule), for a
 * result scored without exclusions. Under gold tokenization precision, recall, F1 and aligned
 * accuracy coincide; they are computed here from the counts as the script does.
 */
export function formatConll18Rows(r: AttachmentResult): string {
  const cell = (x: number): string => formatFixedC(100 * x, 2).padStart(10);
  const row = (name: string, correct: number): string => {
    const n = r.words;
    const precision = n ? correct / n : 0;
    const recall = n ? correct / n : 0;
    const f1 = n + n ? (2 * correct) / (n + n) : 0;
    // The script prints aligned accuracy whenever it is not None, and it is 0 (not None) with no words.
    const aligned = cell(n ? correct / n : 0);
    return `${padRight(name, 11)}|${cell(precision)} |${cell(recall)} |${cell(f1)} |${aligned}\n`;
  };
  return (
    'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' +
    '-----------+-----------+-----------+-----------+-----------\n' +
    row('UAS', r.unlabeledCorrect) +
    row('LAS', r.labeledCorrect)
  );
}
