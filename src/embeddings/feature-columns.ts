// Feature candidates over input columns (POS, lemma, …): a vocabulary per column from the training data and
// per-word ids; the embedding table is trainable and lives in the task model.
import type { Sentence } from '../formats/types.js';
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdVocab } from './id-vocab.js';
import { InputError, UsageError } from '../util/errors.js';

export const FEATURE_DEFAULTS = Object.freeze({ dim: 25, minCount: 1 });

export interface FeatureCandidate extends TrainableCandidate {
  /** The input column it embeds, a key of Sentence.features. */
  readonly column: string;
}

export function createFeatureCandidate(spec: CandidateSpec): FeatureCandidate {
  const column = spec.options?.column;
  if (typeof column !== 'string' || column === '') throw new UsageError(`candidate ${spec.name}: a feature candidate needs options.column`);
  const dim = Number(spec.options?.dim ?? FEATURE_DEFAULTS.dim);
  if (!Number.isInteger(dim) || dim < 1) throw new UsageError(`candidate ${spec.name}: dim must be a positive integer`);
  return { spec, dim, frozen: false, column };
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
