// The parser tasks through the registry: dep and sdp tasks built from dataset names, trained, saved, reloaded and refused when misconfigured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { loadGraphs, loadTrees } from '../../src/datasets/registry.js';
import { isTree } from '../../src/structs/tree.js';
import { createTask, TASK_NAMES, type ParserOverrides, type TaskFactoryRequest } from '../../src/tasks/registry.js';
import { createParserTask, defaultParserTask } from '../../src/tasks/dependency/create.js';
import { resolveRegime } from '../../src/search/regime.js';
import { isParserBundle, loadParser, predictParses } from '../../src/tasks/dependency/load.js';
import { UsageError } from '../../src/util/errors.js';
import { storeThreshold, sweepThresholds } from '../../src/tasks/graph/calibrate.js';
import { enhancedScores } from '../../src/metrics/graph.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const skip = dataSkip();
const backend = getBackend();
const root = mkdtempSync(join(tmpdir(), 'ace-parser-create-'));
const cacheDir = join(root, 'cache');
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A data home with the first sentences of each EWT split (reading the whole treebank would dominate a tiny model's time) and the SDP sample as it is. */
function smallDataHome(dir: string): string {
  const ewt = join(dir, 'ud-english-ewt');
  mkdirSync(ewt, { recursive: true });
  const sizes: [string, number][] = [['en_ewt-ud-train.conllu', 100], ['en_ewt-ud-dev.conllu', 60], ['en_ewt-ud-test.conllu', 60]];
  for (const [f, n] of sizes) writeFileSync(join(ewt, f), readFileSync(join(dataHome(), 'ud-english-ewt', f), 'utf8').split(/\n\n/).slice(0, n).join('\n\n') + '\n\n');
  symlinkSync(join(dataHome(), 'sdp-sample'), join(dir, 'sdp-sample'));
  return dir;
}
const home = skip ? '' : smallDataHome(join(root, 'data'));

const SMALL: ParserOverrides = { architecture: { hidden: 16, lstmLayers: 1, arcMlp: 32, relMlp: 16 } };

function request(task: string, data: string, extra: Partial<TaskFactoryRequest> = {}): TaskFactoryRequest {
  return { task, data, candidates: ['casing', 'char'], seed: 3, dataHome: home, cacheDir, backend, limit: 80, parser: SMALL, ...extra };
}

test('the registry names the parser tasks, and datasets name their default parser task', { skip }, () => {
  for (const t of ['dep', 'sdp', 'eud']) assert.ok(TASK_NAMES.includes(t), t);
  for (const t of ['ner', 'chunk', 'pos', 'ae']) assert.ok(TASK_NAMES.includes(t), t);
  assert.equal(defaultParserTask('ud-ewt'), 'dep');
  assert.equal(defaultParserTask('sdp-sample'), 'sdp');
});

test('dep on ud-ewt: LAS task trains an epoch, saves a parser bundle that reloads and predicts single-root trees', { skip }, async () => {
  const task = await createTask(request('dep', 'ud-ewt'));
  assert.equal(task.metricName, 'LAS');
  assert.deepEqual(task.candidateNames, ['casing', 'char']);
  // Its rate decays per step, so the regimes end its episodes on epochs without a dev gain, not on the rate.
  assert.equal(task.lrSchedule, 'per-step');
  assert.deepEqual(resolveRegime('budget', task, 1, 30).episode, { maxEpochs: 8, lrFraction: null, stallEpochs: 2, patience: null });
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  const r = await task.trainEpoch();
  assert.equal(r.epoch, 1);
  assert.ok(Number.isFinite(r.trainLoss) && r.trainLoss > 0);
  assert.ok(r.devScore >= 0 && r.devScore <= 100);
  const test = await task.evaluate('test');
  assert.ok(test.details.UAS >= test.details.LAS);
  const bundle = join(root, 'dep-model');
  await task.saveCheckpoint(bundle);
  assert.ok(isParserBundle(bundle));
  const model = JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8')) as { kind: string; objective: { decoder: string }; architecture: { hidden: number; lstmLayers: number } };
  assert.equal(model.kind, 'dependency');
  assert.equal(model.objective.decoder, 'mst');
  assert.deepEqual([model.architecture.hidden, model.architecture.lstmLayers], [16, 1]);

  const parser = await loadParser(bundle, { cacheDir, backend });
  const dev = (await loadTrees(home, 'ud-ewt', 'dev')).slice(0, 12);
  const parses = await predictParses(parser, dev);
  assert.equal(parses.kind, 'dependency');
  if (parses.kind !== 'dependency') return;
  parses.trees.forEach((t, i) => {
    assert.equal(t.heads.length, dev[i].words.length);
    assert.ok(isTree([0, ...t.heads], true), `sentence ${i}: ${t.heads.join(' ')}`);
    for (const rel of t.rels) assert.ok(parser.description.labels.includes(rel));
  });
  // The reloaded parser decodes as the trained one does.
  const again = await predictParses(parser, dev);
  assert.deepEqual(again, parses);
  await parser.dispose();
});

test('eisner decoding and All+Weight block weighting reach the bundle', { skip }, async () => {
  const task = await createTask(request('dep', 'ud-ewt', { blockWeighting: 'learned-sigmoid', parser: { ...SMALL, decoder: 'eisner' } }));
  task.beginEpisode({ selection: [true, false], blockWeighting: 'learned-sigmoid' });
  await task.trainEpoch();
  const bundle = join(root, 'eisner-model');
  await task.saveCheckpoint(bundle);
  const model = JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8')) as { objective: { decoder: string }; architecture: { blockWeighting: string }; selection: boolean[] };
  assert.equal(model.objective.decoder, 'eisner');
  assert.equal(model.architecture.blockWeighting, 'learned-sigmoid');
  assert.deepEqual(model.selection, [true, false]);
});

test('sdp on sdp-sample: an LF graph task with an empty test split; its bundle predicts graphs', { skip }, async () => {
  const task = await createTask(request('sdp', 'sdp-sample'));
  assert.equal(task.metricName, 'LF');
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  const r = await task.trainEpoch();
  assert.ok(Number.isFinite(r.trainLoss));
  assert.equal((await task.evaluate('test')).details.LF, 0, 'the missing test split is empty');
  const bundle = join(root, 'sdp-model');
  await task.saveCheckpoint(bundle);
  const parser = await loadParser(bundle, { cacheDir, backend });
  assert.equal(parser.graphMetric, 'LF');
  const dev = await loadGraphs(home, 'sdp-sample', 'dev');
  const parses = await predictParses(parser, dev);
  assert.equal(parses.kind, 'graph');
  if (parses.kind === 'graph') {
    parses.graphs.forEach((g, i) => {
      for (const a of g.arcs) assert.ok(a.dep >= 1 && a.dep <= dev[i].words.length && a.head >= 0 && a.head <= dev[i].words.length && a.head !== a.dep);
    });
  }
  await parser.dispose();
});

test('enhanced UD on ud-ewt is an ELAS graph task (task eud, or sdp on CoNLL-U data)', { skip }, async () => {
  const task = await createParserTask({ task: 'eud', data: 'ud-ewt', candidates: ['casing'], dataHome: home, cacheDir, backend, limit: 20, architecture: SMALL.architecture! });
  assert.equal(task.metricName, 'ELAS');
  assert.equal(task.parser.description.kind, 'graph');
  // Its ~380 labels get the dependency parser's label MLP unless the caller sets one; sdp keeps the 2018 width.
  const { relMlp: _, ...noRel } = SMALL.architecture!;
  const eud = await createParserTask({ task: 'eud', data: 'ud-ewt', candidates: ['casing'], dataHome: home, cacheDir, backend, limit: 20, architecture: noRel });
  assert.equal(eud.parser.description.architecture.relMlp, 100);
  const sdp = await createParserTask({ task: 'sdp', data: 'ud-ewt', candidates: ['casing'], dataHome: home, cacheDir, backend, limit: 20, architecture: noRel });
  assert.equal(sdp.parser.description.architecture.relMlp, 600);
});

test('an eud parser warm-starts from a dep bundle: the encoder and MLPs are copied, the scorers of other shapes stay fresh', { skip }, async () => {
  const dep = await createTask(request('dep', 'ud-ewt')) as Awaited<ReturnType<typeof createParserTask>>;
  const bundle = join(root, 'dep-for-warm-start');
  await dep.saveCheckpoint(bundle);
  const eud = await createTask(request('eud', 'ud-ewt')) as Awaited<ReturnType<typeof createParserTask>>;
  const r = eud.warmStart(bundle);
  // The graph arc scorer has a bias on both sides ([in+1, 1, in+1]) and its own label count.
  assert.deepEqual(r.kept.sort(), ['attn.arc.weight', 'attn.rel.weight']);
  const source = new Map(dep.parser.params.map((p) => [p.name, p.value]));
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const p of eud.parser.params) {
    if (!r.kept.includes(p.name)) assert.ok(bytes(p.value).equals(bytes(source.get(p.name)!)), p.name);
  }
  assert.ok(r.copied.some((n) => n.startsWith('encoder.lstm0')) && r.copied.includes('encoder.root'));
  // Other candidates (here: another character vocabulary and block layout) are refused, naming the file.
  const other = await createTask(request('eud', 'ud-ewt', { candidates: ['char'] })) as Awaited<ReturnType<typeof createParserTask>>;
  assert.throws(() => other.warmStart(bundle), /model\.json.*same candidates/);
});

test('calibrating an eud bundle: the sweep decodes as the bundle does at each threshold, and the stored threshold is read back', { skip }, async () => {
  const task = await createTask(request('eud', 'ud-ewt'));
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  await task.trainEpoch();
  await task.trainEpoch();
  const bundle = join(root, 'eud-calibrate');
  await task.saveCheckpoint(bundle);
  const dev = (await loadGraphs(home, 'ud-ewt', 'dev')).slice(0, 30);
  const parser = await loadParser(bundle, { cacheDir, backend });
  const thresholds = [-2, 0, 2];
  const c = await sweepThresholds(parser, dev, thresholds);
  assert.deepEqual(c.table.map((r) => r.threshold), thresholds);
  assert.equal(c.metric, 'ELAS');
  assert.ok(new Set(c.table.map((r) => r.score)).size > 1, `thresholds should matter: ${JSON.stringify(c.table)}`);
  for (const row of c.table) {
    storeThreshold(bundle, row.threshold);
    const reloaded = await loadParser(bundle, { cacheDir, backend });
    assert.equal(reloaded.objective.kind === 'graph' && reloaded.objective.options.threshold, row.threshold);
    const parses = await predictParses(reloaded, dev);
    assert.ok(parses.kind === 'graph');
    if (parses.kind === 'graph') assert.equal(row.score, 100 * enhancedScores(dev, parses.graphs).elas.f1, `threshold ${row.threshold}`);
    await reloaded.dispose();
  }
  assert.equal(c.best.score, Math.max(...c.table.map((r) => r.score)));
  await parser.dispose();
  const tree = join(root, 'dep-not-calibrated');
  await (await createTask(request('dep', 'ud-ewt'))).saveCheckpoint(tree);
  assert.throws(() => storeThreshold(tree, 1), /not a graph parser bundle/);
});

test('misconfigured parser tasks are refused with a usage error', { skip }, async () => {
  await assert.rejects(createTask(request('dep', 'sdp-sample')), (e: unknown) => e instanceof UsageError && /does not serve tree tasks/.test(e.message));
  await assert.rejects(createTask(request('eud', 'sdp-sample')), (e: unknown) => e instanceof UsageError && /CoNLL-U/.test(e.message));
  await assert.rejects(createTask(request('sdp', 'sdp-sample', { parser: { decoder: 'eisner' } })), (e: unknown) => e instanceof UsageError && /task dep only/.test(e.message));
  await assert.rejects(createTask(request('dep', 'ud-ewt', { parser: { decoder: 'cky' as 'mst' } })), (e: unknown) => e instanceof UsageError && /unknown tree decoder/.test(e.message));
  await assert.rejects(createTask(request('dep', 'ud-ewt', { architecture: { hidden: 8 } })), (e: unknown) => e instanceof UsageError && /`parser` overrides/.test(e.message));
  await assert.rejects(createTask(request('pos', 'ud-ewt')), (e: unknown) => e instanceof UsageError && /do not apply to the tagging task/.test(e.message));
});
