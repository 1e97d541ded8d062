// The contracts every candidate must pass (frozen: embed; trainable: its layer, with a gradient check); candidate
// tests call them with their own instances.
import assert from 'node:assert/strict';
import type { FrozenCandidate, TrainableCandidate } from '../../src/embeddings/candidate.js';
import type { BatchRef, BlockVocabs } from '../../src/embeddings/trainable.js';
import { JsBackend } from '../../src/engine/backend/js.js';
import { gradCheck, projectionLoss, randomProjection, type GradTarget } from '../../src/engine/gradcheck.js';
import type { Sentence } from '../../src/formats/types.js';
import { Rng } from '../../src/util/rng.js';

/** Sentences covering the usual edge cases: casing, punctuation, digits, a long word, a one-word sentence. */
export const CONTRACT_SENTENCES: readonly Sentence[] = [
  { words: ['The', 'cat', 'sat', 'on', 'the', 'mat', '.'] },
  { words: ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'] },
  { words: ['Peter'] },
  { words: ['1,000', 'dollars', '--', 'U.S.', 'antidisestablishmentarianism', 'iPhone', '2nd'] },
];

/**
 * Checks: a positive integer dim, a non-empty config hash, one array per sentence of words × dim finite values,
 * the same numbers on a second call, the same numbers whether a sentence is embedded alone or in a batch,
 * and an empty sentence giving an empty array.
 */
export async function assertFrozenCandidateContract(
  candidate: FrozenCandidate,
  sentences: readonly Sentence[] = CONTRACT_SENTENCES,
): Promise<void> {
  assert.equal(candidate.frozen, true);
  assert.ok(Number.isInteger(candidate.dim) && candidate.dim > 0, `dim ${candidate.dim}`);
  assert.equal(typeof candidate.configHash, 'string');
  assert.ok(candidate.configHash.length >= 8, 'configHash too short to be a hash');
  assert.equal(typeof candidate.spec.name, 'string');
  assert.ok(!candidate.spec.name.includes('/'), 'a candidate name is not a path');

  const first = await candidate.embed(sentences);
  assert.equal(first.length, sentences.length, 'one array per sentence');
  first.forEach((v, i) => {
    assert.ok(v instanceof Float32Array, `sentence ${i}: Float32Array`);
    assert.equal(v.length, sentences[i].words.length * candidate.dim, `sentence ${i}: words × dim values`);
    for (let j = 0; j < v.length; j++) assert.ok(Number.isFinite(v[j]), `sentence ${i} value ${j} is ${v[j]}`);
  });

  const again = await candidate.embed(sentences);
  again.forEach((v, i) => assert.deepEqual(v, first[i], `sentence ${i}: deterministic`));

  for (let i = 0; i < sentences.length; i++) {
    const [alone] = await candidate.embed([sentences[i]]);
    assert.deepEqual(alone, first[i], `sentence ${i}: same alone as in a batch`);
  }

  const withEmpty = await candidate.embed([{ words: [] }, sentences[0]]);
  assert.equal(withEmpty.length, 2);
  assert.equal(withEmpty[0].length, 0, 'empty sentence → empty array');
  assert.deepEqual(withEmpty[1], first[0], 'an empty neighbour changes nothing');

  assert.deepEqual(await candidate.embed([]), [], 'no sentences → no arrays');
}

/** CONTRACT_SENTENCES with a `pos` column, for feature candidates. */
export const CONTRACT_SENTENCES_WITH_POS: readonly Sentence[] = CONTRACT_SENTENCES.map((s) => ({
  ...s,
  features: { pos: s.words.map((w) => (/^[A-Z]/.test(w) ? 'NNP' : /\d/.test(w) ? 'CD' : /^\p{P}+$/u.test(w) ? '.' : 'NN')) },
}));

function batchOf(sentences: readonly Sentence[]): BatchRef {
  return { indices: sentences.map((_, i) => i), sentences, maxLen: Math.max(1, ...sentences.map((s) => s.words.length)) };
}

/**
 * Checks a trainable candidate's layer: its width is the candidate's dim, its parameters are named after the
 * candidate and initialised from the rng alone, it fills [batch·maxLen, dim] with finite values, a sentence's rows
 * are the same alone as in a batch, and its backward matches finite differences of a random linear loss over the
 * real rows (every touched parameter element, sampled, and untouched ones must get no gradient).
 */
export function assertTrainableCandidateContract(
  candidate: TrainableCandidate,
  vocabs: BlockVocabs,
  sentences: readonly Sentence[] = CONTRACT_SENTENCES_WITH_POS,
): void {
  assert.equal(candidate.frozen, false);
  assert.ok(Number.isInteger(candidate.dim) && candidate.dim > 0, `dim ${candidate.dim}`);
  const backend = new JsBackend();
  const layer = candidate.createLayer({ vocabs, backend, rng: new Rng(7) });
  assert.equal(layer.dim, candidate.dim, 'layer width = candidate dim');
  const params = layer.params();
  assert.ok(params.length > 0, 'a trainable layer has parameters');
  for (const p of params) assert.ok(p.name.startsWith(`cand.${candidate.spec.name}.`), `parameter ${p.name} is named after the candidate`);
  const twin = candidate.createLayer({ vocabs, backend, rng: new Rng(7) }).params();
  params.forEach((p, i) => assert.deepEqual(twin[i].value, p.value, `${p.name}: initialised from the rng alone`));

  const batch = batchOf(sentences);
  const d = layer.dim;
  const rows = batch.indices.length * batch.maxLen;
  const out = new Float32Array(rows * d);
  layer.forward(batch, out);
  for (let i = 0; i < out.length; i++) assert.ok(Number.isFinite(out[i]), `value ${i} is ${out[i]}`);
  const all = Float32Array.from(out);
  sentences.forEach((s, b) => {
    const alone = new Float32Array(Math.max(1, s.words.length) * d);
    layer.forward(batchOf([s]), alone);
    assert.deepEqual(alone.subarray(0, s.words.length * d), all.subarray(b * batch.maxLen * d, (b * batch.maxLen + s.words.length) * d), `sentence ${b}: same alone as in a batch`);
  });

  // L = Σ r·y over real rows only (padding rows are never read by the encoder).
  const rng = new Rng(11);
  const r = randomProjection(rng, rows * d);
  sentences.forEach((s, b) => r.fill(0, (b * batch.maxLen + s.words.length) * d, (b + 1) * batch.maxLen * d));
  const loss = (): number => {
    layer.forward(batch, out);
    return projectionLoss(out, r);
  };
  const backward = (): void => {
    for (const p of params) p.zeroGrad();
    layer.forward(batch, out);
    layer.backward(Float32Array.from(r));
  };
  backward();
  const targets: GradTarget[] = params.map((p) => {
    const touched: number[] = [];
    const untouched: number[] = [];
    p.grad.forEach((g, i) => (g !== 0 ? touched : untouched).push(i));
    assert.ok(touched.length > 0, `${p.name}: some gradient reaches the parameter`);
    const pick = (xs: number[], n: number): number[] => (xs.length <= n ? xs : rng.shuffle([...xs]).slice(0, n));
    return { name: p.name, value: p.value, grad: p.grad, indices: [...pick(touched, 24), ...pick(untouched, 6)] };
  });
  const report = gradCheck(loss, backward, targets, rng, { samplesPerTensor: 30 });
  assert.deepEqual(report.failures, [], `gradient check failed (worst ratio ${report.worstRatio})`);
  assert.ok(report.checked > 0);
}
