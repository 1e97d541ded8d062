// Tests `ace train`, `ace predict` and `ace eval` on parser bundles: CoNLL-U trees, raw text, SDP graphs, all scored by `ace eval`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { getBackend } from '../../src/engine/backend/select.js';
import { conlluToTree, parseConllu } from '../../src/formats/conllu.js';
import { parseSdp, sdpToGraph } from '../../src/formats/sdp.js';
import { attachmentScores, formatConll18Rows } from '../../src/metrics/attachment.js';
import { isTree } from '../../src/structs/tree.js';
import { isParserBundle, loadParser, predictParses } from '../../src/tasks/dependency/load.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { runParseText } from '../../src/tasks/dependency/predict-file.js';
import { guessParseFormat } from '../../src/formats/guess.js';
import { register as registerEval, runEval } from '../../src/cli/eval.js';
import { runTrain, type TrainFlags } from '../../src/cli/train.js';
import { UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { runCommand } from '../helpers/run-command.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-parser-cli-'));
const cacheDir = join(root, 'cache');
const depBundle = join(root, 'dep', 'model');
const sdpBundle = join(root, 'sdp', 'model');
const trainLog: string[] = [];

/** A data home with the first sentences of each EWT split (reading the whole treebank would dominate a tiny model's time) and the SDP sample as it is. */
function smallDataHome(dir: string): string {
  const ewt = join(dir, 'ud-english-ewt');
  mkdirSync(ewt, { recursive: true });
  const sizes: [string, number][] = [['en_ewt-ud-train.conllu', 100], ['en_ewt-ud-dev.conllu', 60], ['en_ewt-ud-test.conllu', 60]];
  for (const [f, n] of sizes) writeFileSync(join(ewt, f), firstSentences(join(dataHome(), 'ud-english-ewt', f), n));
  symlinkSync(join(dataHome(), 'sdp-sample'), join(dir, 'sdp-sample'));
  return dir;
}
const home = skip ? '' : smallDataHome(join(root, 'data'));

const sink = new Writable({
  write(chunk: Buffer | string, _enc, done) {
    trainLog.push(String(chunk));
    done();
  },
});

function trainFlags(task: string, data: string, out: string, extra: Partial<TrainFlags> = {}): TrainFlags {
  return {
    task, data, embeddings: 'casing,char', epochs: '1', out, limit: '80', hidden: '16', layers: '1', seed: '2',
    home, cacheDir, progress: false, ...extra,
  };
}

test.before(async () => {
  if (skip) return;
  await runTrain(trainFlags('dep', 'ud-ewt', join(root, 'dep')), sink);
  // Narrow MLPs (--arc-mlp, --rel-mlp) keep the graph parser's epoch fast.
  await runTrain(trainFlags('sdp', 'sdp-sample', join(root, 'sdp'), { arcMlp: '32', relMlp: '24' }), sink);
});
test.after(() => rmSync(root, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
};

/** The first `n` sentences of a file whose sentences are separated by blank lines (the SDP header stays on the first). */
function firstSentences(path: string, n: number): string {
  return readFileSync(path, 'utf8').split(/\n\n/).slice(0, n).join('\n\n') + '\n\n';
}

test('ace train --task dep|sdp writes a parser bundle, a JSONL log and results (no test score without a test split)', { skip }, () => {
  assert.ok(isParserBundle(depBundle) && isParserBundle(sdpBundle));
  const dep = JSON.parse(readFileSync(join(root, 'dep', 'results.json'), 'utf8')) as { task: string; metric: string; bestEpoch: number; test: number | null };
  assert.deepEqual([dep.task, dep.metric, dep.bestEpoch], ['dep', 'LAS', 1]);
  assert.equal(typeof dep.test, 'number');
  const sdp = JSON.parse(readFileSync(join(root, 'sdp', 'results.json'), 'utf8')) as { metric: string; test: number | null };
  assert.equal(sdp.metric, 'LF');
  assert.equal(sdp.test, null);
  assert.equal(readFileSync(join(root, 'sdp', 'train.log.jsonl'), 'utf8').trim().split('\n').length, 1);
  const model = JSON.parse(readFileSync(join(depBundle, 'model.json'), 'utf8')) as { architecture: { hidden: number; lstmLayers: number } };
  assert.deepEqual([model.architecture.hidden, model.architecture.lstmLayers], [16, 1]);
  const sdpModel = JSON.parse(readFileSync(join(root, 'sdp', 'model', 'model.json'), 'utf8')) as { architecture: { arcMlp: number; relMlp: number } };
  assert.deepEqual([sdpModel.architecture.arcMlp, sdpModel.architecture.relMlp], [32, 24]);
  assert.match(trainLog.join(''), /dev LAS/);
  // The end of each run: a per-class table, on test where the data has one (EWT), else on dev (the SDP sample).
  assert.match(trainLog.join(''), /per class on test:\nrelation +words +UAS +LAS\n-+ +-+ +-+ +-+\npunct +\d+ +\d+\.\d\d +\d+\.\d\d\n/);
  assert.match(trainLog.join(''), /per class on dev:\nlabel +gold +predicted +correct +LP +LR +LF\n/);
});

test('ace train refuses flags of the other model kind', { skip }, async () => {
  const out = join(root, 'refused');
  await assert.rejects(runTrain(trainFlags('sdp', 'sdp-sample', out, { decoder: 'eisner' }), sink), (e: unknown) => e instanceof UsageError && /task dep only/.test(e.message));
  await assert.rejects(runTrain(trainFlags('dep', 'ud-ewt', out, { decoder: 'cky' }), sink), (e: unknown) => e instanceof UsageError && /--decoder must be one of mst, eisner/.test(e.message));
  await assert.rejects(runTrain(trainFlags('dep', 'ud-ewt', out, { optimizer: 'sgd' }), sink), (e: unknown) => e instanceof UsageError && /parsers train with Adam/.test(e.message));
  await assert.rejects(runTrain(trainFlags('chunk', 'conll2000', out), sink), (e: unknown) => e instanceof UsageError && /--layers apply to parser tasks only/.test(e.message));
  await assert.rejects(runTrain({ ...trainFlags('chunk', 'conll2000', out), layers: undefined, batchTokens: '800' }, sink), (e: unknown) => e instanceof UsageError && /--batch-tokens apply to parser tasks only/.test(e.message));
  await assert.rejects(runTrain(trainFlags('dep', 'ud-ewt', out, { batchSize: '8' }), sink), (e: unknown) => e instanceof UsageError && /parsers batch by tokens/.test(e.message));
  await assert.rejects(runTrain(trainFlags('dep', 'ud-ewt', out, { batchTokens: '0' }), sink), (e: unknown) => e instanceof UsageError && /--batch-tokens needs a positive integer/.test(e.message));
  await assert.rejects(runTrain(trainFlags('dep', 'ud-ewt', out, { patience: '3' }), sink), (e: unknown) => e instanceof UsageError && /--patience applies to taggers/.test(e.message));
  await assert.rejects(runTrain({ ...trainFlags('chunk', 'conll2000', out), layers: undefined, relMlp: '50' }, sink), (e: unknown) => e instanceof UsageError && /--rel-mlp apply to parser tasks only/.test(e.message));
});

test('ace predict --input on CoNLL-U: only HEAD/DEPREL change, trees validate, and ace eval --format conllu scores it', { skip }, async () => {
  const gold = file('dev20.conllu', firstSentences(join(home, 'ud-english-ewt', 'en_ewt-ud-dev.conllu'), 20));
  const pred = join(root, 'dev20.pred.conllu');
  await runCommand(registerPredict, ['predict', '--model', depBundle, '--input', gold, '--output', pred, '--cache-dir', cacheDir]);
  const goldSents = parseConllu(readFileSync(gold, 'utf8'), gold);
  const predSents = parseConllu(readFileSync(pred, 'utf8'), pred, { validateTree: true });
  assert.equal(predSents.length, 20);
  predSents.forEach((p, s) => {
    const g = goldSents[s];
    assert.deepEqual(p.comments, g.comments);
    assert.equal(p.tokens.length, g.tokens.length);
    p.tokens.forEach((t, i) => {
      const gc = g.tokens[i].cells;
      assert.deepEqual([...t.cells.slice(0, 6), ...t.cells.slice(8)], [...gc.slice(0, 6), ...gc.slice(8)]);
      if (t.kind !== 'word') assert.deepEqual(t.cells, gc);
    });
    assert.ok(isTree([0, ...conlluToTree(p).heads], true));
  });
  const report = runEval({ format: 'conllu', gold, pred });
  assert.match(report, /^Metric +\| Precision/);
  assert.match(report, /\nLAS +\|/);
  // The file route scores what the model predicts in memory.
  const parser = await loadParser(depBundle, { cacheDir, backend: getBackend() });
  const parses = await predictParses(parser, goldSents.map((s) => conlluToTree(s)));
  assert.equal(parses.kind, 'dependency');
  // Gold words: the table's UAS and LAS rows are the gold-tokenization rows of the in-memory predictions.
  const rowsOf = (text: string): string[] => text.split('\n').filter((l) => /^(UAS|LAS) /.test(l));
  if (parses.kind === 'dependency') assert.deepEqual(rowsOf(report), rowsOf(formatConll18Rows(attachmentScores(goldSents.map((s) => conlluToTree(s)), parses.trees))));
  await parser.dispose();
});

test('ace predict --text with a dependency model prints one valid CoNLL-U tree per line of text', { skip }, async () => {
  const text = 'The cat sat on the mat.\n\nDid you see it?\nYes!\n';
  const out = await runCommand(registerPredict, ['predict', '--model', depBundle, '--text', text, '--cache-dir', cacheDir]);
  const sents = parseConllu(out, 'stdout', { validateTree: true });
  assert.equal(sents.length, 3);
  assert.deepEqual(sents.map((s) => conlluToTree(s).words), [['The', 'cat', 'sat', 'on', 'the', 'mat', '.'], ['Did', 'you', 'see', 'it', '?'], ['Yes', '!']]);
  assert.deepEqual(sents[0].comments, ['# sent_id = 1', '# text = The cat sat on the mat.']);
  for (const s of sents) {
    for (const t of s.tokens) assert.deepEqual([t.cells[2], t.cells[3], t.cells[4], t.cells[5], t.cells[8], t.cells[9]], ['_', '_', '_', '_', '_', '_']);
    assert.ok(isTree([0, ...conlluToTree(s).heads], true));
  }
  const parser = await loadParser(depBundle, { cacheDir, backend: getBackend() });
  assert.equal(await runParseText(parser, '\n  \n'), '');
  await parser.dispose();
});

test('raw text → ace predict --text → CoNLL-U file → ace eval --format conllu scores against gold on our own tokenization', { skip }, async () => {
  const gold = file('dev30.conllu', firstSentences(join(home, 'ud-english-ewt', 'en_ewt-ud-dev.conllu'), 30));
  // The raw text is each gold sentence's `# text` line, one sentence per line.
  const text = parseConllu(readFileSync(gold, 'utf8'), gold).map((s) => /^# text = (.*)$/.exec(s.comments.find((c) => c.startsWith('# text = ')) ?? '')?.[1] ?? '').join('\n');
  const pred = file('dev30.text.conllu', await runCommand(registerPredict, ['predict', '--model', depBundle, '--text', text, '--cache-dir', cacheDir]));
  const report = await runCommand(registerEval, ['eval', '--format', 'conllu', '--gold', gold, '--pred', pred]);
  const f1 = (name: string): number => Number(new RegExp(`^${name} +\\|[^|]+\\|[^|]+\\| +([0-9.]+) \\|`, 'm').exec(report)?.[1]);
  for (const m of ['Tokens', 'Sentences', 'Words', 'UPOS', 'Lemmas', 'UAS', 'LAS', 'CLAS', 'MLAS', 'BLEX']) assert.ok(Number.isFinite(f1(m)), `${m} row in\n${report}`);
  // One line per gold sentence: the sentences are the gold ones; most tokens match the treebank's.
  assert.equal(f1('Sentences'), 100);
  assert.ok(f1('Tokens') >= 90 && f1('Tokens') <= 100, `Tokens F1 ${f1('Tokens')}`);
  assert.ok(f1('LAS') <= f1('UAS') && f1('UAS') <= f1('Words'));
});

test('ace eval --model on a dependency bundle prints the CoNLL 2018 UAS/LAS rows', { skip }, async () => {
  const out = await runCommand(registerEval, ['eval', '--model', depBundle, '--data', 'ud-ewt', '--split', 'dev', '--home', home, '--cache-dir', cacheDir]);
  assert.match(out, /^Metric +\| Precision \| +Recall \| +F1 Score \| AligndAcc\n/);
  assert.match(out, /\nUAS +\| +[0-9.]+ \|/);
  assert.match(out, /\nLAS +\| +[0-9.]+ \|/);
  assert.match(out, /Excluding words with gold UPOS PUNCT/);
});

test('an sdp-sample graph model round-trips: predict → SDP file → ace eval --format sdp, and ace eval --model', { skip }, async () => {
  const gold = file('sample.sdp', firstSentences(join(home, 'sdp-sample', 'dm', 'wsj.sdp'), 12));
  assert.equal(guessParseFormat(gold, readFileSync(gold, 'utf8')), 'sdp');
  assert.equal(guessParseFormat('x.txt', '#SDP 2015\n#2000\n'), 'sdp');
  assert.equal(guessParseFormat('x.conllu', '# sent_id = 1\n'), 'conllu');
  const pred = join(root, 'sample.pred.sdp');
  await runCommand(registerPredict, ['predict', '--model', sdpBundle, '--input', gold, '--output', pred, '--cache-dir', cacheDir]);
  const goldSents = parseSdp(readFileSync(gold, 'utf8'), gold);
  const predSents = parseSdp(readFileSync(pred, 'utf8'), pred);
  assert.equal(predSents.length, 12);
  predSents.forEach((p, s) => {
    assert.equal(p.id, goldSents[s].id);
    assert.deepEqual(sdpToGraph(p).words, sdpToGraph(goldSents[s]).words);
  });
  const report = runEval({ format: 'sdp', gold, pred });
  assert.match(report, /## Scores including virtual dependencies to top nodes/);
  assert.match(report, /## Scores excluding virtual dependencies to top nodes/);
  assert.match(report, /\nLF: /);
  // A model trained one epoch keeps few arcs; with its threshold at -∞ it keeps every arc, so every gold arc is found.
  const keepAll = join(root, 'sdp-keep-all');
  cpSync(sdpBundle, keepAll, { recursive: true });
  const model = JSON.parse(readFileSync(join(keepAll, 'model.json'), 'utf8')) as { objective: { threshold: number } };
  model.objective.threshold = -1e30;
  writeFileSync(join(keepAll, 'model.json'), JSON.stringify(model));
  const predAll = join(root, 'sample.all.sdp');
  await runCommand(registerPredict, ['predict', '--model', keepAll, '--input', gold, '--output', predAll, '--cache-dir', cacheDir]);
  parseSdp(readFileSync(predAll, 'utf8'), predAll).forEach((p) => {
    const n = p.rows.length;
    assert.equal(sdpToGraph(p).arcs.length, n * n, `#${p.id}: every head (root and the other words) of every word`);
  });
  const all = runEval({ format: 'sdp', gold, pred: predAll });
  assert.match(all, /including virtual[\s\S]*\nUR: 1\.000000\n[\s\S]*excluding virtual[\s\S]*\nUR: 1\.000000\n/);
  const byModel = await runCommand(registerEval, ['eval', '--model', sdpBundle, '--data', 'sdp-sample', '--split', 'dev', '--home', home, '--cache-dir', cacheDir]);
  assert.match(byModel, /## Scores including virtual dependencies to top nodes[\s\S]*\nLF: [\s\S]*## Scores excluding/);
});

test('parser bundles refuse inputs they cannot serve, with usage errors', { skip }, async () => {
  const conllu = file('one.conllu', '1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n\n');
  const sdp = file('one.sdp', '#SDP 2015\n#1\n1\tHi\thi\tUH\t+\t-\t_\n\n');
  const out = join(root, 'refused.out');
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', sdpBundle, '--text', 'Hi there']), (e: unknown) => e instanceof UsageError && /graph parser/.test(e.message));
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', depBundle, '--input', sdp, '--output', out]), (e: unknown) => e instanceof UsageError && /dependency parser/.test(e.message));
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', depBundle, '--input', conllu, '--output', out, '--format', 'absa']), (e: unknown) => e instanceof UsageError && /--format must be one of conllu, sdp/.test(e.message));
  await assert.rejects(runCommand(registerEval, ['eval', '--model', sdpBundle, '--data', 'sdp-sample', '--split', 'test', '--home', home]), (e: unknown) => e instanceof UsageError && /no test split/.test(e.message));
});
