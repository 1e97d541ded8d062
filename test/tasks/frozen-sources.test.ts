// Frozen candidates' rows for a task: from the cache, or embedded on the fly for new text, must be the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddingCache } from '../../src/embeddings/cache/store.js';
import type { FrozenCandidate } from '../../src/embeddings/candidate.js';
import type { Sentence } from '../../src/formats/types.js';
import { prepareFrozenSources } from '../../src/tasks/shared/frozen-sources.js';
import { hashConfig } from '../../src/util/hash.js';

/** Values with more precision than float16 keeps, so rounding shows. */
function candidate(name: string, dim: number): FrozenCandidate {
  const spec = { name, kind: 'static' as const, options: { dim } };
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
