// Tests what `ace train` and `ace search` leave in their output folder: nothing after a refused command, the previous
// state to fall back to when the last is damaged, and a refusal to start over silently when the state is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runTrain, type TrainFlags } from '../../src/cli/train.js';
import { UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { runCli } from '../helpers/run-cli.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-run-folder-'));
const cacheDir = join(root, 'cache');
const env = { ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: cacheDir };
test.after(() => rmSync(root, { recursive: true, force: true }));

function sink(): Writable & { text: string } {
  const w = new Writable({ write: (c, _e, done) => ((w.text += String(c)), done()) }) as Writable & { text: string };
  w.text = '';
  return w;
}

function flags(out: string, extra: Partial<TrainFlags> = {}): TrainFlags {
  return { task: 'chunk', data: 'conll2000', embeddings: 'casing,char', epochs: '2', out, limit: '60', hidden: '8', seed: '3', home: dataHome(), cacheDir, progress: false, ...extra };
}

const tiny = ['--task', 'chunk', '--data', 'conll2000', '--limit', '30', '--hidden', '8', '--no-progress'];

test('a command refused for a misspelt candidate leaves no folder, and the corrected command then runs there', { skip }, () => {
  for (const [cmd, list] of [['train', '--embeddings'], ['search', '--candidates']] as const) {
    const out = join(root, `typo-${cmd}`, 'run');
    const extra = cmd === 'search' ? ['--episodes', '1'] : ['--epochs', '1'];
    const bad = runCli([cmd, ...tiny, ...extra, list, 'casing,chra', '--out', out], { env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /unknown candidate "chra"/);
    assert.ok(!existsSync(join(root, `typo-${cmd}`)), `${cmd} left ${readdirSync(root).join(', ')}`);
    const good = runCli([cmd, ...tiny, ...extra, list, 'casing,char', '--out', out], { env });
    assert.equal(good.code, 0, good.stderr);
    assert.ok(existsSync(join(out, 'command.json')));
  }
});

test('a refused run in a folder that existed before keeps the folder, empty as it was', { skip }, () => {
  const out = join(root, 'existing');
  mkdirSync(out);
  const bad = runCli(['search', ...tiny, '--episodes', '1', '--candidates', 'glove2', '--out', out], { env });
  assert.equal(bad.code, 2, bad.stderr);
  assert.deepEqual(readdirSync(out), []);
});

test('a damaged last epoch state: --resume warns, naming it, and continues from the one before to the same model', { skip }, async () => {
  const whole = join(root, 'whole');
  const cut = join(root, 'cut');
  await runTrain(flags(whole, { epochs: '3' }), sink());
  await runTrain(flags(cut, { epochs: '2' }), sink());
  assert.deepEqual(readdirSync(join(cut, 'state')).sort(), ['gen-000001', 'gen-000002']);
  const params = join(cut, 'state', 'gen-000002', 'task', 'params.bin');
  const bytes = readFileSync(params);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(params, bytes);
  const err = sink();
  const resumed = await runTrain({ resume: cut, epochs: '3', home: dataHome(), cacheDir, progress: false }, err);
  assert.match(err.text, /^warning: .*gen-000002 is damaged .*resuming from the previous generation, gen-000001$/m);
  assert.match(err.text, /resuming after epoch 1 /);
  const last = (dir: string) => readFileSync(join(dir, 'state', 'gen-000003', 'task', 'params.bin'));
  assert.ok(last(cut).equals(last(whole)));
  assert.ok(readFileSync(join(cut, 'model', 'params.bin')).equals(readFileSync(join(whole, 'model', 'params.bin'))));
  assert.equal(resumed.bestEpoch, JSON.parse(readFileSync(join(whole, 'results.json'), 'utf8')).bestEpoch);
});

test('a run whose state was deleted is refused, naming the folder, unless --restart', { skip }, async () => {
  const out = join(root, 'deleted-state');
  const first = await runTrain(flags(out, { epochs: '1' }), sink());
  const model = readFileSync(join(out, 'model', 'params.bin'));
  rmSync(join(out, 'state'), { recursive: true });
  await assert.rejects(
    runTrain({ resume: out, home: dataHome(), cacheDir, progress: false }, sink()),
    (e: unknown) => e instanceof UsageError && e.message.includes(out) && /no saved state.*--restart/.test(e.message),
  );
  assert.ok(readFileSync(join(out, 'model', 'params.bin')).equals(model), 'the refused resume left model/ alone');
  const again = await runTrain({ resume: out, restart: true, home: dataHome(), cacheDir, progress: false }, sink());
  assert.deepEqual([again.bestEpoch, again.bestDev, again.test], [first.bestEpoch, first.bestDev, first.test]);
  assert.equal(readFileSync(join(out, 'train.log.jsonl'), 'utf8').trim().split('\n').length, 1, 'the old log was replaced, not appended to');
  // Killed before its first epoch (only command.json): --resume starts over without --restart.
  for (const f of ['model', 'state', 'train.log.jsonl', 'results.json', 'report.html']) rmSync(join(out, f), { recursive: true, force: true });
  const over = await runTrain({ resume: out, home: dataHome(), cacheDir, progress: false }, sink());
  assert.equal(over.bestDev, first.bestDev);
  await assert.rejects(runTrain(flags(join(root, 'new'), { restart: true }), sink()), (e: unknown) => e instanceof UsageError && /--restart goes with --resume/.test(e.message));
});
