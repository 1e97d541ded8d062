// Frozen candidates' rows for a task: from the cache, or embedded on the fly for new text, must be the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddingCache } from '../../src/embeddings/cache/store.js';
import type { FrozenCandidate } from '../../src/embeddings/candidate.js';
import type { Sentence } from '../../src/formats/types.js';
import { prepareFrozenSources, rowNormalizer } from '../../src/tasks/shared/frozen-sources.js';
import { UsageError } from '../../src/util/errors.js';
import { hashConfig } from '../../src/util/hash.js';

/** Values with more precision than float16 keeps, so rounding shows. */
function candidate(name: string, dim: number, extra: Record<string, unknown> = {}): FrozenCandidate {
  const spec = { name, kind: 'static' as const, options: { dim, ...extra } };
  return {
    spec, dim, frozen: true, configHash: hashConfig(spec),
    async embed(sentences: readonly Sentence[]) {
      return sentences.map((s) => Float32Array.from({ length: s.words.length * dim }, (_, i) => Math.sin(i * 0.7 + s.words[0].length) / 3 + 1e-4 * i));
    },
  };
}

test('prediction-time rows (no cache) equal the cached float16 rows the model trained on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-frozen-'));
  try {
    const sentences: Sentence[] = Array.from({ length: 70 }, (_, i) => ({ words: Array.from({ length: 1 + (i % 9) }, (_, k) => `w${i}-${k}`) }));
    const cands = [candidate('a', 5), candidate('b', 3)];
    const cached = await prepareFrozenSources(cands, sentences, { cache: new EmbeddingCache({ dir }), setId: 'toy-train' });
    const fresh = await prepareFrozenSources(cands, sentences, { cache: null, setId: 'predict' });
    const raw = await cands[0].embed(sentences);
    let rounded = 0;
    for (let k = 0; k < cands.length; k++) {
      for (let i = 0; i < sentences.length; i++) {
        assert.deepEqual(fresh[k]!(i), cached[k]!(i), `candidate ${k}, sentence ${i}`);
        if (k === 0) rounded += raw[i].filter((v, j) => v !== fresh[0]!(i)[j]).length;
      }
    }
    assert.ok(rounded > 0, 'the raw float32 values differ from the rounded ones, so the test can tell');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("normalize: 'layer' gives every word zero mean and unit variance, alike from the cache, over budget and fresh", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-frozen-'));
  try {
    const sentences: Sentence[] = Array.from({ length: 12 }, (_, i) => ({ words: Array.from({ length: 1 + (i % 4) }, (_, k) => `w${i}-${k}`) }));
    const dim = 7;
    const layer = candidate('n', dim, { normalize: 'layer' });
    const cache = new EmbeddingCache({ dir });
    const inMemory = (await prepareFrozenSources([layer], sentences, { cache, setId: 'toy' }))[0]!;
    const fromDisk = (await prepareFrozenSources([layer], sentences, { cache, setId: 'toy', memoryBudgetBytes: 0 }))[0]!;
    const fresh = (await prepareFrozenSources([layer], sentences, { cache: null, setId: 'predict' }))[0]!;
    const plain = (await prepareFrozenSources([candidate('n', dim)], sentences, { cache: null, setId: 'predict' }))[0]!;
    for (let i = 0; i < sentences.length; i++) {
      const rows = inMemory(i);
      assert.deepEqual(fromDisk(i), rows);
      assert.deepEqual(fresh(i), rows);
      assert.notDeepEqual(plain(i), rows);
      for (let w = 0; w < sentences[i].words.length; w++) {
        const x = Array.from(rows.subarray(w * dim, (w + 1) * dim));
        const mean = x.reduce((a, b) => a + b, 0) / dim;
        const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / dim;
        assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-3, `sentence ${i} word ${w}: mean ${mean}, variance ${variance}`);
      }
    }
    // A hand-computed word: [1, 2, 3] has mean 2 and variance 2/3.
    const three = rowNormalizer(candidate('t', 3, { normalize: 'layer' }))(Float32Array.from([1, 2, 3]));
    const s = 1 / Math.sqrt(2 / 3 + 1e-5);
    assert.deepEqual(Array.from(three, (v) => v.toFixed(5)), [-s, 0, s].map((v) => v.toFixed(5)));
    assert.throws(() => rowNormalizer(candidate('bad', 3, { normalize: 'batch' })), (e: unknown) => e instanceof UsageError && /candidate bad: normalize must be one of none, layer, got 'batch'/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
