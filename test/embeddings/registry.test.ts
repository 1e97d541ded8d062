// The candidate registry: default names, config files (YAML and JSON), validation errors, building candidates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCandidate, DEFAULT_CANDIDATES, isFrozen, loadCandidateConfig, parseCandidateConfig, resolveCandidateSpecs } from '../../src/embeddings/registry.js';
import { InputError, UsageError } from '../../src/util/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'ace-registry-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('default names resolve; config entries add and override names', () => {
  assert.deepEqual(Object.keys(DEFAULT_CANDIDATES), ['glove', 'use-l0', 'use-l1', 'char', 'casing', 'word', 'use-tok', 'pos', 'compromise-pos', 'random-a', 'random-b']);
  assert.deepEqual(resolveCandidateSpecs(['use-l1', 'glove']).map((s) => [s.name, s.kind, s.options]), [
    ['use-l1', 'use-lite', { layer: 1, normalize: 'layer' }],
    ['glove', 'static', {}],
  ]);
  const config = parseCandidateConfig('candidates:\n  - name: glove\n    kind: static\n    options: { path: /x.txt }\n  - name: pos\n    kind: feature\n    options:\n      column: pos\n', 'c.yaml');
  assert.deepEqual(resolveCandidateSpecs(['glove', 'pos'], config), config);
  assert.throws(() => resolveCandidateSpecs(['bert']), (e: unknown) => e instanceof UsageError && /unknown candidate "bert"/.test(e.message));
});

test('JSON config and config errors naming file and entry', () => {
  const json = join(tmp, 'c.json');
  writeFileSync(json, JSON.stringify([{ name: 'ft', kind: 'static', options: { path: 'a.vec' } }]));
  assert.deepEqual(loadCandidateConfig(json), [{ name: 'ft', kind: 'static', options: { path: 'a.vec' } }]);
  const bad = (text: string, where: number | undefined, re: RegExp) =>
    assert.throws(() => parseCandidateConfig(text, 'c.yaml'), (e: unknown) => e instanceof InputError && e.file === 'c.yaml' && e.where === where && re.test(e.problem));
  bad('- name: a/b\n  kind: static\n', 1, /name must be/);
  bad('- name: x\n  kind: elmo\n', 2, /kind must be one of/);
  bad('- name: x\n  kind: statc\n', 2, /did you mean "static"/);
  bad('- name: x\n  kind: static\n  option: {}\n', 3, /unknown key "option"/);
  bad('- name: x\n  kind: casing\n- name: x\n  kind: char\n', 3, /used twice/);
  bad('foo: 1\n', 1, /unknown key "foo" of a candidates file/);
  bad('3\n', undefined, /expected a list/);
  bad('- [unclosed\n', 2, /cannot parse/);
});

test('buildCandidate builds static (frozen) and trainable candidates', async () => {
  const vec = join(tmp, 'v.txt');
  writeFileSync(vec, 'a 1 2\nb 3 4\n');
  const s = await buildCandidate({ name: 'toy', kind: 'static', options: { path: vec } }, { cacheDir: tmp });
  assert.ok(isFrozen(s));
  assert.equal(s.dim, 2);
  const casing = await buildCandidate(DEFAULT_CANDIDATES.casing, { cacheDir: tmp });
  assert.equal(casing.frozen, false);
  const char = await buildCandidate(DEFAULT_CANDIDATES.char, { cacheDir: tmp });
  assert.equal(char.dim, 50);
});
