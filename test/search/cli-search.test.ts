// `ace search` / `ace report` wiring: flag checks, a run through commander with a task factory, and resume by folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseSearchFlags, registerSearch, taskSettings, type TaskRequest } from '../../src/cli/search.js';
import { register as registerReport } from '../../src/cli/report.js';
import { UsageError } from '../../src/util/errors.js';
import { CANDIDATES, SyntheticTask } from './synthetic-task.js';

const base = { reward: 'hamming', rewardShaping: 'none', test: true, progress: false };

test('parseSearchFlags checks required flags, integers and the baseline', () => {
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o' }), UsageError);
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a,a' }), UsageError);
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a', episodes: '3.5' }), UsageError);
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a', episodes: '0' }), UsageError);
  const c = parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a, b', baseline: 'random', seed: '4' });
  assert.deepEqual(c.request.candidates, ['a', 'b']);
  assert.equal(c.strategy, 'random');
  assert.equal(c.request.seed, 4);
  assert.equal(c.episodes, 30);
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a', limit: '0' }), UsageError);
});

test('search --config and --limit are kept in the saved command, so --resume rebuilds the same task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-cli-'));
  try {
    const config = join(dir, 'more.yaml');
    writeFileSync(config, 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');
    const c = parseSearchFlags({ ...base, task: 'chunk', data: 'd', out: join(dir, 'o'), candidates: 'glove,pos', config, limit: '40' });
    assert.deepEqual(c.request.candidateConfig, [{ name: 'pos', kind: 'feature', options: { column: 'pos' } }]);
    assert.equal(c.request.limit, 40);
    const requests: TaskRequest[] = [];
    const threads: (string | undefined)[] = [];
    const factory = async (r: TaskRequest, run?: { threads?: string }) => {
      requests.push(r);
      threads.push(run?.threads);
      return new SyntheticTask();
    };
    const out = join(dir, 'run');
    const p = () => {
      const cmd = new Command().exitOverride();
      registerSearch(cmd, factory);
      return cmd;
    };
    await p().parseAsync(['search', '--task', 'synthetic', '--data', 'toy', '--candidates', CANDIDATES.join(','), '--out', out, '--episodes', '2',
      '--config', config, '--limit', '40', '--hidden', '32', '--threads', '1', '--no-progress'], { from: 'user' });
    await p().parseAsync(['search', '--resume', out, '--no-progress'], { from: 'user' });
    assert.equal(requests.length, 2);
    for (const r of requests) {
      assert.equal(r.limit, 40);
      assert.equal(r.hidden, 32);
      assert.deepEqual(r.candidateConfig, [{ name: 'pos', kind: 'feature', options: { column: 'pos' } }]);
    }
    assert.deepEqual(threads, ['1', undefined]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved --hidden reaches the tagger architecture or the parser overrides', () => {
  const request: TaskRequest = { task: 'chunk', data: 'd', candidates: ['glove'], seed: 1, outDir: '/o', hidden: 64 };
  const tagger = taskSettings(request);
  assert.deepEqual(tagger.architecture, { hidden: 64 });
  assert.equal(tagger.parser, undefined);
  assert.equal('hidden' in tagger, false);
  const parser = taskSettings({ ...request, task: 'dep' });
  assert.deepEqual(parser.parser, { architecture: { hidden: 64 } });
  assert.equal(parser.architecture, undefined);
  assert.deepEqual(taskSettings({ ...request, hidden: undefined }).architecture, undefined);
  assert.throws(() => parseSearchFlags({ ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a', hidden: '0' }), UsageError);
});

test('ace search runs through the factory, writes search.json, report.html and resumes by folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-cli-'));
  const requests: TaskRequest[] = [];
  const factory = async (r: TaskRequest) => {
    requests.push(r);
    return new SyntheticTask();
  };
  const program = () => {
    const p = new Command().exitOverride();
    registerSearch(p, factory);
    registerReport(p);
    return p;
  };
  const out = join(dir, 'run');
  try {
    await program().parseAsync(['search', '--task', 'synthetic', '--data', 'toy', '--candidates', CANDIDATES.join(','), '--out', out, '--episodes', '3', '--epochs-per-episode', '1', '--seed', '2', '--no-progress'], { from: 'user' });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].data, 'toy');
    const first = readFileSync(join(out, 'search.json'), 'utf8');
    assert.equal(JSON.parse(first).episodes.length, 3);
    assert.ok(existsSync(join(out, 'report.html')));
    assert.ok(readFileSync(join(out, 'search.log.jsonl'), 'utf8').includes('"searchEnd"'));
    // Starting again in the same folder is refused; --resume on a finished search recomputes the same result.
    await assert.rejects(
      program().parseAsync(['search', '--task', 'synthetic', '--data', 'toy', '--candidates', CANDIDATES.join(','), '--out', out, '--no-progress'], { from: 'user' }),
      UsageError,
    );
    await program().parseAsync(['search', '--resume', out, '--no-progress'], { from: 'user' });
    assert.equal(readFileSync(join(out, 'search.json'), 'utf8').replace(/"wallSeconds": [^,\n]+/g, ''), first.replace(/"wallSeconds": [^,\n]+/g, ''));
    await program().parseAsync(['report', out, '--compare', out], { from: 'user' });
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /data-series="ACE \(run\)"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search --data FILE: your own files are kept absolute, become a file dataset, and without --test-file no test is scored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-cli-'));
  try {
    const train = join(dir, 'train.txt');
    const dev = join(dir, 'dev.txt');
    writeFileSync(train, 'He PRP B-NP\nruns VBZ B-VP\n\n');
    writeFileSync(dev, 'She PRP B-NP\nsleeps VBZ B-VP\n\n');
    const cwd = process.cwd();
    process.chdir(dir);
    let c;
    try {
      c = parseSearchFlags({ ...base, task: 'chunk', data: 'train.txt', dev: 'dev.txt', out: 'o', candidates: 'char' });
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual([c.request.data, c.request.dev, c.request.test, c.evaluateTest], [train, dev, undefined, false]);
    assert.match(taskSettings(c.request).data, /^file:train\.txt-[0-9a-f]{8}$/);
    const withTest = parseSearchFlags({ ...base, task: 'chunk', data: train, testFile: dev, out: 'o', candidates: 'char' });
    assert.equal(withTest.evaluateTest, true);
    assert.throws(() => parseSearchFlags({ ...base, task: 'chunk', data: 'conll2000', dev, out: 'o', candidates: 'char' }), (e: unknown) => e instanceof UsageError && /a dev or test file goes with --data FILE/.test(e.message));
    assert.equal(parseSearchFlags({ ...base, task: 'dep', data: 'sdp-sample', out: 'o', candidates: 'char' }).evaluateTest, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search regime flags: --epochs-per-episode is the fixed regime, the default is budget, percent rewards are saved', () => {
  const flags = { ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a,b' };
  const budget = parseSearchFlags(flags);
  assert.equal(budget.regime, 'budget');
  assert.equal(budget.rewardScale, 1);
  assert.equal(parseSearchFlags({ ...flags, epochsPerEpisode: '2' }).regime, 'fixed');
  const official = parseSearchFlags({ ...flags, regime: 'official', maxEpochs: '40', patience: '2' });
  assert.deepEqual(official.regimeOverrides, { maxEpochs: 40, patience: 2 });
  assert.throws(() => parseSearchFlags({ ...flags, regime: 'budget', epochsPerEpisode: '2' }), /--max-epochs/);
  assert.throws(() => parseSearchFlags({ ...flags, epochsPerEpisode: '2', stallEpochs: '3' }), UsageError);
  assert.throws(() => parseSearchFlags({ ...flags, regime: 'slow' }), /--regime must be one of/);
});

test('without a terminal, ace search prints one line per epoch with the episode, lr, best so far and an ETA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-cli-'));
  const lines: string[] = [];
  const { Writable } = await import('node:stream');
  const stderr = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  try {
    const { executeSearch } = await import('../../src/cli/search.js');
    const command = parseSearchFlags({ ...base, task: 'synthetic', data: 'toy', out: join(dir, 'run'), candidates: CANDIDATES.join(','), episodes: '3', regime: 'budget' });
    await executeSearch(command, async () => new SyntheticTask(), { progress: false, stderr });
    const epochLines = lines.filter((l) => l.startsWith('episode '));
    const record = JSON.parse(readFileSync(join(dir, 'run', 'search.json'), 'utf8')) as { episodes: { epochs: unknown[] }[] };
    assert.equal(epochLines.length, record.episodes.reduce((n, e) => n + e.epochs.length, 0));
    assert.match(epochLines[0], /^episode 0\/3 epoch 1: dev [\d.]+ \(best\) · episode best [\d.]+ · best [\d.]+ · lr [\d.e-]+ · [\d.]+ s · ETA /);
    assert.equal(epochLines.filter((l) => l.includes('episode done')).length, 3);
    assert.match(lines[0], /^ACE search · 4 candidates · 3 episodes · regime budget/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
