// Issue 17's candidate and config checks: schema-validated configs with lines and suggestions, candidate lists,
// vector files that are missing, changed since a model was trained, or whose header disagrees with their rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCandidate, parseCandidateConfig, resolveCandidateSpecs } from '../../src/embeddings/registry.js';
import { readTextVectors, readWord2VecBinary } from '../../src/embeddings/static-vectors.js';
import { getBackend } from '../../src/engine/backend/select.js';
import { createTaggerTask } from '../../src/tasks/tagger/create.js';
import { loadTagger } from '../../src/tasks/tagger/load.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-config-checks-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const refused = (text: string, file: string, line: number, re: RegExp) =>
  assert.throws(() => parseCandidateConfig(text, file), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.file, file);
    assert.equal(e.where, line, e.message);
    assert.match(e.problem, re);
    return true;
  });

test('config typos are errors with the file, the line and the nearest known key', () => {
  refused('candidates:\n  - name: ft\n    kind: static\n    options:\n      pth: /data/cc.en.300.vec\n', 'c.yaml', 5,
    /unknown option "pth" of a static candidate \(did you mean "path"\?/);
  refused('candidates:\n  - { name: use0, kind: use-lite, options: { layer: 0, normalise: layer } }\n', 'c.yaml', 2,
    /unknown option "normalise" of a use-lite candidate \(did you mean "normalize"\?/);
  refused('- name: x\n  kind: static\n  option: {}\n', 'c.yaml', 3, /unknown key "option" of a candidate \(did you mean "options"\?/);
  refused('- name: x\n  kind: feature\n  options:\n    column: pos\n    dim: many\n', 'c.yaml', 5, /option "dim" of a feature candidate: .*number/i);
  refused('- name: x\n  kind: static\n  options: { normalize: layers }\n', 'c.yaml', 3, /option "normalize".*"none".*"layer"/);
  refused('[\n  {\n    "name": "ft",\n    "kind": "static",\n    "options": { "path": "a.vec", "oov": "unk", "lowercase": true }\n  }\n]\n', 'c.json', 5,
    /unknown option "lowercase" of a static candidate \(did you mean "lowercaseFallback"\?/);
  // Valid configs still parse to the same specs.
  assert.deepEqual(parseCandidateConfig('- { name: ft, kind: static, options: { path: a.vec, oov: unk } }\n- { name: w, kind: word, options: { dim: 50, lowercase: true } }\n', 'c.yaml'), [
    { name: 'ft', kind: 'static', options: { path: 'a.vec', oov: 'unk' } },
    { name: 'w', kind: 'word', options: { dim: 50, lowercase: true } },
  ]);
});

test('candidate lists: a name twice, an empty list and a missing vector file are clear usage errors', async () => {
  assert.throws(() => resolveCandidateSpecs(['char', 'casing', 'char']), (e: unknown) => e instanceof UsageError && /candidate "char" is listed twice/.test(e.message));
  assert.throws(() => resolveCandidateSpecs([]), (e: unknown) => e instanceof UsageError && /no candidates given/.test(e.message));
  assert.throws(() => resolveCandidateSpecs(['']), (e: unknown) => e instanceof UsageError && /no candidates given/.test(e.message));
  const missing = join(root, 'nope.vec');
  await assert.rejects(buildCandidate({ name: 'ft', kind: 'static', options: { path: missing } }, { cacheDir: root }),
    (e: unknown) => e instanceof UsageError && e.message === `candidate ft: vector file ${missing} does not exist`);
});

test('a vector file whose header count disagrees with its rows is read with a warning naming both counts', () => {
  const text = join(root, 'short.vec');
  writeFileSync(text, '5 2\na 1 2\nb 3 4\n');
  const warnings: string[] = [];
  const table = readTextVectors(text, { onWarning: (m) => warnings.push(m) });
  assert.equal(table.words.length, 2);
  assert.deepEqual(warnings, [`${text}: the header declares 5 vectors, the file has 2`]);
  const ok: string[] = [];
  writeFileSync(text, '2 2\na 1 2\nb 3 4\n');
  readTextVectors(text, { onWarning: (m) => ok.push(m) });
  assert.deepEqual(ok, []);
  // word2vec binary: rows beyond the declared count.
  const bin = join(root, 'long.bin');
  const row = (w: string, v: number[]) => Buffer.concat([Buffer.from(`${w} `), Buffer.from(new Float32Array(v).buffer), Buffer.from('\n')]);
  writeFileSync(bin, Buffer.concat([Buffer.from('1 2\n'), row('a', [1, 2]), row('b', [3, 4]), row('c', [5, 6])]));
  const binWarnings: string[] = [];
  assert.equal(readWord2VecBinary(bin, { onWarning: (m) => binWarnings.push(m) }).words.length, 1);
  assert.deepEqual(binWarnings, [`${bin}: the header declares 1 vectors, the file has more (22 bytes after the last declared vector)`]);
});

test('a model bundle records its vector file: a changed file is refused naming both checksums, a missing one clearly', { skip }, async () => {
  const vec = join(root, 'toy.vec');
  writeFileSync(vec, 'the 0.1 0.2 0.3\n, 0.3 0.2 0.1\n. 0.0 0.5 0.0\n');
  const backend = getBackend();
  const cacheDir = join(root, 'cache');
  const task = await createTaggerTask({
    task: 'chunk', data: 'conll2000', candidates: ['toy', 'casing'], candidateConfig: [{ name: 'toy', kind: 'static', options: { path: vec } }],
    dataHome: dataHome(), cacheDir, backend, limit: 40, architecture: { hidden: 8 }, training: { seed: 2 },
  });
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  await task.trainEpoch();
  const bundle = join(root, 'model');
  await task.saveCheckpoint(bundle);
  const loaded = await loadTagger(bundle, { cacheDir, backend });
  assert.equal(loaded.description.candidates[0].name, 'toy');
  const before = (await import('../../src/embeddings/static-candidate.js')).vectorFileChecksum(vec);
  appendFileSync(vec, 'a 1 1 1\n');
  const after = (await import('../../src/embeddings/static-candidate.js')).vectorFileChecksum(vec);
  await assert.rejects(loadTagger(bundle, { cacheDir, backend }), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.problem, `candidate toy: the vector file ${vec} changed since the model was trained (sha256 then ${before}, now ${after})`);
    return true;
  });
  rmSync(vec);
  await assert.rejects(loadTagger(bundle, { cacheDir, backend }), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.problem, `candidate toy: the vector file ${vec} the model was trained with does not exist (sha256 ${before})`);
    return true;
  });
});
