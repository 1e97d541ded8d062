// The tagger learns a real CoNLL-2000 slice, and a saved training state resumes bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { getBackend } from '../../src/engine/backend/select.js';
import { createTaggerTask, type TaggerRequest } from '../../src/tasks/tagger/create.js';
import { conllevalScore } from '../../src/metrics/spans.js';
import { loadTagging } from '../../src/datasets/registry.js';
import { resolveRegime } from '../../src/search/regime.js';

const cacheDir = process.env.ACE_CACHE_DIR ?? join(tmpdir(), 'ace-ts-test-cache');

function request(over: Partial<TaggerRequest> = {}): TaggerRequest {
  return {
    task: 'chunk', data: 'conll2000', candidates: ['casing', 'pos', 'char'],
    candidateConfig: [{ name: 'pos', kind: 'feature', options: { column: 'pos' } }],
    dataHome: dataHome(), cacheDir, backend: getBackend(), limit: 300,
    architecture: { hidden: 48 }, training: { batchSize: 8, seed: 3 }, ...over,
  };
}

test('the tagger learns CoNLL-2000 chunking far above the majority-tag baseline', { skip: dataSkip() }, async () => {
  const task = await createTaggerTask(request());
  // A plateau schedule: the regimes end its episodes when the rate has fallen to a fraction of its start.
  assert.equal(task.lrSchedule, 'plateau');
  assert.deepEqual(resolveRegime('budget', task, 1, 30).episode, { maxEpochs: 8, lrFraction: 0.25, stallEpochs: null, patience: 0 });
  task.beginEpisode({ selection: [true, true, true], blockWeighting: 'none' });
  let last = 0;
  for (let e = 0; e < 3; e++) last = (await task.trainEpoch()).devScore;
  // Majority baseline: every token gets the most frequent training tag.
  const train = (await loadTagging(dataHome(), 'conll2000', 'train')).slice(0, 300);
  const counts = new Map<string, number>();
  for (const s of train) for (const t of s.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const dev = (await loadTagging(dataHome(), 'conll2000', 'dev')).slice(0, 75);
  const baseline = 100 * conllevalScore(dev.map((s) => s.tags), dev.map((s) => s.tags.map(() => majority))).overall.f1;
  assert.ok(last > baseline + 40, `dev F1 ${last.toFixed(2)} should be far above the majority baseline ${baseline.toFixed(2)}`);
  // Decoding is constrained: every predicted sequence is well formed IOB2 (no I-X after O or another type).
  for (const tags of task.predictSplit('dev')) {
    tags.forEach((t, i) => {
      if (t.startsWith('I-')) assert.ok(i > 0 && tags[i - 1].slice(2) === t.slice(2), `ill-formed ${tags.join(' ')}`);
    });
  }
});

test('a saved training state resumes bit for bit, and deselected blocks do not change', { skip: dataSkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-tagger-state-'));
  try {
    const small = request({ limit: 60, architecture: { hidden: 16 } });
    const a = await createTaggerTask(small);
    a.beginEpisode({ selection: [true, false, true], blockWeighting: 'none' });
    await a.trainEpoch();
    const before = Float32Array.from(a.tagger.model.proj.weights[1].value);
    await a.saveState(dir);
    const expected = await a.trainEpoch();
    assert.deepEqual(a.tagger.model.proj.weights[1].value, before, 'the deselected block\'s weights stayed untouched');
    const b = await createTaggerTask({ ...small, training: { ...small.training, seed: 99 } });
    await b.loadState(dir);
    const got = await b.trainEpoch();
    assert.equal(got.trainLoss, expected.trainLoss);
    assert.equal(got.devScore, expected.devScore);

    // A checkpoint brings back the selection it was trained with, so its scores are reproduced.
    const ckpt = join(dir, 'ckpt');
    await b.saveCheckpoint(ckpt);
    const dev = (await b.evaluate('dev')).score;
    b.beginEpisode({ selection: [false, true, true], blockWeighting: 'none' });
    await b.loadCheckpoint(ckpt);
    assert.deepEqual(b.currentSelection, [true, false, true]);
    assert.equal((await b.evaluate('dev')).score, dev);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
