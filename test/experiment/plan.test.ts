// Plan files: checking (unknown keys and bad values name the file and line), expansion into jobs, stable ids and settings hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan } from '../../src/experiment/plan.js';
import { prepareExperiment } from '../../src/experiment/job-folder.js';
import { InputError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'ace-plan-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function planFile(text: string): string {
  const path = join(root, `plan-${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const BASE = `name: demo
datasets:
  - { id: chunk, task: chunk, data: conll2000 }
  - { task: pos, data: ud-ewt, pools: [small], search: { hidden: 32 } }
pools:
  small: [char, casing]
  big: [glove, char, casing]
strategies: [ace, random]
seeds: [1, 2]
search:
  episodes: 3
  epochs-per-episode: 2
  limit: 40
  hidden: 16
  threads: 1
  test: false
`;

const rejects = (text: string, pattern: RegExp) => () =>
  assert.throws(() => loadPlan(planFile(text)), (e: unknown) => e instanceof InputError && pattern.test(e.message) && !e.message.includes('\n'));

test('a plan expands into data sets × pools × strategies × seeds with readable ids and the search flags', () => {
  const plan = loadPlan(planFile(BASE));
  assert.equal(plan.name, 'demo');
  assert.deepEqual(plan.jobs.map((j) => j.id), [
    'chunk-small-ace-s1', 'chunk-small-ace-s2', 'chunk-small-random-s1', 'chunk-small-random-s2',
    'chunk-big-ace-s1', 'chunk-big-ace-s2', 'chunk-big-random-s1', 'chunk-big-random-s2',
    'ud-ewt-pos-small-ace-s1', 'ud-ewt-pos-small-ace-s2', 'ud-ewt-pos-small-random-s1', 'ud-ewt-pos-small-random-s2',
  ]);
  const random = plan.jobs.find((j) => j.id === 'chunk-big-random-s2')!;
  assert.deepEqual(random.args, ['--task', 'chunk', '--data', 'conll2000', '--candidates', 'glove,char,casing', '--baseline', 'random', '--seed', '2',
    '--episodes', '3', '--epochs-per-episode', '2', '--limit', '40', '--hidden', '16', '--no-test']);
  assert.equal(random.threads, 1);
  assert.equal(random.episodes, 3);
  // A data set's own search options override the shared ones; no --regime unless the plan sets one.
  const pos = plan.jobs.find((j) => j.id === 'ud-ewt-pos-small-ace-s1')!;
  assert.equal(pos.args[pos.args.indexOf('--hidden') + 1], '32');
  assert.ok(!pos.args.includes('--baseline'));
  assert.ok(plan.jobs.every((j) => !j.args.includes('--regime') && !j.args.includes('--threads')));
  assert.equal(new Set(plan.jobs.map((j) => j.settingsHash)).size, plan.jobs.length);
});

test('a single pool is left out of the ids; regime, config and file data are passed on, paths made absolute', () => {
  writeFileSync(join(root, 'more.yaml'), 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');
  const plan = loadPlan(planFile(`datasets:
  - { id: mine, task: ner, data: train.txt, dev: dev.txt }
pools: { p: [char, pos] }
regime: budget
search: { config: more.yaml, retrain: true, parallel: 2 }
`));
  assert.deepEqual(plan.jobs.map((j) => j.id), ['mine-ace-s1']);
  const a = plan.jobs[0].args;
  assert.equal(a[a.indexOf('--data') + 1], join(root, 'train.txt'));
  assert.equal(a[a.indexOf('--dev') + 1], join(root, 'dev.txt'));
  assert.equal(a[a.indexOf('--config') + 1], join(root, 'more.yaml'));
  assert.equal(a[a.indexOf('--regime') + 1], 'budget');
  assert.ok(a.includes('--retrain'));
  assert.equal(a[a.indexOf('--parallel') + 1], '2');
  assert.equal(plan.attempts, 3);
});

test('strategy-seeds gives the named strategies their own seeds; the others keep the plan\'s', () => {
  const plan = loadPlan(planFile(`datasets: [{ id: c, task: chunk, data: conll2000 }]
pools: { p: [char] }
strategies: [ace, all, ensemble]
seeds: [1, 2, 3]
strategy-seeds: { ensemble: [7] }
`));
  assert.deepEqual(plan.jobs.map((j) => j.id), ['c-ace-s1', 'c-ace-s2', 'c-ace-s3', 'c-all-s1', 'c-all-s2', 'c-all-s3', 'c-ensemble-s7']);
  const e = plan.jobs[6].args;
  assert.equal(e[e.indexOf('--seed') + 1], '7');
  rejects(BASE.replace('seeds: [1, 2]', 'seeds: [1, 2]\nstrategy-seeds: { greedy: [1] }'), /:10: unknown key 'greedy' in strategy-seeds$/)();
});

test('the settings hash follows what decides a result: not threads, but episodes and the config file text', () => {
  const hash = (text: string) => loadPlan(planFile(text)).jobs[0].settingsHash;
  const plain = 'datasets: [{ task: chunk, data: conll2000 }]\npools: { p: [char] }\nsearch: { episodes: 3 }\n';
  assert.equal(hash(plain), hash(plain));
  assert.equal(hash(plain.replace('episodes: 3', 'episodes: 3, threads: 2')), hash(plain));
  assert.notEqual(hash(plain.replace('episodes: 3', 'episodes: 4')), hash(plain));
  const config = join(root, 'c.yaml');
  writeFileSync(config, 'candidates: []\n');
  const withConfig = plain.replace('episodes: 3', 'episodes: 3, config: c.yaml');
  const before = hash(withConfig);
  writeFileSync(config, 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');
  assert.notEqual(hash(withConfig), before);
});

test('unknown keys are refused with the file, the line and the key', () => {
  rejects(BASE.replace('seeds: [1, 2]', 'seeds: [1, 2]\nseed: 3'), /plan-\d+\.yaml:10: unknown key 'seed'$/)();
  rejects(BASE.replace('  limit: 40', '  limits: 40'), /plan-\d+\.yaml:13: unknown key 'limits' in search$/)();
  rejects(BASE.replace('{ id: chunk, task', '{ id: chunk, tsk: chunk, task'), /:3: unknown key 'tsk' in datasets\[0\]$/)();
  rejects(BASE.replace('search: { hidden: 32 }', 'search: { hiden: 32 }'), /:4: unknown key 'hiden' in datasets\[1\]\.search$/)();
});

test('bad values, pools and duplicate ids are refused with a one-line reason', () => {
  rejects(BASE.replace('[ace, random]', '[ace, greedy]'), /:8: strategies\[1\]: /)();
  rejects(BASE.replace('episodes: 3', 'episodes: 0'), /:11: search\.episodes: /)();
  rejects(BASE.replace('task: pos', 'task: parse'), /datasets\[1\]\.task: unknown task/)();
  rejects(BASE.replace('pools: [small]', 'pools: [tiny]'), /datasets\[1\]\.pools names 'tiny'/)();
  rejects(BASE.replace('seeds: [1, 2]', 'seeds: [1, 1]'), /two jobs would share the id 'chunk-small-ace-s1'/)();
  rejects(BASE.replace('- { task: pos, data: ud-ewt', '- { id: chunk, task: pos, data: ud-ewt'), /datasets\[1\] and datasets\[0\] are both 'chunk'/)();
  rejects('datasets: [ { task: chunk, data: conll2000 ]\n', /not valid YAML or JSON/)();
  rejects('- a\n- b\n', /a plan is a mapping/)();
  assert.throws(() => loadPlan(join(root, 'missing.yaml')), (e: unknown) => e instanceof InputError && /missing\.yaml: plan file not found/.test(e.message));
});

test('an experiment folder refuses a job started with other settings', () => {
  const out = join(root, 'exp');
  const text = 'datasets: [{ task: chunk, data: conll2000 }]\npools: { p: [char] }\nsearch: { episodes: 3 }\n';
  const m = prepareExperiment(loadPlan(planFile(text)), out);
  assert.equal(m.jobs.length, 1);
  prepareExperiment(loadPlan(planFile(text.replace('episodes: 3', 'episodes: 3, threads: 2'))), out);
  assert.throws(() => prepareExperiment(loadPlan(planFile(text.replace('episodes: 3', 'episodes: 5'))), out),
    (e: unknown) => e instanceof InputError && /job conll2000-chunk-ace-s1 in .* was started with other settings/.test(e.message));
});
