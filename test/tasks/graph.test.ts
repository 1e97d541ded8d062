// The biaffine semantic-graph parser: end-to-end gradients, thresholded decoding, bundles, votes, and learning EWT enhanced graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { fillNormal, gradCheck, zeroGrads } from '../../src/engine/index.js';
import type { CandidateSpec } from '../../src/embeddings/candidate.js';
import { loadGraphs } from '../../src/datasets/registry.js';
import type { GraphSentence } from '../../src/formats/types.js';
import { enhancedScores } from '../../src/metrics/graph.js';
import { buildBlockVocabs } from '../../src/tasks/shared/input-blocks.js';
import { Parser, readParserDescription, type ParserDescription } from '../../src/tasks/dependency/parser.js';
import { ParserTask, type ParserData } from '../../src/tasks/dependency/parser-task.js';
import { GRAPH_ARCHITECTURE_DEFAULTS, GRAPH_TRAINING_DEFAULTS, type ParserArchitecture } from '../../src/tasks/dependency/parser-options.js';
import { makeBatch } from '../../src/tasks/dependency/token-batches.js';
import { GraphObjective, graphObjectiveOptionsFor, type GraphObjectiveOptions } from '../../src/tasks/dependency/graph-objective.js';
import { objectiveFor } from '../../src/tasks/dependency/objective-for.js';
import { Rng } from '../../src/util/rng.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { buildTestCandidates, PARSER_TEST_SPECS } from '../helpers/parser-candidates.js';

const backend = getBackend();

const TINY: ParserArchitecture = {
  ...GRAPH_ARCHITECTURE_DEFAULTS, hidden: 4, lstmLayers: 1, arcMlp: 5, relMlp: 3,
  wordDropout: 0, embedDropout: 0, lstmDropout: 0, mlpDropout: 0,
};

/** Random graphs: each word gets one to two heads (root allowed), random labels. */
function randomGraphs(rng: Rng, count: number, maxLen: number, labels: readonly string[]): GraphSentence[] {
  const pos = ['NOUN', 'VERB', 'DET'];
  return Array.from({ length: count }, () => {
    const n = 1 + rng.int(maxLen);
    const words = Array.from({ length: n }, () => ['Dogs', 'bark', 'at', 'the', 'MOON', '7'][rng.int(6)]);
    const arcs = [];
    for (let d = 1; d <= n; d++) {
      const heads = new Set<number>();
      for (let k = 1 + rng.int(2); k > 0; k--) {
        const h = rng.int(n + 1);
        if (h !== d) heads.add(h);
      }
      for (const h of heads) arcs.push({ dep: d, head: h, label: labels[rng.int(labels.length)] });
    }
    return { words, arcs, features: { upos: words.map(() => pos[rng.int(pos.length)]) } };
  });
}

function description(train: readonly GraphSentence[], specs: readonly CandidateSpec[], architecture: ParserArchitecture, options: GraphObjectiveOptions): ParserDescription {
  const objective = new GraphObjective(backend, options);
  return {
    kind: 'graph',
    labels: objective.labelSet(train),
    candidates: [...specs],
    vocabs: buildBlockVocabs(specs, train),
    architecture,
    objective: { ...objective.settings },
    selection: specs.map(() => true),
  };
}

test('graph loss: analytic gradients match finite differences end to end', async () => {
  const rng = new Rng(5);
  const train = randomGraphs(rng, 3, 5, ['ARG1', 'ARG2', 'BV']);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS.slice(1));
  const options = { ...graphObjectiveOptionsFor('LF'), interpolation: 0.3 };
  const d = description(train, PARSER_TEST_SPECS.slice(1), TINY, options);
  const parser = new Parser(d, cands, backend, new Rng(6));
  const net = parser.network;
  const init = new Rng(7);
  fillNormal(init, net.arcAttn.weight.value, 0.2);
  fillNormal(init, net.relAttn.weight.value, 0.2);
  // MLP biases away from zero so no LeakyReLU pre-activation sits within a step of its kink.
  for (const mlp of [net.arcDep, net.arcHead, net.relDep, net.relHead]) mlp.linear.bias!.value.forEach((_, i, b) => (b[i] = init.float() < 0.5 ? -0.5 : 0.5));
  const objective = new GraphObjective(backend, options);
  parser.blocks.setFrozenSources(cands.map(() => null));
  const batch = makeBatch([0, 1, 2], train);
  const gold = train.map((s, i) => objective.encode(s, parser.labelIndex, `s${i}`));
  const params = parser.params;
  const loss = () => objective.loss(parser.scores(batch, d.selection, new Rng(0), true), gold).loss;
  const backward = () => {
    zeroGrads(params);
    const step = objective.loss(parser.scores(batch, d.selection, new Rng(0), true), gold);
    parser.backward(step.dArc, step.dRel, batch);
  };
  const report = gradCheck(loss, backward, params.map((p) => ({ name: p.name, value: p.value, grad: p.grad })), new Rng(8), { samplesPerTensor: 6, eps: 1e-3 });
  assert.deepEqual(report.failures, [], `worst ratio ${report.worstRatio}`);
  assert.ok(report.checked > 40);
});

test('decoding keeps arcs with σ > 0.5, never self-loops, and (when asked) gives every word a head', async () => {
  const rng = new Rng(15);
  const train = randomGraphs(rng, 20, 12, ['a', 'b']);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS.slice(1));
  for (const atLeastOneHead of [false, true]) {
    const options = { ...graphObjectiveOptionsFor('LF'), atLeastOneHead };
    const d = description(train, PARSER_TEST_SPECS.slice(1), { ...TINY, hidden: 6 }, options);
    const parser = new Parser(d, cands, backend, new Rng(16));
    fillNormal(new Rng(17), parser.network.arcAttn.weight.value, 0.3);
    // A bias of −2 on every arc score: most pairs fall below the threshold.
    const w = parser.network.arcAttn.weight;
    w.value[w.size - 1] -= 2;
    const preds = parser.predict(new GraphObjective(backend, options), train, cands.map(() => null));
    preds.forEach((p, i) => {
      const n = train[i].words.length;
      for (const a of p.arcs) assert.ok(a.dep >= 1 && a.dep <= n && a.head >= 0 && a.head <= n && a.head !== a.dep);
      const headed = new Set(p.arcs.map((a) => a.dep));
      if (atLeastOneHead) assert.equal(headed.size, n);
    });
  }
});

test('graph bundles predict what the in-memory model did; votes keep majority arcs', async () => {
  const rng = new Rng(25);
  const train = randomGraphs(rng, 25, 8, ['x', 'y']);
  const dev = randomGraphs(rng, 8, 8, ['x', 'y']);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS);
  const nul = cands.map(() => null);
  const data: ParserData<GraphSentence> = { train, dev, test: dev, sources: { train: nul, dev: nul, test: nul } };
  const options = graphObjectiveOptionsFor('ELAS');
  const task = new ParserTask(description(train, PARSER_TEST_SPECS, { ...TINY, hidden: 8 }, options), cands, data, { ...GRAPH_TRAINING_DEFAULTS, tokenBudget: 50 }, backend, new GraphObjective(backend, options));
  assert.equal(task.metricName, 'ELAS');
  await task.trainEpoch();
  const dir = mkdtempSync(join(tmpdir(), 'ace-graph-bundle-'));
  try {
    await task.saveCheckpoint(dir);
    const d = readParserDescription(dir);
    const loaded = new Parser(d, cands, backend, new Rng(3));
    loaded.loadParams(dir);
    const objective = objectiveFor(backend, d);
    assert.ok(objective.kind === 'graph');
    assert.deepEqual(loaded.predict(objective, dev, nul), await task.predict('dev'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const objective = new GraphObjective(backend, options);
  const a = [{ arcs: [{ dep: 1, head: 0, label: 'root' }, { dep: 2, head: 1, label: 'x' }] }];
  const b = [{ arcs: [{ dep: 1, head: 0, label: 'root' }, { dep: 2, head: 0, label: 'x' }, { dep: 2, head: 1, label: 'y' }] }];
  assert.deepEqual(objective.vote([a, b, b], [2]), b);
  assert.deepEqual(objective.vote([a, a, b], [2]), a);
});

const skip = dataSkip();

test('the graph parser learns EWT enhanced graphs well above an adjacent-word baseline', { skip, timeout: 300_000 }, async () => {
  const home = dataHome();
  const train = (await loadGraphs(home, 'ud-ewt', 'train')).filter((s) => s.words.length <= 40).slice(0, 400);
  const dev = (await loadGraphs(home, 'ud-ewt', 'dev')).slice(0, 200);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS);
  const nul = cands.map(() => null);
  const data: ParserData<GraphSentence> = { train, dev, test: dev, sources: { train: nul, dev: nul, test: nul } };
  const options = graphObjectiveOptionsFor('ELAS');
  const arch: ParserArchitecture = { ...GRAPH_ARCHITECTURE_DEFAULTS, hidden: 64, lstmLayers: 1, arcMlp: 100, relMlp: 50 };
  const task = new ParserTask(description(train, PARSER_TEST_SPECS, arch, options), cands, data, { ...GRAPH_TRAINING_DEFAULTS, lr: 2e-3, tokenBudget: 250 }, backend, new GraphObjective(backend, options));
  // Trivial graphs: each word's one head is its left (or right) neighbour, with the most frequent label.
  const counts = new Map<string, number>();
  for (const s of train) for (const a of s.arcs) counts.set(a.label, (counts.get(a.label) ?? 0) + 1);
  const common = [...counts].sort((x, y) => y[1] - x[1])[0][0];
  const adjacent = (offset: number) => dev.map((s) => ({ arcs: s.words.map((_, i) => ({ dep: i + 1, head: i + 1 + offset < 1 || i + 1 + offset > s.words.length ? 0 : i + 1 + offset, label: common })) }));
  const baseline = Math.max(enhancedScores(dev, adjacent(-1)).elas.f1, enhancedScores(dev, adjacent(1)).elas.f1) * 100;
  let last = { ELAS: 0 };
  for (let e = 0; e < 6; e++) {
    const r = await task.trainEpoch();
    last = { ELAS: r.devScore };
    console.log(`epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)} dev ELAS ${r.devScore.toFixed(1)} (${r.tokensPerSecond.toFixed(0)} tok/s, ${r.seconds.toFixed(1)} s)`);
  }
  console.log(`adjacent-word baseline ELAS ${baseline.toFixed(1)}`);
  assert.ok(last.ELAS > baseline + 15, `dev ELAS ${last.ELAS} vs baseline ${baseline}`);
});

test('a self-loop left by collapsing an empty node is no training target; arcs outside the sentence are refused', { skip }, async () => {
  // EWT train email-enronsent41_01-0091: "names" (7) depends on empty node 20.1, which depends on 7 again.
  const train = await loadGraphs(dataHome(), 'ud-ewt', 'train');
  const s = train.find((x) => x.id === 'email-enronsent41_01-0091');
  assert.ok(s, 'the sentence is in EWT train');
  assert.ok(s.arcs.some((a) => a.head === a.dep), 'its collapsed graph has a self-loop');
  const objective = new GraphObjective(backend);
  const labels = new Map(objective.labelSet([s]).map((l, i) => [l, i]));
  const gold = objective.encode(s, labels, 'self-loop');
  assert.equal(gold.dep.length, new Set(s.arcs.filter((a) => a.head !== a.dep).map((a) => `${a.head}>${a.dep}`)).size);
  assert.ok(Array.from(gold.dep).every((d, i) => d !== gold.head[i]));
  const bad = { ...s, arcs: [...s.arcs, { head: 99, dep: 1, label: s.arcs[0].label }] };
  assert.throws(() => objective.encode(bad, labels, 'bad'), /arc 99 → 1 outside 23 words/);
});
