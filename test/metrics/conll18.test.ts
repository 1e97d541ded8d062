// The CoNLL 2018 metrics on a system's own tokenization, checked against the official scorer's test files and unit tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConllu } from '../../src/formats/conllu.js';
import { CONLL18_METRICS, conll18Scores, formatConll18Table, type Conll18Metric, type Conll18Result } from '../../src/metrics/conll18.js';
import { InputError } from '../../src/util/errors.js';
import { CASE_GOLD, CASE_SYS, GOLD, SYS1, SYS2, SYS_SPACE } from './conll18-fixtures.js';

const read = (text: string, name: string) => parseConllu(text, name, { validateDeps: false });
const scores = (gold: string, system: string): Conll18Result => conll18Scores(read(gold, 'gold.conllu'), read(system, 'system.conllu'), { gold: 'gold.conllu', system: 'system.conllu' });

/** Rows "Metric | P | R | F1 | AlignedAcc" of an expected-results file → metric → the printed numbers. */
function expectedTable(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.trim().split('\n').slice(2)) {
    const cells = line.split('|').map((c) => c.trim());
    rows.set(cells[0] as string, cells.slice(1).filter((c) => c !== ''));
  }
  return rows;
}

/** The numbers of our table for the metrics the expected file lists (a 2017 file names UFeats "Feats"). */
function assertTable(r: Conll18Result, expected: string, label: string): void {
  const ours = expectedTable(formatConll18Table(r));
  let checked = 0;
  for (const [name, values] of expectedTable(expected)) {
    const metric = (name === 'Feats' ? 'UFeats' : name) as Conll18Metric;
    if (!CONLL18_METRICS.includes(metric)) continue; // WeightedLAS: 2017 only
    assert.deepEqual(ours.get(metric), values, `${label}: ${name}`);
    checked++;
  }
  assert.ok(checked >= 11, `${label}: ${checked} metrics compared`);
}

// ufal/conll2018 evaluation_script/tests/sys2-expected.results: every metric of the 2018 scorer.
const SYS2_EXPECTED = `Metric     | Precision |    Recall |  F1 Score | AligndAcc
-----------+-----------+-----------+-----------+-----------
Tokens     |     92.86 |     86.67 |     89.66 |
Sentences  |     33.33 |     50.00 |     40.00 |
Words      |     93.33 |     93.33 |     93.33 |
UPOS       |     86.67 |     86.67 |     86.67 |     92.86
XPOS       |     86.67 |     86.67 |     86.67 |     92.86
UFeats     |     86.67 |     86.67 |     86.67 |     92.86
AllTags    |     86.67 |     86.67 |     86.67 |     92.86
Lemmas     |     93.33 |     93.33 |     93.33 |    100.00
UAS        |     73.33 |     73.33 |     73.33 |     78.57
LAS        |     73.33 |     73.33 |     73.33 |     78.57
CLAS       |     70.00 |     70.00 |     70.00 |     70.00
MLAS       |     60.00 |     60.00 |     60.00 |     60.00
BLEX       |     70.00 |     70.00 |     70.00 |     70.00
`;

// ufal/conll2017 evaluation_script/tests/sys1-expected.results (the metrics the 2018 scorer shares with 2017's).
const SYS1_EXPECTED = `Metrics    | Precision |    Recall |  F1 Score | AligndAcc
-----------+-----------+-----------+-----------+-----------
Tokens     |     84.62 |     73.33 |     78.57 |
Sentences  |    100.00 |    100.00 |    100.00 |
Words      |     92.86 |     86.67 |     89.66 |
UPOS       |     92.86 |     86.67 |     89.66 |    100.00
XPOS       |     92.86 |     86.67 |     89.66 |    100.00
Feats      |     92.86 |     86.67 |     89.66 |    100.00
AllTags    |     92.86 |     86.67 |     89.66 |    100.00
Lemmas     |     92.86 |     86.67 |     89.66 |    100.00
UAS        |     92.86 |     86.67 |     89.66 |    100.00
LAS        |     92.86 |     86.67 |     89.66 |    100.00
CLAS       |     90.00 |     90.00 |     90.00 |    100.00
WeightedLAS|     90.29 |     90.29 |     90.29 |    100.00
`;

// ufal/conll2017 evaluation_script/tests/sys-space-expected.results.
const SYS_SPACE_EXPECTED = `Metrics    | Precision |    Recall |  F1 Score | AligndAcc
-----------+-----------+-----------+-----------+-----------
Tokens     |     92.86 |     86.67 |     89.66 |
Sentences  |    100.00 |    100.00 |    100.00 |
Words      |     92.86 |     86.67 |     89.66 |
UPOS       |     92.86 |     86.67 |     89.66 |    100.00
XPOS       |     92.86 |     86.67 |     89.66 |    100.00
Feats      |     92.86 |     86.67 |     89.66 |    100.00
AllTags    |     92.86 |     86.67 |     89.66 |    100.00
Lemmas     |     92.86 |     86.67 |     89.66 |    100.00
UAS        |     78.57 |     73.33 |     75.86 |     84.62
LAS        |     78.57 |     73.33 |     75.86 |     84.62
CLAS       |     77.78 |     70.00 |     73.68 |     87.50
WeightedLAS|     77.42 |     69.90 |     73.47 |     86.75
`;

test('sys2 (split sentences, a multiword token, wrong tags and heads): every 2018 metric as the official scorer prints it', () => {
  const r = scores(GOLD, SYS2);
  assert.equal(formatConll18Table(r), SYS2_EXPECTED);
  assert.deepEqual([r.Words.correct, r.Words.gold, r.Words.system], [14, 15, 15]);
});

test('sys1 (a token glued to its comma, a multiword token) and sys-space (a FORM holding a space): the shared metrics', () => {
  assertTable(scores(GOLD, SYS1), SYS1_EXPECTED, 'sys1');
  assertTable(scores(GOLD, SYS_SPACE), SYS_SPACE_EXPECTED, 'sys-space');
});

test('case: multiword tokens align their words case-insensitively (ufal/conll2017 tests/case-expected.results: all 100)', () => {
  const r = scores(CASE_GOLD, CASE_SYS);
  for (const m of CONLL18_METRICS) assert.equal(r[m].f1, 1, m);
});

/**
 * The scorer's unit tests (TestAlignment in conll18_ud_eval.py): each entry is a token, "abc a b c" a multiword token
 * abc of words a, b, c; every word hangs from the first.
 */
function wordsFile(tokens: readonly string[]): string {
  const lines: string[] = [];
  let n = 0;
  for (const t of tokens) {
    const parts = t.split(' ');
    const row = (form: string): string => `${++n}\t${form}\t_\t_\t_\t_\t${n > 1 ? 1 : 0}\t_\t_\t_`;
    if (parts.length === 1) {
      lines.push(row(t));
    } else {
      lines.push(`${n + 1}-${n + parts.length - 1}\t${parts[0]}\t_\t_\t_\t_\t_\t_\t_\t_`);
      for (const p of parts.slice(1)) lines.push(row(p));
    }
  }
  return `${lines.join('\n')}\n\n`;
}

function assertWords(gold: readonly string[], system: readonly string[], correct: number): void {
  const r = scores(wordsFile(gold), wordsFile(system)).Words;
  const count = (tokens: readonly string[]): number => tokens.reduce((a, t) => a + Math.max(1, t.split(' ').length - 1), 0);
  const g = count(gold);
  const s = count(system);
  const label = `${JSON.stringify(gold)} vs ${JSON.stringify(system)}`;
  assert.deepEqual([r.precision, r.recall, r.f1], [correct / s, correct / g, (2 * correct) / (g + s)], label);
}

test('the scorer\'s alignment unit tests: equal, multiword and misaligned tokenizations', () => {
  assertWords(['a'], ['a'], 1);
  assertWords(['a', 'b', 'c'], ['a', 'b', 'c'], 3);
  assertWords(['abc a b c'], ['a', 'b', 'c'], 3);
  assertWords(['a', 'bc b c', 'd'], ['a', 'b', 'c', 'd'], 4);
  assertWords(['abcd a b c d'], ['ab a b', 'cd c d'], 4);
  assertWords(['abc a b c', 'de d e'], ['a', 'bcd b c d', 'e'], 5);
  assertWords(['abcd'], ['a', 'b', 'c', 'd'], 0);
  assertWords(['abc', 'd'], ['a', 'b', 'c', 'd'], 1);
  assertWords(['a', 'bc', 'd'], ['a', 'b', 'c', 'd'], 2);
  assertWords(['a', 'bc b c', 'd'], ['a', 'b', 'cd'], 2);
  assertWords(['abc a BX c', 'def d EX f'], ['ab a b', 'cd c d', 'ef e f'], 4);
  assertWords(['ab a b', 'cd bc d'], ['a', 'bc', 'd'], 2);
  assertWords(['a', 'bc b c', 'd'], ['ab AX BX', 'cd CX a'], 1);
});

test('texts that differ are refused, naming the system file and where they part', () => {
  assert.throws(() => scores(wordsFile(['a']), wordsFile(['b'])), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.file, 'system.conllu');
    assert.match(err.problem, /from non-space character 1, gold has 'a', this file 'b'/);
    return true;
  });
});
