// Character ids for the char candidate (Lample et al. 2016): the vocabulary of training characters and the
// word → id-sequence mapping; the char encoder layer itself lives in the engine and trains with the task model.
import type { Sentence } from '../formats/types.js';
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdVocab } from './id-vocab.js';

/** Characters are Unicode code points (so an emoji or a non-BMP letter is one char, not two halves). */
export function buildCharVocab(sentences: readonly Sentence[], minCount = 1): IdVocab {
  function* chars(): Generator<string> {
    for (const s of sentences) for (const w of s.words) yield* w;
  }
  return IdVocab.fromCounts(chars(), minCount);
}

/** A word's characters as ids (unknown characters → UNK_ID); `maxLength` truncates very long tokens (URLs). */
export function wordToCharIds(word: string, vocab: IdVocab, maxLength = Infinity): Int32Array {
  const out: number[] = [];
  for (const ch of word) {
    if (out.length >= maxLength) break;
    out.push(vocab.id(ch));
  }
  return Int32Array.from(out);
}

export const CHAR_DEFAULTS = Object.freeze({ dim: 50, charDim: 25, maxWordLength: 50 });

/** The trainable description; `dim` is the encoder output (BiLSTM over char embeddings, both directions). */
export function createCharCandidate(spec: CandidateSpec): TrainableCandidate {
  const dim = Number(spec.options?.dim ?? CHAR_DEFAULTS.dim);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`candidate ${spec.name}: dim must be a positive integer`);
  return { spec, dim, frozen: false };
}
