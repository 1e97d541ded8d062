// Tests `ace eval` end to end on small hand-made files (exact report text), real data, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register, runEval } from '../../src/cli/eval.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const dir = mkdtempSync(join(tmpdir(), 'ace-eval-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const goldConll = file('gold.conll', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n');
const predConll = file('pred.conll', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP I-MISC\n\nPeter NNP B-NP B-LOC\nBlackburn NNP I-NP I-PER\n\n');

test('conll: conlleval report over the last column, -DOCSTART- not counted', () => {
  // Gold: ORG[0] MISC[2] | PER[0,2). Pred: ORG[0] MISC[2,4) (boundary wrong) | LOC[0] PER[1] (I-PER after B-LOC starts).
  assert.equal(
    runEval({ format: 'conll', gold: goldConll, pred: predConll }),
    'processed 6 tokens with 3 phrases; found: 4 phrases; correct: 1.\n' +
      'accuracy:  50.00%; precision:  25.00%; recall:  33.33%; FB1:  28.57\n' +
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n' +
      '             MISC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n' +
      '              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n' +
      '              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n',
  );
});

test('conll: bad tags and misaligned files fail naming file and line', () => {
  const bad = file('bad.conll', 'EU NNP B-NP B-ORG\nrejects VBZ B-VP X-ORG\n\n');
  const g2 = file('g2.conll', 'EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n');
  assert.throws(
    () => runEval({ format: 'conll', gold: g2, pred: bad }),
    (e: unknown) => e instanceof InputError && e.file === bad && e.where === 2 && /tag 'X-ORG'/.test(e.problem),
  );
  const bioes = file('bioes.conll', 'EU NNP B-NP S-ORG\nrejects VBZ B-VP O\n\n');
  assert.throws(() => runEval({ format: 'conll', gold: g2, pred: bioes, scheme: 'iob1' }), (e: unknown) => e instanceof InputError && e.where === 1);
  assert.match(runEval({ format: 'conll', gold: g2, pred: bioes, scheme: 'bioes' }), /found: 1 phrases; correct: 1\./);
  const otherWord = file('other.conll', 'EU NNP B-NP B-ORG\naccepts VBZ B-VP O\n\n');
  assert.throws(() => runEval({ format: 'conll', gold: g2, pred: otherWord }), (e: unknown) => e instanceof InputError && e.file === otherWord && e.where === 2);
  assert.throws(() => runEval({ format: 'conll', gold: g2, pred: join(dir, 'missing') }), (e: unknown) => e instanceof InputError && /cannot read/.test(e.problem));
});

const conllu = (heads: number[], rels: string[]): string =>
  '# sent_id = s1\n' +
  ['They', 'were', 'seen', '.'].map((w, i) => `${i + 1}\t${w}\t_\t${i === 3 ? 'PUNCT' : 'X'}\t_\t_\t${heads[i]}\t${rels[i]}\t_\t_`).join('\n') +
  '\n\n';

test('conllu: the CoNLL 2018 table (conll18_ud_eval.py -v) and the punctuation-excluded line', () => {
  const gold = file('gold.conllu', conllu([3, 3, 0, 3], ['nsubj:pass', 'aux:pass', 'root', 'punct']));
  const pred = file('pred.conllu', conllu([3, 3, 0, 2], ['nsubj', 'aux', 'root', 'punct']));
  // Same words: everything but the '.' head is right; CLAS, MLAS and BLEX count the content words They and seen.
  const full = (name: string): string => `${name.padEnd(11)}|    100.00 |    100.00 |    100.00 |\n`;
  const aligned = (name: string, x: string): string => `${name.padEnd(11)}|${x.padStart(10)} |${x.padStart(10)} |${x.padStart(10)} |${x.padStart(10)}\n`;
  assert.equal(
    runEval({ format: 'conllu', gold, pred }),
    'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' +
      '-----------+-----------+-----------+-----------+-----------\n' +
      full('Tokens') + full('Sentences') + full('Words') +
      ['UPOS', 'XPOS', 'UFeats', 'AllTags', 'Lemmas'].map((m) => aligned(m, '100.00')).join('') +
      aligned('UAS', '75.00') + aligned('LAS', '75.00') +
      ['CLAS', 'MLAS', 'BLEX'].map((m) => aligned(m, '100.00')).join('') +
      '\nExcluding words with gold UPOS PUNCT (3 of 4 words): UAS 100.00  LAS 100.00\n' +
      '\nPer gold relation:\n' +
      'relation    words     UAS     LAS\n' +
      '----------  -----  ------  ------\n' +
      'aux:pass        1  100.00  100.00\n' +
      'nsubj:pass      1  100.00  100.00\n' +
      'punct           1    0.00    0.00\n' +
      'root            1  100.00  100.00\n',
  );
});

test('conllu: a system\'s own tokenization and sentence split are aligned by characters, not refused', () => {
  const row = (id: number, form: string, head: number, rel: string): string => `${id}\t${form}\t_\tX\t_\t_\t${head}\t${rel}\t_\t_`;
  const gold = file('tok-gold.conllu', [row(1, 'They', 2, 'nsubj'), row(2, "can't", 0, 'root'), row(3, '.', 2, 'punct'), '', row(1, 'Go', 0, 'root'), row(2, '!', 1, 'punct'), '', ''].join('\n'));
  // One sentence, "can't" split in two, "." glued to "Go".
  const pred = file('tok-pred.conllu', [row(1, 'They', 2, 'nsubj'), row(2, 'ca', 0, 'root'), row(3, "n't", 2, 'advmod'), row(4, '.Go', 2, 'punct'), row(5, '!', 4, 'punct'), '', ''].join('\n'));
  const report = runEval({ format: 'conllu', gold, pred });
  const cells = (name: string): string[] => (new RegExp(`^${name} +\\|(.*)$`, 'm').exec(report)?.[1] ?? '').split('|').map((c) => c.trim());
  // Tokens: They and ! of 5 gold, 5 system. Sentences: none equal. Words: They and ! align.
  assert.deepEqual(cells('Tokens').slice(0, 3), ['40.00', '40.00', '40.00']);
  assert.deepEqual(cells('Sentences').slice(0, 3), ['0.00', '0.00', '0.00']);
  assert.deepEqual(cells('Words').slice(0, 3), ['40.00', '40.00', '40.00']);
  // They's head can't is not aligned; ! hangs from the aligned-to-nothing .Go in the system.
  assert.deepEqual(cells('UAS'), ['0.00', '0.00', '0.00', '0.00']);
  assert.match(report, /The words differ from gold: they are aligned by characters/);
  const other = file('tok-other.conllu', [row(1, 'Them', 0, 'root'), '', ''].join('\n'));
  assert.throws(() => runEval({ format: 'conllu', gold, pred: other }), (e: unknown) => e instanceof InputError && e.file === other && /from non-space character 4, gold has 'ycan't\.Go!', this file 'm'/.test(e.problem));
});

test('sdp: blocks with and without top arcs', { skip: dataSkip() }, () => {
  const goldPath = join(dataHome(), 'sdp-sample', 'dm', 'wsj.sdp');
  // Prediction: every TOP flag cleared, everything else gold.
  const text = readFileSync(goldPath, 'utf8')
    .split('\n')
    .map((l) => {
      const c = l.split('\t');
      if (c.length >= 7 && /^\d+$/.test(c[0] as string)) c[4] = '-';
      return c.join('\t');
    })
    .join('\n');
  const pred = file('pred.sdp', text);
  const report = runEval({ format: 'sdp', gold: goldPath, pred });
  const blocks = report.split('## Scores ').slice(1);
  assert.equal(blocks.length, 2);
  assert.match(blocks[0] as string, /^including/);
  const num = (b: string, key: string): number => Number(new RegExp(`^${key}: (.*)$`, 'm').exec(b)?.[1]);
  // With tops: recall loses exactly the top arcs, precision stays 1. Without: perfect.
  const goldEdges = num(blocks[0] as string, 'Number of edges in gold standard');
  const predEdges = num(blocks[0] as string, 'Number of edges in system output');
  const tops = goldEdges - predEdges;
  const topFlags = readFileSync(goldPath, 'utf8').split('\n').filter((l) => l.split('\t')[4] === '+').length;
  assert.equal(tops, topFlags);
  assert.ok(tops > 0);
  assert.equal(num(blocks[0] as string, 'LP'), 1);
  assert.equal(num(blocks[0] as string, 'LR'), Number((predEdges / goldEdges).toFixed(6)));
  // Exact match with tops only for sentences that have no top node.
  const sentences = readFileSync(goldPath, 'utf8').split(/\n\n+/).filter((b) => /^#\d/m.test(b));
  const withoutTop = sentences.filter((b) => !b.split('\n').some((l) => l.split('\t')[4] === '+')).length;
  assert.equal(num(blocks[0] as string, 'LM'), Number((withoutTop / sentences.length).toFixed(6)));
  assert.equal(num(blocks[1] as string, 'LF'), 1);
  assert.equal(num(blocks[1] as string, 'UM'), 1);
});

test('absa: term-level P/R/F1 by exact character offsets; --scheme only for conll', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-eval-absa-'));
  const xml = (terms: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sentences>\n    <sentence id="1">\n        <text>The battery life and the screen are great.</text>\n        <aspectTerms>\n${terms}        </aspectTerms>\n    </sentence>\n</sentences>\n`;
  const term = (t: string, from: number, to: number) => `            <aspectTerm term="${t}" polarity="positive" from="${from}" to="${to}"/>\n`;
  writeFileSync(join(dir, 'gold.xml'), xml(term('battery life', 4, 16) + term('screen', 25, 31)));
  // One exact match, one boundary error ("battery" alone): precision 1/2, recall 1/2.
  writeFileSync(join(dir, 'pred.xml'), xml(term('battery', 4, 11) + term('screen', 25, 31)));
  const out = runEval({ format: 'absa', gold: join(dir, 'gold.xml'), pred: join(dir, 'pred.xml') });
  assert.match(out, /gold 2; predicted 2; correct 1\./);
  assert.match(out, /precision: 50\.00%; recall: 50\.00%; F1: 50\.00/);
  rmSync(dir, { recursive: true, force: true });
  assert.throws(() => runEval({ format: 'sdp', gold: goldConll, pred: predConll, scheme: 'iob2' }), UsageError);
});

test('registered command parses options and prints the report', async () => {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['eval', '--format', 'conll', '--gold', goldConll, '--pred', predConll, '--scheme', 'iob2'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  assert.match(out, /^processed 6 tokens with 3 phrases; found: 4 phrases; correct: 1\.\n/);
  assert.throws(() => program.parse(['eval', '--format', 'xml', '--gold', 'a', '--pred', 'b'], { from: 'user' }), /--format must be one of/);
});

test('conll on real data: CoNLL-2003 test scored against itself gives the published phrase counts', { skip: dataSkip() }, () => {
  const g = join(dataHome(), 'conll2003-en', 'eng.testb');
  const report = runEval({ format: 'conll', gold: g, pred: g, scheme: 'iob1' });
  assert.match(report, /^processed 46435 tokens with 5648 phrases; found: 5648 phrases; correct: 5648\.\n/);
  assert.match(report, /LOC: precision: 100\.00%; recall: 100\.00%; FB1: 100\.00  1668\n/);
  assert.match(report, /PER: precision: 100\.00%; recall: 100\.00%; FB1: 100\.00  1617\n/);
});
