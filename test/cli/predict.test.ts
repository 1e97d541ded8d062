// Tests `ace predict` (files in their own layout, raw text) and `ace eval --model` on a tiny bundle trained here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { parseAbsa, termsFromTags } from '../../src/formats/absa-xml.js';
import { tokenize, tokenizeText } from '../../src/formats/tokenize.js';
import { createTaggerTask } from '../../src/tasks/tagger/create.js';
import { loadTagger, predictSentences, type LoadedTagger } from '../../src/tasks/tagger/load.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { runPredictFile, runPredictText } from '../../src/tasks/tagger/predict-file.js';
import { guessColumnSpec, guessFormat } from '../../src/formats/guess.js';
import { register as registerEval, runEval } from '../../src/cli/eval.js';
import { evalTagger } from '../../src/tasks/tagger/evaluate.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { runCommand } from '../helpers/run-command.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-predict-'));
const bundle = join(root, 'model');
const cacheDir = join(root, 'cache');
const backend = getBackend();
let tagger: LoadedTagger;

test.before(async () => {
  if (skip) return;
  const task = await createTaggerTask({
    task: 'chunk', data: 'conll2000', candidates: ['casing', 'char'], dataHome: dataHome(), cacheDir, backend,
    limit: 120, architecture: { hidden: 32 }, training: { seed: 5 },
  });
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  await task.trainEpoch();
  await task.saveCheckpoint(bundle);
  tagger = await loadTagger(bundle, { cacheDir, backend });
});
test.after(() => rmSync(root, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
};

// CoNLL-2000 layout (word POS chunk), with a tab-separated line, a CRLF sentence and no final newline.
const conll2000Input =
  'Confidence NN B-NP\nin IN B-PP\nthe DT B-NP\npound NN I-NP\nis VBZ B-VP\nwidely RB I-VP\nexpected VBN I-VP\n. . O\n\n' +
  'Chancellor NNP B-NP\nof IN B-PP\nthe\tDT\tB-NP\nExchequer NNP I-NP\n\n\n' +
  'He PRP B-NP\r\nreckons VBZ B-VP\r\n. . O\r\n\r\n' +
  'Rockwell NNP B-NP\nsaid VBD B-VP\nx O O';

test('format and column layout are guessed from the extension, the content and the column count', () => {
  assert.equal(guessFormat('a.conllu', ''), 'conllu');
  assert.equal(guessFormat('a.XML', ''), 'absa');
  assert.equal(guessFormat('a.txt', '<?xml version="1.0"?>\n<sentences>'), 'absa');
  assert.equal(guessFormat('a.txt', '# sent_id = 1\n1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n'), 'conllu');
  assert.equal(guessFormat('a.txt', '1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n'), 'conllu');
  assert.equal(guessFormat('a.txt', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\n'), 'conll');
  assert.deepEqual(guessColumnSpec('-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\n', 'f').columns, ['word', 'pos', 'chunk', 'ner']);
  assert.deepEqual(guessColumnSpec('EU NNP B-NP\n', 'f').columns, ['word', 'pos', 'chunk']);
  assert.deepEqual(guessColumnSpec('EU\tB-ORG\n', 'f').columns, ['word', 'tag']);
  assert.throws(() => guessColumnSpec('a b c d e\n', 'five.txt'), (e: unknown) => e instanceof InputError && e.file === 'five.txt' && e.where === 1 && /5 columns/.test(e.problem));
  assert.throws(() => guessColumnSpec('\n\n', 'empty.txt'), /no token lines/);
});

test('--input on a CoNLL-2000 file: same layout, only the last column replaced, and ace eval scores it', { skip }, async () => {
  const input = file('in.txt', conll2000Input);
  const output = join(root, 'out', 'pred.txt');
  const r = await runPredictFile(tagger, { input, output });
  assert.deepEqual(r, { format: 'conll', sentences: 4, tokens: 18, columns: 'word pos chunk' });
  const got = readFileSync(output, 'utf8');
  // Split keeping line ends and separators: everything but the last cell of each token line is byte-identical.
  const inLines = conll2000Input.split('\n');
  const outLines = got.split('\n');
  assert.equal(outLines.length, inLines.length);
  const predicted: string[] = [];
  inLines.forEach((line, i) => {
    const o = outLines[i];
    if (line.trim() === '') return assert.equal(o, line);
    const cut = (s: string) => s.replace(/\r$/, '').replace(/[^ \t]+$/, '');
    assert.equal(cut(o), cut(line), `line ${i + 1}`);
    assert.equal(o.endsWith('\r'), line.endsWith('\r'));
    predicted.push(o.replace(/\r$/, '').split(/[ \t]/).pop()!);
  });
  assert.ok(predicted.every((t) => t === 'O' || /^[BI]-[A-Z]+$/.test(t)), predicted.join(' '));
  // The same tags as the API gives.
  const sentences = conll2000Input.split(/\r?\n[ \t]*\r?\n+/).map((b) => ({ words: b.split(/\r?\n/).filter((l) => l !== '').map((l) => l.split(/[ \t]/)[0]), features: { pos: b.split(/\r?\n/).filter((l) => l !== '').map((l) => l.split(/[ \t]/)[1]) } }));
  assert.deepEqual((await predictSentences(tagger, sentences)).flat(), predicted);
  assert.match(runEval({ format: 'conll', gold: input, pred: output }), /^processed 18 tokens with \d+ phrases; found: \d+ phrases; correct: \d+\.\naccuracy: /);
});

test('--input keeps -DOCSTART- lines of a 4-column file and writes its label column', { skip }, async () => {
  const input = file('in.conll03', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n\n');
  const output = join(root, 'out.conll03');
  const r = await runPredictFile(tagger, { input, output });
  assert.equal(r.columns, 'word pos chunk ner');
  assert.equal(r.sentences, 1);
  const lines = readFileSync(output, 'utf8').split('\n');
  assert.equal(lines[0], '-DOCSTART- -X- -X- O');
  assert.deepEqual(lines.slice(2, 6).map((l) => l.split(' ').slice(0, 3).join(' ')), ['EU NNP B-NP', 'rejects VBZ B-VP', 'German JJ B-NP', 'call NN I-NP']);
});

test('--input on CoNLL-U writes UPOS only; on ABSA XML writes terms whose offsets match the text', { skip }, async () => {
  const conllu = '# sent_id = s1\n# text = He reckons.\n1\tHe\the\tX\tPRP\t_\t2\tnsubj\t_\t_\n2\treckons\treckon\tX\tVBZ\t_\t0\troot\t_\tSpaceAfter=No\n3\t.\t.\tX\t.\t_\t2\tpunct\t_\t_\n\n';
  const out = join(root, 'out.conllu');
  assert.equal((await runPredictFile(tagger, { input: file('in.conllu', conllu), output: out })).format, 'conllu');
  const got = readFileSync(out, 'utf8').split('\n');
  conllu.split('\n').forEach((line, i) => {
    if (!/^[0-9]/.test(line)) return assert.equal(got[i], line);
    const a = line.split('\t');
    const b = got[i].split('\t');
    assert.deepEqual([...b.slice(0, 3), ...b.slice(4)], [...a.slice(0, 3), ...a.slice(4)]);
  });

  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<sentences>\n    <sentence id="1">\n        <text>The battery life of the new Toshiba laptop is great, but the keyboard isn\'t.</text>\n' +
    '        <aspectTerms>\n            <aspectTerm term="battery life" polarity="positive" from="4" to="16"/>\n        </aspectTerms>\n    </sentence>\n' +
    '    <sentence id="2">\n        <text>  Screen &amp; speakers: fine.</text>\n    </sentence>\n</sentences>\n';
  const absaOut = join(root, 'out.xml');
  const r = await runPredictFile(tagger, { input: file('in.xml', xml), output: absaOut });
  assert.deepEqual(r, { format: 'absa', sentences: 2, tokens: tokenize(parseAbsa(xml)[0].text).length + 6 });
  // Reading the output back validates every term against the text at its offsets.
  const back = parseAbsa(readFileSync(absaOut, 'utf8'), absaOut);
  const tags = await predictSentences(tagger, parseAbsa(xml).map((s) => ({ words: tokenize(s.text).map((t) => t.text) })));
  back.forEach((s, i) => {
    const expected = termsFromTags(s, tags[i]);
    assert.deepEqual(s.terms ?? [], expected);
    for (const t of s.terms ?? []) assert.equal(s.text.slice(t.from, t.to), t.term);
  });
  assert.ok(back.some((s) => (s.terms ?? []).length > 0), 'a chunker finds some phrases');
});

test('--text prints one word/TAG token per word, one line per input line', { skip }, async () => {
  const text = 'He reckons the current account deficit will narrow.\n\nConfidence in the pound, widely expected!\n';
  const out = await runPredictText(tagger, text);
  const lines = out.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 3);
  assert.equal(lines[1], '');
  text.split('\n').slice(0, 3).forEach((l, i) => {
    const words = tokenizeText(l).map((t) => t.text);
    const toks = lines[i] === '' ? [] : lines[i].split(' ');
    assert.equal(toks.length, words.length);
    toks.forEach((tok, j) => assert.match(tok, new RegExp(`^${words[j].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(O|[BI]-[A-Z]+)$`)));
  });
  // Through the registered command too (model loaded from disk, same tags).
  const viaCli = await runCommand(registerPredict, ['predict', '--model', bundle, '--text', text, '--cache-dir', cacheDir]);
  assert.equal(viaCli, out);
});

test('predict refuses inconsistent options', { skip }, async () => {
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', bundle, '--input', 'x.txt']), (e: unknown) => e instanceof UsageError && /--input needs --output/.test(e.message));
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', bundle, '--input', 'x', '--output', 'y', '--text', 'z']), UsageError);
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', bundle, '--input', 'x', '--output', 'y', '--format', 'sdp']), /--format must be one of/);
  await assert.rejects(runCommand(registerPredict, ['predict', '--model', join(root, 'missing'), '--text', 'hi']), /not found/);
});

test('--output naming the --input file, by its path, another path or a link, is refused and the gold file kept', { skip }, async () => {
  const gold = file('gold.txt', conll2000Input);
  const links = [join(root, 'gold-link.txt'), join(root, 'gold-hard.txt')];
  symlinkSync(gold, links[0] as string);
  linkSync(gold, links[1] as string);
  for (const output of [gold, `${root}/./gold.txt`, ...links]) {
    await assert.rejects(
      runCommand(registerPredict, ['predict', '--model', bundle, '--input', gold, '--output', output, '--cache-dir', cacheDir]),
      (e: unknown) => e instanceof UsageError && e.message.includes(output) && /is the --input file.*overwrite/.test(e.message),
    );
    await assert.rejects(runPredictFile(tagger, { input: links[0] as string, output: gold }), (e: unknown) => e instanceof UsageError && /is the --input file/.test(e.message));
  }
  assert.equal(readFileSync(gold, 'utf8'), conll2000Input);
});

test('ace eval --model prints a conlleval report for a dataset split', { skip }, async () => {
  const out = await runCommand(registerEval, ['eval', '--model', bundle, '--data', 'conll2000', '--split', 'dev', '--home', dataHome(), '--cache-dir', cacheDir]);
  const m = /^processed (\d+) tokens with (\d+) phrases; found: \d+ phrases; correct: \d+\.\naccuracy: +\d+\.\d\d%; precision: +\d+\.\d\d%; recall: +\d+\.\d\d%; FB1: +\d+\.\d\d\n( +[A-Z]+: precision: .*\n)+$/.exec(out);
  assert.ok(m, out);
  // Every 10th sentence of train.txt: 894 sentences, 21k tokens.
  assert.ok(Number(m[1]) > 20000, m[1]);
  assert.match(out, / NP: precision/);
  // The API gives the same report.
  assert.equal(await evalTagger(tagger, { data: 'conll2000', split: 'dev', dataHome: dataHome() }), out);
  await assert.rejects(runCommand(registerEval, ['eval', '--model', bundle]), /--model needs --data/);
  await assert.rejects(runCommand(registerEval, ['eval', '--model', bundle, '--data', 'conll2000', '--gold', 'g']), /does not take --gold/);
  await assert.rejects(runCommand(registerEval, ['eval', '--format', 'conll', '--gold', 'g']), /give --format, --gold and --pred/);
  await assert.rejects(runCommand(registerEval, ['eval', '--format', 'conll', '--gold', 'g', '--pred', 'p', '--data', 'conll2000']), /--data apply to --model only/);
});
