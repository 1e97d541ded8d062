// CoNLL-U: byte-exact round trip of every .conllu in the data home, counts, views, validation errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import {
  conlluToGraph, conlluToTagged, conlluToTree, conlluWithGraph, conlluWithTags, conlluWithTree, countConllu,
  parseConllu, readConllu, serializeConllu, type ConlluSentence,
} from '../../src/formats/conllu.js';
import { InputError } from '../../src/util/errors.js';

const EXPECTED: Record<string, [number, number, number, number]> = {
  'ud-english-ewt/en_ewt-ud-train.conllu': [12544, 204577, 2614, 37],
  'ud-english-ewt/en_ewt-ud-dev.conllu': [2001, 25147, 359, 4],
  'ud-english-ewt/en_ewt-ud-test.conllu': [2077, 25094, 354, 2],
  'tweebank-v2/en-ud-tweet-train.fixed.conllu': [1639, 24753, 0, 0],
  'tweebank-v2/en-ud-tweet-dev.fixed.conllu': [710, 11759, 0, 0],
  'tweebank-v2/en-ud-tweet-test.fixed.conllu': [1201, 19095, 0, 0],
};

function conlluFiles(): string[] {
  const home = dataHome();
  if (!existsSync(home)) return [];
  return readdirSync(home).flatMap((d) => (existsSync(join(home, d)) && !d.includes('.') ? readdirSync(join(home, d)).filter((f) => f.endsWith('.conllu')).map((f) => `${d}/${f}`) : []));
}

test('every .conllu file in the data home streams and re-serializes byte-identically, with the published counts', { skip: dataSkip() }, async () => {
  const files = conlluFiles();
  assert.ok(files.length >= 6);
  for (const rel of files) {
    const file = join(dataHome(), rel);
    const sents: ConlluSentence[] = [];
    // Tweebank v2 puts normalisation features (NormType=...) into column 9, so DEPS is not checked there.
    for await (const s of readConllu(file, { validateDeps: !rel.startsWith('tweebank') })) sents.push(s);
    assert.ok(Buffer.from(serializeConllu(sents), 'utf8').equals(readFileSync(file)), rel);
    const c = countConllu(sents);
    if (EXPECTED[rel]) assert.deepEqual([c.sentences, c.tokens, c.multiword, c.empty], EXPECTED[rel], rel);
  }
});

test('EWT dev: every view writes back to the identical sentence (tags, trees; graphs where no empty node)', { skip: dataSkip() }, () => {
  const sents = parseConllu(readFileSync(join(dataHome(), 'ud-english-ewt/en_ewt-ud-dev.conllu'), 'utf8'));
  let withEmpty = 0;
  for (const s of sents) {
    const tree = conlluToTree(s);
    assert.deepEqual(conlluWithTree(s, tree.heads, tree.rels), s);
    assert.deepEqual(conlluWithTags(s, conlluToTagged(s, 'xpos').tags, 'xpos'), s);
    const g = conlluToGraph(s);
    if (s.tokens.some((t) => t.kind === 'empty')) withEmpty++;
    else assert.deepEqual(conlluWithGraph(s, g.arcs), s, s.id);
    assert.equal(tree.words.length, g.words.length);
  }
  assert.equal(withEmpty, 3); // 4 empty nodes in 3 sentences
});

const DOC = [
  '# sent_id = s1',
  '# text = Don\'t go.',
  '1-2\tDon\'t\t_\t_\t_\t_\t_\t_\t_\t_',
  '1\tDo\tdo\tAUX\tVBP\t_\t3\taux\t3:aux\t_',
  '2\tn\'t\tnot\tPART\tRB\t_\t3\tadvmod\t3:advmod\t_',
  '3\tgo\tgo\tVERB\tVB\t_\t0\troot\t0:root|3.1:nsubj\t_',
  '3.1\tyou\tyou\tPRON\tPRP\t_\t_\t_\t3:conj\t_',
  '4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t3.1:punct\tSpaceAfter=No',
  '',
  '',
].join('\r\n');

test('hand-made sentence: ranges and empty nodes are skipped in views; empty nodes collapse into a>b labels', () => {
  const [s] = parseConllu('\uFEFF' + DOC, 'h.conllu');
  assert.equal(serializeConllu([s]), '\uFEFF' + DOC);
  assert.equal(s.id, 's1');
  const tree = conlluToTree(s);
  assert.deepEqual(tree.words, ['Do', "n't", 'go', '.']);
  assert.deepEqual(tree.heads, [3, 3, 0, 3]);
  assert.deepEqual(tree.rels, ['aux', 'advmod', 'root', 'punct']);
  assert.deepEqual(conlluToTagged(s).tags, ['AUX', 'PART', 'VERB', 'PUNCT']);
  assert.deepEqual(conlluToGraph(s).arcs, [
    { dep: 1, head: 3, label: 'aux' }, { dep: 2, head: 3, label: 'advmod' }, { dep: 3, head: 0, label: 'root' },
    { dep: 3, head: 3, label: 'conj>nsubj' }, { dep: 4, head: 3, label: 'conj>punct' },
  ]);
  const out = conlluWithGraph(s, [{ dep: 4, head: 3, label: 'punct' }, { dep: 3, head: 0, label: 'root' }]);
  assert.equal(out.tokens.length, 5);
  assert.equal(out.tokens[3].cells[8], '0:root');
  assert.equal(out.tokens[1].cells[8], '_');
});

function rejects(text: string, line: number, re: RegExp): void {
  assert.throws(() => parseConllu(text, 'bad.conllu'), (e: unknown) => e instanceof InputError && e.file === 'bad.conllu' && e.where === line && re.test(e.problem), `${re}`);
}

test('validation: columns, ids, head range, roots, cycles, DEPS heads, empty file', () => {
  const row = (id: string, head: string, deps = '_'): string => `${id}\tw\tw\tX\tX\t_\t${head}\tdep\t${deps}\t_`;
  rejects(['# c', row('1', '0'), '2\tw\tw'].join('\n') + '\n', 3, /expected 10 tab-separated columns, found 3/);
  rejects([row('1', '0'), row('x', '1')].join('\n'), 2, /bad token id 'x'/);
  rejects([row('1', '0'), row('3', '1')].join('\n'), 2, /out of sequence/);
  rejects([row('1', '0'), row('2', '5')].join('\n'), 2, /HEAD 5 out of range/);
  rejects([row('1', '0'), row('2', 'a')].join('\n'), 2, /not an integer/);
  rejects(['', row('1', '0'), row('2', '0')].join('\n'), 2, /exactly one root, found 2/);
  rejects([row('1', '2'), row('2', '1')].join('\n'), 1, /exactly one root, found 0/);
  rejects([row('1', '0'), row('2', '3'), row('3', '2')].join('\n'), 1, /cycle/);
  rejects([row('1', '0', '0:root'), row('2', '1', '4.1:x')].join('\n'), 2, /DEPS head 4.1 does not exist/);
  assert.throws(() => parseConllu('', 'e.conllu'), (e: unknown) => e instanceof InputError && e.file === 'e.conllu' && /empty file/.test(e.problem));
  // Tree validation can be switched off for files with several roots (original Tweebank).
  assert.equal(parseConllu([row('1', '0'), row('2', '0')].join('\n'), 'x', { validateTree: false }).length, 1);
  const [loose] = parseConllu(row('1', '0', 'NormType=x'), 'x', { validateDeps: false });
  assert.throws(() => conlluToGraph(loose), /bad DEPS entry 'NormType=x'/);
});

test("a word whose HEAD is '_' has no tree view: an error naming file and line, unless the heads are placeholders", () => {
  const text = [
    '# sent_id = a', '1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_', '2\tdog\tdog\tNOUN\tNN\t_\t0\troot\t_\t_', '',
    '# sent_id = b', '# text = It ran', '1\tIt\tit\tPRON\tPRP\t_\t_\t_\t_\t_', '2\tran\trun\tVERB\tVBD\t_\t_\t_\t_\t_', '',
  ].join('\n');
  const sents = parseConllu(text, 'heads.conllu');
  assert.deepEqual(conlluToTree(sents[0]!, 'heads.conllu').heads, [2, 0]);
  assert.throws(
    () => conlluToTree(sents[1]!, 'heads.conllu'),
    (e: unknown) => e instanceof InputError && e.file === 'heads.conllu' && e.where === 7 && /word 1 'It' has no HEAD \('_', as 1 more words/.test(e.problem),
  );
  assert.deepEqual(conlluToTree(sents[1]!, 'heads.conllu', { missingHeads: 'allow' }).heads, [-1, -1]);
});
