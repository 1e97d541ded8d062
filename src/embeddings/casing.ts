// The casing feature candidate: each word's shape class as an id, embedded by a trainable table.
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdTableLayer, positiveInt } from './trainable.js';

/** Shape classes, in id order. Checked top to bottom; the first that applies wins. */
export const CASING_CLASSES = [
  'numeric', // only digits, possibly with , . - separators: 1,000  3.14  -5
  'all-lower', // letters, all lowercase: the
  'all-upper', // letters, all uppercase, 2+ letters: NATO
  'initial-upper', // first letter uppercase, rest lowercase (also a single capital): London, I
  'mixed-case', // letters only, other mixtures: iPhone, McDonald
  'contains-digit', // letters and digits: A4, 2nd
  'punctuation', // only punctuation / symbols: ,  --  $
  'other', // anything else: e-mail, U.S., non-Latin scripts
] as const;

export type CasingClass = (typeof CASING_CLASSES)[number];
export const CASING_CLASS_COUNT = CASING_CLASSES.length;

const NUMERIC = /^[+-]?(\d+([.,]\d+)*|[.,]\d+)$/u;
const LOWER = /^\p{Ll}+$/u;
const UPPER = /^\p{Lu}+$/u;
const INITIAL = /^\p{Lu}\p{Ll}*$/u;
const LETTERS = /^\p{L}+$/u;
const ALNUM_WITH_DIGIT = /^(?=.*\d)(?=.*\p{L})[\p{L}\d]+$/u;
const PUNCT = /^[\p{P}\p{S}]+$/u;

export function casingClass(word: string): CasingClass {
  if (NUMERIC.test(word)) return 'numeric';
  if (LOWER.test(word)) return 'all-lower';
  if (word.length > 1 && UPPER.test(word)) return 'all-upper';
  if (INITIAL.test(word)) return 'initial-upper';
  if (LETTERS.test(word)) return 'mixed-case';
  if (ALNUM_WITH_DIGIT.test(word)) return 'contains-digit';
  if (PUNCT.test(word)) return 'punctuation';
  return 'other';
}

/** Id in [0, CASING_CLASS_COUNT) of a word's shape class. */
export function casingId(word: string): number {
  return CASING_CLASSES.indexOf(casingClass(word));
}

export function casingIds(words: readonly string[]): Int32Array {
  return Int32Array.from(words, casingId);
}

export const CASING_DEFAULTS = Object.freeze({ dim: 16 });

/**
 * The trainable candidate: a (CASING_CLASS_COUNT + 1) × dim table, the extra row for padding (it receives zero
 * gradient from the encoder, so it never trains).
 */
export function createCasingCandidate(spec: CandidateSpec): TrainableCandidate {
  const dim = positiveInt(spec.options?.dim, CASING_DEFAULTS.dim, spec.name);
  return {
    spec,
    dim,
    frozen: false,
    createLayer: ({ rng }) =>
      new IdTableLayer(`cand.${spec.name}`, CASING_CLASS_COUNT + 1, dim, CASING_CLASS_COUNT, (s, _b, put) => s.words.forEach((w, t) => put(t, casingId(w))), rng),
  };
}
