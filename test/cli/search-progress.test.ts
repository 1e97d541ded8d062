// Search progress lines and ETA: the sequential clock, the --parallel clock (branches interleaved), branch tags and the clamp note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { attachSearchProgress, SearchClock } from '../../src/cli/search-progress.js';
import { SearchEvents } from '../../src/search/events.js';
import { resolveRegime } from '../../src/search/regime.js';
import type { EpochResult } from '../../src/tasks/task.js';

test('SearchClock: the sequential ETA is the remaining episodes at the mean episode', () => {
  const c = new SearchClock(4, 3);
  c.epoch(10, false);
  c.epoch(10, true); // episode of 2 epochs, 10 s each
  c.epoch(10, false);
  // Running episode: max(1, 2 − 1) = 1 epoch left; 2 episodes after it of 2 epochs: 5 epochs × 10 s.
  assert.equal(c.etaSeconds(), 50);
});

test('SearchClock: with --parallel 2 interleaved branches each keep their own episode, and the time is over K', () => {
  const c = new SearchClock(5, 3, [{ epochs: 2, seconds: 20 }], 2);
  c.epoch(10, false, 0);
  c.epoch(10, false, 1);
  c.epoch(10, true, 0);
  assert.equal(c.episodesDone, 2);
  // Branch 1 runs with 1 epoch: 1 left; 5 − 2 done − 1 running = 2 episodes of 2 epochs: 5 epochs × 10 s / 2.
  assert.equal(c.etaSeconds(), 25);
});

test('progress lines: the branch of an epoch, the step line and a clamped step are shown', () => {
  let text = '';
  const stream = new Writable({ write: (c: Buffer, _e, cb) => { text += c.toString(); cb(); } });
  const events = new SearchEvents();
  const off = attachSearchProgress(events, { stream, tty: false });
  events.emit('searchStart', { strategy: 'ace', candidates: ['a', 'b'], episodes: 4, epochsPerEpisode: 1, regime: resolveRegime('fixed', { taskName: 'chunk', lrSchedule: 'plateau' }, 1, 4, {}), resumedAt: null, done: [], parallel: 3 });
  events.emit('stepStart', { firstEpisode: 1, branches: 2, requested: 3 });
  const result: EpochResult = { epoch: 1, trainLoss: 1, devScore: 50, tokensPerSecond: 1, seconds: 1, learningRate: 0.1 };
  events.emit('epochEnd', { episode: 2, epoch: 0, globalEpoch: 2, result, newBest: false, episodeBest: 50, bestScore: 60, episodeDone: true, branch: 1 });
  off();
  assert.match(text, /4 episodes · 3 at once/);
  assert.match(text, /parallel step: episodes 1–2 at once \(only 2 distinct selections could be drawn of the 3 asked\)/);
  assert.match(text, /episode 2\/4 \(branch 1\) epoch 1: dev 50\.00/);
});
