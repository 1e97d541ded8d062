// Control candidates for the search (random-a, random-b): seeded N(0, 1) vectors that carry no information.
import type { Sentence } from '../formats/types.js';
import { UsageError } from '../util/errors.js';
import { hashConfig, sha256, stableStringify } from '../util/hash.js';
import { Rng, type RngState } from '../util/rng.js';
import type { CandidateSpec, FrozenCandidate } from './candidate.js';

export const RANDOM_DEFAULTS = Object.freeze({ dim: 100 });

export interface RandomOptions {
  seed: number;
  dim: number;
}

export function randomOptions(spec: CandidateSpec): RandomOptions {
  const o = spec.options ?? {};
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new UsageError(`candidate ${spec.name}: a random candidate needs an integer "seed" option`);
  const dim = o.dim ?? RANDOM_DEFAULTS.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) throw new UsageError(`candidate ${spec.name}: dim must be a positive integer`);
  return { seed, dim };
}

/** The generator of one sentence: its state is a hash of the seed and the sentence's words. */
function sentenceRng(seed: number, words: readonly string[]): Rng {
  const h = sha256(stableStringify([seed, words]));
  const state = [0, 8, 16, 24].map((k) => parseInt(h.slice(k, k + 8), 16) >>> 0) as RngState;
  return new Rng(state);
}

/**
 * Every word occurrence gets a fresh vector of `dim` independent N(0, 1) values: a function of (seed, the sentence's
 * words, the word's position) only, so a sentence gets the same vectors alone or in a batch, in any run, from the
 * cache or computed anew, and a resumed run sees exactly what it saw before. The same word in two different
 * sentences (or at two positions) gets unrelated vectors; a sentence that occurs twice word for word gets the same
 * vectors both times. Frozen and cached like the other frozen candidates (float16 in the cache, as they are).
 */
export function createRandomCandidate(spec: CandidateSpec): FrozenCandidate {
  const { seed, dim } = randomOptions(spec);
  return {
    spec,
    dim,
    frozen: true,
    configHash: hashConfig({ kind: 'random', seed, dim, draw: 'sha256(seed, words) → xoshiro128** → Box-Muller' }),
    async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
      return sentences.map((s) => {
        const rows = new Float32Array(s.words.length * dim);
        if (rows.length === 0) return rows;
        const rng = sentenceRng(seed, s.words);
        for (let i = 0; i < rows.length; i++) rows[i] = rng.normal();
        return rows;
      });
    },
  };
}
