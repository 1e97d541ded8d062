// Comparison tables on hand-made search records: grouping, mean ± sample sd (or min–max), epochs, σ(θ), kept counts, Markdown and HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestSoFarCurve, buildTables, renderMarkdown, renderTableHtml, stat, type TableRun } from '../../src/report/table.js';
import { SEARCH_RECORD_FORMAT, type EpisodeRecord, type SearchRecord } from '../../src/search/history.js';
import type { SearchStrategy } from '../../src/search/strategy.js';

const CANDIDATES = ['glove', 'char'];

interface Made {
  strategy: SearchStrategy;
  seed: number;
  devs: number[];
  test?: number | null;
  selection?: boolean[];
  probabilities?: number[];
  finished?: boolean;
  ensemble?: { devScore: number; testScore: number | null };
}

/** A record with one episode per dev score, two epochs each of 1.5 s. */
function record(m: Made): SearchRecord {
  const episodes: EpisodeRecord[] = m.devs.map((d, i) => ({
    episode: i, selection: [true, i % 2 === 0], probabilities: [0.5, 0.5], devScore: d, reward: null, theta: [0, 0],
    epochs: [1, 2].map((epoch) => ({ epoch, trainLoss: 1, devScore: d - (2 - epoch), tokensPerSecond: 100, seconds: 1.5, learningRate: 0.1 })),
    wallSeconds: 3,
  }));
  const best = Math.max(...m.devs);
  return {
    format: SEARCH_RECORD_FORMAT, taskName: 'chunk', metricName: 'F1', strategy: m.strategy, candidates: CANDIDATES,
    options: {
      strategy: m.strategy, episodes: m.devs.length, epochsPerEpisode: 2, regime: { name: 'fixed', overrides: {} }, seed: m.seed,
      reward: { kind: 'hamming', discount: 0.5, shaping: 'none', scale: 0.01 }, controller: { learningRate: 0.1, momentum: 0.9, maxRedraws: 100 },
      evaluateTest: true, retrain: false, retrainEpochs: 4,
    },
    episodes,
    final: m.finished === false ? null : {
      selection: m.selection ?? [true, true], bestDevScore: best, bestEpisode: m.devs.indexOf(best), bestEpoch: 1, testScore: m.test ?? null,
      probabilities: m.probabilities ?? [0.5, 0.5], ensemble: m.ensemble ? { members: m.devs.length, ...m.ensemble } : null, retrain: null,
    },
  };
}

const run = (family: string, m: Made, pool = 'p'): TableRun => ({ family, pool, record: record(m) });

const RUNS: TableRun[] = [
  run('chunk', { strategy: 'random', seed: 1, devs: [70, 75], test: 60 }),
  run('chunk', { strategy: 'ace', seed: 2, devs: [78, 82], test: 71, selection: [true, false], probabilities: [0.7, 0.4] }),
  run('chunk', { strategy: 'ace', seed: 1, devs: [80, 79], test: 70, selection: [true, true], probabilities: [0.9, 0.2] }),
  run('chunk', { strategy: 'ace', seed: 3, devs: [84, 83], test: 72, selection: [true, false], probabilities: [0.8, 0.3] }),
  run('chunk', { strategy: 'random', seed: 2, devs: [71, 73], test: 62 }),
  run('chunk', { strategy: 'ace', seed: 4, devs: [50], finished: false }),
  run('ner', { strategy: 'ensemble', seed: 1, devs: [60, 61], test: 50, ensemble: { devScore: 64, testScore: 55 } }),
];

test('stat: mean, sample standard deviation (n − 1), min and max', () => {
  const s = stat([80, 82, 84]);
  assert.deepEqual([s.mean, s.sd, s.min, s.max, s.n], [82, 2, 80, 84, 3]);
  assert.equal(stat([5]).sd, null);
});

test('rows per family and strategy: seeds, scores over seeds, total epochs and wall time, σ(θ) and kept counts', () => {
  const [chunk, ner] = buildTables(RUNS);
  assert.equal(chunk.family, 'chunk');
  assert.equal(chunk.unfinished, 1);
  assert.deepEqual(chunk.rows.map((r) => r.strategy), ['ace', 'random']); // strategy order, not input order
  const ace = chunk.rows[0];
  assert.deepEqual(ace.seeds, [1, 2, 3]);
  assert.deepEqual([ace.dev.mean, ace.dev.sd], [82, 2]);
  assert.deepEqual([ace.test!.mean, ace.test!.sd], [71, 1]);
  assert.equal(ace.epochs, 12); // 3 seeds × 2 episodes × 2 epochs
  assert.equal(ace.wallSeconds, 18);
  assert.deepEqual(ace.probabilities!.map((p) => Number(p.toFixed(6))), [0.8, 0.3]);
  assert.deepEqual(ace.kept, [3, 1]);
  assert.equal(chunk.rows[1].probabilities, null);
  // The ensemble baseline is scored by its vote.
  assert.deepEqual([ner.rows[0].dev.mean, ner.rows[0].test!.mean], [64, 55]);
});

test('Markdown: one table per family, mean ± sd or min–max, the spread named', () => {
  const md = renderMarkdown(buildTables(RUNS));
  assert.match(md, /mean ± sample standard deviation \(n − 1\) over seeds/);
  assert.match(md, /### chunk \(F1\)/);
  assert.match(md, /\| ACE \| 3 \| 82\.00 ± 2\.00 \| 71\.00 ± 1\.00 \| 12 \| 18\.0 s \| glove 0\.80 · char 0\.30 \| glove 3\/3 · char 1\/3 \|/);
  assert.match(md, /\| RANDOM \| 2 \| 74\.00 ± 1\.41 \| 61\.00 ± 1\.41 \| 8 \| 12\.0 s \| – \| glove 2\/2 · char 2\/2 \|/);
  assert.match(md, /1 unfinished run left out\./);
  assert.match(md, /### ner \(F1\)\n\n[^\n]+\n[^\n]+\n\| Ensemble \| 1 \| 64\.00 \| 55\.00 \|/);
  const range = renderMarkdown(buildTables(RUNS), 'range');
  assert.match(range, /mean \(min–max\) over seeds/);
  assert.match(range, /\| ACE \| 3 \| 82\.00 \(80\.00–84\.00\) \| 71\.00 \(70\.00–72\.00\) \|/);
});

test('a family with two pools shows the pool; rows of one strategy stay apart by pool', () => {
  const runs = [
    run('pos', { strategy: 'ace', seed: 1, devs: [90], test: 89 }, 'small'),
    run('pos', { strategy: 'ace', seed: 1, devs: [93], test: 92 }, 'big'),
    run('pos', { strategy: 'all', seed: 1, devs: [91], test: 90 }, 'small'),
  ];
  const [t] = buildTables(runs);
  assert.equal(t.pools, true);
  assert.deepEqual(t.rows.map((r) => `${r.strategy}/${r.pool}`), ['ace/small', 'all/small', 'ace/big']);
  assert.match(renderMarkdown([t]), /\| Strategy \| Pool \| Seeds \|/);
  assert.match(renderMarkdown([t]), /\| ACE \| big \| 1 \| 93\.00 \| 92\.00 \|/);
});

test('HTML: the table and one best-so-far dev curve per strategy × seed', () => {
  assert.deepEqual(bestSoFarCurve(record({ strategy: 'ace', seed: 1, devs: [80, 79, 85] })), [[0, 80], [1, 80], [2, 85]]);
  const html = renderTableHtml(buildTables(RUNS), 'sd', 'demo');
  for (const name of ['ACE s1', 'ACE s2', 'ACE s3', 'RANDOM s1', 'RANDOM s2', 'Ensemble s1']) assert.match(html, new RegExp(`data-series="${name}"`));
  assert.doesNotMatch(html, /data-series="ACE s4"/); // unfinished
  assert.match(html, /<td class="num">82\.00 ± 2\.00<\/td>/);
  assert.match(html, /<title>demo<\/title>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
});

test('rows of one strategy under two regimes stay apart, each named by its protocol', () => {
  const fixed = record({ strategy: 'ace', seed: 1, devs: [80, 81] });
  const budget: SearchRecord = { ...record({ strategy: 'ace', seed: 1, devs: [82, 83] }), regime: { name: 'budget', first: { maxEpochs: 40, lrFraction: 0.125, stallEpochs: null, patience: 1 }, episode: { maxEpochs: 8, lrFraction: 0.25, stallEpochs: null, patience: 0 }, single: { maxEpochs: 100, lrFraction: 0.001, stallEpochs: null, patience: 3 } } };
  const [t] = buildTables([{ family: 'f', pool: 'p', record: fixed }, { family: 'f', pool: 'p', record: budget }]);
  assert.equal(t.rows.length, 2);
  assert.equal(t.protocols, true);
  const md = renderMarkdown([t]);
  assert.match(md, /\| ACE \(fixed 2 epochs\/episode\) \| 1 \| 81\.00 /);
  assert.match(md, /\| ACE \(budget\) \| 1 \| 83\.00 /);
  const [single] = buildTables([{ family: 'f', pool: 'p', record: fixed }]);
  assert.equal(single.protocols, false);
});
