// Search loop tests: the ACE protocol (rewards, θ updates, selection table, best checkpoint) and the baselines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../src/search/controller.js';
import { SearchEvents } from '../../src/search/events.js';
import { attachJsonlLog } from '../../src/search/listeners.js';
import { resolveSearchOptions, type SearchOptionsInput } from '../../src/search/options.js';
import { positionRewards } from '../../src/search/reward.js';
import { runSearch } from '../../src/search/search-loop.js';
import { UsageError } from '../../src/util/errors.js';
import { SyntheticTask } from './synthetic-task.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ace-search-'));
}

async function search(input: Omit<SearchOptionsInput, 'outDir'>, extra: { createFresh?: boolean } = {}) {
  const outDir = tempDir();
  const task = new SyntheticTask();
  const events = new SearchEvents();
  const counts = { episodeStart: 0, epochEnd: 0, episodeEnd: 0 };
  events.on('episodeStart', () => counts.episodeStart++);
  events.on('epochEnd', () => counts.epochEnd++);
  events.on('episodeEnd', () => counts.episodeEnd++);
  const options = resolveSearchOptions({ outDir, ...input });
  const record = await runSearch(task, options, events, extra.createFresh ? { createFreshTask: async () => new SyntheticTask() } : {});
  return { outDir, task, record, counts, options };
}

test('ACE: episode 0 uses everything, rewards and θ follow the paper, the best checkpoint is returned', async () => {
  const { outDir, record, counts, options } = await search({ episodes: 6, epochsPerEpisode: 2, seed: 3 });
  try {
    const eps = record.episodes;
    assert.equal(eps.length, 6);
    assert.deepEqual(counts, { episodeStart: 6, epochEnd: 12, episodeEnd: 6 });
    assert.deepEqual(eps[0].selection, [true, true, true, true]);
    assert.equal(eps[0].reward, null);
    assert.deepEqual(eps[0].theta, [0, 0, 0, 0]);
    // Replay the controller from the records: table of distinct earlier selections with best scores.
    const replay = new Controller(4, options.controller);
    const table = new Map<string, { selection: boolean[]; bestScore: number }>();
    const add = (sel: boolean[], score: number) => {
      const key = sel.join();
      const prev = table.get(key);
      table.set(key, { selection: sel, bestScore: prev ? Math.max(prev.bestScore, score) : score });
    };
    add(eps[0].selection, eps[0].devScore);
    for (let t = 1; t < eps.length; t++) {
      const e = eps[t];
      assert.ok(e.selection.some(Boolean));
      assert.notDeepEqual(e.selection, eps[t - 1].selection);
      assert.deepEqual(e.probabilities, replay.probabilities());
      assert.equal(e.devScore, Math.max(...e.epochs.map((x) => x.devScore)));
      const expected = positionRewards(e.selection, e.devScore, [...table.values()], 0, options.reward);
      assert.deepEqual(e.reward, expected);
      replay.update(e.selection, expected);
      assert.deepEqual(e.theta, replay.getState().theta);
      add(e.selection, e.devScore);
    }
    const all = eps.flatMap((e) => e.epochs.map((x, i) => ({ score: x.devScore, episode: e.episode, epoch: i, selection: e.selection })));
    const bestScore = Math.max(...all.map((x) => x.score));
    const best = all.filter((x) => x.score === bestScore).at(-1)!;
    const final = record.final!;
    assert.equal(final.bestDevScore, bestScore);
    assert.equal(final.bestEpisode, best.episode);
    assert.deepEqual(final.selection, best.selection);
    assert.deepEqual(final.probabilities, replay.probabilities());
    // The saved final model is the best checkpoint; its test score is the synthetic test offset (−1.5) from dev.
    const model = JSON.parse(readFileSync(join(outDir, 'model', 'checkpoint.json'), 'utf8'));
    assert.deepEqual(model.settings.selection, best.selection);
    assert.ok(Math.abs(final.testScore! - (bestScore - 1.5)) < 1e-9);
    assert.deepEqual(JSON.parse(readFileSync(join(outDir, 'search.json'), 'utf8')), JSON.parse(JSON.stringify(record)));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('ACE learns to drop the harmful candidate on the synthetic task', async () => {
  const { outDir, record } = await search({ episodes: 12, epochsPerEpisode: 1, seed: 5 });
  try {
    const p = record.final!.probabilities;
    // Candidate 1 ('noise') lowers the score whenever kept.
    assert.ok(p[1] < 0.5, `p(noise) = ${p[1]}`);
    assert.equal(record.final!.selection[1], false);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('vanilla reward is R_t minus the best earlier episode score, at every position', async () => {
  const { outDir, record } = await search({ episodes: 4, epochsPerEpisode: 1, reward: { kind: 'vanilla' } });
  try {
    for (let t = 1; t < 4; t++) {
      const bestBefore = Math.max(...record.episodes.slice(0, t).map((e) => e.devScore));
      // Scores and rewards are percentages (default scale 1, as the official trainer).
      const r = record.episodes[t].devScore - bestBefore;
      assert.deepEqual(record.episodes[t].reward, [r, r, r, r]);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('ALL baseline: every candidate, one continuous schedule (beginEpisode once)', async () => {
  const { outDir, task, record } = await search({ strategy: 'all', episodes: 3, epochsPerEpisode: 2 });
  try {
    assert.equal(task.beginEpisodeCalls.length, 1);
    assert.deepEqual(task.beginEpisodeCalls[0], { selection: [true, true, true, true], blockWeighting: 'none' });
    for (const e of record.episodes) assert.deepEqual(e.selection, [true, true, true, true]);
    assert.equal(record.episodes.flatMap((e) => e.epochs).length, 6);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('All+Weight baseline asks the task for learned sigmoid block weights', async () => {
  const { outDir, task } = await search({ strategy: 'all-weight', episodes: 2, epochsPerEpisode: 1 });
  try {
    assert.deepEqual(task.beginEpisodeCalls, [{ selection: [true, true, true, true], blockWeighting: 'learned-sigmoid' }]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('RANDOM baseline never moves θ and still changes the selection every episode', async () => {
  const { outDir, task, record } = await search({ strategy: 'random', episodes: 5, epochsPerEpisode: 1 });
  try {
    assert.equal(task.beginEpisodeCalls.length, 5);
    for (const e of record.episodes) {
      assert.deepEqual(e.theta, [0, 0, 0, 0]);
      assert.deepEqual(e.probabilities, [0.5, 0.5, 0.5, 0.5]);
    }
    for (let t = 1; t < 5; t++) assert.notDeepEqual(record.episodes[t].selection, record.episodes[t - 1].selection);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('Ensemble baseline votes over every episode model', async () => {
  const { outDir, record } = await search({ strategy: 'ensemble', episodes: 3, epochsPerEpisode: 1 });
  try {
    const ens = record.final!.ensemble!;
    assert.equal(ens.members, 3);
    // Recompute the vote from the stored member predictions.
    const files = ['episode-0000.json', 'episode-0001.json', 'episode-0002.json'].map((f) =>
      JSON.parse(readFileSync(join(outDir, 'state', 'predictions', f), 'utf8')),
    );
    const vote = await new SyntheticTask().scoreVote(files.map((f) => f.dev), 'dev');
    assert.equal(ens.devScore, vote.score);
    assert.notEqual(ens.testScore, null);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('retrain trains a fresh model on the final selection', async () => {
  const { outDir, record } = await search({ episodes: 3, epochsPerEpisode: 1, retrain: true, retrainEpochs: 4 }, { createFresh: true });
  try {
    const r = record.final!.retrain!;
    assert.equal(r.epochs.length, 4);
    assert.equal(r.devScore, Math.max(...r.epochs.map((e) => e.devScore)));
    const model = JSON.parse(readFileSync(join(outDir, 'retrained-model', 'checkpoint.json'), 'utf8'));
    assert.deepEqual(model.settings.selection, record.final!.selection);
    assert.ok(Math.abs(r.testScore! - (r.devScore - 1.5)) < 1e-9);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('a used folder is refused without --resume, and --resume with other options is refused', async () => {
  const { outDir } = await search({ episodes: 2, epochsPerEpisode: 1 });
  try {
    const opts = resolveSearchOptions({ outDir, episodes: 2, epochsPerEpisode: 1 });
    await assert.rejects(runSearch(new SyntheticTask(), opts, new SearchEvents()), UsageError);
    const other = resolveSearchOptions({ outDir, episodes: 3, epochsPerEpisode: 1 });
    await assert.rejects(runSearch(new SyntheticTask(), other, new SearchEvents(), { resume: true }), UsageError);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('option validation rejects bad values', () => {
  assert.throws(() => resolveSearchOptions({ outDir: 'x', episodes: 0 }), UsageError);
  assert.throws(() => resolveSearchOptions({ outDir: 'x', epochsPerEpisode: 1.5 }), UsageError);
  assert.throws(() => resolveSearchOptions({ outDir: 'x', reward: { discount: 0 } }), UsageError);
  assert.throws(() => resolveSearchOptions({ outDir: 'x', strategy: 'best' as never }), UsageError);
  const d = resolveSearchOptions({ outDir: 'x' });
  assert.equal(d.episodes, 30);
  assert.equal(d.reward.discount, 0.5);
  assert.equal(d.controller.learningRate, 0.1);
  assert.equal(d.retrainEpochs, 30);
});

test('the JSONL log listener writes one line per event', async () => {
  const outDir = tempDir();
  try {
    const events = new SearchEvents();
    const log = join(outDir, 'log.jsonl');
    attachJsonlLog(events, log, () => 0);
    await runSearch(new SyntheticTask(), resolveSearchOptions({ outDir: join(outDir, 'run'), episodes: 2, epochsPerEpisode: 2 }), events);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const names = lines.map((l) => l.event);
    assert.deepEqual(names, ['searchStart', 'episodeStart', 'epochEnd', 'epochEnd', 'episodeEnd', 'episodeStart', 'epochEnd', 'epochEnd', 'episodeEnd', 'searchEnd']);
    assert.ok(existsSync(join(outDir, 'run', 'search.json')));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
