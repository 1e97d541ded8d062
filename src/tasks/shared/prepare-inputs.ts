// What every task factory does before building its model: trim splits for a slice, build the candidates for the
// data's words, and prepare the frozen candidates' vectors per split through the shared cache.
import type { Backend } from '../../engine/backend/backend.js';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import { buildCandidate, resolveCandidateSpecs } from '../../embeddings/registry.js';
import { EmbeddingCache } from '../../embeddings/cache/store.js';
import type { Sentence } from '../../formats/types.js';
import type { Split } from '../task.js';
import type { FrozenRows } from './input-blocks.js';
import { frozenSetId, prepareFrozenSources, type FrozenSourceEvents } from './frozen-sources.js';

export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

/** The first `limit` training sentences and a quarter as many (at least 50) dev and test sentences. */
export function limitSplits<S>(splits: Record<Split, S[]>, limit: number | undefined): Record<Split, S[]> {
  if (limit === undefined) return splits;
  const side = Math.max(50, Math.ceil(limit / 4));
  return { train: splits.train.slice(0, limit), dev: splits.dev.slice(0, side), test: splits.test.slice(0, side) };
}

/** What every task factory is asked for besides its model settings: a dataset, candidates and where things live. */
export interface DatasetRequest {
  /** A dataset name from the registry. */
  data: string;
  candidates: readonly string[];
  /** Extra candidate specs from a config file. */
  candidateConfig?: readonly CandidateSpec[];
  dataHome: string;
  cacheDir: string;
  backend: Backend;
  /** Use only the first N training sentences (and the first max(50, N/4) dev and test sentences) — for demos and tests. */
  limit?: number | undefined;
}

export interface PreparedInputs {
  specs: CandidateSpec[];
  candidates: Candidate[];
  /** Frozen candidates' rows per split (null entries for trainable candidates). */
  sources: Record<Split, (FrozenRows | null)[]>;
}

export async function prepareInputs(options: {
  data: string;
  splits: Record<Split, readonly Sentence[]>;
  candidates: readonly string[];
  candidateConfig?: readonly CandidateSpec[];
  cacheDir: string;
  limit?: number | undefined;
  events?: FrozenSourceEvents | undefined;
}): Promise<PreparedInputs> {
  const specs = resolveCandidateSpecs(options.candidates, options.candidateConfig ?? []);
  // Static vectors keep only the words the data uses.
  const keep = new Set<string>();
  for (const split of SPLITS) for (const s of options.splits[split]) for (const w of s.words) keep.add(w);
  const candidates: Candidate[] = [];
  for (const spec of specs) candidates.push(await buildCandidate(spec, { cacheDir: options.cacheDir, keep }));
  const cache = new EmbeddingCache({ dir: options.cacheDir });
  const sources = {} as Record<Split, (FrozenRows | null)[]>;
  // Set ids depend only on data, split and slice, so every task view of a dataset shares the caches.
  for (const split of SPLITS) {
    sources[split] = await prepareFrozenSources(candidates, options.splits[split], { cache, setId: frozenSetId(options.data, split, options.limit), events: options.events });
  }
  return { specs, candidates, sources };
}
