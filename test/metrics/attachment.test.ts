// Tests UAS/LAS (CoNLL 2018 rules) and the punctuation-excluded variant on hand-computed trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachmentScores, excludeGoldPunct, formatConll18Rows, universalRelation } from '../../src/metrics/attachment.js';

// "It was eaten ." : It <-nsubj:pass- eaten, was <-aux:pass- eaten, eaten root, . <-punct- eaten
const gold = [{ heads: [3, 3, 0, 3], rels: ['nsubj:pass', 'aux:pass', 'root', 'punct'] }];
const upos = [['PRON', 'AUX', 'VERB', 'PUNCT']];

test('universal part of a relation', () => {
  assert.equal(universalRelation('nsubj:pass'), 'nsubj');
  assert.equal(universalRelation('obl:tmod:x'), 'obl');
  assert.equal(universalRelation('root'), 'root');
});

test('LAS compares only the universal part; punctuation counts', () => {
  // nsubj vs nsubj:pass matches; aux vs aux:pass matches; wrong head on "."; wrong label on root.
  const pred = [{ heads: [3, 3, 0, 1], rels: ['nsubj', 'aux', 'dep', 'punct'] }];
  const r = attachmentScores(gold, pred);
  assert.deepEqual(r, { words: 4, unlabeledCorrect: 3, labeledCorrect: 2, uas: 3 / 4, las: 2 / 4 });
  // A subtype the gold lacks is also ignored; a different universal relation is not.
  const other = attachmentScores(gold, [{ heads: [3, 3, 0, 3], rels: ['obj:pass', 'aux', 'root', 'punct:x'] }]);
  assert.equal(other.labeledCorrect, 3);
});

test('excluding gold PUNCT words, or any predicate', () => {
  const pred = [{ heads: [3, 3, 0, 1], rels: ['nsubj', 'aux', 'dep', 'punct'] }];
  const r = attachmentScores(gold, pred, excludeGoldPunct(upos));
  assert.deepEqual(r, { words: 3, unlabeledCorrect: 3, labeledCorrect: 2, uas: 1, las: 2 / 3 });
  const onlyFirst = attachmentScores(gold, pred, (_s, i) => i !== 0);
  assert.deepEqual([onlyFirst.words, onlyFirst.unlabeledCorrect, onlyFirst.labeledCorrect], [1, 1, 1]);
  assert.deepEqual(attachmentScores(gold, pred, () => true), { words: 0, unlabeledCorrect: 0, labeledCorrect: 0, uas: 0, las: 0 });
});

test('CoNLL 2018 table rows', () => {
  const r = attachmentScores(gold, [{ heads: [3, 3, 0, 1], rels: ['nsubj', 'aux', 'dep', 'punct'] }]);
  assert.equal(
    formatConll18Rows(r),
    'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' +
      '-----------+-----------+-----------+-----------+-----------\n' +
      'UAS        |     75.00 |     75.00 |     75.00 |     75.00\n' +
      'LAS        |     50.00 |     50.00 |     50.00 |     50.00\n',
  );
});

test('word-count mismatch names the sentence', () => {
  assert.throws(() => attachmentScores(gold, [{ heads: [0], rels: ['root'] }]), /sentence 1: gold has 4 words, prediction has 1/);
});
