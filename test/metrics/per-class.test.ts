// Per-class tables: counts and scores per span type, gold tag, gold relation and arc label, checked by hand, and their text rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conllevalScore } from '../../src/metrics/spans.js';
import { arcLabelClassTable, formatPerClassTable, relationClassTable, spanClassTable, tagClassTable } from '../../src/metrics/per-class.js';

test('span types: conlleval\'s per-type counts, P/R/F1, most frequent gold type first', () => {
  // Gold: PER[0,2) LOC[3] LOC[5]; predicted: PER[0,2) LOC[3] ORG[5].
  const gold = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'B-LOC']];
  const pred = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'B-ORG']];
  const t = spanClassTable(conllevalScore(gold, pred));
  assert.deepEqual(t.rows.map((r) => r.label), ['LOC', 'PER', 'ORG']);
  assert.deepEqual(t.rows[0]?.values, [2, 1, 1, 1, 0.5, 2 / 3]);
  assert.deepEqual(t.rows[2]?.values, [0, 1, 0, 0, 0, 0]);
  assert.equal(
    formatPerClassTable(t),
    'type  gold  predicted  correct  precision  recall      F1\n' +
      '----  ----  ---------  -------  ---------  ------  ------\n' +
      'LOC      2          1        1     100.00   50.00   66.67\n' +
      'PER      1          1        1     100.00  100.00  100.00\n' +
      'ORG      0          1        0       0.00    0.00    0.00\n',
  );
});

test('tags: accuracy per gold tag, with the tag\'s precision and F1', () => {
  const gold = [['DET', 'NOUN', 'VERB'], ['NOUN', 'NOUN']];
  const pred = [['DET', 'VERB', 'VERB'], ['NOUN', 'ADJ']];
  const rows = Object.fromEntries(tagClassTable(gold, pred).rows.map((r) => [r.label, r.values]));
  assert.deepEqual(rows.NOUN, [3, 1, 1 / 3, 1, 0.5]);
  assert.deepEqual(rows.VERB, [1, 2, 1, 0.5, 2 / 3]);
  assert.deepEqual(rows.ADJ, [0, 1, 0, 0, 0]);
  assert.deepEqual(tagClassTable(gold, pred).rows.map((r) => r.label), ['NOUN', 'DET', 'VERB', 'ADJ']);
  assert.throws(() => tagClassTable(gold, [['DET']]), RangeError);
});

test('relations: UAS and LAS per gold DEPREL; LAS compares universal relations', () => {
  const gold = [{ heads: [2, 0, 2, 2], rels: ['nsubj:pass', 'root', 'obj', 'punct'] }];
  const pred = [{ heads: [2, 0, 2, 3], rels: ['nsubj', 'root', 'iobj', 'punct'] }];
  const rows = Object.fromEntries(relationClassTable(gold, pred).rows.map((r) => [r.label, r.values]));
  assert.deepEqual(rows, { 'nsubj:pass': [1, 1, 1], root: [1, 1, 1], obj: [1, 1, 0], punct: [1, 0, 0] });
});

test('arc labels: labelled P/R/F1 per label over arc sets (duplicates count once)', () => {
  const gold = [{ arcs: [{ dep: 1, head: 2, label: 'ARG1' }, { dep: 3, head: 2, label: 'ARG2' }, { dep: 2, head: 0, label: 'top' }] }];
  const pred = [{ arcs: [{ dep: 1, head: 2, label: 'ARG1' }, { dep: 1, head: 2, label: 'ARG1' }, { dep: 3, head: 2, label: 'ARG1' }, { dep: 2, head: 0, label: 'top' }] }];
  const rows = Object.fromEntries(arcLabelClassTable(gold, pred).rows.map((r) => [r.label, r.values]));
  assert.deepEqual(rows.ARG1, [1, 2, 1, 0.5, 1, 2 / 3]);
  assert.deepEqual(rows.ARG2, [1, 0, 0, 0, 0, 0]);
  assert.deepEqual(rows.top, [1, 1, 1, 1, 1, 1]);
});
