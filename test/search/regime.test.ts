// Regimes: the stopping rules of an episode, the official values per task family, and the loop that follows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../src/search/controller.js';
import { SearchEvents } from '../../src/search/events.js';
import { resolveSearchOptions, type SearchOptionsInput } from '../../src/search/options.js';
import { episodeDone, resolveRegime } from '../../src/search/regime.js';
import { runSearch } from '../../src/search/search-loop.js';
import { Rng } from '../../src/util/rng.js';
import { UsageError } from '../../src/util/errors.js';
import { SyntheticTask } from './synthetic-task.js';

test('episodeDone: max epochs, the lr fraction of the episode start, and epochs without a gain', () => {
  const r = { maxEpochs: 5, lrFraction: 0.25, stallEpochs: null, patience: 0 };
  assert.equal(episodeDone(r, [1, 2], 0.1, 0.05), false);
  assert.equal(episodeDone(r, [1, 2], 0.1, 0.025), true); // a quarter of the start: done
  assert.equal(episodeDone(r, [1, 2, 3, 4, 5], 0.1, 0.1), true);
  const s = { maxEpochs: 50, lrFraction: null, stallEpochs: 2, patience: null };
  assert.equal(episodeDone(s, [1, 3, 2], 1, 1), false);
  assert.equal(episodeDone(s, [1, 3, 2, 3], 1, 1), true); // a tie is no gain
  assert.equal(episodeDone(s, [1, 3, 2, 4], 1, 1), false);
});

test('official regime: NER to 150 epochs, other taggers 300, parsers also stop after 25 epochs without a gain', () => {
  assert.deepEqual(resolveRegime('official', { taskName: 'ner', lrSchedule: 'plateau' }, 1, 30).episode, { maxEpochs: 150, lrFraction: 0.001, stallEpochs: null, patience: 5 });
  assert.deepEqual(resolveRegime('official', { taskName: 'pos', lrSchedule: 'plateau' }, 1, 30).episode, { maxEpochs: 300, lrFraction: 0.001, stallEpochs: null, patience: 5 });
  assert.deepEqual(resolveRegime('official', { taskName: 'dep', lrSchedule: 'per-step' }, 1, 30).episode, { maxEpochs: 300, lrFraction: 0.001, stallEpochs: 25, patience: null });
  assert.deepEqual(resolveRegime('fixed', { taskName: 'ner', lrSchedule: 'plateau' }, 3, 10), { name: 'fixed', first: { maxEpochs: 3, lrFraction: null, stallEpochs: null, patience: null }, episode: { maxEpochs: 3, lrFraction: null, stallEpochs: null, patience: null }, single: { maxEpochs: 30, lrFraction: null, stallEpochs: null, patience: null } });
  assert.equal(resolveRegime('budget', { taskName: 'chunk', lrSchedule: 'plateau' }, 1, 30, { maxEpochs: 4, patience: 2 }).episode.maxEpochs, 4);
  assert.throws(() => resolveRegime('budget', { taskName: 'chunk', lrSchedule: 'plateau' }, 1, 30, { lrFraction: 2 }), UsageError);
});

async function run(input: Omit<SearchOptionsInput, 'outDir'>) {
  const outDir = mkdtempSync(join(tmpdir(), 'ace-regime-'));
  const task = new SyntheticTask();
  try {
    const record = await runSearch(task, resolveSearchOptions({ outDir, ...input }), new SearchEvents());
    return { task, record };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

test('budget regime: episode 0 anneals to lr/8 with patience 1; later episodes rebuild the schedule (patience 0) and stop at a quarter of the rate', async () => {
  const { task, record } = await run({ strategy: 'ace', episodes: 4, regime: 'budget', seed: 2 });
  assert.equal(record.regime?.name, 'budget');
  assert.equal(task.beginEpisodeCalls.length, 4);
  assert.deepEqual(task.beginEpisodeCalls.map((c) => c.patience), [1, 0, 0, 0]);
  // The synthetic task's rate starts at 0.5 and falls by 0.7 per epoch: 0.7^6 ≤ 1/8 < 0.7^5, 0.7^4 ≤ 0.25 < 0.7^3.
  assert.deepEqual(record.episodes.map((e) => e.epochs.length), [6, 4, 4, 4]);
  const stalled = await run({ strategy: 'ace', episodes: 3, regime: { name: 'budget', overrides: { lrFraction: 0.0001, stallEpochs: 1, maxEpochs: 30 } }, seed: 2 });
  for (const e of stalled.record.episodes.slice(1)) {
    const scores = e.epochs.map((x) => x.devScore);
    const best = scores.indexOf(Math.max(...scores));
    assert.ok(e.epochs.length === 30 || best === scores.length - 2, `episode ${e.episode} ended ${scores.length - 1 - best} epochs after its best`);
  }
});

test('ALL under a converged regime is one model in one episode, trained by the single-model rule', async () => {
  const { task, record } = await run({ strategy: 'all', episodes: 30, regime: 'budget' });
  assert.equal(task.beginEpisodeCalls.length, 1);
  assert.equal(task.beginEpisodeCalls[0].patience, 3);
  assert.equal(record.episodes.length, 1);
  // Down to lr/1000: 0.7^20 ≤ 0.001 < 0.7^19.
  assert.equal(record.episodes[0].epochs.length, 20);
});

test('RANDOM draws episode 0 at random too (the official baseline); ACE starts from every candidate', async () => {
  const seed = 5;
  const { record } = await run({ strategy: 'random', episodes: 3, epochsPerEpisode: 1, seed });
  const replay = new Controller(4);
  const rng = new Rng(seed).split('search');
  let previous: boolean[] | null = null;
  for (const e of record.episodes) {
    const expected = replay.sample(rng, previous);
    assert.deepEqual(e.selection, expected);
    previous = expected;
  }
  assert.ok(record.episodes.some((e) => e.selection.some((s) => !s)));
  const ace = await run({ strategy: 'ace', episodes: 2, epochsPerEpisode: 1, seed });
  assert.deepEqual(ace.record.episodes[0].selection, [true, true, true, true]);
});
