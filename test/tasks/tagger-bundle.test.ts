// Tests saving a trained tagger as a bundle and loading it back: identical predictions, corrupt bundles refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { loadTagging } from '../../src/datasets/registry.js';
import { createTaggerTask } from '../../src/tasks/tagger/create.js';
import type { TaggerTask } from '../../src/tasks/tagger/tagger-task.js';
import { loadTagger, predictSentences } from '../../src/tasks/tagger/load.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-bundle-'));
const bundle = join(root, 'model');
const cacheDir = join(root, 'cache');
const backend = getBackend();
let task: TaggerTask;

test.before(async () => {
  if (skip) return;
  // Trainable candidates only: nothing to download or cache, a few seconds on conll2000.
  task = await createTaggerTask({
    task: 'chunk', data: 'conll2000', candidates: ['casing', 'char'], dataHome: dataHome(), cacheDir, backend,
    limit: 120, architecture: { hidden: 32 }, training: { seed: 3 },
  });
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  await task.trainEpoch();
  await task.saveCheckpoint(bundle);
});
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the bundle to damage. */
function copyBundle(name: string): string {
  const dir = join(root, name);
  cpSync(bundle, dir, { recursive: true });
  return dir;
}

function editModelJson(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const file = join(dir, 'model.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  writeFileSync(file, JSON.stringify(m));
}

test('a loaded bundle predicts exactly what the in-memory tagger predicts on dev', { skip }, async () => {
  const expected = task.predictSplit('dev');
  // createTaggerTask with limit 120 keeps the first max(50, 30) dev sentences.
  const dev = (await loadTagging(dataHome(), 'conll2000', 'dev')).slice(0, expected.length);
  const tagger = await loadTagger(bundle, { cacheDir, backend });
  assert.deepEqual(tagger.description.selection, [true, true]);
  const got = await predictSentences(tagger, dev);
  assert.equal(got.length, 50);
  assert.deepEqual(got, expected);
  // Tags are in the data's scheme (IOB2 chunks), not the internal BIOES.
  assert.ok(got.flat().every((t) => t === 'O' || /^[BI]-/.test(t)));
  // Words never seen in training (no vocabulary filter) are tagged too.
  const fresh = await predictSentences(tagger, [{ words: ['Zyxwv', 'qqqq', 'ümlaut', '42', '.'] }]);
  assert.equal(fresh[0].length, 5);
});

test('a corrupted params.bin is refused naming the file', { skip }, async () => {
  const dir = copyBundle('flipped');
  const file = join(dir, 'params.bin');
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0x40;
  writeFileSync(file, bytes);
  await assert.rejects(loadTagger(dir, { cacheDir, backend }), (e: unknown) => e instanceof InputError && e.file === file && /checksum mismatch/.test(e.message));
});

test('a model.json of another version or format, bad JSON or missing files are refused', { skip }, async () => {
  const wrongVersion = copyBundle('v99');
  editModelJson(wrongVersion, (m) => (m.version = 99));
  await assert.rejects(
    loadTagger(wrongVersion, { cacheDir, backend }),
    (e: unknown) => e instanceof InputError && e.file === join(wrongVersion, 'model.json') && /version 99 is not supported/.test(e.message),
  );
  const wrongFormat = copyBundle('parser');
  editModelJson(wrongFormat, (m) => (m.format = 'ace-ts/parser'));
  await assert.rejects(loadTagger(wrongFormat, { cacheDir, backend }), /not a tagger bundle/);
  const badJson = copyBundle('bad-json');
  writeFileSync(join(badJson, 'model.json'), '{"format": "ace-ts/tagger",');
  await assert.rejects(loadTagger(badJson, { cacheDir, backend }), (e: unknown) => e instanceof InputError && /not valid JSON/.test(e.message));
  const noModel = copyBundle('no-model');
  rmSync(join(noModel, 'model.json'));
  await assert.rejects(loadTagger(noModel, { cacheDir, backend }), /model\.json is missing/);
  const noParams = copyBundle('no-params');
  rmSync(join(noParams, 'params.bin'));
  await assert.rejects(loadTagger(noParams, { cacheDir, backend }), (e: unknown) => e instanceof InputError && e.file === join(noParams, 'params.bin') && /missing/.test(e.message));
  await assert.rejects(loadTagger(join(root, 'nowhere'), { cacheDir, backend }), UsageError);
});

test('a description whose shapes disagree with params.bin is refused naming the tensor', { skip }, async () => {
  const dir = copyBundle('hidden16');
  editModelJson(dir, (m) => ((m.architecture as { hidden: number }).hidden = 16));
  await assert.rejects(loadTagger(dir, { cacheDir, backend }), (e: unknown) => e instanceof InputError && e.file === join(dir, 'params.bin') && /shape \[/.test(e.message));
});
