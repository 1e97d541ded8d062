// Tests `ace train`'s run folder: --resume continues a cut run exactly as an uninterrupted one, and --data FILE trains on your own files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runTrain, type TrainFlags } from '../../src/cli/train.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import { register as registerEval } from '../../src/cli/eval.js';
import { runCommand } from '../helpers/run-command.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-train-resume-'));
const cacheDir = join(root, 'cache');
const sink = new Writable({ write: (_c, _e, done) => done() });
test.after(() => rmSync(root, { recursive: true, force: true }));

const config = join(root, 'pos.yaml');
writeFileSync(config, 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');

function flags(out: string, extra: Partial<TrainFlags> = {}): TrainFlags {
  return {
    task: 'chunk', data: 'conll2000', embeddings: 'casing,char,pos', config, epochs: '3', out, limit: '100', hidden: '16',
    patience: '1', seed: '4', home: dataHome(), cacheDir, progress: false, ...extra,
  };
}

/** The per-epoch log without wall-clock fields. */
function logScores(dir: string): unknown[] {
  return readFileSync(join(dir, 'train.log.jsonl'), 'utf8').trim().split('\n').map((line) => {
    const { trainLoss, devScore, learningRate, epoch } = JSON.parse(line) as Record<string, number>;
    return { epoch, trainLoss, devScore, learningRate };
  });
}

test('a run resumed after epoch 1 trains the same epochs 2–3 as an uninterrupted run, byte for byte', { skip }, async () => {
  const whole = join(root, 'whole');
  const cut = join(root, 'cut');
  const full = await runTrain(flags(whole), sink);
  await runTrain(flags(cut, { epochs: '1' }), sink);
  assert.deepEqual(readdirSync(join(cut, 'state')), ['gen-000001']);
  rmSync(config); // the saved command carries the config's candidates
  const resumed = await runTrain({ resume: cut, epochs: '3', home: dataHome(), cacheDir, progress: false }, sink);
  writeFileSync(config, 'candidates:\n  - { name: pos, kind: feature, options: { column: pos } }\n');

  assert.deepEqual(logScores(cut), logScores(whole));
  assert.deepEqual([resumed.bestEpoch, resumed.bestDev, resumed.test], [full.bestEpoch, full.bestDev, full.test]);
  assert.ok(readFileSync(join(cut, 'model', 'params.bin')).equals(readFileSync(join(whole, 'model', 'params.bin'))));
  const last = (dir: string) => readFileSync(join(dir, 'state', 'gen-000003', 'task', 'params.bin'));
  assert.ok(last(cut).equals(last(whole)));
  const command = JSON.parse(readFileSync(join(cut, 'command.json'), 'utf8')) as { flags: Record<string, string>; epochs: string };
  assert.equal(command.flags.patience, '1');
  assert.equal(command.epochs, '3'); // the raised total is saved for a later plain --resume
  const results = JSON.parse(readFileSync(join(cut, 'results.json'), 'utf8')) as { epochsDone: number };
  assert.equal(results.epochsDone, 3);
  // The report covers both sessions' epochs.
  const report = readFileSync(join(cut, 'report.html'), 'utf8');
  assert.equal((report.match(/<tr( class="best")?><td>\d+<\/td>/g) ?? []).length, 3);
});

test('a finished run resumed with no more epochs only re-scores its best bundle; one without its state starts over with --restart', { skip }, async () => {
  const out = join(root, 'finished');
  const first = await runTrain(flags(out, { epochs: '1' }), sink);
  const again = await runTrain({ resume: out, home: dataHome(), cacheDir, progress: false }, sink);
  assert.deepEqual([again.bestEpoch, again.bestDev, again.test], [first.bestEpoch, first.bestDev, first.test]);
  assert.equal(logScores(out).length, 1);
  // Its state gone: --resume --restart starts over from the saved command, to the same model (test/cli/run-folder.test.ts
  // checks that a plain --resume refuses).
  rmSync(join(out, 'state'), { recursive: true });
  const over = await runTrain({ resume: out, restart: true, home: dataHome(), cacheDir, progress: false }, sink);
  assert.deepEqual([over.bestEpoch, over.bestDev, over.test], [first.bestEpoch, first.bestDev, first.test]);
});

test('resume and new runs refuse what would change or clobber a run', { skip }, async () => {
  const out = join(root, 'refusals');
  await runTrain(flags(out, { epochs: '1' }), sink);
  const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
  await assert.rejects(runTrain(flags(out), sink), usage(/already holds a training run; use --resume/));
  await assert.rejects(runTrain({ resume: out, hidden: '32', lr: '0.2', progress: false }, sink), usage(/--hidden, --lr cannot change/));
  await assert.rejects(runTrain({ resume: out, out: join(root, 'elsewhere'), progress: false }, sink), usage(/leave out --out/));
  // A candidate whose settings changed since the state was saved (as use-l0's normalization did) is refused.
  const commandFile = join(out, 'command.json');
  const saved = readFileSync(commandFile, 'utf8');
  writeFileSync(commandFile, saved.replace('"column": "pos"', '"column": "pos", "dim": 12'));
  await assert.rejects(runTrain({ resume: out, epochs: '2', home: dataHome(), cacheDir, progress: false }, sink),
    (e: unknown) => e instanceof InputError && /saved with other candidate settings than this model's: .*"column":"pos"}.*, here .*"dim":12/.test(e.message));
  writeFileSync(commandFile, saved);
  const empty = join(root, 'empty');
  await assert.rejects(runTrain({ resume: empty, progress: false }, sink), usage(/holds no training run to resume/));
  await assert.rejects(runTrain({ out: empty, progress: false }, sink), usage(/--data is required/));
  assert.equal(existsSync(join(empty, 'command.json')), false);
});

/** The first `n` blank-line-separated sentences of a file, from sentence `from`. */
function sentences(path: string, from: number, n: number): string {
  return readFileSync(path, 'utf8').split(/\n\n+/).slice(from, from + n).join('\n\n') + '\n\n';
}

test('--data FILE trains on your own files: format and columns guessed, --dev/--test used, the task from the label', { skip }, async () => {
  const dir = join(root, 'own');
  mkdirSync(dir);
  const chunks = join(dataHome(), 'conll2000', 'train.txt');
  const train = join(dir, 'train.txt');
  const dev = join(dir, 'dev.txt');
  const testFile = join(dir, 'test.txt');
  writeFileSync(train, sentences(chunks, 0, 120));
  writeFileSync(dev, sentences(chunks, 120, 30));
  writeFileSync(testFile, sentences(chunks, 150, 30));
  const out = join(root, 'own-run');
  const base = { embeddings: 'casing,char', epochs: '1', out, hidden: '16', home: dataHome(), cacheDir, progress: false };
  const r = await runTrain({ ...base, data: train, dev, test: testFile }, sink);
  const command = JSON.parse(readFileSync(join(out, 'command.json'), 'utf8')) as { flags: Record<string, string> };
  assert.deepEqual([command.flags.task, command.flags.data, command.flags.dev, command.flags.test], ['chunk', train, dev, testFile]);
  assert.ok(r.test !== null && r.test > 0 && r.bestDev > 0);
  // The same run on the registry's conll2000 slice would read other dev sentences; here dev is exactly dev.txt.
  const log = JSON.parse(readFileSync(join(out, 'train.log.jsonl'), 'utf8').split('\n')[0]) as { metric: string };
  assert.equal(log.metric, 'F1');

  // ace eval --model on the same test file scores what training reported.
  const report = await runCommand(registerEval, ['eval', '--model', join(out, 'model'), '--data', testFile, '--cache-dir', cacheDir]);
  assert.match(report, new RegExp(`FB1: +${r.test!.toFixed(2)}`));

  // No --dev: every 10th sentence of the train file is held out; no --test: no test score.
  const heldOut = await runTrain({ ...base, data: train, out: join(root, 'own-heldout') }, sink);
  assert.equal(heldOut.test, null);

  // CoNLL-U defaults to UPOS tagging.
  const ewt = join(dir, 'ewt.conllu');
  writeFileSync(ewt, sentences(join(dataHome(), 'ud-english-ewt', 'en_ewt-ud-dev.conllu'), 0, 60));
  const pos = await runTrain({ ...base, data: ewt, out: join(root, 'own-pos') }, sink);
  assert.equal(pos.metric, 'accuracy');

  const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
  await assert.rejects(runTrain({ ...base, data: 'conll2000', dev, out: join(root, 'x1') }, sink), usage(/a dev or test file goes with --data FILE/));
  await assert.rejects(runTrain({ ...base, data: join(dir, 'missing.txt'), out: join(root, 'x2') }, sink), usage(/is neither a dataset .* nor a file/));
  await assert.rejects(runTrain({ ...base, data: train, dev: ewt, out: join(root, 'x3') }, sink), usage(/reads as conllu, the train file .* as conll/));
});

test('ace train ends with the per-class table of its test split (span types for chunking)', { skip }, async () => {
  let log = '';
  const capture = new Writable({
    write: (c: Buffer | string, _e, done) => {
      log += String(c);
      done();
    },
  });
  const out = join(root, 'per-class');
  const summary = await runTrain(flags(out, { epochs: '1' }), capture);
  const table = /per class on test:\n(type +gold +predicted +correct +precision +recall +F1\n[- ]+\n(?:[A-Z]+ +\d+ +\d+ +\d+ +[\d.]+ +[\d.]+ +[\d.]+\n)+)/.exec(log);
  assert.ok(table, log);
  // Every chunk type of the test slice has a row; NP, the most frequent, comes first.
  assert.match(table[1] as string, /-\nNP +\d+/);
  assert.ok(summary.test !== null);
});
