// Shared settings and helpers for the resume tests (the in-process ones and the kill -9 child).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchOptionsInput } from '../../src/search/options.js';

export const KILL_TEST_OPTIONS: Omit<SearchOptionsInput, 'outDir'> = {
  episodes: 5,
  epochsPerEpisode: 2,
  seed: 9,
  retrain: true,
  retrainEpochs: 2,
};

/** search.json with wall times zeroed, the only field allowed to differ between runs. */
export function normalizedRecord(outDir: string): string {
  return readFileSync(join(outDir, 'search.json'), 'utf8').replace(/"wallSeconds": [^,\n]+/g, '"wallSeconds": 0');
}

export function finalModel(outDir: string): string {
  return readFileSync(join(outDir, 'model', 'checkpoint.json'), 'utf8');
}
