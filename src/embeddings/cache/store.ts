// The on-disk embedding cache: each frozen candidate is computed once per (config hash, data hash), stored as
// float16 (or float32) rows with a manifest, and read back per sentence by file offset, so corpora larger than
// RAM work. Stale, truncated or damaged entries are rebuilt, never used.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256 } from '../../util/hash.js';
import { writeJsonAtomic } from '../../util/atomic-fs.js';
import type { Sentence } from '../../formats/types.js';
import type { FrozenCandidate } from '../candidate.js';
import { f16ToF32, f32ToF16 } from './f16.js';
import { dtypeWidth, hashSentences, readManifest, type CacheDtype, type CacheManifest } from './manifest.js';

export interface EmbeddingCacheOptions {
  /** Root directory (the CLI passes defaultCacheDir(), i.e. ACE_CACHE_DIR or ~/.cache/ace-ts). */
  dir: string;
  dtype: CacheDtype;
  /** Sentences per candidate.embed call while building. */
  batchSize: number;
  /** `checksum` hashes the whole file on open (catches flipped bytes); `size` only checks lengths. */
  verify: 'checksum' | 'size';
}

export const CACHE_DEFAULTS: Readonly<Omit<EmbeddingCacheOptions, 'dir'>> = Object.freeze({
  dtype: 'float16',
  batchSize: 64,
  verify: 'checksum',
});

/** Why an entry was (re)built, or 'reused'. */
export type CacheOutcome = 'reused' | 'missing' | 'stale-data' | 'stale-config' | 'mismatch' | 'truncated' | 'checksum';

export interface CacheStats {
  outcome: CacheOutcome;
  reused: boolean;
  sentences: number;
  tokens: number;
  bytes: number;
  /** Time spent embedding + writing (0 when reused) and verifying. */
  buildMs: number;
  verifyMs: number;
}

export type ProgressListener = (doneSentences: number, totalSentences: number) => void;

/** Human-readable, collision-safe file name part. */
function slug(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${clean}-${sha256(raw).slice(0, 8)}`;
}

export class EmbeddingCache {
  readonly options: EmbeddingCacheOptions;

  constructor(options: Partial<EmbeddingCacheOptions> & { dir: string }) {
    this.options = { ...CACHE_DEFAULTS, ...options };
    // Rows are stored as the host's typed arrays; every supported Node platform is little-endian.
    if (endianness() !== 'LE') throw new Error('the embedding cache needs a little-endian host');
  }

  /** Where an entry lives: one folder per candidate config, one file per data id (so changed data replaces it). */
  pathsFor(candidate: FrozenCandidate, dataId: string): { data: string; manifest: string } {
    const folder = join(this.options.dir, 'embeddings', `${slug(candidate.spec.name)}.${candidate.configHash.slice(0, 12)}`);
    const base = join(folder, `${slug(dataId)}.${this.options.dtype}`);
    return { data: `${base}.bin`, manifest: `${base}.json` };
  }

  /** Checks an existing entry against the candidate and data; returns the manifest when usable. */
  private check(
    candidate: FrozenCandidate,
    sentences: readonly Sentence[],
    dataHash: string,
    paths: { data: string; manifest: string },
  ): { outcome: CacheOutcome; manifest?: CacheManifest; verifyMs: number } {
    const t0 = performance.now();
    const m = readManifest(paths.manifest);
    if (!m) return { outcome: 'missing', verifyMs: 0 };
    if (m.configHash !== candidate.configHash) return { outcome: 'stale-config', verifyMs: 0 };
    if (m.dataHash !== dataHash) return { outcome: 'stale-data', verifyMs: 0 };
    const width = dtypeWidth(this.options.dtype);
    if (
      m.dim !== candidate.dim ||
      m.dtype !== this.options.dtype ||
      m.sentences !== sentences.length ||
      m.offsets.length !== sentences.length + 1 ||
      m.offsets[m.sentences] !== m.tokens ||
      m.bytes !== m.tokens * m.dim * width
    ) {
      return { outcome: 'mismatch', verifyMs: 0 };
    }
    let fd: number;
    try {
      fd = openSync(paths.data, 'r');
    } catch {
      return { outcome: 'missing', verifyMs: 0 };
    }
    try {
      if (fstatSync(fd).size !== m.bytes) return { outcome: 'truncated', verifyMs: 0 };
      if (this.options.verify === 'checksum' && fileSha256(fd, m.bytes) !== m.sha256) {
        return { outcome: 'checksum', verifyMs: performance.now() - t0 };
      }
    } finally {
      closeSync(fd);
    }
    return { outcome: 'reused', manifest: m, verifyMs: performance.now() - t0 };
  }

  /**
   * Returns a reader over the candidate's vectors for these sentences, reusing a valid cache entry or building
   * one (batch by batch, streamed to a temp file, then renamed into place).
   */
  async getOrBuild(
    candidate: FrozenCandidate,
    sentences: readonly Sentence[],
    dataId: string,
    onProgress?: ProgressListener,
  ): Promise<CachedEmbeddings> {
    const [reader] = await this.getOrBuildMany([candidate], sentences, dataId, onProgress && ((_, done, total) => onProgress(done, total)));
    return reader;
  }

  /**
   * getOrBuild for several candidates over the same sentences: the entries to build are built in lockstep, batch
   * by batch, so candidates that share work (the two USE-lite layers read one graph execution) compute it once.
   * onProgress(candidateIndex, done, total) reports each candidate (reused ones at once).
   */
  async getOrBuildMany(
    candidates: readonly FrozenCandidate[],
    sentences: readonly Sentence[],
    dataId: string,
    onProgress?: (candidate: number, doneSentences: number, totalSentences: number) => void,
  ): Promise<CachedEmbeddings[]> {
    const dataHash = hashSentences(sentences);
    const readers: (CachedEmbeddings | null)[] = candidates.map(() => null);
    const builds: { index: number; writer: EntryWriter; outcome: CacheOutcome; verifyMs: number }[] = [];
    candidates.forEach((candidate, index) => {
      const paths = this.pathsFor(candidate, dataId);
      const checked = this.check(candidate, sentences, dataHash, paths);
      if (checked.manifest) {
        const m = checked.manifest;
        const stats: CacheStats = { outcome: 'reused', reused: true, sentences: m.sentences, tokens: m.tokens, bytes: m.bytes, buildMs: 0, verifyMs: checked.verifyMs };
        readers[index] = new CachedEmbeddings(paths.data, m, stats);
        onProgress?.(index, sentences.length, sentences.length);
      } else {
        builds.push({ index, writer: new EntryWriter(candidate, dataId, dataHash, paths, this.options.dtype), outcome: checked.outcome, verifyMs: checked.verifyMs });
      }
    });
    try {
      const { batchSize } = this.options;
      for (let start = 0; start < sentences.length; start += batchSize) {
        const batch = sentences.slice(start, start + batchSize);
        for (const b of builds) {
          b.writer.append(batch, start, await candidates[b.index].embed(batch));
          onProgress?.(b.index, Math.min(start + batchSize, sentences.length), sentences.length);
        }
      }
      for (const b of builds) {
        const m = b.writer.finish();
        const stats: CacheStats = { outcome: b.outcome, reused: false, sentences: m.sentences, tokens: m.tokens, bytes: m.bytes, buildMs: m.buildMs, verifyMs: b.verifyMs };
        readers[b.index] = new CachedEmbeddings(b.writer.paths.data, m, stats);
        if (sentences.length === 0) onProgress?.(b.index, 0, 0);
      }
    } catch (err) {
      for (const b of builds) b.writer.abort();
      for (const r of readers) r?.close();
      throw err;
    }
    return readers as CachedEmbeddings[];
  }
}

/** One cache entry being built: rows streamed to a temp file, renamed into place with its manifest by finish(). */
class EntryWriter {
  private readonly t0 = performance.now();
  private readonly tmp: string;
  private fd: number | null;
  private readonly hash = createHash('sha256');
  private readonly offsets = [0];
  private tokens = 0;

  constructor(
    private readonly candidate: FrozenCandidate,
    private readonly dataId: string,
    private readonly dataHash: string,
    readonly paths: { data: string; manifest: string },
    private readonly dtype: CacheDtype,
  ) {
    mkdirSync(dirname(paths.data), { recursive: true });
    // The old manifest goes first: if we die mid-build, nothing claims the half-replaced data.
    rmSync(paths.manifest, { force: true });
    this.tmp = `${paths.data}.${process.pid}.${Date.now()}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  /** Rows of a batch of sentences that starts at sentence `start`. */
  append(batch: readonly Sentence[], start: number, vectors: Float32Array[]): void {
    const name = this.candidate.spec.name;
    const dim = this.candidate.dim;
    if (vectors.length !== batch.length) throw new Error(`candidate ${name} returned ${vectors.length} arrays for ${batch.length} sentences`);
    for (let i = 0; i < batch.length; i++) {
      const v = vectors[i];
      const want = batch[i].words.length * dim;
      if (v.length !== want) throw new Error(`candidate ${name}: sentence ${start + i} gave ${v.length} values, expected ${want}`);
      const bytes = this.dtype === 'float16' ? new Uint8Array(f32ToF16(v).buffer) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      this.hash.update(bytes);
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd!, bytes, off, bytes.length - off);
      this.tokens += batch[i].words.length;
      this.offsets.push(this.tokens);
    }
  }

  finish(): CacheManifest {
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = null;
    renameSync(this.tmp, this.paths.data);
    const manifest: CacheManifest = {
      format: 'ace-embedding-cache/1',
      candidate: this.candidate.spec.name,
      configHash: this.candidate.configHash,
      dataId: this.dataId,
      dataHash: this.dataHash,
      dim: this.candidate.dim,
      dtype: this.dtype,
      sentences: this.offsets.length - 1,
      tokens: this.tokens,
      offsets: this.offsets,
      bytes: this.tokens * this.candidate.dim * dtypeWidth(this.dtype),
      sha256: this.hash.digest('hex'),
      buildMs: Math.round(performance.now() - this.t0),
    };
    writeJsonAtomic(this.paths.manifest, manifest);
    return manifest;
  }

  /** Drops the temp file (after a failure); the entry stays absent, never half-written. */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}

function fileSha256(fd: number, bytes: number): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(Math.max(bytes, 1), 4 << 20));
  for (let pos = 0; pos < bytes; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}

/** Reads cached rows by file position: one sentence (or a contiguous range) per read, nothing else in memory. */
export class CachedEmbeddings {
  private fd: number | undefined;
  readonly dim: number;
  readonly sentences: number;

  constructor(
    readonly path: string,
    readonly manifest: CacheManifest,
    readonly stats: CacheStats,
  ) {
    this.dim = manifest.dim;
    this.sentences = manifest.sentences;
  }

  private handle(): number {
    if (this.fd === undefined) this.fd = openSync(this.path, 'r');
    return this.fd;
  }

  /** Rows of sentence `i` (words × dim, row-major) as float32. */
  get(i: number): Float32Array {
    return this.getRange(i, i + 1)[0];
  }

  /** Sentences [from, to) with one read; each result is its own Float32Array. */
  getRange(from: number, to: number): Float32Array[] {
    if (!(from >= 0 && to <= this.sentences && from <= to) || !Number.isInteger(from) || !Number.isInteger(to)) {
      throw new RangeError(`cache ${this.path}: sentence range [${from}, ${to}) outside 0..${this.sentences}`);
    }
    const { offsets, dim, dtype } = this.manifest;
    const width = dtypeWidth(dtype);
    const first = offsets[from] * dim;
    const count = offsets[to] * dim - first;
    const buf = Buffer.allocUnsafe(count * width);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.handle(), buf, got, buf.length - got, first * width + got);
      if (n === 0) throw new Error(`cache ${this.path}: file shrank while reading (expected ${this.manifest.bytes} bytes)`);
      got += n;
    }
    const aligned = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
    const all =
      dtype === 'float16'
        ? f16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, count))
        : new Float32Array(aligned.buffer.slice(aligned.byteOffset, aligned.byteOffset + count * 4));
    const out: Float32Array[] = [];
    for (let s = from; s < to; s++) out.push(all.slice((offsets[s] * dim) - first, offsets[s + 1] * dim - first));
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
