// The manifest beside each cached embedding file: what was embedded, by which candidate config, and where each
// sentence's rows start; plus the file's checksum, so stale or damaged caches are detected, never used.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Sentence } from '../../formats/types.js';

export type CacheDtype = 'float16' | 'float32';

export interface CacheManifest {
  format: 'ace-embedding-cache/1';
  candidate: string;
  configHash: string;
  dataId: string;
  dataHash: string;
  dim: number;
  dtype: CacheDtype;
  sentences: number;
  tokens: number;
  /** Token offset of each sentence's first row; length sentences + 1 (the last is `tokens`). */
  offsets: number[];
  /** Size and sha256 of the data file. */
  bytes: number;
  sha256: string;
  buildMs: number;
}

export function dtypeWidth(dtype: CacheDtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/** A hash of exactly what frozen candidates read: the words of every sentence, in order. */
export function hashSentences(sentences: readonly Sentence[]): string {
  const h = createHash('sha256');
  for (const s of sentences) h.update(JSON.stringify(s.words)).update('\n');
  return h.digest('hex');
}

/** Reads a manifest; undefined when missing or unparsable (both mean: rebuild). */
export function readManifest(path: string): CacheManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as CacheManifest;
    return m && m.format === 'ace-embedding-cache/1' && Array.isArray(m.offsets) ? m : undefined;
  } catch {
    return undefined;
  }
}
