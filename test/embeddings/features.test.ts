// Trainable-candidate inputs: casing classes, character ids and feature-column vocabularies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASING_CLASS_COUNT, CASING_CLASSES, casingClass, casingIds, createCasingCandidate } from '../../src/embeddings/casing.js';
import { buildCharVocab, wordToCharIds } from '../../src/embeddings/char-ids.js';
import { buildFeatureVocab, createFeatureCandidate, featureIds } from '../../src/embeddings/feature-columns.js';
import { IdVocab, PAD_ID, UNK_ID } from '../../src/embeddings/id-vocab.js';
import { InputError, UsageError } from '../../src/util/errors.js';

test('casing classes of typical tokens', () => {
  const cases: Record<string, string> = {
    '1,000': 'numeric', '3.14': 'numeric', '-5': 'numeric', the: 'all-lower', 'über': 'all-lower', NATO: 'all-upper',
    London: 'initial-upper', I: 'initial-upper', 'Ökonom': 'initial-upper', iPhone: 'mixed-case', McDonald: 'mixed-case',
    A4: 'contains-digit', '2nd': 'contains-digit', ',': 'punctuation', '--': 'punctuation', $: 'punctuation',
    'e-mail': 'other', 'U.S.': 'other', '': 'other',
  };
  for (const [w, c] of Object.entries(cases)) assert.equal(casingClass(w), c, w);
  const ids = casingIds(['London', 'is', '1,000']);
  assert.deepEqual(Array.from(ids), [3, 1, 0]);
  assert.equal(CASING_CLASS_COUNT, CASING_CLASSES.length);
  assert.ok(Array.from(casingIds(Object.keys(cases))).every((i) => i >= 0 && i < CASING_CLASS_COUNT));
  const c = createCasingCandidate({ name: 'casing', kind: 'casing', options: { dim: 8 } });
  assert.deepEqual([c.spec, c.dim, c.frozen], [{ name: 'casing', kind: 'casing', options: { dim: 8 } }, 8, false]);
});

test('char vocabulary: frequency order, code points, unknown chars and truncation', () => {
  const v = buildCharVocab([{ words: ['aab', 'b😀'] }, { words: ['a'] }]);
  assert.deepEqual(v.items, ['a', 'b', '😀']);
  assert.equal(v.size, 5);
  assert.deepEqual(Array.from(wordToCharIds('ab😀z', v)), [2, 3, 4, UNK_ID]);
  assert.deepEqual(Array.from(wordToCharIds('aaaa', v, 2)), [2, 2]);
  assert.deepEqual(IdVocab.fromJSON(JSON.parse(JSON.stringify(v))).items, v.items);
  assert.equal(PAD_ID, 0);
  const rare = buildCharVocab([{ words: ['aab'] }], 2);
  assert.deepEqual(rare.items, ['a']);
});

test('feature columns: vocabulary from training data, ids, and errors naming the sentence', () => {
  const train = [
    { id: 's1', words: ['The', 'cat'], features: { pos: ['DT', 'NN'] } },
    { id: 's2', words: ['Dogs'], features: { pos: ['NNS'] } },
    { id: 's3', words: ['a', 'dog'], features: { pos: ['DT', 'NN'] } },
  ];
  const v = buildFeatureVocab(train, 'pos', 'train.conll');
  assert.deepEqual(v.items, ['DT', 'NN', 'NNS']);
  assert.deepEqual(Array.from(featureIds({ words: ['x', 'y'], features: { pos: ['NN', 'VB'] } }, 'pos', v, 'dev')), [3, UNK_ID]);
  assert.throws(() => buildFeatureVocab([{ id: 's9', words: ['a'] }], 'pos', 'f.conll'), (e: unknown) => e instanceof InputError && e.file === 'f.conll' && e.where === 's9');
  assert.throws(() => featureIds({ id: 'q', words: ['a', 'b'], features: { pos: ['DT'] } }, 'pos', v, 'dev.conll'), /1 values for 2 words/);
  const c = createFeatureCandidate({ name: 'pos', kind: 'feature', options: { column: 'pos' } });
  assert.equal(c.column, 'pos');
  assert.equal(c.frozen, false);
  assert.throws(() => createFeatureCandidate({ name: 'bad', kind: 'feature' }), UsageError);
});
