// The trainable word candidate (Lample et al. 2016): a randomly initialised table over the training vocabulary.
import type { Sentence } from '../formats/types.js';
import { UsageError } from '../util/errors.js';
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdVocab, PAD_ID } from './id-vocab.js';
import { IdTableLayer, positiveInt, type BlockVocabs } from './trainable.js';

/**
 * Defaults. Words keep their case (`lowercase: false`): casing is information a tagger uses (NER above all), and
 * GloVe, the usual companion, is already lowercased by its fallback. Words seen fewer than `minCount` times in
 * training map to the unknown row, as in flair's vocabulary with a frequency cut-off, so the unknown row trains on
 * real rare words and not only on dev/test words it never saw.
 */
export const WORD_DEFAULTS = Object.freeze({ dim: 100, minCount: 2, lowercase: false });

export interface WordOptions {
  dim: number;
  minCount: number;
  lowercase: boolean;
}

export function wordOptions(spec: CandidateSpec): WordOptions {
  const o = spec.options ?? {};
  const lowercase = o.lowercase ?? WORD_DEFAULTS.lowercase;
  if (typeof lowercase !== 'boolean') throw new UsageError(`candidate ${spec.name}: lowercase must be true or false`);
  return {
    dim: positiveInt(o.dim, WORD_DEFAULTS.dim, spec.name),
    minCount: positiveInt(o.minCount, WORD_DEFAULTS.minCount, spec.name, 'minCount'),
    lowercase,
  };
}

/** The form a word is looked up by. */
export function wordKey(word: string, options: Pick<WordOptions, 'lowercase'>): string {
  return options.lowercase ? word.toLowerCase() : word;
}

/**
 * A vocab.size × dim table, N(0, 0.1²) initialised: id 0 pads, id 1 (unknown) serves every word outside the
 * training vocabulary. The vocabulary is stored in the bundle under `vocabs.words[<candidate name>]`.
 */
export function createWordCandidate(spec: CandidateSpec): TrainableCandidate {
  const options = wordOptions(spec);
  return {
    spec,
    dim: options.dim,
    frozen: false,
    createLayer: ({ vocabs, rng }) => {
      const items = vocabs.words?.[spec.name];
      if (!items) throw new UsageError(`candidate ${spec.name}: the model has no word vocabulary for it (vocabs.words.${spec.name})`);
      const vocab = new IdVocab(items);
      return new IdTableLayer(`cand.${spec.name}`, vocab.size, options.dim, PAD_ID, (s, _b, put) =>
        s.words.forEach((w, t) => put(t, vocab.id(wordKey(w, options)))), rng);
    },
  };
}

/** Adds this candidate's vocabulary: training words seen at least minCount times, most frequent first. */
export function addWordVocab(spec: CandidateSpec, train: readonly Sentence[], vocabs: BlockVocabs): BlockVocabs {
  const options = wordOptions(spec);
  function* words(): Generator<string> {
    for (const s of train) for (const w of s.words) yield wordKey(w, options);
  }
  const items = IdVocab.fromCounts(words(), options.minCount).items;
  return { ...vocabs, words: { ...(vocabs.words ?? {}), [spec.name]: items } };
}
