// The char candidate (Lample et al. 2016): the vocabulary of training characters, the word → id-sequence mapping,
// and its layer, a BiLSTM over each word's character embeddings that trains with the task model.
import { SequenceEncoder, type Param } from '../engine/index.js';
import type { Backend } from '../engine/backend/backend.js';
import type { Rng } from '../util/rng.js';
import type { Sentence } from '../formats/types.js';
import { UsageError } from '../util/errors.js';
import type { CandidateSpec, TrainableCandidate } from './candidate.js';
import { IdVocab } from './id-vocab.js';
import { positiveInt, type BatchRef, type BlockVocabs, type TrainableLayer } from './trainable.js';

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

/**
 * Each word's characters through a BiLSTM (hidden dim/2 per direction), final states of both directions
 * concatenated: [words, dim]. Parameters `cand.<name>.emb.*`, `cand.<name>.lstm.*`.
 */
export class CharLayer implements TrainableLayer {
  private readonly encoder: SequenceEncoder;
  private rowsOfItems: Int32Array = new Int32Array(0);
  private dItems = new Float32Array(0);

  constructor(name: string, readonly dim: number, charDim: number, readonly vocab: IdVocab, backend: Backend, rng: Rng) {
    this.encoder = new SequenceEncoder(backend, rng, { name, vocabSize: vocab.size, embeddingDim: charDim, hiddenSize: dim / 2 });
  }

  params(): Param[] {
    return this.encoder.params();
  }

  forward(batch: BatchRef, out: Float32Array): void {
    const pieces: Int32Array[] = [];
    const rows: number[] = [];
    batch.sentences.forEach((s, b) =>
      s.words.forEach((w, t) => {
        pieces.push(wordToCharIds(w, this.vocab, CHAR_DEFAULTS.maxWordLength));
        rows.push(b * batch.maxLen + t);
      }),
    );
    const lengths = Int32Array.from(pieces, (p) => p.length);
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let o = 0;
    for (const p of pieces) {
      ids.set(p, o);
      o += p.length;
    }
    const y = this.encoder.forward(ids, lengths);
    out.fill(0);
    for (let i = 0; i < rows.length; i++) out.set(y.subarray(i * this.dim, (i + 1) * this.dim), rows[i] * this.dim);
    this.rowsOfItems = Int32Array.from(rows);
  }

  backward(dBlock: Float32Array): void {
    const n = this.rowsOfItems.length;
    if (this.dItems.length < n * this.dim) this.dItems = new Float32Array(n * this.dim);
    const d = this.dItems.subarray(0, n * this.dim);
    for (let i = 0; i < n; i++) d.set(dBlock.subarray(this.rowsOfItems[i] * this.dim, (this.rowsOfItems[i] + 1) * this.dim), i * this.dim);
    this.encoder.backward(d);
  }
}

/** The trainable candidate; `dim` is the encoder output (both directions, so even), `charDim` the char embedding. */
export function createCharCandidate(spec: CandidateSpec): TrainableCandidate {
  const dim = positiveInt(spec.options?.dim, CHAR_DEFAULTS.dim, spec.name);
  if (dim % 2 !== 0) throw new UsageError(`candidate ${spec.name}: dim must be even (two directions), got ${dim}`);
  const charDim = positiveInt(spec.options?.charDim, CHAR_DEFAULTS.charDim, spec.name, 'charDim');
  return {
    spec,
    dim,
    frozen: false,
    createLayer: ({ vocabs, backend, rng }) => new CharLayer(`cand.${spec.name}`, dim, charDim, new IdVocab(vocabs.chars ?? []), backend, rng),
  };
}

/** The vocabulary every char candidate shares, from the training sentences. */
export function addCharVocab(train: readonly Sentence[], vocabs: BlockVocabs): BlockVocabs {
  return { ...vocabs, chars: buildCharVocab(train).items };
}
