// Long sentences in the parsers: labels scored only where decoding needs them (in bounded chunks) give the full-label answer; over-limit sentences are refused up front.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { fillNormal } from '../../src/engine/index.js';
import type { CandidateSpec } from '../../src/embeddings/candidate.js';
import type { Sentence } from '../../src/formats/types.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { mst } from '../../src/structs/mst.js';
import { eisner } from '../../src/structs/eisner.js';
import { checkSentenceMemory, Parser, SENTENCE_MEMORY_LIMIT, type ParserDescription } from '../../src/tasks/dependency/parser.js';
import { DEPENDENCY_ARCHITECTURE_DEFAULTS, type ParserArchitecture, type ParserKind } from '../../src/tasks/dependency/parser-options.js';
import { makeBatch } from '../../src/tasks/dependency/token-batches.js';
import { argmax, TreeObjective, type TreeDecoder } from '../../src/tasks/dependency/tree-objective.js';
import { GraphObjective, GRAPH_OBJECTIVE_DEFAULTS } from '../../src/tasks/dependency/graph-objective.js';
import { buildBlockVocabs } from '../../src/tasks/shared/input-blocks.js';
import { UsageError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { buildTestCandidates } from '../helpers/parser-candidates.js';
import { runCommand } from '../helpers/run-command.js';

const backend = getBackend();
const SPECS: readonly CandidateSpec[] = [{ name: 'casing', kind: 'casing', options: {} }, { name: 'char', kind: 'char', options: {} }];
/** 100 labels × (100 + 1) label-MLP floats per arc: the network scores labels 415 arcs at a time when predicting. */
const LABELS = Array.from({ length: 100 }, (_, i) => `rel${String(i).padStart(3, '0')}`);
const ARCH: ParserArchitecture = {
  ...DEPENDENCY_ARCHITECTURE_DEFAULTS, hidden: 6, lstmLayers: 1, arcMlp: 8, relMlp: 100,
  wordDropout: 0, embedDropout: 0, lstmDropout: 0, mlpDropout: 0,
};
const VOCAB = ['The', 'cat', 'sat', 'on', 'a', 'MAT', 'quickly', '42', ',', '.'];

function sentence(rng: Rng, n: number): Sentence {
  return { words: Array.from({ length: n }, () => VOCAB[rng.int(VOCAB.length)]) };
}

async function makeParser(kind: ParserKind, objective: Record<string, unknown>, seed: number): Promise<Parser> {
  const cands = await buildTestCandidates(SPECS);
  const d: ParserDescription = {
    kind, labels: LABELS, candidates: [...SPECS], vocabs: buildBlockVocabs(SPECS, [{ words: VOCAB }]), architecture: ARCH, objective, selection: SPECS.map(() => true),
  };
  const parser = new Parser(d, cands, backend, new Rng(seed));
  // Biaffines start at zero; random weights give every arc and label a distinct score.
  fillNormal(new Rng(seed + 1), parser.network.arcAttn.weight.value, 1);
  fillNormal(new Rng(seed + 2), parser.network.relAttn.weight.value, 1);
  return parser;
}

/**
 * One sentence scored through the training path (no dropout here, so the same numbers as prediction's): arc scores,
 * and the label scores of every (dependent, head) pair when `all`, else of the given cells only, in one unchunked call.
 */
function referenceScores(parser: Parser, s: Sentence, cellsOf: (t: number) => Int32Array): { arc: Float64Array; rel: Float32Array; t: number } {
  parser.blocks.setFrozenSources(SPECS.map(() => null));
  const scores = parser.scores(makeBatch([0], [s]), parser.description.selection, new Rng(0), true);
  const t = scores.size;
  return { arc: Float64Array.from(scores.arc.subarray(0, t * t)), rel: Float32Array.from(scores.relAt(cellsOf(t))), t };
}

const allCells = (t: number): Int32Array => Int32Array.from({ length: t * t }, (_, i) => i);

for (const decoder of ['mst', 'eisner'] as TreeDecoder[]) {
  test(`tree parser (${decoder}): predicted heads are the decoder's best tree and labels the full label tensor's argmax at them`, async () => {
    const parser = await makeParser('dependency', { decoder }, 40);
    const rng = new Rng(41);
    const sentences = [sentence(rng, 6), sentence(rng, 23), sentence(rng, 1), sentence(rng, 40)];
    const objective = new TreeObjective(backend, { decoder });
    const preds = parser.predict(objective, sentences, SPECS.map(() => null));
    sentences.forEach((s, i) => {
      const n = s.words.length;
      const { arc, rel, t } = referenceScores(parser, s, allCells);
      const heads = (decoder === 'mst' ? mst : eisner)(arc, n);
      assert.deepEqual(preds[i].heads, Array.from(heads.subarray(1)), `sentence ${i}: heads`);
      const k = LABELS.length;
      const labels = preds[i].heads.map((h, w) => LABELS[argmax(rel, ((w + 1) * t + h) * k, k)]);
      assert.deepEqual(preds[i].rels, labels, `sentence ${i}: labels`);
    });
  });
}

test('tree parser: a sentence longer than one label chunk (415 arcs) gets the labels of one unchunked pass', async () => {
  const parser = await makeParser('dependency', { decoder: 'mst' }, 50);
  const s = sentence(new Rng(51), 1000);
  const [pred] = parser.predict(new TreeObjective(backend), [s], SPECS.map(() => null));
  const cells = (t: number): Int32Array => Int32Array.from(pred.heads, (h, w) => (w + 1) * t + h);
  const { arc, rel } = referenceScores(parser, s, cells);
  assert.deepEqual(pred.heads, Array.from(mst(arc, s.words.length).subarray(1)));
  const k = LABELS.length;
  assert.deepEqual(pred.rels, pred.heads.map((_, w) => LABELS[argmax(rel, w * k, k)]));
});

test('graph parser: arcs above the threshold, each with the full label tensor\'s argmax, also past one label chunk', async () => {
  for (const threshold of [0, -1e30]) {
    const options = { ...GRAPH_OBJECTIVE_DEFAULTS, threshold };
    const parser = await makeParser('graph', options, 60);
    const rng = new Rng(61);
    // With every arc kept, 30 words are 900 arcs: more than two label chunks.
    const sentences = [sentence(rng, 7), sentence(rng, 30)];
    const preds = parser.predict(new GraphObjective(backend, options), sentences, SPECS.map(() => null));
    sentences.forEach((s, i) => {
      const n = s.words.length;
      const { arc, rel, t } = referenceScores(parser, s, allCells);
      const k = LABELS.length;
      const want: { dep: number; head: number; label: string }[] = [];
      for (let d = 1; d <= n; d++) {
        for (let h = 0; h <= n; h++) if (h !== d && arc[d * t + h] > threshold) want.push({ dep: d, head: h, label: LABELS[argmax(rel, (d * t + h) * k, k)] });
      }
      if (threshold < -1) assert.equal(want.length, n * n, 'every arc kept');
      assert.deepEqual(preds[i].arcs, want, `threshold ${threshold}, sentence ${i}`);
    });
  }
});

test('a sentence over the memory limit is refused before anything is scored, naming it and the limit', () => {
  const mstDecoder = new TreeObjective(backend, { decoder: 'mst' });
  const eisnerDecoder = new TreeObjective(backend, { decoder: 'eisner' });
  const words = (n: number): Sentence => ({ words: new Array<string>(n).fill('a') });
  // 1 GiB: (n + 1)² float32 arc scores for MST, plus Eisner's two float64 tables.
  assert.doesNotThrow(() => checkSentenceMemory(mstDecoder, [words(10_000), words(16_383)]));
  assert.doesNotThrow(() => checkSentenceMemory(eisnerDecoder, [words(7_326)]));
  assert.throws(() => checkSentenceMemory(eisnerDecoder, [words(7_327)]), UsageError);
  assert.throws(() => checkSentenceMemory(mstDecoder, [words(3), { id: 'doc-7', words: words(16_384).words }]), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.message, 'sentence doc-7 (number 2) has 16384 words: parsing it needs 1.00 GiB, over the limit of 1.00 GiB for one sentence (16383 words with this model); split it into shorter sentences');
    return true;
  });
  assert.throws(() => checkSentenceMemory(eisnerDecoder, [words(10_000)]), /^UsageError: sentence 1 has 10000 words: parsing it needs 1\.86 GiB, over the limit of 1\.00 GiB for one sentence \(7326 words with this model\)/);
  assert.equal(SENTENCE_MEMORY_LIMIT, 2 ** 30);
});

test('ace predict refuses a 20 000-word line with the sentence and the limit, without parsing it', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-parser-limit-'));
  try {
    const parser = await makeParser('dependency', { decoder: 'mst' }, 70);
    parser.save(join(dir, 'model'));
    const text = `The cat sat .\n${new Array<string>(20_000).fill('cat').join(' ')}\n`;
    await assert.rejects(
      runCommand(registerPredict, ['predict', '--model', join(dir, 'model'), '--text', text, '--cache-dir', join(dir, 'cache')]),
      (err: unknown) => err instanceof UsageError && /^sentence 2 has 20000 words: parsing it needs 1\.49 GiB, over the limit of 1\.00 GiB for one sentence \(16383 words/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
