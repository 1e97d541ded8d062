// The search record (search.json): per-episode history and the final result; written atomically, read by the report.
import { readFileSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import type { EpochResult } from '../tasks/task.js';
import type { SearchOptions } from './options.js';
import type { Regime } from './regime.js';
import type { SearchStrategy } from './strategy.js';

export const SEARCH_RECORD_FORMAT = 'ace-ts/search@1';

export interface EpisodeRecord {
  episode: number;
  selection: boolean[];
  /** σ(θ) from which the selection was drawn. */
  probabilities: number[];
  /** R_t: the best dev score of the episode. */
  devScore: number;
  /** Per-candidate reward r^l (null in episode 0 and for strategies without a controller reward). */
  reward: number[] | null;
  /** θ after this episode's update. */
  theta: number[];
  epochs: EpochResult[];
  /** Sum of the epochs' wall times, in seconds. */
  wallSeconds: number;
}

export interface FinalResult {
  selection: boolean[];
  /** Best dev score over all epochs, and where it happened. */
  bestDevScore: number;
  bestEpisode: number;
  bestEpoch: number;
  /** Test score of the best checkpoint, when evaluated. */
  testScore: number | null;
  /** σ(θ) at the end of the search. */
  probabilities: number[];
  ensemble: { members: number; devScore: number; testScore: number | null } | null;
  retrain: { epochs: EpochResult[]; devScore: number; testScore: number | null } | null;
}

export interface SearchRecord {
  format: typeof SEARCH_RECORD_FORMAT;
  taskName: string;
  metricName: string;
  strategy: SearchStrategy;
  candidates: string[];
  options: Omit<SearchOptions, 'outDir'>;
  /** The regime resolved for the task (absent in records written before regimes existed: fixed). */
  regime?: Regime;
  episodes: EpisodeRecord[];
  /** Null until the search has finished. */
  final: FinalResult | null;
}

export function writeSearchRecord(path: string, record: SearchRecord): void {
  writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n');
}

export function readSearchRecord(path: string): SearchRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, undefined, `cannot read search record: ${(err as Error).message}`);
  }
  const r = value as Partial<SearchRecord>;
  if (r === null || typeof r !== 'object' || r.format !== SEARCH_RECORD_FORMAT) {
    throw new InputError(path, undefined, `not a search record (expected format '${SEARCH_RECORD_FORMAT}')`);
  }
  if (!Array.isArray(r.candidates) || !Array.isArray(r.episodes)) throw new InputError(path, undefined, 'search record lacks candidates or episodes');
  for (const e of r.episodes) {
    if (!Array.isArray(e.selection) || e.selection.length !== r.candidates.length) {
      throw new InputError(path, `episode ${e.episode}`, 'selection length does not match the candidates');
    }
  }
  return r as SearchRecord;
}
