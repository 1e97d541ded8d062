// The contract every frozen candidate must pass; candidate tests call it with their own instance.
import assert from 'node:assert/strict';
import type { FrozenCandidate } from '../../src/embeddings/candidate.js';
import type { Sentence } from '../../src/formats/types.js';

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
