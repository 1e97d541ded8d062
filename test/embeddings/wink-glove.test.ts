// The default GloVe vectors: the streamed JSON parser on a synthetic file (always), and on the real package
// (when its converted file is already in the cache dir, or with ACE_TEST_WINK=1: the conversion takes ~10–20 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWinkGlove, parseWinkJson, winkConvertedPath, winkJsonPath } from '../../src/embeddings/wink-glove.js';
import { lookupRow, type VectorTable } from '../../src/embeddings/vector-table.js';
import { createStaticCandidate } from '../../src/embeddings/static-candidate.js';
import { defaultCacheDir } from '../../src/util/paths.js';
import { InputError } from '../../src/util/errors.js';
import { assertFrozenCandidateContract, CONTRACT_SENTENCES } from './contract.js';

const tmp = mkdtempSync(join(tmpdir(), 'ace-wink-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function row(t: VectorTable, w: string): number[] {
  const r = lookupRow(t, w, false);
  assert.ok(r >= 0, `${w} in vocabulary`);
  return Array.from(t.matrix.subarray(r * t.dim, (r + 1) * t.dim));
}

/** A file in wink's layout, with awkward keys (quote, bracket, non-ASCII) and rows stored out of index order. */
function syntheticWink(): { path: string; doc: { words: string[]; vectors: Record<string, number[]> } } {
  const words = ['the', '"', 'a]b', 'naïve', '😀', 'x'];
  const vectors: Record<string, number[]> = {};
  const order = [3, 0, 5, 1, 4, 2];
  for (const i of order) vectors[words[i]] = [i + 0.5, -i / 3, 1e-7 * i, 7, i];
  const doc = { precision: 8, l2NormIndex: 3, wordIndex: 4, size: words.length, dimensions: 3, words, vectors, unkVector: [0, 0, 0, 0, -1] };
  const path = join(tmp, 'wink.json');
  writeFileSync(path, JSON.stringify(doc));
  return { path, doc: JSON.parse(JSON.stringify(doc)) as typeof doc }; // what the file holds (-0 is written as 0)
}

test('streamed parse equals JSON.parse, whatever the chunk size', () => {
  const { path, doc } = syntheticWink();
  for (const chunk of [7, 64, 1 << 20]) {
    const t = parseWinkJson(path, chunk);
    assert.equal(t.dim, 3);
    assert.deepEqual(t.words, doc.words, `chunk ${chunk}: rows in wordIndex order`);
    for (const w of doc.words) assert.deepEqual(row(t, w), doc.vectors[w].slice(0, 3).map(Math.fround));
  }
});

test('broken wink JSON fails with InputError', () => {
  const { path } = syntheticWink();
  const text = readFileSync(path, 'utf8');
  const cut = join(tmp, 'cut.json');
  writeFileSync(cut, text.slice(0, text.lastIndexOf('"x"') + 8));
  assert.throws(() => parseWinkJson(cut, 16), (e: unknown) => e instanceof InputError && e.file === cut && /truncated/.test(e.problem));
  const nan = join(tmp, 'nan.json');
  writeFileSync(nan, text.replace('7,', '"seven",'));
  assert.throws(() => parseWinkJson(nan), (e: unknown) => e instanceof InputError && /not a number/.test(e.problem));
});

test('loadWinkGlove converts once, then reuses; a corrupt converted file is rebuilt', () => {
  const { path, doc } = syntheticWink();
  const cacheDir = join(tmp, 'cache');
  const a = loadWinkGlove({ cacheDir, jsonPath: path });
  assert.equal(a.report.converted, true);
  const b = loadWinkGlove({ cacheDir, jsonPath: path, keep: new Set(['The', 'x']) });
  assert.equal(b.report.converted, false);
  assert.deepEqual(b.table.words, ['the', 'x']);
  assert.deepEqual(row(b.table, 'x'), doc.vectors.x.slice(0, 3).map(Math.fround));
  const out = winkConvertedPath(cacheDir, 'float32');
  const bytes = readFileSync(out);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(out, bytes);
  const c = loadWinkGlove({ cacheDir, jsonPath: path });
  assert.equal(c.report.converted, true);
  assert.deepEqual(c.table.matrix, a.table.matrix);
});

/** Reads words' values straight from the package JSON by byte search (independent of the parser under test). */
function jsonVectors(jsonPath: string, words: string[]): Map<string, number[]> {
  const buf = readFileSync(jsonPath);
  const start = buf.indexOf('"vectors":{');
  const out = new Map<string, number[]>();
  for (const word of words) {
    const key = `${word === 'the' ? '{' : ','}${JSON.stringify(word)}:[`;
    const at = buf.indexOf(key, start);
    assert.ok(at > 0, `${word} in the JSON`);
    const from = at + Buffer.byteLength(key);
    out.set(word, buf.toString('latin1', from, buf.indexOf(']', from)).split(',').slice(0, 100).map(Number));
  }
  return out;
}

const realCache = defaultCacheDir();
const realSkip =
  existsSync(winkConvertedPath(realCache, 'float32')) || process.env.ACE_TEST_WINK === '1'
    ? false
    : `converted GloVe not in ${realCache} (run \`ace embed\` once or set ACE_TEST_WINK=1)`;

test('real wink package: known words equal the JSON values; the candidate passes the contract', { skip: realSkip }, async () => {
  const keep = new Set(CONTRACT_SENTENCES.flatMap((s) => s.words));
  const t0 = performance.now();
  const { table, report } = loadWinkGlove({ cacheDir: realCache, keep });
  console.log(`wink: converted=${report.converted} convert ${report.convertMs.toFixed(0)} ms, load ${report.loadMs.toFixed(0)} ms (${(performance.now() - t0).toFixed(0)} ms total)`);
  assert.equal(table.dim, 100);
  const known = jsonVectors(winkJsonPath(), ['the', 'cat', 'lamb', '.']);
  for (const [w, v] of known) assert.deepEqual(row(table, w), v.map(Math.fround), w);
  const glove = await createStaticCandidate({ name: 'glove', kind: 'static', options: {} }, { cacheDir: realCache, keep });
  await assertFrozenCandidateContract(glove);
  assert.deepEqual(Array.from(glove.oovMask(['The', 'lamb', 'qwzxv'])), [0, 0, 1]);
});
