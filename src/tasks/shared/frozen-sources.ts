// Frozen candidates' vectors for a set of sentences: from the on-disk cache (built once) or embedded on the fly.
import type { FrozenCandidate, Candidate } from '../../embeddings/candidate.js';
import { CACHE_DEFAULTS, type EmbeddingCache, type CacheStats } from '../../embeddings/cache/store.js';
import { f16ToF32, f32ToF16 } from '../../embeddings/cache/f16.js';
import type { Sentence } from '../../formats/types.js';
import { UsageError } from '../../util/errors.js';
import type { FrozenRows } from './input-blocks.js';

export interface FrozenSourceEvents {
  /** A candidate starts being prepared for a set of sentences. */
  start?: (candidate: string, set: string, sentences: number) => void;
  progress?: (candidate: string, set: string, done: number, total: number) => void;
  done?: (candidate: string, set: string, stats: CacheStats | null) => void;
}

export interface FrozenSourceOptions {
  /**
   * null: embed into memory without caching (new text at prediction time). The vectors are then rounded to the
   * float16 values the cache stores by default, so a model sees at prediction time exactly the inputs it was
   * trained and evaluated on.
   */
  cache: EmbeddingCache | null;
  /** Identifies the data (e.g. `conll2000/train`); part of the cache key with the sentences' hash. */
  setId: string;
  /** Keep vectors in memory after reading the cache when they take at most this many bytes (float32). */
  memoryBudgetBytes?: number;
  events?: FrozenSourceEvents | undefined;
}

const DEFAULT_MEMORY_BUDGET = 6 * 2 ** 30;

/** The cache's name for a dataset split (and an optional first-N slice): `ace embed` and the tasks must agree. */
export function frozenSetId(data: string, split: string, limit?: number): string {
  return `${data}-${split}${limit !== undefined ? `@${limit}` : ''}`;
}

/**
 * One source per candidate (null for trainable ones), in candidate order. Cache entries still to build are built
 * together, batch by batch, so frozen candidates that share work (the USE-lite layers) compute it once.
 */
export async function prepareFrozenSources(
  candidates: readonly Candidate[],
  sentences: readonly Sentence[],
  options: FrozenSourceOptions,
): Promise<(FrozenRows | null)[]> {
  const frozen = candidates.filter((c): c is FrozenCandidate => c.frozen);
  const events = options.events;
  for (const c of frozen) events?.start?.(c.spec.name, options.setId, sentences.length);
  const byCandidate = new Map<Candidate, FrozenRows>();
  const normalizers = new Map(frozen.map((c) => [c, rowNormalizer(c)]));
  if (options.cache === null) {
    for (const c of frozen) {
      const rows = await embedAll(c, sentences, (done, total) => events?.progress?.(c.spec.name, options.setId, done, total));
      events?.done?.(c.spec.name, options.setId, null);
      const normalize = normalizers.get(c)!;
      rows.forEach(normalize);
      byCandidate.set(c, (i) => rows[i]);
    }
  } else {
    const readers = await options.cache.getOrBuildMany(frozen, sentences, options.setId, (k, done, total) =>
      events?.progress?.(frozen[k].spec.name, options.setId, done, total));
    let budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
    readers.forEach((reader, k) => {
      events?.done?.(frozen[k].spec.name, options.setId, reader.stats);
      const normalize = normalizers.get(frozen[k])!;
      const bytes = reader.manifest.tokens * reader.dim * 4;
      if (bytes <= budget) {
        budget -= bytes;
        const rows: Float32Array[] = [];
        for (let s = 0; s < reader.sentences; s += 1024) rows.push(...reader.getRange(s, Math.min(reader.sentences, s + 1024)));
        reader.close();
        rows.forEach(normalize);
        byCandidate.set(frozen[k], (i) => rows[i]);
      } else {
        byCandidate.set(frozen[k], (i) => normalize(reader.get(i)));
      }
    });
  }
  return candidates.map((c) => byCandidate.get(c) ?? null);
}

/** The normalizations a frozen candidate's `options.normalize` may ask for. */
export const FROZEN_NORMALIZATIONS = ['none', 'layer'] as const;

/**
 * In-place row normalization for a frozen candidate. 'layer' standardizes each word's vector (zero mean, unit
 * variance over its dims): the layer norm a pre-norm transformer applies to its residual stream before using it.
 * USE-lite's residual states reach |x| ≈ 70 with a per-dim spread of 2.5, which saturates the LSTM gates; GloVe's
 * spread is 0.55. The cache keeps the raw vectors, so switching this needs no re-embedding.
 */
export function rowNormalizer(c: FrozenCandidate): (rows: Float32Array) => Float32Array {
  const kind = c.spec.options?.normalize ?? 'none';
  if (!(FROZEN_NORMALIZATIONS as readonly unknown[]).includes(kind)) {
    throw new UsageError(`candidate ${c.spec.name}: normalize must be one of ${FROZEN_NORMALIZATIONS.join(', ')}, got '${String(kind)}'`);
  }
  if (kind === 'none') return (rows) => rows;
  const dim = c.dim;
  return (rows) => {
    for (let off = 0; off + dim <= rows.length; off += dim) {
      let mean = 0;
      for (let j = 0; j < dim; j++) mean += rows[off + j];
      mean /= dim;
      let variance = 0;
      for (let j = 0; j < dim; j++) variance += (rows[off + j] - mean) ** 2;
      const scale = 1 / Math.sqrt(variance / dim + 1e-5);
      for (let j = 0; j < dim; j++) rows[off + j] = (rows[off + j] - mean) * scale;
    }
    return rows;
  };
}

async function embedAll(c: FrozenCandidate, sentences: readonly Sentence[], progress: (d: number, t: number) => void): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (let s = 0; s < sentences.length; s += 64) {
    for (const v of await c.embed(sentences.slice(s, s + 64))) rows.push(CACHE_DEFAULTS.dtype === 'float16' ? f16ToF32(f32ToF16(v)) : v);
    progress(Math.min(sentences.length, s + 64), sentences.length);
  }
  return rows;
}
