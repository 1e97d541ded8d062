// The candidates the parser tests build on: trainable char and casing blocks and a UPOS feature (no downloads).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCandidate, DEFAULT_CANDIDATES } from '../../src/embeddings/registry.js';
import type { Candidate, CandidateSpec } from '../../src/embeddings/candidate.js';

export const PARSER_TEST_SPECS: readonly CandidateSpec[] = [
  DEFAULT_CANDIDATES.char,
  DEFAULT_CANDIDATES.casing,
  { name: 'upos', kind: 'feature', options: { column: 'upos' } },
];

/** Builds candidates in a throwaway cache folder. */
export async function buildTestCandidates(specs: readonly CandidateSpec[]): Promise<Candidate[]> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ace-parser-candidates-'));
  try {
    return await Promise.all(specs.map((s) => buildCandidate(s, { cacheDir })));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
