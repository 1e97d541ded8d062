// Tag scheme conversions: hand-made cases, brute force over short sequences, and every CoNLL-2003/2000 sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { CONLL2000, CONLL2003, parseColumns } from '../../src/formats/conll-column.js';
import { convert, isCanonical, spansOf, tagsOf, type TagScheme } from '../../src/formats/tag-schemes.js';

test('hand-computed spans under conlleval rules', () => {
  assert.deepEqual(spansOf(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG'], 'IOB1'), [
    { start: 0, end: 2, type: 'PER' }, { start: 2, end: 3, type: 'PER' }, { start: 4, end: 5, type: 'LOC' }, { start: 5, end: 6, type: 'ORG' },
  ]);
  assert.deepEqual(spansOf(['B-NP', 'I-NP', 'I-VP', 'B-NP'], 'IOB2'), [
    { start: 0, end: 2, type: 'NP' }, { start: 2, end: 3, type: 'VP' }, { start: 3, end: 4, type: 'NP' },
  ]);
  assert.deepEqual(spansOf(['S-A', 'B-A', 'E-A', 'B-B', 'I-B', 'E-B'], 'BIOES'), [
    { start: 0, end: 1, type: 'A' }, { start: 1, end: 3, type: 'A' }, { start: 3, end: 6, type: 'B' },
  ]);
  assert.deepEqual(convert(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC'], 'IOB1', 'BIOES'), ['B-PER', 'E-PER', 'S-PER', 'O', 'S-LOC']);
  assert.deepEqual(convert(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC'], 'IOB1', 'IOB2'), ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']);
  assert.deepEqual(convert(['B-X', 'B-X', 'I-X', 'O', 'B-Y'], 'IOB2', 'IOB1'), ['I-X', 'B-X', 'I-X', 'O', 'I-Y']);
  assert.throws(() => spansOf(['X-PER'], 'IOB2'), RangeError);
  assert.throws(() => spansOf(['S-PER'], 'IOB1'), RangeError);
});

test('brute force: every canonical sequence of length <= 4 over 2 types round-trips through all schemes', () => {
  const schemes: TagScheme[] = ['IOB1', 'IOB2', 'BIOES'];
  const alphabet = { IOB1: ['O', 'I-A', 'B-A', 'I-B', 'B-B'], IOB2: ['O', 'I-A', 'B-A', 'I-B', 'B-B'], BIOES: ['O', 'B-A', 'I-A', 'E-A', 'S-A', 'B-B', 'I-B', 'E-B', 'S-B'] };
  let checked = 0;
  for (const from of schemes) {
    const alpha = alphabet[from];
    const seqs: string[][] = [[]];
    for (let len = 1; len <= 4; len++) for (const s of seqs.filter((x) => x.length === len - 1)) for (const t of alpha) seqs.push([...s, t]);
    for (const seq of seqs) {
      let canonical = true;
      try { canonical = isCanonical(seq, from); } catch { continue; }
      const spans = spansOf(seq, from);
      for (const to of schemes) {
        const there = convert(seq, from, to);
        assert.deepEqual(spansOf(there, to), spans, `${seq} ${from}->${to}`);
        if (canonical) assert.deepEqual(convert(there, to, from), seq, `${seq} ${from}->${to}->${from}`);
        // Writing the spans back gives the canonical sequence of `to`.
        assert.deepEqual(tagsOf(spans, seq.length, to), convert(seq, from, to), `${seq} spans -> ${to}`);
      }
      if (canonical) checked++;
    }
  }
  assert.ok(checked > 100);
});

for (const [rel, spec, col, scheme] of [
  ['conll2003-en/eng.train', CONLL2003, 3, 'IOB1'], ['conll2003-en/eng.testa', CONLL2003, 3, 'IOB1'], ['conll2003-en/eng.testb', CONLL2003, 3, 'IOB1'],
  ['conll2003-en/eng.train', CONLL2003, 2, 'IOB1'], ['conll2000/train.txt', CONLL2000, 2, 'IOB2'], ['conll2000/test.txt', CONLL2000, 2, 'IOB2'],
] as const) {
  test(`${rel} column ${col}: ${scheme} -> BIOES -> ${scheme} on every sentence`, { skip: dataSkip() }, () => {
    const recs = parseColumns(readFileSync(join(dataHome(), rel), 'utf8'), spec, rel).filter((r) => r.kind === 'sentence');
    const nonCanonical: number[] = [];
    for (const r of recs) {
      const tags = r.cells.map((c) => c[col]);
      const bioes = convert(tags, scheme, 'BIOES');
      assert.deepEqual(spansOf(bioes, 'BIOES'), spansOf(tags, scheme));
      const back = convert(bioes, 'BIOES', scheme);
      if (isCanonical(tags, scheme)) assert.deepEqual(back, tags, `line ${r.line}`);
      else nonCanonical.push(r.line);
    }
    // eng.train has two B-MISC tags right after O (provenance: lines 152428 and 175436 in another mirror).
    assert.equal(nonCanonical.length, rel === 'conll2003-en/eng.train' && col === 3 ? 2 : 0, `non-canonical sentences at lines ${nonCanonical}`);
  });
}
