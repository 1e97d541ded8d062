// Word-vector readers (text with/without header, fastText .vec, word2vec binary, .acevec) and the static candidate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTextVectors, readWord2VecBinary } from '../../src/embeddings/static-vectors.js';
import { readVectorBin, writeVectorBin } from '../../src/embeddings/vector-bin.js';
import { lookupRow, type VectorTable } from '../../src/embeddings/vector-table.js';
import { createStaticCandidate } from '../../src/embeddings/static-candidate.js';
import { f16ToF32, f32ToF16 } from '../../src/embeddings/cache/f16.js';
import { InputError } from '../../src/util/errors.js';
import { assertFrozenCandidateContract, CONTRACT_SENTENCES } from './contract.js';

const tmp = mkdtempSync(join(tmpdir(), 'ace-vectors-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const VECS: Record<string, number[]> = {
  the: [0.1, -0.2, 0.3],
  cat: [1.5, 2.25, -3],
  Peter: [0.001, 1e-3, -7.5],
  'über': [4, 5, 6],
  '.': [-1, 0, 1],
};

function file(name: string, text: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function row(t: VectorTable, w: string): number[] {
  const r = lookupRow(t, w);
  assert.ok(r >= 0, `${w} in vocabulary`);
  return Array.from(t.matrix.subarray(r * t.dim, (r + 1) * t.dim));
}

const f32 = (xs: number[]) => xs.map(Math.fround);
const glove = Object.entries(VECS).map(([w, v]) => `${w} ${v.join(' ')}`).join('\n') + '\n';

test('GloVe text without header, word2vec text with header, fastText .vec with trailing spaces and CRLF', () => {
  const a = readTextVectors(file('g.txt', glove));
  const b = readTextVectors(file('w.txt', `5 3\n${glove}`));
  const c = readTextVectors(file('f.vec', `5 3\r\n${glove.replace(/\n/g, ' \r\n')}`));
  for (const t of [a, b, c]) {
    assert.equal(t.dim, 3);
    assert.deepEqual(t.words, Object.keys(VECS));
    for (const [w, v] of Object.entries(VECS)) assert.deepEqual(row(t, w), f32(v));
  }
});

test('keep set restricts the vocabulary, keeping lowercase forms for the fallback', () => {
  const t = readTextVectors(file('k.txt', glove), { keep: new Set(['The', 'Peter', 'dog']) });
  assert.deepEqual(t.words, ['the', 'Peter']);
  assert.deepEqual(row(t, 'The'), f32(VECS.the)); // lowercase fallback
  assert.equal(lookupRow(t, 'The', false), -1);
  const strict = readTextVectors(file('k2.txt', glove), { keep: new Set(['The']), lowercaseFallback: false });
  assert.deepEqual(strict.words, []);
});

test('first occurrence of a duplicated word wins', () => {
  const t = readTextVectors(file('dup.txt', 'a 1 2\nb 3 4\na 5 6\n'));
  assert.deepEqual(t.words, ['a', 'b']);
  assert.deepEqual(row(t, 'a'), [1, 2]);
});

test('bad text files fail naming file and line', () => {
  const wrongDim = file('bad-dim.txt', 'a 1 2 3\nb 1 2\n');
  assert.throws(() => readTextVectors(wrongDim), (e: unknown) => e instanceof InputError && e.file === wrongDim && e.where === 2 && /expected 3 values/.test(e.problem));
  const nonNum = file('bad-num.txt', '2 2\na 1 2\nb 1 x2\n');
  assert.throws(() => readTextVectors(nonNum), (e: unknown) => e instanceof InputError && e.where === 3 && /"x2"/.test(e.problem));
  const headerDim = file('bad-hdr.txt', '2 3\na 1 2 3\nb 1 2\n');
  assert.throws(() => readTextVectors(headerDim), (e: unknown) => e instanceof InputError && e.where === 3);
  assert.throws(() => readTextVectors(file('empty.txt', '')), InputError);
});

function word2vecBinary(entries: Record<string, number[]>, dim: number): Buffer {
  const parts = [Buffer.from(`${Object.keys(entries).length} ${dim}\n`)];
  for (const [w, v] of Object.entries(entries)) {
    const vec = Buffer.alloc(dim * 4);
    v.forEach((x, j) => vec.writeFloatLE(x, j * 4));
    parts.push(Buffer.from(`${w} `, 'utf8'), vec, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

test('word2vec binary round trip, including multi-byte words and small read chunks', () => {
  const p = file('v.bin', word2vecBinary(VECS, 3));
  const t = readWord2VecBinary(p);
  assert.deepEqual(t.words, Object.keys(VECS));
  for (const [w, v] of Object.entries(VECS)) assert.deepEqual(row(t, w), f32(v));
  // Also without the optional newline after each vector (original word2vec writes it; some tools do not).
  const noNl = Buffer.from(word2vecBinary({ x: [1, 2, 3], y: [4, 5, 6] }, 3).toString('latin1').replace(/\n(?=y )/, ''), 'latin1');
  assert.deepEqual(row(readWord2VecBinary(file('nonl.bin', noNl)), 'y'), [4, 5, 6]);
});

test('truncated word2vec binary fails naming the entry', () => {
  const full = word2vecBinary(VECS, 3);
  const p = file('trunc.bin', full.subarray(0, full.length - 6));
  assert.throws(() => readWord2VecBinary(p), (e: unknown) => e instanceof InputError && e.file === p && e.where === 'entry 5 of 5' && /truncated/.test(e.problem));
  const noHeader = file('nohdr.bin', Buffer.from('hello world'));
  assert.throws(() => readWord2VecBinary(noHeader), (e: unknown) => e instanceof InputError && e.where === 1);
});

test('.acevec round trip: float32 exact, float16 equals float16 rounding; corruption detected', () => {
  const t = readTextVectors(file('r.txt', glove));
  const p32 = join(tmp, 'r32.acevec');
  const p16 = join(tmp, 'r16.acevec');
  writeVectorBin(p32, t, 'float32', 'test');
  writeVectorBin(p16, t, 'float16', 'test');
  const a = readVectorBin(p32);
  assert.deepEqual(a.words, t.words);
  assert.deepEqual(a.matrix, t.matrix);
  const b = readVectorBin(p16);
  assert.deepEqual(b.matrix, f16ToF32(f32ToF16(t.matrix)));
  const kept = readVectorBin(p32, { keep: new Set(['Cat', 'über']) });
  assert.deepEqual(kept.words, ['cat', 'über']);
  assert.deepEqual(row(kept, 'Cat'), f32(VECS.cat));

  const bytes = readFileSync(p32);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3] ^= 0x40;
  assert.throws(() => readVectorBin(file('flip.acevec', flipped)), /checksum mismatch/);
  assert.throws(() => readVectorBin(file('cut.acevec', bytes.subarray(0, bytes.length - 4))), /truncated or corrupt/);
});

test('static candidate: contract, lowercase fallback, OOV mask, keep-set guard', async () => {
  const words = new Set(CONTRACT_SENTENCES.flatMap((s) => s.words));
  const spec = { name: 'toy', kind: 'static' as const, options: { path: file('c.txt', glove), oov: 'unk' } };
  const c = await createStaticCandidate(spec, { cacheDir: tmp, keep: words });
  await assertFrozenCandidateContract(c);
  const [v] = await c.embed([{ words: ['The', 'dog', 'Peter'] }].map((s) => ({ words: s.words.filter((w) => words.has(w)) })));
  assert.deepEqual(Array.from(v), [...f32(VECS.the), ...f32(VECS.Peter)]);
  assert.deepEqual(Array.from(c.oovMask(['The', 'cat', 'mat', '.'])), [0, 0, 1, 0]);
  const [m] = await c.embed([{ words: ['mat'] }]);
  assert.deepEqual(Array.from(m), [0, 0, 0], 'OOV rows are zero; the task model adds its UNK vector by the mask');
  await assert.rejects(c.embed([{ words: ['never-seen'] }]), /not in the word set/);
  // The config hash follows the file's content and the fallback flag, not the OOV policy.
  const zero = await createStaticCandidate({ ...spec, options: { ...spec.options, oov: 'zero' } }, { cacheDir: tmp, keep: words });
  assert.equal(zero.configHash, c.configHash);
  const strict = await createStaticCandidate({ ...spec, options: { ...spec.options, lowercaseFallback: false } }, { cacheDir: tmp });
  assert.notEqual(strict.configHash, c.configHash);
  const other = await createStaticCandidate({ ...spec, options: { path: file('c2.txt', glove.replace('0.1', '0.2')) } }, { cacheDir: tmp });
  assert.notEqual(other.configHash, c.configHash);
});
