// `ace embed` end to end on the small SDP sample: builds caches for each split, then reuses them.
import { frozenSetId } from '../../src/tasks/shared/frozen-sources.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register, runEmbed } from '../../src/cli/embed.js';
import { loadGraphs } from '../../src/datasets/registry.js';
import { EmbeddingCache } from '../../src/embeddings/cache/store.js';
import { buildCandidate, isFrozen } from '../../src/embeddings/registry.js';
import { UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const tmp = mkdtempSync(join(tmpdir(), 'ace-embed-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('runEmbed builds then reuses; cached rows equal the candidate', { skip: dataSkip() }, async () => {
  const vec = join(tmp, 'toy.vec');
  writeFileSync(vec, '3 4\nthe 1 2 3 4\nof 5 6 7 8\n, -1 -2 -3 -4\n');
  const config = join(tmp, 'cands.yaml');
  writeFileSync(config, `candidates:\n  - name: toy\n    kind: static\n    options: { path: ${JSON.stringify(vec)} }\n`);
  const cacheDir = join(tmp, 'cache');
  const opts = { data: 'sdp-sample', candidates: ['toy', 'casing'], config, dataHome: dataHome(), cacheDir, dtype: 'float32' as const, progress: false };
  const lines: string[] = [];
  const first = await runEmbed(opts, (l) => lines.push(l));
  assert.deepEqual(first.map((r) => [r.candidate, r.split, r.stats.outcome]), [['toy', 'train', 'missing'], ['toy', 'dev', 'missing']]);
  assert.ok(lines.some((l) => /casing: trainable/.test(l)));
  const second = await runEmbed({ ...opts, split: 'dev' }, () => {});
  assert.deepEqual(second.map((r) => [r.split, r.stats.outcome]), [['dev', 'reused']]);

  // The cache holds what the candidate computes.
  const dev = await loadGraphs(dataHome(), 'sdp-sample', 'dev');
  const keep = new Set(dev.flatMap((s) => s.words));
  const cand = await buildCandidate({ name: 'toy', kind: 'static', options: { path: vec } }, { cacheDir, keep });
  assert.ok(isFrozen(cand));
  const reader = await new EmbeddingCache({ dir: cacheDir, dtype: 'float32' }).getOrBuild(cand, dev, frozenSetId('sdp-sample', 'dev'));
  assert.equal(reader.stats.outcome, 'reused');
  const expected = await cand.embed(dev);
  for (let i = 0; i < dev.length; i++) assert.deepEqual(reader.get(i), expected[i]);
  assert.ok(expected.some((v) => v.some((x) => x === 5)), 'some "of" rows are non-zero');
  reader.close();
});

test('the command rejects a bad split', async () => {
  const program = new Command().exitOverride();
  register(program);
  await assert.rejects(program.parseAsync(['node', 'ace', 'embed', '--data', 'sdp-sample', '--split', 'valid']), UsageError);
});
