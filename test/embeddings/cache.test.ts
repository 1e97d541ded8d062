// The embedding cache: round trips, reuse, and rebuilds on truncation, flipped bytes, changed data or config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddingCache } from '../../src/embeddings/cache/store.js';
import { f16ToF32, f32ToF16 } from '../../src/embeddings/cache/f16.js';
import { hashConfig } from '../../src/util/hash.js';
import type { FrozenCandidate } from '../../src/embeddings/candidate.js';
import type { Sentence } from '../../src/formats/types.js';
import { assertFrozenCandidateContract } from './contract.js';

const tmp = mkdtempSync(join(tmpdir(), 'ace-cache-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** A deterministic fake: each value is a function of the word, position in the word's row, and a seed. */
class FakeCandidate implements FrozenCandidate {
  readonly frozen = true as const;
  readonly spec;
  readonly configHash: string;
  calls = 0;
  constructor(readonly dim: number, readonly seed = 1, name = 'fake') {
    this.spec = { name, kind: 'static' as const, options: { seed } };
    this.configHash = hashConfig(this.spec);
  }
  async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
    this.calls++;
    return sentences.map((s) => {
      const out = new Float32Array(s.words.length * this.dim);
      s.words.forEach((w, i) => {
        for (let j = 0; j < this.dim; j++) out[i * this.dim + j] = Math.sin(w.length * 1.7 + w.charCodeAt(0) * 0.31 + j * this.seed);
      });
      return out;
    });
  }
}

const sentences: Sentence[] = Array.from({ length: 150 }, (_, i) => ({
  words: Array.from({ length: (i * 7) % 13 }, (_, k) => `w${(i * 31 + k * 17) % 97}`),
}));

test('fake candidate passes the contract (so the cache tests rest on a sound candidate)', async () => {
  await assertFrozenCandidateContract(new FakeCandidate(5));
});

test('float32 cache round trips exactly and is reused without embedding again', async () => {
  const cand = new FakeCandidate(6);
  const cache = new EmbeddingCache({ dir: join(tmp, 'a'), dtype: 'float32', batchSize: 16 });
  const expected = await cand.embed(sentences);
  cand.calls = 0;
  const progress: number[] = [];
  const r1 = await cache.getOrBuild(cand, sentences, 'toy/train', (done) => progress.push(done));
  assert.equal(r1.stats.outcome, 'missing');
  assert.equal(r1.stats.reused, false);
  assert.equal(cand.calls, Math.ceil(150 / 16));
  assert.equal(progress.at(-1), 150);
  for (let i = 0; i < sentences.length; i++) assert.deepEqual(r1.get(i), expected[i]);
  assert.deepEqual(r1.getRange(10, 20), expected.slice(10, 20));
  assert.equal(r1.stats.tokens, sentences.reduce((n, s) => n + s.words.length, 0));
  r1.close();

  const r2 = await cache.getOrBuild(cand, sentences, 'toy/train');
  assert.equal(r2.stats.outcome, 'reused');
  assert.equal(cand.calls, Math.ceil(150 / 16), 'no embedding on reuse');
  assert.deepEqual(r2.get(149), expected[149]);
  assert.equal(r2.get(0).length, 0, 'empty sentence reads as empty');
  assert.throws(() => r2.get(150), RangeError);
  r2.close();
});

test('float16 cache stores the float16 rounding of each value', async () => {
  const cand = new FakeCandidate(4, 3);
  const cache = new EmbeddingCache({ dir: join(tmp, 'b') });
  assert.equal(cache.options.dtype, 'float16');
  const r = await cache.getOrBuild(cand, sentences, 'toy/dev');
  const expected = await cand.embed(sentences);
  for (let i = 0; i < sentences.length; i += 7) assert.deepEqual(r.get(i), f16ToF32(f32ToF16(expected[i])));
  assert.equal(statSync(r.path).size, r.stats.tokens * 4 * 2);
  r.close();
});

test('truncated, byte-flipped, changed-data and changed-config caches are rebuilt, never used', async () => {
  const cand = new FakeCandidate(3, 2);
  const cache = new EmbeddingCache({ dir: join(tmp, 'c') });
  const first = await cache.getOrBuild(cand, sentences, 'toy/test');
  const path = first.path;
  const good = readFileSync(path);
  first.close();

  truncateSync(path, good.length - 2);
  const t = await cache.getOrBuild(cand, sentences, 'toy/test');
  assert.equal(t.stats.outcome, 'truncated');
  assert.deepEqual(readFileSync(path), good, 'rebuilt to the same bytes');

  const flipped = Buffer.from(good);
  flipped[Math.floor(good.length / 2)] ^= 0x01;
  writeFileSync(path, flipped);
  const f = await cache.getOrBuild(cand, sentences, 'toy/test');
  assert.equal(f.stats.outcome, 'checksum');
  assert.deepEqual(readFileSync(path), good);

  const changed = sentences.map((s, i) => (i === 42 ? { words: [...s.words, 'new'] } : s));
  const d = await cache.getOrBuild(cand, changed, 'toy/test');
  assert.equal(d.stats.outcome, 'stale-data');
  assert.deepEqual(d.get(42), f16ToF32(f32ToF16((await cand.embed([changed[42]]))[0])));

  const manifestPath = cache.pathsFor(cand, 'toy/test').manifest;
  writeFileSync(manifestPath, '{ not json');
  assert.equal((await cache.getOrBuild(cand, changed, 'toy/test')).stats.outcome, 'missing');

  const again = await cache.getOrBuild(cand, changed, 'toy/test');
  assert.equal(again.stats.outcome, 'reused');

  // A different config of the same name lives in its own folder; a manifest claiming another config is stale.
  const other = new FakeCandidate(3, 5);
  assert.notEqual(cache.pathsFor(other, 'toy/test').data, path);
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...m, configHash: other.configHash }));
  assert.equal((await cache.getOrBuild(cand, changed, 'toy/test')).stats.outcome, 'stale-config');
  for (const r of [t, f, d, again]) r.close();
});

test('a candidate breaking the row contract fails the build and leaves no cache entry', async () => {
  const bad = new FakeCandidate(3);
  bad.embed = async (s) => s.map(() => new Float32Array(1));
  const cache = new EmbeddingCache({ dir: join(tmp, 'd') });
  await assert.rejects(cache.getOrBuild(bad, sentences.slice(1, 3), 'x'), /expected/);
  const good = new FakeCandidate(3);
  assert.equal((await cache.getOrBuild(good, sentences.slice(1, 3), 'x')).stats.outcome, 'missing');
});

test('several candidates build in lockstep batch by batch; reused ones are not embedded; a failure leaves no entry', async () => {
  const order: string[] = [];
  const tracked = (c: FakeCandidate): FakeCandidate => {
    const embed = c.embed.bind(c);
    c.embed = async (batch) => {
      order.push(c.spec.name);
      return embed(batch);
    };
    return c;
  };
  const a = tracked(new FakeCandidate(3, 1, 'a'));
  const b = tracked(new FakeCandidate(4, 2, 'b'));
  const cache = new EmbeddingCache({ dir: join(tmp, 'many'), dtype: 'float32', batchSize: 50 });
  await (await cache.getOrBuild(a, sentences, 'toy/many')).close();
  order.length = 0;
  const seen: string[] = [];
  const c = tracked(new FakeCandidate(2, 3, 'c'));
  const readers = await cache.getOrBuildMany([a, b, c], sentences, 'toy/many', (k, done) => seen.push(`${k}:${done}`));
  assert.deepEqual(readers.map((r) => r.stats.reused), [true, false, false]);
  // a is reused (never embedded); b and c alternate over the three batches of 50.
  assert.deepEqual(order, ['b', 'c', 'b', 'c', 'b', 'c']);
  assert.deepEqual(seen, ['0:150', '1:50', '2:50', '1:100', '2:100', '1:150', '2:150']);
  const want = await b.embed(sentences);
  for (let i = 0; i < sentences.length; i++) assert.deepEqual(readers[1].get(i), want[i]);
  for (const r of readers) r.close();

  const bad = new FakeCandidate(2, 4, 'bad');
  let n = 0;
  bad.embed = async (batch) => {
    if (++n === 2) throw new Error('boom');
    return batch.map((s) => new Float32Array(s.words.length * 2));
  };
  const d = new FakeCandidate(5, 5, 'd');
  await assert.rejects(cache.getOrBuildMany([d, bad], sentences, 'toy/fail'), /boom/);
  for (const cand of [d, bad]) {
    const paths = cache.pathsFor(cand, 'toy/fail');
    assert.throws(() => statSync(paths.manifest));
    assert.throws(() => statSync(paths.data));
  }
});
