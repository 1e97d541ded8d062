// The CoNLL 2018 UD shared task metrics (conll18_ud_eval.py, v1.2) on a system's own tokenization: tokens, sentences and words aligned by character offsets, then tags, lemmas and attachment.
//
// Written from the scorer's documented algorithm (Zeman et al. 2018, and the script's own description):
// - Both files' FORMs, with every Unicode space separator (Zs) deleted, are concatenated; the two texts must be
//   equal. Tokens (a multiword token's line, or a word outside one), words and sentences become character spans.
// - Tokens and sentences score by equal spans. Words align by spans where neither side has a multiword token;
//   inside a "multiword span" (the smallest stretch holding whole multiword tokens of either file, extended until
//   none sticks out) they align by the longest common subsequence of their lowercased forms.
// - Aligned words score a column when it is equal: UPOS, XPOS, UFeats (universal features only, sorted),
//   AllTags, Lemmas (a gold lemma `_` counts as a match), UAS (the heads are aligned words, or both the root),
//   LAS (plus the universal relation), and over content relations CLAS, MLAS (plus UPOS, UFeats and the
//   functional children) and BLEX (plus the lemma). Precision divides by system words, recall by gold words.

import type { ConlluSentence } from '../formats/conllu.js';
import { InputError } from '../util/errors.js';
import { formatFixedC, padRight } from './fixed-format.js';

export const CONLL18_METRICS = ['Tokens', 'Sentences', 'Words', 'UPOS', 'XPOS', 'UFeats', 'AllTags', 'Lemmas', 'UAS', 'LAS', 'CLAS', 'MLAS', 'BLEX'] as const;
export type Conll18Metric = (typeof CONLL18_METRICS)[number];

/** Relations whose dependents CLAS, MLAS and BLEX score (universal part of DEPREL). */
const CONTENT_RELATIONS: ReadonlySet<string> = new Set([
  'nsubj', 'obj', 'iobj', 'csubj', 'ccomp', 'xcomp', 'obl', 'vocative', 'expl', 'dislocated', 'advcl', 'advmod', 'discourse',
  'nmod', 'appos', 'nummod', 'acl', 'amod', 'conj', 'fixed', 'flat', 'compound', 'list', 'parataxis', 'orphan', 'goeswith',
  'reparandum', 'root', 'dep',
]);

/** Relations of the function words MLAS attaches to their heads. */
const FUNCTIONAL_RELATIONS: ReadonlySet<string> = new Set(['aux', 'cop', 'mark', 'det', 'clf', 'case', 'cc']);

/** The features UFeats compares (UD v2's universal features). */
const UNIVERSAL_FEATURES: ReadonlySet<string> = new Set([
  'PronType', 'NumType', 'Poss', 'Reflex', 'Foreign', 'Abbr', 'Gender', 'Animacy', 'Number', 'Case', 'Definite', 'Degree',
  'VerbForm', 'Mood', 'Tense', 'Aspect', 'Voice', 'Evident', 'Polarity', 'Person', 'Polite',
]);

export interface UdScore {
  correct: number;
  gold: number;
  system: number;
  /** Gold words aligned to a system word (of those the metric scores); absent for Tokens, Sentences and Words. */
  aligned?: number;
  precision: number;
  recall: number;
  f1: number;
  /** correct / aligned (0 when nothing aligned); absent where `aligned` is. */
  alignedAccuracy?: number;
}

export type Conll18Result = Record<Conll18Metric, UdScore>;

interface Span {
  start: number;
  end: number;
}

interface UdWord {
  /** The word's token (for words of a multiword token, the whole token's span). */
  span: Span;
  multiword: boolean;
  form: string;
  lemma: string;
  upos: string;
  xpos: string;
  feats: string;
  /** Universal part of DEPREL. */
  rel: string;
  /** Index of the head word in the file's word list; −1 for the root. */
  head: number;
  functionalChildren: number[];
  content: boolean;
}

interface UdFile {
  text: string;
  tokens: Span[];
  sentences: Span[];
  words: UdWord[];
}

const SPACE_SEPARATORS = /\p{Zs}/gu;

function universalFeats(feats: string): string {
  return feats
    .split('|')
    .filter((f) => UNIVERSAL_FEATURES.has(f.split('=', 1)[0] as string))
    .sort()
    .join('|');
}

/** Character spans of a file's tokens, words and sentences; `file` names it in errors. */
function readFile(sentences: readonly ConlluSentence[], file: string): UdFile {
  const chunks: string[] = [];
  let offset = 0;
  const out: UdFile = { text: '', tokens: [], sentences: [], words: [] };
  for (const s of sentences) {
    const first = out.words.length;
    const sentenceStart = offset;
    // Words still to come inside the current multiword token, and that token's span.
    let inRange = 0;
    let rangeSpan: Span = { start: 0, end: 0 };
    const heads: number[] = [];
    for (const t of s.tokens) {
      if (t.kind === 'empty') continue;
      const [id, rawForm, lemma, upos, xpos, feats, head, deprel] = t.cells as [string, string, string, string, string, string, string, string];
      const form = rawForm.replace(SPACE_SEPARATORS, '');
      if (form === '') throw new InputError(file, s.id ?? s.line, `token ${id} has an empty FORM once spaces are removed`);
      let span: Span;
      const multiword = inRange > 0;
      if (multiword) {
        span = rangeSpan;
        inRange--;
      } else {
        span = { start: offset, end: offset + form.length };
        chunks.push(form);
        offset += form.length;
        out.tokens.push(span);
        if (t.kind === 'range') {
          const [a, b] = id.split('-').map(Number) as [number, number];
          inRange = b - a + 1;
          rangeSpan = span;
          continue;
        }
      }
      if (!/^(0|[1-9][0-9]*)$/.test(head)) throw new InputError(file, s.id ?? s.line, `word ${id} has HEAD '${head}', not an integer (the CoNLL 2018 metrics need a tree)`);
      const rel = deprel.split(':')[0] as string;
      heads.push(Number(head));
      out.words.push({
        span, multiword, form, lemma, upos, xpos,
        feats: universalFeats(feats), rel, head: -1, functionalChildren: [], content: CONTENT_RELATIONS.has(rel),
      });
    }
    heads.forEach((h, i) => {
      const w = out.words[first + i] as UdWord;
      if (h > heads.length) throw new InputError(file, s.id ?? s.line, `word ${i + 1} has HEAD ${h} outside the sentence of ${heads.length} words`);
      w.head = h === 0 ? -1 : first + h - 1;
    });
    heads.forEach((_, i) => {
      const w = out.words[first + i] as UdWord;
      if (w.head >= 0 && FUNCTIONAL_RELATIONS.has(w.rel)) (out.words[w.head] as UdWord).functionalChildren.push(first + i);
    });
    out.sentences.push({ start: sentenceStart, end: offset });
  }
  out.text = chunks.join('');
  return out;
}

/** Equal spans of two sorted span lists (the Tokens and Sentences metrics). */
function spanScore(gold: readonly Span[], system: readonly Span[]): UdScore {
  let correct = 0;
  let g = 0;
  let s = 0;
  while (g < gold.length && s < system.length) {
    const a = gold[g] as Span;
    const b = system[s] as Span;
    if (b.start < a.start) s++;
    else if (a.start < b.start) g++;
    else {
      if (a.end === b.end) correct++;
      g++;
      s++;
    }
  }
  return score(correct, gold.length, system.length);
}

function score(correct: number, gold: number, system: number, aligned?: number): UdScore {
  const r: UdScore = {
    correct, gold, system,
    precision: system > 0 ? correct / system : 0,
    recall: gold > 0 ? correct / gold : 0,
    f1: gold + system > 0 ? (2 * correct) / (gold + system) : 0,
  };
  if (aligned !== undefined) {
    r.aligned = aligned;
    r.alignedAccuracy = aligned > 0 ? correct / aligned : 0;
  }
  return r;
}

/**
 * Where a multiword span that starts at words g (gold) and s (system) begins and ends: [gStart, sStart, gEnd, sEnd),
 * the words of each side inside it. One side's word at the start is part of a multiword token.
 */
function multiwordSpan(gold: readonly UdWord[], system: readonly UdWord[], g: number, s: number): [number, number, number, number] {
  const gw = gold[g] as UdWord;
  const sw = system[s] as UdWord;
  let end: number;
  // A plain word of the other side that starts before the multiword token lies outside the span.
  if (gw.multiword) {
    end = gw.span.end;
    if (!sw.multiword && sw.span.start < gw.span.start) s++;
  } else {
    end = sw.span.end;
    if (!gw.multiword && gw.span.start < sw.span.start) g++;
  }
  const gStart = g;
  const sStart = s;
  // A word is past the span when it starts at or after its end (multiword) or ends after it (plain word).
  const past = (words: readonly UdWord[], i: number): boolean => {
    const w = words[i];
    if (w === undefined) return true;
    return w.multiword ? w.span.start >= end : w.span.end > end;
  };
  // Take the earlier-starting word of the two sides until both are past; multiword tokens taken stretch the end.
  while (!past(gold, g) || !past(system, s)) {
    const takeGold = g < gold.length && (s >= system.length || (gold[g] as UdWord).span.start <= (system[s] as UdWord).span.start);
    const w = takeGold ? (gold[g++] as UdWord) : (system[s++] as UdWord);
    if (w.multiword && w.span.end > end) end = w.span.end;
  }
  return [gStart, sStart, g, s];
}

/** Gold word index of each system word (−1 when unaligned), the CoNLL 2018 way. */
function alignWords(gold: readonly UdWord[], system: readonly UdWord[]): Int32Array {
  const goldOf = new Int32Array(system.length).fill(-1);
  let g = 0;
  let s = 0;
  while (g < gold.length && s < system.length) {
    const gw = gold[g] as UdWord;
    const sw = system[s] as UdWord;
    if (gw.multiword || sw.multiword) {
      const [g0, s0, g1, s1] = multiwordSpan(gold, system, g, s);
      alignByForms(gold, system, g0, g1, s0, s1, goldOf);
      g = g1;
      s = s1;
    } else if (gw.span.start === sw.span.start && gw.span.end === sw.span.end) {
      goldOf[s++] = g++;
    } else if (gw.span.start <= sw.span.start) {
      g++;
    } else {
      s++;
    }
  }
  return goldOf;
}

/** Longest common subsequence of lowercased forms between gold[g0, g1) and system[s0, s1), written into goldOf. */
function alignByForms(gold: readonly UdWord[], system: readonly UdWord[], g0: number, g1: number, s0: number, s1: number, goldOf: Int32Array): void {
  const ng = g1 - g0;
  const ns = s1 - s0;
  if (ng <= 0 || ns <= 0) return;
  const lower = (w: UdWord): string => w.form.toLowerCase();
  const same = (i: number, j: number): boolean => lower(gold[g0 + i] as UdWord) === lower(system[s0 + j] as UdWord);
  // best[i·(ns+1) + j]: LCS length of the suffixes from gold word i and system word j.
  const w = ns + 1;
  const best = new Int32Array((ng + 1) * w);
  for (let i = ng - 1; i >= 0; i--) {
    for (let j = ns - 1; j >= 0; j--) {
      const diag = same(i, j) ? 1 + (best[(i + 1) * w + j + 1] as number) : 0;
      best[i * w + j] = Math.max(diag, best[(i + 1) * w + j] as number, best[i * w + j + 1] as number);
    }
  }
  let i = 0;
  let j = 0;
  while (i < ng && j < ns) {
    if (same(i, j)) {
      goldOf[s0 + j] = g0 + i;
      i++;
      j++;
    } else if (best[i * w + j] === best[(i + 1) * w + j]) {
      i++;
    } else {
      j++;
    }
  }
}

/** Reference to a head for comparison: the gold word it is (or aligns to), −1 for the root, −2 for an unaligned system word. */
const ROOT = -1;
const UNALIGNED = -2;

/**
 * The CoNLL 2018 metrics of a system file against gold. Throws InputError (naming `files.system`) when the two do
 * not spell the same characters once spaces are removed, as the official script does.
 */
export function conll18Scores(gold: readonly ConlluSentence[], system: readonly ConlluSentence[], files: { gold: string; system: string } = { gold: '<gold>', system: '<system>' }): Conll18Result {
  const g = readFile(gold, files.gold);
  const s = readFile(system, files.system);
  if (g.text !== s.text) {
    let i = 0;
    while (i < g.text.length && i < s.text.length && g.text[i] === s.text[i]) i++;
    throw new InputError(files.system, undefined,
      `its tokens do not spell the gold file's text (${files.gold}): from non-space character ${i + 1}, gold has '${g.text.slice(i, i + 20)}', this file '${s.text.slice(i, i + 20)}'`);
  }
  const goldOf = alignWords(g.words, s.words);
  const pairs: [number, number][] = [];
  goldOf.forEach((gi, si) => {
    if (gi >= 0) pairs.push([gi, si]);
  });
  const goldHead = (gi: number): number => (g.words[gi] as UdWord).head;
  const systemHead = (si: number): number => {
    const h = (s.words[si] as UdWord).head;
    return h < 0 ? ROOT : goldOf[h] >= 0 ? (goldOf[h] as number) : UNALIGNED;
  };
  const mapSystem = (si: number): number => (goldOf[si] as number) >= 0 ? (goldOf[si] as number) : UNALIGNED;
  type Same = (gw: UdWord, sw: UdWord, gi: number, si: number) => boolean;
  const metric = (same: Same | null, contentOnly = false): UdScore => {
    const keep = (w: UdWord): boolean => !contentOnly || w.content;
    const goldTotal = g.words.filter(keep).length;
    const systemTotal = s.words.filter(keep).length;
    let aligned = 0;
    let correct = 0;
    for (const [gi, si] of pairs) {
      const gw = g.words[gi] as UdWord;
      if (!keep(gw)) continue;
      aligned++;
      if (same === null || same(gw, s.words[si] as UdWord, gi, si)) correct++;
    }
    return same === null ? score(aligned, goldTotal, systemTotal) : score(correct, goldTotal, systemTotal, aligned);
  };
  const headAndRel: Same = (gw, sw, gi, si) => goldHead(gi) === systemHead(si) && gw.rel === sw.rel;
  const lemmaMatches = (gw: UdWord, sw: UdWord): boolean => gw.lemma === '_' || gw.lemma === sw.lemma;
  const functionalMatch = (gw: UdWord, sw: UdWord): boolean => {
    const a = gw.functionalChildren;
    const b = sw.functionalChildren;
    if (a.length !== b.length) return false;
    return a.every((gc, k) => {
      const sc = b[k] as number;
      const x = g.words[gc] as UdWord;
      const y = s.words[sc] as UdWord;
      return gc === mapSystem(sc) && x.rel === y.rel && x.upos === y.upos && x.feats === y.feats;
    });
  };
  return {
    Tokens: spanScore(g.tokens, s.tokens),
    Sentences: spanScore(g.sentences, s.sentences),
    Words: metric(null),
    UPOS: metric((a, b) => a.upos === b.upos),
    XPOS: metric((a, b) => a.xpos === b.xpos),
    UFeats: metric((a, b) => a.feats === b.feats),
    AllTags: metric((a, b) => a.upos === b.upos && a.xpos === b.xpos && a.feats === b.feats),
    Lemmas: metric(lemmaMatches),
    UAS: metric((_a, _b, gi, si) => goldHead(gi) === systemHead(si)),
    LAS: metric(headAndRel),
    CLAS: metric(headAndRel, true),
    MLAS: metric((a, b, gi, si) => headAndRel(a, b, gi, si) && a.upos === b.upos && a.feats === b.feats && functionalMatch(a, b), true),
    BLEX: metric((a, b, gi, si) => headAndRel(a, b, gi, si) && lemmaMatches(a, b), true),
  };
}

/** The verbose table of conll18_ud_eval.py (`-v`): precision, recall, F1 and, for metrics on aligned words, aligned accuracy. */
export function formatConll18Table(r: Conll18Result, metrics: readonly Conll18Metric[] = CONLL18_METRICS): string {
  const cell = (x: number): string => formatFixedC(100 * x, 2).padStart(10);
  let out = 'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' + '-----------+-----------+-----------+-----------+-----------\n';
  for (const m of metrics) {
    const x = r[m];
    out += `${padRight(m, 11)}|${cell(x.precision)} |${cell(x.recall)} |${cell(x.f1)} |${x.alignedAccuracy === undefined ? '' : cell(x.alignedAccuracy)}\n`;
  }
  return out;
}
