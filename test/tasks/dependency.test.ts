// The biaffine dependency parser: end-to-end gradients, well-formed decoding, bundles, exact resume, and learning real EWT trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { gradCheck, zeroGrads, fillNormal } from '../../src/engine/index.js';
import type { Candidate, CandidateSpec } from '../../src/embeddings/candidate.js';
import { loadTrees } from '../../src/datasets/registry.js';
import type { TreeSentence } from '../../src/formats/types.js';
import { attachmentScores } from '../../src/metrics/attachment.js';
import { isTree } from '../../src/structs/tree.js';
import { buildBlockVocabs } from '../../src/tasks/shared/input-blocks.js';
import { Parser, readParserDescription, type ParserDescription } from '../../src/tasks/dependency/parser.js';
import { ParserTask, type ParserData } from '../../src/tasks/dependency/parser-task.js';
import { TreeObjective, type TreeDecoder } from '../../src/tasks/dependency/tree-objective.js';
import { DEPENDENCY_ARCHITECTURE_DEFAULTS, DEPENDENCY_TRAINING_DEFAULTS, type ParserArchitecture } from '../../src/tasks/dependency/parser-options.js';
import { makeBatch, tokenBatches } from '../../src/tasks/dependency/token-batches.js';
import { objectiveFor } from '../../src/tasks/dependency/objective-for.js';
import { Rng } from '../../src/util/rng.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { buildTestCandidates, PARSER_TEST_SPECS } from '../helpers/parser-candidates.js';

const backend = getBackend();

const TINY: ParserArchitecture = {
  ...DEPENDENCY_ARCHITECTURE_DEFAULTS, hidden: 4, lstmLayers: 2, arcMlp: 5, relMlp: 3,
  wordDropout: 0, embedDropout: 0, lstmDropout: 0, mlpDropout: 0,
};

/** Random projective-or-not trees over random words. */
function randomTrees(rng: Rng, count: number, maxLen: number, rels: readonly string[]): TreeSentence[] {
  const pos = ['NOUN', 'VERB', 'DET', 'ADJ'];
  return Array.from({ length: count }, () => {
    const n = 1 + rng.int(maxLen);
    const words = Array.from({ length: n }, () => ['The', 'cat', 'sat', 'on', 'a', 'MAT', 'quickly', '42'][rng.int(8)]);
    // Random tree: a random order, each word after the first hangs from an earlier word in the order.
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
    const heads = new Array<number>(n);
    order.forEach((w, i) => (heads[w - 1] = i === 0 ? 0 : order[rng.int(i)]));
    return { words, heads, rels: words.map(() => rels[rng.int(rels.length)]), features: { upos: words.map(() => pos[rng.int(pos.length)]) } };
  });
}

function description(train: readonly TreeSentence[], specs: readonly CandidateSpec[], architecture: ParserArchitecture, decoder: TreeDecoder = 'mst'): ParserDescription {
  const objective = new TreeObjective(backend, { decoder });
  return {
    kind: 'dependency',
    labels: objective.labelSet(train),
    candidates: [...specs],
    vocabs: buildBlockVocabs(specs, train),
    architecture,
    objective: { ...objective.settings },
    selection: specs.map(() => true),
  };
}

/**
 * Non-zero biaffine weights (they start at zero), and MLP biases of ±0.5 so that no LeakyReLU pre-activation sits
 * within a finite-difference step of its kink (tiny LSTMs give inputs near zero).
 */
function randomizeBiaffines(parser: Parser, rng: Rng): void {
  const n = parser.network;
  fillNormal(rng, n.arcAttn.weight.value, 0.2);
  fillNormal(rng, n.relAttn.weight.value, 0.2);
  for (const mlp of [n.arcDep, n.arcHead, n.relDep, n.relHead]) {
    const bias = mlp.linear.bias!.value;
    for (let i = 0; i < bias.length; i++) bias[i] = rng.float() < 0.5 ? -0.5 : 0.5;
  }
}

test('parser loss: analytic gradients match finite differences end to end (padded batch, trainable blocks)', async () => {
  const rng = new Rng(3);
  const train = randomTrees(rng, 3, 5, ['nsubj', 'obj', 'det']);
  train[2] = { ...train[2], words: ['Hi'], heads: [0], rels: ['det'], features: { upos: ['NOUN'] } };
  const cands = await buildTestCandidates(PARSER_TEST_SPECS.slice(1));
  const d = description(train, PARSER_TEST_SPECS.slice(1), TINY);
  const parser = new Parser(d, cands, backend, new Rng(4));
  randomizeBiaffines(parser, new Rng(5));
  const objective = new TreeObjective(backend);
  parser.blocks.setFrozenSources(cands.map(() => null));
  const batch = makeBatch([0, 1, 2], train);
  const gold = train.map((s, i) => objective.encode(s, parser.labelIndex, `s${i}`));
  const selection = d.selection;
  const params = parser.params;
  const loss = () => objective.loss(parser.scores(batch, selection, new Rng(0), true), gold).loss;
  const backward = () => {
    zeroGrads(params);
    const step = objective.loss(parser.scores(batch, selection, new Rng(0), true), gold);
    parser.backward(step.dArc, step.dRel, batch);
  };
  const report = gradCheck(loss, backward, params.map((p) => ({ name: p.name, value: p.value, grad: p.grad })), new Rng(6), { samplesPerTensor: 6, eps: 1e-3 });
  assert.deepEqual(report.failures, [], `worst ratio ${report.worstRatio}`);
  assert.ok(report.checked > 60);
});

test('decoding always returns a tree with exactly one root, for MST and Eisner', async () => {
  const rng = new Rng(11);
  const train = randomTrees(rng, 40, 30, ['nsubj', 'obj', 'det', 'root']);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS.slice(1));
  for (const decoder of ['mst', 'eisner'] as const) {
    const d = description(train, PARSER_TEST_SPECS.slice(1), { ...TINY, hidden: 8 }, decoder);
    const parser = new Parser(d, cands, backend, new Rng(12));
    randomizeBiaffines(parser, new Rng(13));
    const preds = parser.predict(new TreeObjective(backend, { decoder }), train, cands.map(() => null), d.selection, 200);
    preds.forEach((p, i) => {
      assert.equal(p.heads.length, train[i].words.length);
      assert.ok(isTree([-1, ...p.heads], true), `${decoder} sentence ${i}: ${p.heads.join(' ')}`);
      assert.ok(p.rels.every((r) => d.labels.includes(r)));
    });
  }
});

test('token batches respect the budget and cover every sentence once', () => {
  const rng = new Rng(21);
  const lengths = Array.from({ length: 300 }, () => 1 + rng.int(60));
  const batches = tokenBatches(lengths, 400, rng);
  const seen = batches.flat().sort((a, b) => a - b);
  assert.deepEqual(seen, lengths.map((_, i) => i));
  for (const b of batches) {
    const size = b.length * (Math.max(...b.map((i) => lengths[i])) + 1);
    assert.ok(b.length === 1 || size <= 400, `batch of ${b.length} costs ${size}`);
  }
  assert.deepEqual(tokenBatches(lengths, 400), tokenBatches(lengths, 400));
});

function tinyTask(train: TreeSentence[], dev: TreeSentence[], cands: Candidate[], seed: number) {
  const data: ParserData<TreeSentence> = { train, dev, test: dev, sources: { train: cands.map(() => null), dev: cands.map(() => null), test: cands.map(() => null) } };
  const arch = { ...TINY, hidden: 8, embedDropout: 0.2, lstmDropout: 0.2, mlpDropout: 0.2, wordDropout: 0.1 };
  return new ParserTask(description(train, PARSER_TEST_SPECS, arch), cands, data, { ...DEPENDENCY_TRAINING_DEFAULTS, tokenBudget: 60, seed }, backend, new TreeObjective(backend));
}

test('a saved bundle predicts exactly what the in-memory model did; saved state resumes bit for bit', async () => {
  const rng = new Rng(31);
  const train = randomTrees(rng, 30, 8, ['nsubj', 'obj', 'det']);
  const dev = randomTrees(rng, 10, 8, ['nsubj', 'obj', 'det']);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS);
  const task = tinyTask(train, dev, cands, 7);
  task.beginEpisode({ selection: [true, false, true], blockWeighting: 'none' });
  await task.trainEpoch();
  const dir = mkdtempSync(join(tmpdir(), 'ace-parser-bundle-'));
  try {
    await task.saveCheckpoint(join(dir, 'bundle'));
    const before = await task.predict('dev');
    const d = readParserDescription(join(dir, 'bundle'));
    assert.deepEqual(d.selection, [true, false, true]);
    const loaded = new Parser(d, cands, backend, new Rng(99));
    loaded.loadParams(join(dir, 'bundle'));
    const objective = objectiveFor(backend, d);
    assert.ok(objective.kind === 'dependency');
    const after = loaded.predict(objective, dev, cands.map(() => null));
    assert.deepEqual(after, before);

    await task.saveState(join(dir, 'state'));
    const next = await task.trainEpoch();
    const resumed = tinyTask(train, dev, cands, 1234);
    await resumed.loadState(join(dir, 'state'));
    const again = await resumed.trainEpoch();
    assert.equal(again.trainLoss, next.trainLoss);
    assert.equal(again.devScore, next.devScore);
    const a = task.parser.params;
    const b = resumed.parser.params;
    a.forEach((p, i) => assert.deepEqual(b[i].value, p.value, p.name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the vote of identical models is that model; a majority wins', async () => {
  const objective = new TreeObjective(backend);
  const p1 = [{ heads: [2, 0, 2], rels: ['a', 'root', 'b'] }];
  const p2 = [{ heads: [3, 0, 2], rels: ['c', 'root', 'b'] }];
  assert.deepEqual(objective.vote([p1, p1, p2], [3]), p1);
  assert.deepEqual(objective.vote([p2, p2], [3]), p2);
});

const skip = dataSkip();

test('the parser learns a real EWT slice well above a left-branching baseline', { skip, timeout: 300_000 }, async () => {
  const home = dataHome();
  const train = (await loadTrees(home, 'ud-ewt', 'train')).filter((s) => s.words.length <= 40).slice(0, 400);
  const dev = (await loadTrees(home, 'ud-ewt', 'dev')).slice(0, 200);
  const cands = await buildTestCandidates(PARSER_TEST_SPECS);
  const data: ParserData<TreeSentence> = { train, dev, test: dev, sources: { train: cands.map(() => null), dev: cands.map(() => null), test: cands.map(() => null) } };
  const arch: ParserArchitecture = { ...DEPENDENCY_ARCHITECTURE_DEFAULTS, hidden: 64, lstmLayers: 1, arcMlp: 100, relMlp: 50 };
  const task = new ParserTask(description(train, PARSER_TEST_SPECS, arch), cands, data, { ...DEPENDENCY_TRAINING_DEFAULTS, tokenBudget: 250, seed: 1 }, backend, new TreeObjective(backend));
  // Adjacent-word baselines: every word hangs from the word before it (left-branching) or after it (right-branching),
  // the first / last from the root; the better of the two is the bar.
  const left = attachmentScores(dev, dev.map((s) => ({ heads: s.words.map((_, i) => i), rels: s.rels }))).uas * 100;
  const right = attachmentScores(dev, dev.map((s) => ({ heads: s.words.map((_, i) => (i + 2 > s.words.length ? 0 : i + 2)), rels: s.rels }))).uas * 100;
  const baseline = Math.max(left, right);
  for (let e = 0; e < 5; e++) {
    const r = await task.trainEpoch();
    console.log(`epoch ${r.epoch}: loss ${r.trainLoss.toFixed(3)} dev LAS ${r.devScore.toFixed(1)} (${r.tokensPerSecond.toFixed(0)} tok/s, ${r.seconds.toFixed(1)} s)`);
  }
  const ev = await task.evaluate('dev');
  const last = { UAS: ev.details.UAS, LAS: ev.details.LAS };
  console.log(`dev UAS ${last.UAS.toFixed(1)} LAS ${last.LAS.toFixed(1)}`);
  console.log(`left-branching UAS ${left.toFixed(1)}, right-branching UAS ${right.toFixed(1)}`);
  assert.ok(last.UAS > baseline + 15, `dev UAS ${last.UAS} vs adjacent-word baseline ${baseline}`);
  assert.ok(last.LAS > 30, `dev LAS ${last.LAS}`);
});
