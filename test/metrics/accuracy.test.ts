// Tests token accuracy on hand-counted cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenAccuracy } from '../../src/metrics/accuracy.js';

test('counts equal labels over all sentences', () => {
  const r = tokenAccuracy([['DET', 'NOUN'], ['VERB', 'PUNCT', 'X']], [['DET', 'VERB'], ['VERB', 'PUNCT', 'x']]);
  assert.deepEqual(r, { correct: 3, total: 5, accuracy: 3 / 5 });
});

test('no words gives accuracy 0, and ragged input names the sentence', () => {
  assert.deepEqual(tokenAccuracy([], []), { correct: 0, total: 0, accuracy: 0 });
  assert.throws(() => tokenAccuracy([['A']], [['A', 'B']]), /sentence 1: gold has 1 labels, prediction has 2/);
  assert.throws(() => tokenAccuracy([['A']], []), /gold has 1 sentences, prediction has 0/);
});
