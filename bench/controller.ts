// Prints how often ACE and RANDOM find the best subset of a simulated task, and their mean best-so-far curves.
// Usage: npm run bench:controller -- [--seeds 100] [--episodes 30]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SearchEvents } from '../src/search/events.js';
import { resolveSearchOptions } from '../src/search/options.js';
import { runSearch } from '../src/search/search-loop.js';
import { DEFAULT_LANDSCAPE, SimulatedTask, bestSelection, trueScore } from '../src/search/simulation.js';
import type { SearchStrategy } from '../src/search/strategy.js';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '100' }, episodes: { type: 'string', default: '30' } } });
const seeds = Number(values.seeds);
const episodes = Number(values.episodes);
const optimum = bestSelection(DEFAULT_LANDSCAPE).score;

interface Arm {
  name: string;
  strategy: SearchStrategy;
  scale: number;
}
const ARMS: Arm[] = [
  { name: 'ACE, scale 1', strategy: 'ace', scale: 1 },
  { name: 'ACE, scale 0.01', strategy: 'ace', scale: 0.01 },
  { name: 'RANDOM', strategy: 'random', scale: 1 },
];

console.log(`simulated task: ${DEFAULT_LANDSCAPE.candidates.join(' ')}; overlap ${DEFAULT_LANDSCAPE.interaction?.points} for the first two; noise ±${DEFAULT_LANDSCAPE.noise}; optimum ${optimum}`);
console.log(`${seeds} seeds × ${episodes} one-epoch episodes per arm, through runSearch\n`);
const curves: Record<string, number[]> = {};
for (const arm of ARMS) {
  let found = 0;
  let finalSum = 0;
  const curve = new Array<number>(episodes).fill(0);
  const started = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const outDir = mkdtempSync(join(tmpdir(), 'ace-bench-sim-'));
    try {
      const options = resolveSearchOptions({ outDir, strategy: arm.strategy, episodes, epochsPerEpisode: 1, seed, evaluateTest: false, reward: { scale: arm.scale } });
      const record = await runSearch(new SimulatedTask(DEFAULT_LANDSCAPE, seed), options, new SearchEvents());
      const score = trueScore(DEFAULT_LANDSCAPE, record.final!.selection);
      if (Math.abs(score - optimum) < 1e-9) found++;
      finalSum += score;
      // The true score of the selection with the best dev reading so far, per episode.
      let bestDev = -Infinity;
      let bestTrue = 0;
      record.episodes.forEach((e, t) => {
        if (e.devScore >= bestDev) {
          bestDev = e.devScore;
          bestTrue = trueScore(DEFAULT_LANDSCAPE, e.selection);
        }
        curve[t] += bestTrue / seeds;
      });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }
  curves[arm.name] = curve;
  console.log(`${arm.name.padEnd(16)} best subset found ${String(found).padStart(3)} / ${seeds} · mean final true score ${(finalSum / seeds).toFixed(3)} · ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log('\nmean true score of the best-dev selection so far, per episode:');
console.log(['episode'.padEnd(8), ...ARMS.map((a) => a.name.padStart(16))].join(''));
for (let t = 0; t < episodes; t++) console.log([String(t).padEnd(8), ...ARMS.map((a) => curves[a.name][t].toFixed(3).padStart(16))].join(''));
