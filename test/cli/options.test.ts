// Tests one vocabulary of options across commands: --candidates and --test-file everywhere (old spellings hidden but
// accepted), one default in `embed --help`, and --threads on predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseSearchFlags, registerSearch, type TaskRequest } from '../../src/cli/search.js';
import { UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { runCli } from '../helpers/run-cli.js';
import { CANDIDATES, SyntheticTask } from '../search/synthetic-task.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-options-'));
const env = { ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: join(root, 'cache') };
test.after(() => rmSync(root, { recursive: true, force: true }));

const tiny = ['--data', 'conll2000', '--limit', '30', '--hidden', '8', '--epochs', '1', '--no-progress'];

test('ace train takes --candidates and --test-file, and still the old --embeddings and --test', { skip }, () => {
  const lines = readFileSync(join(dataHome(), 'conll2000', 'test.txt'), 'utf8').split('\n').slice(0, 200).join('\n');
  const own = join(root, 'own.txt');
  writeFileSync(own, lines.slice(0, lines.lastIndexOf('\n\n')) + '\n');
  for (const [names, testFlag] of [['--candidates', '--test-file'], ['--embeddings', '--test']] as const) {
    const out = join(root, `train${names}`);
    const r = runCli(['train', ...tiny, '--data', own, testFlag, own, names, 'casing', '--out', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const saved = JSON.parse(readFileSync(join(out, 'command.json'), 'utf8')) as { flags: Record<string, string> };
    assert.equal(saved.flags.embeddings, 'casing');
    assert.equal(saved.flags.test, own);
    assert.match(r.stderr, /· test /);
  }
  const both = runCli(['train', ...tiny, '--candidates', 'casing', '--embeddings', 'char', '--out', join(root, 'both')], { env });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^ace: --candidates and --embeddings are one option/m);
  const help = runCli(['train', '--help']).stdout;
  assert.match(help, /--candidates <list>/);
  assert.match(help, /--test-file <file>/);
  assert.doesNotMatch(help, /--embeddings|--test </);
});

test('ace search takes --embeddings as --candidates', async () => {
  const base = { reward: 'hamming', rewardShaping: 'none', test: true, progress: false, task: 'ner', data: 'd', out: 'o' };
  assert.deepEqual(parseSearchFlags({ ...base, embeddings: 'a,b' }).request.candidates, ['a', 'b']);
  assert.throws(() => parseSearchFlags({ ...base, embeddings: 'a', candidates: 'a' }), (e: unknown) => e instanceof UsageError && /one option/.test(e.message));
  const requests: TaskRequest[] = [];
  const program = new Command().exitOverride();
  registerSearch(program, async (r) => (requests.push(r), new SyntheticTask()));
  const out = join(root, 'search');
  await program.parseAsync(['search', '--task', 'synthetic', '--data', 'toy', '--embeddings', CANDIDATES.join(','), '--out', out, '--episodes', '1', '--no-progress'], { from: 'user' });
  assert.deepEqual(requests[0]?.candidates, [...CANDIDATES]);
});

test('ace embed --help states one default for --candidates', () => {
  const help = runCli(['embed', '--help']).stdout.replace(/\s+/g, ' ');
  const entry = /--candidates <\w+> (.*?) --config <file>/.exec(help)?.[1] ?? '';
  assert.equal(entry.match(/default/g)?.length, 1, entry);
  assert.match(entry, /\(default: "glove"\)$/);
});

test('ace predict takes --threads (and refuses a bad count)', { skip }, () => {
  const out = join(root, 'model-run');
  assert.equal(runCli(['train', ...tiny, '--candidates', 'casing', '--out', out], { env }).code, 0);
  const r = runCli(['predict', '--model', join(out, 'model'), '--text', 'The cat sat .', '--threads', '1'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^The\/\S+ cat\/\S+ sat\/\S+ \.\/\S+\n$/);
  const bad = runCli(['predict', '--model', join(out, 'model'), '--text', 'x', '--threads', 'two'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^ace: --threads needs a positive integer, got 'two'/m);
});
