// Tests how the real `ace` command ends on errors: one `ace: …` line naming the file or folder, exit 2, no stack
// (unless --debug), and a quiet exit when its reader closes the pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { ACE_MAIN, hasStack, runCli, runCliClosingStdout } from '../helpers/run-cli.js';
import { describeFailure } from '../../src/cli/fail.js';
import { UsageError } from '../../src/util/errors.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-errors-'));
const env = { ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: join(root, 'cache') };
test.after(() => rmSync(root, { recursive: true, force: true }));

const aFile = join(root, 'a-file.txt');
writeFileSync(aFile, 'not a folder\n');

/** A user's mistake: exit 2, one line on stderr starting `ace: ` and matching `pattern`, no stack trace. */
function assertUserError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStack(r.stderr), r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('ace: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] as string, pattern);
}

const tiny = ['--task', 'chunk', '--data', 'conll2000', '--limit', '30', '--hidden', '8', '--no-progress'];

test('a missing --config file is one line naming it, exit 2; --debug adds the stack', () => {
  const config = join(root, 'no-such.yaml');
  const args = ['train', '--data', 'conll2000', '--config', config, '--out', join(root, 'cfg')];
  assertUserError(runCli(args, { env }), /no-such\.yaml: .*no such file/);
  const debug = runCli([...args, '--debug'], { env });
  assert.equal(debug.code, 2);
  assert.ok(hasStack(debug.stderr), debug.stderr);
  assert.ok(!existsSync(join(root, 'cfg')));
});

test('an output folder that cannot be created, or --out naming a file, is one line naming it, exit 2', { skip }, () => {
  for (const out of [join(aFile, 'sub'), aFile]) {
    assertUserError(runCli(['train', ...tiny, '--embeddings', 'casing', '--out', out], { env }), new RegExp(`${aFile.replace(/[.]/g, '\\.')}.* is a file`));
    assertUserError(runCli(['search', ...tiny, '--candidates', 'casing,char', '--episodes', '1', '--out', out], { env }), /is a file, not a folder/);
  }
  assert.equal(readFileSync(aFile, 'utf8'), 'not a folder\n');
});

test('--out under /proc fails at once instead of spinning', { skip: skip || !existsSync('/proc/self') }, () => {
  const t0 = Date.now();
  const r = runCli(['train', ...tiny, '--embeddings', 'casing', '--out', '/proc/ace-test/run'], { env, timeoutMs: 30_000 });
  assertUserError(r, /cannot create --out \/proc\/ace-test\/run/);
  const s = runCli(['search', ...tiny, '--candidates', 'casing', '--out', '/proc/ace-test/run'], { env, timeoutMs: 30_000 });
  assertUserError(s, /cannot create --out \/proc\/ace-test\/run/);
  const p = runCli(['predict', '--model', join(trainDir, 'model'), '--input', join(dataHome(), 'conll2000', 'test.txt'), '--output', '/proc/ace-test/out.txt'], { env, timeoutMs: 30_000 });
  assertUserError(p, /cannot create folder \/proc\/ace-test/);
  const e = runCli(['embed', '--data', 'conll2000', '--candidates', 'casing', '--cache-dir', '/proc/ace-test/cache'], { env, timeoutMs: 30_000 });
  assertUserError(e, /cannot create cache folder \/proc\/ace-test\/cache/);
  assert.ok(Date.now() - t0 < 40_000);
});

let trainDir = '';
let searchDir = '';
test.before(() => {
  if (skip) return;
  trainDir = join(root, 'train-run');
  searchDir = join(root, 'search-run');
  const t = runCli(['train', ...tiny, '--embeddings', 'casing', '--epochs', '1', '--out', trainDir], { env });
  assert.equal(t.code, 0, t.stderr);
  const s = runCli(['search', ...tiny, '--candidates', 'casing,char', '--episodes', '1', '--out', searchDir], { env });
  assert.equal(s.code, 0, s.stderr);
});

test('ace predict … | head: the closed pipe ends ace quietly', { skip }, async () => {
  const text = 'Rockwell said the agreement calls for it to supply 200 additional shipsets .\n'.repeat(20000);
  const r = await runCliClosingStdout(['predict', '--model', join(trainDir, 'model')], text, env);
  assert.match(r.firstChunk, /^Rockwell\/\S+ said\//);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('a damaged command.json or search-state.json is named in a one-line error', { skip }, () => {
  const copy = join(root, 'damaged-command');
  runCli(['train', ...tiny, '--embeddings', 'casing', '--epochs', '1', '--out', copy], { env });
  writeFileSync(join(copy, 'command.json'), '{"command": "train", "flags": {"task": "chunk", "da');
  assertUserError(runCli(['train', '--resume', copy], { env }), /damaged-command\/command\.json: not valid JSON/);

  const state = join(root, 'damaged-state');
  const s = runCli(['search', ...tiny, '--candidates', 'casing', '--episodes', '1', '--out', state], { env });
  assert.equal(s.code, 0, s.stderr);
  // The newest generation (a converged episode commits several), and the one before it, which resume would fall
  // back to: both damaged.
  const gens = readdirSync(join(state, 'state')).filter((n) => /^gen-\d+$/.test(n)).sort();
  for (const g of gens) writeFileSync(join(state, 'state', g, 'search-state.json'), '{"version": 1, "generation": ');
  assertUserError(runCli(['search', '--resume', state], { env }), /gen-\d+\/search-state\.json: (not valid JSON|checksum mismatch)/);
});

test('--resume on a folder of the other command says which command it is', { skip }, () => {
  assertUserError(runCli(['search', '--resume', trainDir], { env }), /holds an `ace train` run.*`ace train --resume /);
  assertUserError(runCli(['train', '--resume', searchDir], { env }), /holds an `ace search` run.*`ace search --resume /);
});

test('the USE-lite library (and its re-throwing error handlers) loads only when a USE-lite candidate is built', () => {
  const src = join(ACE_MAIN, '..', '..');
  const script = `await import(${JSON.stringify(join(src, 'index.js'))}); await import(${JSON.stringify(join(src, 'cli', 'train.js'))});` +
    `process.stdout.write(String(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0');
});

test('errors are sorted into user mistakes (exit 2) and bugs (exit 1, with a hint to --debug)', () => {
  const enoent = Object.assign(new Error("EACCES: permission denied, open '/x/y'"), { code: 'EACCES', syscall: 'open', path: '/x/y' });
  assert.deepEqual(describeFailure(enoent, false), { code: 2, text: 'ace: cannot open /x/y: permission denied\n' });
  assert.deepEqual(describeFailure(new UsageError('--limit needs a number'), false), { code: 2, text: 'ace: --limit needs a number\n' });
  const bug = describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')"), false);
  assert.equal(bug.code, 1);
  assert.match(bug.text, /^ace: internal error: TypeError: Cannot read .*--debug/);
  assert.ok(describeFailure(new RangeError('r'), true).text.includes('    at '));
});
