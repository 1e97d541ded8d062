// Round trips every CoNLL column file in the data home byte-exactly, checks counts, layout tolerance and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import {
  CONLL2000, CONLL2002_ESP, CONLL2003, TOKEN_TAG, columnToTagged, columnWithTags, columnFromTagged, countColumnTokens,
  parseColumns, readColumns, serializeColumns, serializeColumnRecord, type ColumnRecord, type ColumnSpec,
} from '../../src/formats/conll-column.js';
import { InputError } from '../../src/util/errors.js';

const FILES: [string, ColumnSpec, number, number][] = [
  ['conll2003-en/eng.train', CONLL2003, 14041, 203621],
  ['conll2003-en/eng.testa', CONLL2003, 3250, 51362],
  ['conll2003-en/eng.testb', CONLL2003, 3453, 46435],
  ['conll2000/train.txt', CONLL2000, 8936, 211727],
  ['conll2000/test.txt', CONLL2000, 2012, 47377],
];

for (const [rel, spec, sents, toks] of FILES) {
  test(`${rel}: streamed records re-serialize byte-identically; counts match the published ones`, { skip: dataSkip() }, async () => {
    const file = join(dataHome(), rel);
    const recs: ColumnRecord[] = [];
    for await (const r of readColumns(file, spec)) recs.push(r);
    const bytes = readFileSync(file);
    assert.ok(Buffer.from(serializeColumns(recs), 'utf8').equals(bytes));
    const c = countColumnTokens(recs);
    assert.equal(c.sentences, sents);
    assert.equal(c.tokens, toks);
    // The string parser gives the same records.
    assert.equal(JSON.stringify(parseColumns(bytes.toString("utf8"), spec, file)), JSON.stringify(recs));
  });
}

test('docstart lines are separate records and documents count as in the provenance (eng.train 946)', { skip: dataSkip() }, async () => {
  const recs = parseColumns(readFileSync(join(dataHome(), 'conll2003-en/eng.train'), 'utf8'), CONLL2003);
  assert.equal(countColumnTokens(recs).documents, 946);
  assert.equal(recs[0].kind, 'docstart');
  assert.deepEqual(recs[0].cells, [['-DOCSTART-', '-X-', 'O', 'O']]);
  assert.deepEqual(columnToTagged(recs[1], CONLL2003, 'ner'), {
    words: ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'],
    tags: ['I-ORG', 'O', 'I-MISC', 'O', 'O', 'O', 'I-MISC', 'O', 'O'],
    features: { pos: ['NNP', 'VBZ', 'JJ', 'NN', 'TO', 'VB', 'JJ', 'NN', '.'], chunk: ['I-NP', 'I-VP', 'I-NP', 'I-NP', 'I-VP', 'I-VP', 'I-NP', 'I-NP', 'O'] },
  });
});

test('CRLF, BOM, tabs, odd spacing, blank-line runs and a missing final newline survive a round trip', () => {
  const text = '\uFEFF\r\nA\tB-X\r\nb  I-X\r\n\r\n\r\n\r\n c\tO \r\nd\tO';
  const recs = parseColumns(text, TOKEN_TAG, 'x.txt');
  assert.equal(recs.length, 2);
  assert.deepEqual(recs[0].cells, [['A', 'B-X'], ['b', 'I-X']]);
  assert.deepEqual(recs[1].cells, [['c', 'O'], ['d', 'O']]);
  assert.equal(recs[0].line, 2);
  assert.equal(recs[1].line, 7);
  assert.equal(serializeColumns(recs), text);
});

test('CoNLL-2002 layout: -DOCSTART- without a following blank line, two columns', () => {
  const text = '-DOCSTART- O\nSao B-LOC\nPaulo I-LOC\n( O\n\n-DOCSTART- O\nLa B-ORG\n\n';
  const recs = parseColumns(text, CONLL2002_ESP, 'esp.train');
  assert.deepEqual(recs.map((r) => r.kind), ['docstart', 'sentence', 'docstart', 'sentence']);
  assert.deepEqual(recs[1].cells.map((c) => c[0]), ['Sao', 'Paulo', '(']);
  assert.equal(serializeColumns(recs), text);
});

test('predicted tags go into the label column; a rebuilt record uses LF and a blank line', () => {
  const [rec] = parseColumns('a DT B-NP\r\nb NN I-NP\r\n', CONLL2000);
  const out = columnWithTags(rec, CONLL2000, 'chunk', ['B-NP', 'B-NP']);
  assert.equal(serializeColumnRecord(out), 'a DT B-NP\r\nb NN B-NP\r\n');
  const made = columnFromTagged({ words: ['x', 'y'], tags: ['O', 'B-VP'], features: { pos: ['P', 'Q'] } }, CONLL2000, 'chunk');
  assert.equal(serializeColumnRecord(made), 'x P O\ny Q B-VP\n\n');
  assert.throws(() => columnWithTags(rec, CONLL2000, 'chunk', ['O']), RangeError);
});

test('bad input names file and line: wrong column count, empty file, blank-only file', () => {
  assert.throws(() => parseColumns('a DT B-NP\nb NN\n', CONLL2000, 'f.txt'), (e: unknown) => e instanceof InputError && e.file === 'f.txt' && e.where === 2 && /expected 3 columns/.test(e.problem));
  assert.throws(() => parseColumns('', CONLL2000, 'e.txt'), (e: unknown) => e instanceof InputError && e.file === 'e.txt' && /empty file/.test(e.problem));
  assert.throws(() => parseColumns('\n  \n', CONLL2000, 'b.txt'), (e: unknown) => e instanceof InputError && /no content/.test(e.problem));
});
