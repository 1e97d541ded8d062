// A batch of sentences by index, padded to its longest, and the sequence layout the engine's layers take.
import type { SeqLayout } from '../../engine/index.js';
import type { Sentence } from '../../formats/types.js';
import type { BatchRef } from './input-blocks.js';

export function makeBatch(indices: readonly number[], sentences: readonly Sentence[]): BatchRef {
  const batchSentences = indices.map((i) => sentences[i]);
  const maxLen = Math.max(1, ...batchSentences.map((s) => s.words.length));
  return { indices, sentences: batchSentences, maxLen };
}

export function layoutOf(batch: BatchRef): SeqLayout {
  return { batch: batch.indices.length, maxLen: batch.maxLen, lengths: Int32Array.from(batch.sentences, (s) => s.words.length) };
}
