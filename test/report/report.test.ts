// Report tests: the HTML is well formed, self-contained and carries the expected series and tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../src/report/html-report.js';
import { niceTicks } from '../../src/report/svg.js';
import { writeReport } from '../../src/report/write-report.js';
import { readTrainingRun } from '../../src/report/training-run.js';
import { InputError } from '../../src/util/errors.js';
import { SEARCH_RECORD_FORMAT, type SearchRecord } from '../../src/search/history.js';
import { writeSearchRecord } from '../../src/search/history.js';
import { resolveSearchOptions, outcomeOptions } from '../../src/search/options.js';

function record(strategy: SearchRecord['strategy'], scores: number[]): SearchRecord {
  const candidates = ['glove', 'bert<x>', 'char'];
  const episodes = scores.map((devScore, t) => ({
    episode: t,
    selection: t === 0 ? [true, true, true] : [t % 2 === 0, true, t % 3 !== 0],
    probabilities: [0.5, 0.5 + t / 20, 0.5 - t / 20],
    devScore,
    reward: t === 0 ? null : [0.1 * t, -0.2, 0],
    theta: [0, 0, 0],
    epochs: [{ epoch: t + 1, trainLoss: 1, devScore, tokensPerSecond: 100, seconds: 1, learningRate: 0.1 }],
    wallSeconds: 1.5,
  }));
  const best = scores.indexOf(Math.max(...scores));
  return {
    format: SEARCH_RECORD_FORMAT,
    taskName: 'ner',
    metricName: 'F1',
    strategy,
    candidates,
    options: outcomeOptions(resolveSearchOptions({ outDir: 'x', strategy, episodes: scores.length })),
    episodes,
    final: {
      selection: episodes[best].selection,
      bestDevScore: scores[best],
      bestEpisode: best,
      bestEpoch: 0,
      testScore: 88.5,
      probabilities: [0.9, 0.2, 0.6],
      ensemble: null,
      retrain: null,
    },
  };
}

/** A minimal well-formedness check: every non-void tag is closed in order. */
function assertBalanced(html: string): void {
  const voids = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', '!doctype']);
  const selfClosing = /\/>$/;
  const stack: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const m of body.matchAll(/<\/?([a-zA-Z!][\w-]*)[^>]*>/g)) {
    const tag = m[1].toLowerCase();
    if (voids.has(tag) || selfClosing.test(m[0])) continue;
    if (m[0].startsWith('</')) assert.equal(stack.pop(), tag, `unbalanced </${tag}>`);
    else stack.push(tag);
  }
  assert.deepEqual(stack, []);
}

test('niceTicks gives round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(48.3, 57.1, 5), [50, 52, 54, 56]);
});

test('report: well formed, self-contained, with ACE and RANDOM series and escaped names', () => {
  const html = renderReport([
    { label: 'ACE', record: record('ace', [90, 91.5, 91, 92.25]) },
    { label: 'RANDOM', record: record('random', [90, 89, 90.5, 89.5]) },
  ]);
  assertBalanced(html);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.doesNotMatch(html, /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  // Dev score series for both runs, one point per episode.
  for (const label of ['ACE', 'RANDOM']) {
    const g = new RegExp(`<g class="series" data-series="${label}">([\\s\\S]*?)</g>`).exec(html);
    assert.ok(g, `series ${label}`);
    assert.equal((g[1].match(/<circle/g) ?? []).length, 4);
  }
  assert.match(html, /ACE against RANDOM/);
  assert.match(html, /ACE · 3: 92\.25/);
  // Probability series: one per candidate, names escaped, last point the final probability.
  assert.match(html, /data-series="bert&lt;x&gt;"/);
  assert.doesNotMatch(html, /bert<x>/);
  assert.match(html, /glove · 4: 0\.900/);
  // The episode table has one row per episode per run; the best episode is marked.
  const rows = html.match(/<tr( class="best")?><td>\d+<\/td>/g) ?? [];
  assert.equal(rows.length, 8);
  assert.equal(rows.filter((r) => r.includes('best')).length, 2);
  assert.match(html, /88\.50/);
});

test('writeReport reads search.json files and labels runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-report-'));
  try {
    writeSearchRecord(join(dir, 'a', 'search.json'), record('ace', [1, 2, 3]));
    writeSearchRecord(join(dir, 'b', 'search.json'), record('ace', [1, 3, 2]));
    const path = writeReport([join(dir, 'a'), join(dir, 'b')]);
    const html = readFileSync(path, 'utf8');
    assertBalanced(html);
    assert.match(html, /data-series="ACE \(a\)"/);
    assert.match(html, /data-series="ACE \(b\)"/);
    assert.throws(() => writeReport([join(dir, 'missing')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A training folder as `ace train` leaves it: command, log (epoch 2 logged twice: killed, then redone), results. */
function trainingFolder(root: string, name: string, devScores: number[], metric: string, finished: boolean): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'command.json'), JSON.stringify({ command: 'train', flags: { task: 'ner', data: 'conll03-en', embeddings: 'glove,char', seed: '3' }, epochs: '10', candidateConfig: [] }));
  const line = (epoch: number, devScore: number) => JSON.stringify({ epoch, trainLoss: 5 / epoch, devScore, tokensPerSecond: 2000, seconds: 60, learningRate: epoch > 2 ? 0.05 : 0.1, metric });
  const lines = devScores.map((d, i) => line(i + 1, d));
  lines.splice(1, 0, line(2, 10)); // the killed epoch 2, replaced by the redone one after it
  writeFileSync(join(dir, 'train.log.jsonl'), lines.join('\n') + '\n');
  if (finished) writeFileSync(join(dir, 'results.json'), JSON.stringify({ test: 88.25, metric }));
  return dir;
}

test('training report: dev, loss and learning-rate plots, the saved epoch highlighted, a redone epoch counted once', () => {
  const root = mkdtempSync(join(tmpdir(), 'ace-train-report-'));
  try {
    const a = trainingFolder(root, 'with-use', [80, 85.5, 85.25, 86.75], 'F1', true);
    const b = trainingFolder(root, 'without', [78, 82, 84], 'F1', false);
    const run = readTrainingRun(a);
    assert.deepEqual(run.epochs.map((e) => e.devScore), [80, 85.5, 85.25, 86.75]);
    assert.equal(run.metric, 'F1');
    assert.equal(run.maxEpochs, 10);
    const path = writeReport([a, b]);
    const html = readFileSync(path, 'utf8');
    assertBalanced(html);
    assert.doesNotMatch(html, /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    assert.equal((html.match(/<svg/g) ?? []).length, 3);
    for (const [label, n] of [['with-use', 4], ['without', 3]] as const) {
      const g = new RegExp(`<g class="series" data-series="${label}">([\\s\\S]*?)</g>`).exec(html);
      assert.ok(g, `series ${label}`);
      assert.equal((g[1].match(/<circle/g) ?? []).length, n);
    }
    assert.match(html, /<tr class="best"><td>4<\/td>/);
    assert.match(html, />88\.25</); // the finished run's test score
    assert.match(html, /after training ends/); // the other has none yet
    // Learning-rate ticks keep their digits (0.05 and 0.1, not 0.00).
    const lrChart = html.slice(html.indexOf('id="learning-rate"'));
    assert.match(lrChart, />0\.1</);
    assert.match(lrChart, />0\.05</);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('training report refuses mixed kinds, mixed metrics and broken log lines, naming the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'ace-train-report-'));
  try {
    const f1 = trainingFolder(root, 'ner', [80, 81], 'F1', true);
    const acc = trainingFolder(root, 'pos', [90, 91], 'accuracy', true);
    assert.throws(() => writeReport([f1, acc]), /different metrics/);
    const search = join(root, 'search');
    mkdirSync(search);
    assert.throws(() => writeReport([f1, search]), (e: unknown) => e instanceof InputError && e.message.includes(search));
    appendFileSync(join(f1, 'train.log.jsonl'), '{"epoch": 3, "trainLoss": 1}\nnot json\n');
    assert.throws(() => readTrainingRun(f1), (e: unknown) => e instanceof InputError && /train\.log\.jsonl:4: epoch record lacks the number 'devScore'/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
