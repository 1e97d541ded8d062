// Tests subword pooling, window planning and the ONNX transformer candidate against PyTorch on a generated tiny BERT.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AutoTokenizer, env as hfEnv } from '@huggingface/transformers';
import type { Sentence } from '../../src/formats/types.js';
import { UsageError } from '../../src/util/errors.js';
import { sha256 } from '../../src/util/hash.js';
import { poolSubwords, pooledDim, spansFromCounts } from '../../src/embeddings/subword-pooling.js';
import { assignWindows, createTransformerCandidate, makeWordTokenizer, planWindows } from '../../src/embeddings/transformer.js';
import { repoRoot } from '../helpers/data-home.js';

// ---------- pure functions, by hand ----------

test('poolSubwords: first, last, mean, first_last and an empty span', () => {
  // 4 pieces × 2 dims; words: [p0], [p1 p2 p3], [] .
  const states = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20]);
  const spans = spansFromCounts([1, 3, 0]);
  assert.deepEqual(spans, [{ start: 0, end: 1 }, { start: 1, end: 4 }, { start: 4, end: 4 }]);
  assert.deepEqual([...poolSubwords(states, 2, spans, 'first')], [1, 2, 3, 4, 0, 0]);
  assert.deepEqual([...poolSubwords(states, 2, spans, 'last')], [1, 2, 10, 20, 0, 0]);
  assert.deepEqual([...poolSubwords(states, 2, spans, 'mean')], [1, 2, 6, 10, 0, 0]);
  assert.deepEqual([...poolSubwords(states, 2, spans, 'first_last')], [1, 2, 1, 2, 3, 4, 10, 20, 0, 0, 0, 0]);
  assert.equal(pooledDim('first_last', 7), 14);
  assert.equal(pooledDim('mean', 7), 7);
  assert.throws(() => poolSubwords(states, 2, [{ start: 3, end: 5 }], 'first'), RangeError);
});

test('planWindows/assignWindows: overlapping windows, each word read from its most central window', () => {
  const counts = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
  const windows = planWindows(counts, 4);
  assert.deepEqual(windows, [{ from: 0, to: 4 }, { from: 2, to: 6 }, { from: 4, to: 8 }, { from: 6, to: 10 }]);
  assert.deepEqual(assignWindows(counts, windows), [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
  // Uneven pieces: a 3-piece word never splits across windows, every word lies inside its window.
  const uneven = [1, 3, 1, 1, 2, 1, 3, 1];
  const w2 = planWindows(uneven, 5);
  for (const w of w2) assert.ok(uneven.slice(w.from, w.to).reduce((a, b) => a + b, 0) <= 5);
  assert.equal(w2[0].from, 0);
  assert.equal(w2[w2.length - 1].to, uneven.length);
  assignWindows(uneven, w2).forEach((k, word) => assert.ok(word >= w2[k].from && word < w2[k].to));
  assert.deepEqual(planWindows([2, 2], 4), [{ from: 0, to: 2 }]);
});

// ---------- the generated tiny BERT ----------

const python = '/usr/bin/python3';
const fixtureScripts = [join(repoRoot(), 'test', 'fixtures', 'make-tiny-bert.py'), join(repoRoot(), 'bench', 'peers', 'make_bert.py')];

function torchSkip(): string | false {
  if (!existsSync(python)) return `${python} not found`;
  const r = spawnSync(python, ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  return r.status === 0 ? false : `${python} lacks torch/onnx (apt install python3-torch python3-onnx)`;
}

/** Generates the model once per script version into the temp dir (built aside, then renamed into place). */
function tinyBert(): string {
  const version = sha256(fixtureScripts.map((f) => readFileSync(f, 'utf8')).join('\0')).slice(0, 16);
  const dir = join(tmpdir(), 'ace-ts-fixtures', `tiny-bert-${version}`);
  if (existsSync(join(dir, 'reference.json'))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'ace-ts-tiny-bert-'));
  const r = spawnSync(python, [fixtureScripts[0], work], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`make-tiny-bert.py failed:\n${r.stderr}`);
  mkdirSync(join(dir, '..'), { recursive: true });
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another process won the race; its copy is identical
  }
  return dir;
}

const skip = torchSkip();
const cacheDir = mkdtempSync(join(tmpdir(), 'ace-ts-cache-'));
const dir = skip ? '' : tinyBert();
interface Case { words: string[]; pieces: number[][]; ids: number[]; hidden: number[][][] }
const reference = skip ? { cases: [] as Case[] } : (JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { cases: Case[] });
const H = 32;
const bert = (options: Record<string, unknown>) =>
  createTransformerCandidate({ name: 'tiny-bert', kind: 'transformer', options: { path: dir, threads: 1, ...options } }, { cacheDir });

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] * a[i], bb + b[i] * b[i]];
  return ab / Math.sqrt(aa * bb);
};
const row = (m: Float32Array, w: number, dim: number) => m.subarray(w * dim, (w + 1) * dim);

test('word tokenization matches an independent WordPiece; hidden states match PyTorch', { skip }, async () => {
  const remoteBefore = hfEnv.allowRemoteModels;
  const tok = makeWordTokenizer(await AutoTokenizer.from_pretrained(dir, { local_files_only: true }));
  const all = await bert({ layers: [0, 1, 2], pooling: 'first' });
  const mean = await bert({ layers: [-1], pooling: 'mean' });
  assert.equal(all.dim, 3 * H);
  assert.equal(mean.dim, H);
  const sentences: Sentence[] = reference.cases.map((c) => ({ words: c.words }));
  const [gotAll, gotMean] = [await all.embed(sentences), await mean.embed(sentences)];
  let worst = 0;
  reference.cases.forEach((c, s) => {
    assert.deepEqual(c.words.map((w, i) => tok.word(w, i === 0)), c.pieces, 'pieces of each word');
    assert.deepEqual([...tok.prefix, ...c.pieces.flat(), ...tok.suffix], c.ids);
    let pos = tok.prefix.length;
    c.pieces.forEach((p, w) => {
      for (let l = 0; l < 3; l++) {
        const want = c.hidden[l][pos];
        const got = row(gotAll[s], w, 3 * H).subarray(l * H, (l + 1) * H);
        want.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - got[j]))));
      }
      const wantMean = Array.from({ length: H }, (_, j) => p.reduce((acc, _x, k) => acc + c.hidden[2][pos + k][j], 0) / p.length);
      const gotM = row(gotMean[s], w, H);
      wantMean.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - gotM[j]))));
      pos += p.length;
    });
  });
  assert.ok(worst < 1e-4, `max |onnx - torch| = ${worst}`);
  // A local folder loads with local_files_only (per call); the library's global env is left as it was.
  assert.equal(hfEnv.allowRemoteModels, remoteBefore, 'loading a local folder leaves the global env alone');
});

test('shapes, context sensitivity, first/last pooling and words with no subword', { skip }, async () => {
  const fl = await bert({ layers: [-1, -2], pooling: 'first_last' });
  const first = await bert({ layers: [-1, -2], pooling: 'first' });
  const last = await bert({ layers: [-1, -2], pooling: 'last' });
  assert.equal(fl.dim, 4 * H);
  assert.notEqual(fl.configHash, first.configHash);
  const s: Sentence[] = [
    { words: ['I', 'put', 'money', 'in', 'the', 'bank', '.'] },
    { words: ['the', 'bank', 'of', 'the', 'river', 'was', 'unbelievably', 'steep'] },
    { words: ['a', '\u200b', '', 'fish'] }, // zero-width space and empty string: no WordPiece at all
    { words: [] },
  ];
  const [a, b, c] = [await fl.embed(s), await first.embed(s), await last.embed(s)];
  assert.deepEqual(a.map((m) => m.length), s.map((x) => x.words.length * 4 * H));
  for (let w = 0; w < s[1].words.length; w++) {
    assert.deepEqual(row(a[1], w, 4 * H).subarray(0, 2 * H), row(b[1], w, 2 * H));
    assert.deepEqual(row(a[1], w, 4 * H).subarray(2 * H), row(c[1], w, 2 * H));
  }
  assert.ok(cosine(row(b[1], 6, 2 * H), row(c[1], 6, 2 * H)) < 0.9999, 'first and last piece of a 6-piece word differ');
  assert.ok(cosine(row(b[0], 5, 2 * H), row(b[1], 1, 2 * H)) < 0.9999, '"bank" in two contexts differs');
  assert.ok(a[2].every(Number.isFinite) && row(a[2], 1, 4 * H).some((x) => x !== 0) && row(a[2], 2, 4 * H).some((x) => x !== 0));
  // Batching pads; a sentence alone gives the same vectors.
  const [alone] = await first.embed([s[0]]);
  alone.forEach((x, i) => assert.ok(Math.abs(x - b[0][i]) < 1e-5));
});

test('long sentences: overlapping windows, deterministic, central words close to the unwindowed result', { skip }, async () => {
  const words = Array.from({ length: 40 }, (_, i) => ['the', 'river', 'bank', 'was', 'steep', 'money', 'fish', 'walked'][(i * 5) % 8]);
  const full = await bert({ layers: [-1], pooling: 'mean' }); // 40 pieces + 2 fit the 64-position limit
  const windowed = await bert({ layers: [-1], pooling: 'mean', maxLength: 18 });
  assert.notEqual(full.configHash, windowed.configHash);
  const [f] = await full.embed([{ words }]);
  const [w1] = await windowed.embed([{ words }]);
  const [w2] = await windowed.embed([{ words }]);
  assert.equal(w1.length, words.length * H);
  assert.deepEqual(w1, w2);
  // A window of 16 words sees ~16 words of context: the states change (positions, context) but stay close in
  // the middle of a window; compare with a different word's state as the floor.
  const sims = words.map((_, i) => cosine(row(w1, i, H), row(f, i, H)));
  const mean = sims.reduce((x, y) => x + y, 0) / sims.length;
  const unrelated = cosine(row(f, 0, H), row(f, 1, H));
  assert.ok(Math.min(...sims.slice(4, 36)) > 0.8, `min central similarity ${Math.min(...sims.slice(4, 36))}`);
  assert.ok(mean > unrelated + 0.1, `windowed≈full ${mean} vs unrelated ${unrelated}`);
  // One word longer than the window keeps its first pieces rather than failing.
  const [long] = await (await bert({ layers: [-1], maxLength: 4 })).embed([{ words: ['unbelievably', 'steep'] }]);
  assert.equal(long.length, 2 * H);
});

test('document context changes the target sentence only through its neighbours', { skip }, async () => {
  const plain = await bert({ layers: [-1] });
  const ctx = await bert({ layers: [-1], context: true });
  assert.notEqual(plain.configHash, ctx.configHash);
  const doc: Sentence[] = [{ words: ['she', 'walked', 'by', 'the', 'river'] }, { words: ['the', 'bank', 'was', 'steep'] }, { words: ['i', 'put', 'money', 'in'] }];
  const [p, c] = [await plain.embed(doc), await ctx.embed(doc)];
  assert.deepEqual(c.map((m) => m.length), p.map((m) => m.length));
  const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
  for (let s = 0; s < doc.length; s++) assert.ok(maxDiff(p[s], c[s]) > 1e-3, `sentence ${s} saw its neighbours`);
  // A lone sentence has no neighbours: context changes nothing.
  const [lp] = await plain.embed([doc[1]]);
  const [lc] = await ctx.embed([doc[1]]);
  lp.forEach((x, i) => assert.ok(Math.abs(x - lc[i]) < 1e-5));
});

test('bad options are usage errors; nothing is fetched without download: true', { skip }, async () => {
  const mk = (options: Record<string, unknown>) => createTransformerCandidate({ name: 'x', kind: 'transformer', options }, { cacheDir });
  await assert.rejects(mk({ path: join(cacheDir, 'no-such-model') }), UsageError);
  await assert.rejects(mk({ model: 'bert-base-cased' }), UsageError);
  await assert.rejects(mk({ path: dir, layers: [3] }), UsageError);
  await assert.rejects(mk({ path: dir, pooling: 'max' }), UsageError);
  await assert.rejects(mk({ path: dir, layers: [] }), UsageError);
});

test("loading a model folder leaves transformers.js's global env as it was", async () => {
  // A folder with the three files present but not loadable: the load fails after the checks, where it used to have
  // switched the global env (allowRemoteModels off for every later load in the process).
  const broken = mkdtempSync(join(tmpdir(), 'ace-ts-broken-model-'));
  try {
    mkdirSync(join(broken, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')]) writeFileSync(join(broken, f), '{}');
    const before = { remote: hfEnv.allowRemoteModels, local: hfEnv.allowLocalModels, cacheDir: hfEnv.cacheDir };
    await assert.rejects(createTransformerCandidate({ name: 'broken', kind: 'transformer', options: { path: broken } }, { cacheDir: broken }));
    assert.deepEqual({ remote: hfEnv.allowRemoteModels, local: hfEnv.allowLocalModels, cacheDir: hfEnv.cacheDir }, before);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
