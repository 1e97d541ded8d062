// Feature candidates over input columns (POS, lemma, …): a vocabulary per column from the training data, per-word
// ids, and a trainable table that embeds them.
import type { Sentence } from '../formats/types.js';
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdVocab, PAD_ID } from './id-vocab.js';
import { InputError, UsageError } from '../util/errors.js';
import { IdTableLayer, positiveInt, type BlockVocabs } from './trainable.js';

export const FEATURE_DEFAULTS = Object.freeze({ dim: 25, minCount: 1 });

export interface FeatureCandidate extends TrainableCandidate {
  /** The input column it embeds, a key of Sentence.features. */
  readonly column: string;
}

/** A vocab.size × dim table over the column's values (id 0 for padding, 1 for values unseen in training). */
export function createFeatureCandidate(spec: CandidateSpec): FeatureCandidate {
  const column = spec.options?.column;
  if (typeof column !== 'string' || column === '') throw new UsageError(`candidate ${spec.name}: a feature candidate needs options.column`);
  const dim = positiveInt(spec.options?.dim, FEATURE_DEFAULTS.dim, spec.name);
  return {
    spec,
    dim,
    frozen: false,
    column,
    createLayer: ({ vocabs, rng }) => {
      const vocab = new IdVocab(vocabs.features?.[column] ?? []);
      return new IdTableLayer(`cand.${spec.name}`, vocab.size, dim, PAD_ID, (s, b, put) => {
        const col = s.features?.[column];
        if (!col) throw new UsageError(`sentence ${s.id ?? b} has no "${column}" column for the feature candidate ${spec.name}`);
        col.forEach((v, t) => put(t, vocab.id(v)));
      }, rng);
    },
  };
}

/**
 * Adds the column's vocabulary from the training sentences. Every sentence must have the column: a candidate over
 * a column the data lacks (the built-in `pos` on CoNLL-U data, whose columns are upos and xpos) is a usage error.
 */
export function addFeatureVocab(spec: CandidateSpec, train: readonly Sentence[], vocabs: BlockVocabs): BlockVocabs {
  const column = String(spec.options?.column ?? '');
  if (!column) throw new UsageError(`feature candidate ${spec.name} needs options.column`);
  const missing = train.find((s) => s.features?.[column] === undefined);
  if (missing) {
    const has = Object.keys(missing.features ?? {});
    throw new UsageError(`candidate ${spec.name}: the training data has no "${column}" column (its columns besides words and labels: ${has.length ? has.join(', ') : 'none'})`);
  }
  const items = IdVocab.fromCounts(train.flatMap((s) => s.features?.[column] ?? [])).items;
  return { ...vocabs, features: { ...(vocabs.features ?? {}), [column]: items } };
}

function columnValues(s: Sentence, column: string, file: string): string[] {
  const values = s.features?.[column];
  if (!values) throw new InputError(file, s.id, `sentence has no "${column}" column`);
  if (values.length !== s.words.length) {
    throw new InputError(file, s.id, `"${column}" column has ${values.length} values for ${s.words.length} words`);
  }
  return values;
}

/** Builds the column's vocabulary from training sentences; `file` names the data in errors. */
export function buildFeatureVocab(sentences: readonly Sentence[], column: string, file: string, minCount = FEATURE_DEFAULTS.minCount): IdVocab {
  function* values(): Generator<string> {
    for (const s of sentences) yield* columnValues(s, column, file);
  }
  return IdVocab.fromCounts(values(), minCount);
}

export function featureIds(sentence: Sentence, column: string, vocab: IdVocab, file: string): Int32Array {
  return Int32Array.from(columnValues(sentence, column, file), (v) => vocab.id(v));
}
