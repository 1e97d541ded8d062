// Phrase (span) precision/recall/F1 and token accuracy counted exactly as conlleval (CoNLL-2000/2003) counts them.
//
// conlleval decides phrase boundaries from each pair of adjacent tags (prefix + type) with two
// rules, startOfChunk and endOfChunk, and counts a guessed phrase correct when gold and guess start
// together with the same type and end together. Its rules cover IOB1, IOB2 and IOE; for BIOES the
// original script has no S- rule and lets `E-X B-X` run on as one phrase, so we add the rules every
// BIOES-aware port uses: S- always starts and ends a phrase, B- always starts one, and a phrase
// always ends after E- or S-. On IOB1/IOB2/IOE input these additions never fire, so results there
// equal the perl script's.

import type { TermScore } from '../formats/absa-xml.js';
import { formatFixedC, padLeft } from './fixed-format.js';
import { assertSameLengths } from './shape.js';

/** A tag split as conlleval splits it: at the first hyphen ("B-NP" → B + NP; "O" → O + ""). */
export interface SplitTag {
  prefix: string;
  type: string;
}

/** Counts for one phrase type or overall. */
export interface SpanCounts {
  /** Phrases in the gold standard. */
  gold: number;
  /** Phrases in the prediction (conlleval's "found"). */
  predicted: number;
  /** Predicted phrases whose type and both boundaries match a gold phrase. */
  correct: number;
}

/** Counts plus the derived scores, as fractions in [0, 1]; 0 where a denominator is 0 (as conlleval prints). */
export interface SpanScore extends SpanCounts {
  precision: number;
  recall: number;
  f1: number;
}

export interface ConllevalResult {
  /** Tokens scored (sentence boundaries are not tokens). */
  tokens: number;
  /** Tokens whose predicted tag (prefix and type) equals the gold tag. */
  correctTags: number;
  /** correctTags / tokens, 0 when there are no tokens. */
  accuracy: number;
  overall: SpanScore;
  /** One entry per type seen in gold or prediction, in conlleval's (code-point) order. */
  byType: ReadonlyMap<string, SpanScore>;
}

/** A phrase: word positions [start, end) within its sentence. */
export interface Span {
  type: string;
  start: number;
  end: number;
}

const OUTSIDE: SplitTag = { prefix: 'O', type: '' };

export function splitTag(tag: string): SplitTag {
  const hyphen = tag.indexOf('-');
  if (hyphen < 0) return { prefix: tag, type: '' };
  const type = tag.slice(hyphen + 1);
  // Perl treats the string "0" as false, so conlleval turns a type "0" into "".
  return { prefix: tag.slice(0, hyphen), type: type === '0' ? '' : type };
}

/** conlleval's endOfChunk (+ the BIOES rules above): did a phrase end between `prev` and `cur`? */
export function chunkEnds(prev: SplitTag, cur: SplitTag): boolean {
  const p = prev.prefix;
  const c = cur.prefix;
  if ((p === 'B' || p === 'I') && (c === 'B' || c === 'O')) return true;
  if (p === 'E' && (c === 'E' || c === 'I' || c === 'O')) return true;
  if (p !== 'O' && p !== '.' && prev.type !== cur.type) return true;
  if (p === '[' || p === ']') return true;
  // BIOES additions.
  if (p === 'E' || p === 'S') return true;
  if ((p === 'B' || p === 'I') && c === 'S') return true;
  return false;
}

/** conlleval's startOfChunk (+ the BIOES rules above): did a phrase start between `prev` and `cur`? */
export function chunkStarts(prev: SplitTag, cur: SplitTag): boolean {
  const p = prev.prefix;
  const c = cur.prefix;
  if (c === 'B' && (p === 'B' || p === 'I' || p === 'O')) return true;
  if (p === 'O' && (c === 'I' || c === 'E')) return true;
  if (p === 'E' && (c === 'E' || c === 'I')) return true;
  if (c !== 'O' && c !== '.' && prev.type !== cur.type) return true;
  if (c === '[' || c === ']') return true;
  // BIOES additions.
  if (c === 'B' || c === 'S') return true;
  if ((p === 'E' || p === 'S') && (c === 'I' || c === 'E')) return true;
  return false;
}

/**
 * The phrases of one tag sequence, by the same rules. For tags of the form `O` or `[BIES]-TYPE`
 * (what the format readers accept) matching these spans exactly gives conlleval's counts.
 */
export function extractSpans(tags: readonly string[]): Span[] {
  const spans: Span[] = [];
  let prev = OUTSIDE;
  let open: { type: string; start: number } | undefined;
  for (let i = 0; i <= tags.length; i++) {
    // A virtual O after the last word: sentence boundaries end phrases.
    const cur = i < tags.length ? splitTag(tags[i] as string) : OUTSIDE;
    if (open && chunkEnds(prev, cur)) {
      spans.push({ type: open.type, start: open.start, end: i });
      open = undefined;
    }
    if (i < tags.length && chunkStarts(prev, cur)) open = { type: cur.type, start: i };
    prev = cur;
  }
  return spans;
}

function score(c: SpanCounts): SpanScore {
  const precision = c.predicted > 0 ? c.correct / c.predicted : 0;
  const recall = c.gold > 0 ? c.correct / c.gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, precision, recall, f1 };
}

/**
 * Scores predicted tag sequences against gold ones as conlleval does. `gold[s]` and `pred[s]`
 * are the tags of sentence s; they must have equal lengths (a RangeError names the sentence).
 * Sentence boundaries end phrases, like conlleval's blank lines.
 */
export function conllevalScore(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): ConllevalResult {
  assertSameLengths(gold, pred, 'tags');
  const goldByType = new Map<string, number>();
  const predByType = new Map<string, number>();
  const correctByType = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  let tokens = 0;
  let correctTags = 0;
  let goldTotal = 0;
  let predTotal = 0;
  let correctTotal = 0;

  // The same state machine as conlleval: `inCorrect` says the phrases that started together
  // (same type) in gold and prediction still agree on everything seen so far.
  let inCorrect = false;
  let lastG = OUTSIDE;
  let lastP = OUTSIDE;
  const step = (g: SplitTag, p: SplitTag, isToken: boolean): void => {
    const goldEnds = chunkEnds(lastG, g);
    const predEnds = chunkEnds(lastP, p);
    if (inCorrect) {
      if (goldEnds && predEnds && lastG.type === lastP.type) {
        inCorrect = false;
        correctTotal++;
        bump(correctByType, lastG.type);
      } else if (goldEnds !== predEnds || g.type !== p.type) {
        inCorrect = false;
      }
    }
    const goldStarts = chunkStarts(lastG, g);
    const predStarts = chunkStarts(lastP, p);
    if (goldStarts && predStarts && g.type === p.type) inCorrect = true;
    if (goldStarts) {
      goldTotal++;
      bump(goldByType, g.type);
    }
    if (predStarts) {
      predTotal++;
      bump(predByType, p.type);
    }
    if (isToken) {
      tokens++;
      if (g.prefix === p.prefix && g.type === p.type) correctTags++;
    }
    lastG = g;
    lastP = p;
  };

  for (let s = 0; s < gold.length; s++) {
    const g = gold[s] as readonly string[];
    const p = pred[s] as readonly string[];
    for (let i = 0; i < g.length; i++) step(splitTag(g[i] as string), splitTag(p[i] as string), true);
    step(OUTSIDE, OUTSIDE, false); // the blank line after each sentence
  }
  if (inCorrect) {
    // Only reachable with tags outside O/[BIES]-TYPE whose phrases never end; conlleval counts them at EOF.
    correctTotal++;
    bump(correctByType, lastG.type);
  }

  const types = [...new Set([...goldByType.keys(), ...predByType.keys()])].sort(compareCodePoints);
  const byType = new Map<string, SpanScore>();
  for (const t of types) {
    byType.set(t, score({ gold: goldByType.get(t) ?? 0, predicted: predByType.get(t) ?? 0, correct: correctByType.get(t) ?? 0 }));
  }
  return {
    tokens,
    correctTags,
    accuracy: tokens > 0 ? correctTags / tokens : 0,
    overall: score({ gold: goldTotal, predicted: predTotal, correct: correctTotal }),
    byType,
  };
}

/** Perl's default sort compares strings by code point (UTF-16 code units differ only above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((ch) => ch.codePointAt(0) as number);
  const y = [...b].map((ch) => ch.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/** Percentages in conlleval's order of operations (100*c/n first), so printed digits match it. */
function percentages(c: SpanCounts): { precision: number; recall: number; f1: number } {
  const precision = c.predicted > 0 ? (100 * c.correct) / c.predicted : 0;
  const recall = c.gold > 0 ? (100 * c.correct) / c.gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** conlleval's default (non-LaTeX) report, byte for byte, ending with a newline. */
export function formatConllevalReport(r: ConllevalResult): string {
  const f = (x: number): string => padLeft(formatFixedC(x, 2), 6);
  const o = r.overall;
  let out = `processed ${r.tokens} tokens with ${o.gold} phrases; found: ${o.predicted} phrases; correct: ${o.correct}.\n`;
  if (r.tokens > 0) {
    const pct = percentages(o);
    out += `accuracy: ${f((100 * r.correctTags) / r.tokens)}%; precision: ${f(pct.precision)}%; recall: ${f(pct.recall)}%; FB1: ${f(pct.f1)}\n`;
  }
  for (const [type, s] of r.byType) {
    const pct = percentages(s);
    out += `${padLeft(type, 17)}: precision: ${f(pct.precision)}%; recall: ${f(pct.recall)}%; FB1: ${f(pct.f1)}  ${s.predicted}\n`;
  }
  return out;
}

/** Aspect-term scores (SemEval-2014 ABSA) as the official evaluation prints them. */
export function formatTermReport(r: TermScore): string {
  const pct = (x: number): string => formatFixedC(100 * x, 2);
  return `aspect terms: gold ${r.gold}; predicted ${r.predicted}; correct ${r.correct}.\nprecision: ${pct(r.precision)}%; recall: ${pct(r.recall)}%; F1: ${pct(r.f1)}\n`;
}
