// Tests the first hour of a user: the demo's model tags raw text with the command the demo prints, a model that needs
// a column says so, and scores on a --limit slice say "(first N of M sentences)".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { hasStack, runCli } from '../helpers/run-cli.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-demo-'));
const env = { ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: join(root, 'cache') };
test.after(() => rmSync(root, { recursive: true, force: true }));

/** The arguments of a printed `ace …` command line (double-quoted arguments kept whole). */
function argsOf(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(1);
}

test('ace demo ends with a command that tags raw text with its model, and says its scores are on slices', { skip }, () => {
  const out = join(root, 'demo');
  const r = runCli(['demo', '--episodes', '1', '--epochs-per-episode', '1', '--limit', '40', '--out', out, '--no-progress'], { env, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  // CoNLL-2000: the dev split is every 10th of the 8 936 training sentences (893); the test file has 2 012.
  assert.match(r.stdout, /^best selection: .* · dev F1 \d+\.\d\d \(first 50 of 893 sentences\) · test F1 \d+\.\d\d \(first 50 of 2012 sentences\)$/m);
  const line = /^tag raw text with the model: (ace predict .*)$/m.exec(r.stdout)?.[1];
  assert.ok(line, r.stdout);
  const args = argsOf(line);
  assert.deepEqual(args.slice(0, 3), ['predict', '--model', join(out, 'model')]);
  const tagged = runCli(args, { env });
  assert.equal(tagged.code, 0, tagged.stderr);
  assert.match(tagged.stdout, /^He\/[BIO]\S* reckons\/[BIO]\S* .* \.\/[BIO]\S*\n$/);
});

test('a model with a column feature refuses raw text, naming the column and the command that works', { skip }, () => {
  const config = join(root, 'pos.yaml');
  writeFileSync(config, 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');
  const out = join(root, 'pos-model');
  const t = runCli(['train', '--data', 'conll2000', '--config', config, '--candidates', 'casing,pos', '--limit', '30', '--hidden', '8', '--epochs', '1', '--no-progress', '--out', out], { env });
  assert.equal(t.code, 0, t.stderr);
  const r = runCli(['predict', '--model', join(out, 'model'), '--text', 'He reckons .'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStack(r.stderr));
  assert.match(r.stderr, /reads the input column "pos" besides the words .*cannot tag raw text.*--input FILE --output OUT \(CoNLL columns: word, pos, label\)/);
});

test('ace train and ace search say when dev and test scores come from the first sentences only', { skip }, () => {
  const t = runCli(['train', '--data', 'conll2000', '--candidates', 'casing', '--limit', '30', '--hidden', '8', '--epochs', '1', '--no-progress', '--out', join(root, 't')], { env });
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /^best dev F1 \d+\.\d\d \(first 50 of 893 sentences\) \(epoch 1\) · test \d+\.\d\d \(first 50 of 2012 sentences\) · model in /m);
  const s = runCli(['search', '--task', 'chunk', '--data', 'conll2000', '--candidates', 'casing,char', '--limit', '30', '--hidden', '8', '--episodes', '1', '--no-progress', '--out', join(root, 's')], { env });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /^ace: best dev F1 \d+\.\d\d \(first 50 of 893 sentences\) · test F1 \d+\.\d\d \(first 50 of 2012 sentences\) · report /m);
  // The report pages say it too, beside the dev and test cards.
  for (const dir of ['t', 's']) {
    const page = readFileSync(join(root, dir, 'report.html'), 'utf8');
    assert.match(page, /Best dev F1<\/div><div class="v">[\d.]+<\/div><div class="s">[^<]* · first 50 of 893 sentences</);
    assert.match(page, /Test F1<\/div><div class="v">[\d.]+<\/div><div class="s">best dev checkpoint · first 50 of 2012 sentences</);
  }
  // Without --limit nothing is said (EWT-sized runs would take too long here; sdp-sample has no test split).
  const all = runCli(['train', '--data', 'conll2000', '--candidates', 'casing', '--limit', '9000', '--hidden', '8', '--epochs', '1', '--no-progress', '--out', join(root, 'all')], { env, timeoutMs: 600_000 });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stderr, /^best dev F1 [\d.]+ \(epoch 1\) · test [\d.]+ · model in /m);
  assert.doesNotMatch(readFileSync(join(root, 'all', 'report.html'), 'utf8'), /first \d+ of/);
});
