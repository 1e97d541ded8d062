// Tests conlleval-equivalent span scoring: hand-counted cases, the printed report, brute force and real CoNLL-2000 data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunkEnds, chunkStarts, conllevalScore, extractSpans, formatConllevalReport, splitTag } from '../../src/metrics/spans.js';
import { Rng } from '../../src/util/rng.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

test('splitTag splits at the first hyphen like conlleval', () => {
  assert.deepEqual(splitTag('B-NP'), { prefix: 'B', type: 'NP' });
  assert.deepEqual(splitTag('I-B-X'), { prefix: 'I', type: 'B-X' });
  assert.deepEqual(splitTag('O'), { prefix: 'O', type: '' });
  assert.deepEqual(splitTag('B-0'), { prefix: 'B', type: '' });
});

test('start/end rules: I after O starts, I-X after B-Y starts, B after I ends', () => {
  const t = splitTag;
  assert.equal(chunkStarts(t('O'), t('I-X')), true);
  assert.equal(chunkStarts(t('B-Y'), t('I-X')), true);
  assert.equal(chunkEnds(t('B-Y'), t('I-X')), true);
  assert.equal(chunkStarts(t('B-X'), t('I-X')), false);
  assert.equal(chunkEnds(t('B-X'), t('I-X')), false);
  assert.equal(chunkEnds(t('I-X'), t('B-X')), true);
  assert.equal(chunkStarts(t('I-X'), t('B-X')), true);
  assert.equal(chunkEnds(t('I-X'), t('O')), true);
  assert.equal(chunkStarts(t('O'), t('O')), false);
});

test('IOB2 hand-counted case: I after O, I-X after B-Y, type mismatch, boundary mismatch', () => {
  //            0     1     2    3     4     5     6     7    8
  const gold = words('B-PER I-PER O   B-LOC O     B-ORG I-ORG O   B-MISC');
  const pred = words('B-PER I-PER O   I-LOC O     B-ORG O     O   B-LOC');
  // Gold phrases: PER[0,2) LOC[3,4) ORG[5,7) MISC[8,9) = 4.
  // Pred phrases: PER[0,2) LOC[3,4) (I after O starts) ORG[5,6) (boundary mismatch) LOC[8,9) (type mismatch) = 4.
  // Correct: PER, LOC = 2. Tags right: 0,1,2,4,5,7 = 6 of 9 (I-LOC != B-LOC).
  const r = conllevalScore([gold], [pred]);
  assert.equal(r.tokens, 9);
  assert.equal(r.correctTags, 6);
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [4, 4, 2]);
  assert.equal(r.overall.precision, 0.5);
  assert.equal(r.overall.f1, 0.5);
  assert.deepEqual([...r.byType.keys()], ['LOC', 'MISC', 'ORG', 'PER']);
  const loc = r.byType.get('LOC');
  assert.deepEqual([loc?.gold, loc?.predicted, loc?.correct], [1, 2, 1]);
  const misc = r.byType.get('MISC');
  assert.deepEqual([misc?.gold, misc?.predicted, misc?.correct, misc?.precision, misc?.f1], [1, 0, 0, 0, 0]);
});

test('I-X right after B-Y starts a new phrase of type X', () => {
  const gold = words('B-Y I-Y I-Y');
  const pred = words('B-Y I-X I-X');
  // pred phrases: Y[0,1) X[1,3); gold: Y[0,3). None correct.
  const r = conllevalScore([gold], [pred]);
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [1, 2, 0]);
  assert.deepEqual(extractSpans(pred), [
    { type: 'Y', start: 0, end: 1 },
    { type: 'X', start: 1, end: 3 },
  ]);
});

test('IOB1: B- only separates adjacent phrases of one type', () => {
  const gold = words('I-PER I-PER B-PER O I-LOC');
  assert.deepEqual(extractSpans(gold), [
    { type: 'PER', start: 0, end: 2 },
    { type: 'PER', start: 2, end: 3 },
    { type: 'LOC', start: 4, end: 5 },
  ]);
  // Same phrases written in IOB2 score perfectly against the IOB1 gold.
  const r = conllevalScore([gold], [words('B-PER I-PER B-PER O B-LOC')]);
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [3, 3, 3]);
  assert.equal(r.correctTags, 3); // tags differ at 0 and 4 though the phrases agree
});

test('BIOES: S- and E- close phrases; E-X B-X are two phrases', () => {
  assert.deepEqual(extractSpans(words('B-X E-X S-X S-X B-X I-X E-X B-X E-X')), [
    { type: 'X', start: 0, end: 2 },
    { type: 'X', start: 2, end: 3 },
    { type: 'X', start: 3, end: 4 },
    { type: 'X', start: 4, end: 7 },
    { type: 'X', start: 7, end: 9 },
  ]);
  const r = conllevalScore([words('B-X E-X S-Y')], [words('B-X I-X S-Y')]);
  // pred: X[0,2) ends at the S- (I then S), Y[2,3): both correct.
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [2, 2, 2]);
});

test('sentence boundaries end phrases', () => {
  const r = conllevalScore([words('O I-X'), words('I-X O')], [words('O I-X'), words('I-X O')]);
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [2, 2, 2]);
  // One phrase spanning the boundary would have been counted once.
  const joined = conllevalScore([words('O I-X I-X O')], [words('O I-X I-X O')]);
  assert.equal(joined.overall.gold, 1);
});

test('empty prediction and empty gold score 0 and print 0.00 as conlleval does', () => {
  const empty = conllevalScore([words('B-X I-X O')], [words('O O O')]);
  assert.deepEqual([empty.overall.precision, empty.overall.recall, empty.overall.f1], [0, 0, 0]);
  assert.equal(
    formatConllevalReport(empty),
    'processed 3 tokens with 1 phrases; found: 0 phrases; correct: 0.\n' +
      'accuracy:  33.33%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n' +
      '                X: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n',
  );
  const noGold = conllevalScore([words('O O')], [words('B-X O')]);
  assert.deepEqual([noGold.overall.gold, noGold.overall.predicted, noGold.overall.precision, noGold.overall.recall, noGold.overall.f1], [0, 1, 0, 0, 0]);
  assert.equal(formatConllevalReport(conllevalScore([], [])), 'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n');
});

test('report layout and exact-tie rounding (12.125 prints 12.12 as Perl printf does)', () => {
  // 800 predicted single-word X phrases, 97 of them right; gold has 97 X phrases plus 3 LONGTYPENAME_OVER_17.
  const gold: string[][] = [];
  const pred: string[][] = [];
  for (let i = 0; i < 800; i++) {
    gold.push([i < 97 ? 'B-X' : 'O']);
    pred.push(['B-X']);
  }
  for (let i = 0; i < 3; i++) {
    gold.push(['B-LONGTYPENAME_OVER_17']);
    pred.push(['O']);
  }
  const r = conllevalScore(gold, pred);
  // precision 100*97/800 = 12.125 exactly; recall 100*97/100 = 97; FB1 = 2*12.125*97/109.125 = 21.555...
  assert.equal(
    formatConllevalReport(r),
    'processed 803 tokens with 100 phrases; found: 800 phrases; correct: 97.\n' +
      'accuracy:  12.08%; precision:  12.12%; recall:  97.00%; FB1:  21.56\n' +
      'LONGTYPENAME_OVER_17: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n' +
      '                X: precision:  12.12%; recall: 100.00%; FB1:  21.63  800\n',
  );
});

test('brute force: the conlleval state machine agrees with exact span matching on random tag sequences', () => {
  const rng = new Rng(7);
  const tagSet = ['O', 'O', 'B-X', 'I-X', 'E-X', 'S-X', 'B-Y', 'I-Y', 'E-Y', 'S-Y'];
  for (let trial = 0; trial < 300; trial++) {
    const gold: string[][] = [];
    const pred: string[][] = [];
    for (let s = 0; s < 1 + rng.int(3); s++) {
      const n = rng.int(8);
      gold.push(Array.from({ length: n }, () => tagSet[rng.int(tagSet.length)] as string));
      pred.push(Array.from({ length: n }, () => tagSet[rng.int(tagSet.length)] as string));
    }
    const r = conllevalScore(gold, pred);
    let g = 0;
    let p = 0;
    let c = 0;
    gold.forEach((gs, s) => {
      const key = (x: { type: string; start: number; end: number }): string => `${x.type}/${x.start}/${x.end}`;
      const gk = new Set(extractSpans(gs).map(key));
      const pk = extractSpans(pred[s] as string[]).map(key);
      g += gk.size;
      p += pk.length;
      c += pk.filter((k) => gk.has(k)).length;
    });
    assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct], [g, p, c], JSON.stringify({ gold, pred }));
  }
});

test('ragged input names the sentence', () => {
  assert.throws(() => conllevalScore([['O'], ['O', 'O']], [['O'], ['O']]), /sentence 2: gold has 2 tags, prediction has 1/);
});

test('CoNLL-2000 test set: self-score and perturbed tags match an independent hand count', { skip: dataSkip() }, () => {
  const text = readFileSync(join(dataHome(), 'conll2000', 'test.txt'), 'utf8');
  const gold: string[][] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.length) gold.push(cur);
      cur = [];
    } else cur.push(line.split(' ').at(-1) as string);
  }
  if (cur.length) gold.push(cur);

  // The figure conlleval prints for this file: "processed 47377 tokens with 23852 phrases".
  const self = conllevalScore(gold, gold);
  assert.deepEqual([self.tokens, self.overall.gold, self.overall.predicted, self.overall.correct, self.correctTags], [47377, 23852, 23852, 23852, 47377]);

  // Perturb: retype some B- tags, turn B- into I-, O into I-NP, I- into B-.
  const rng = new Rng(2000);
  const pred = gold.map((s) =>
    s.map((tag) => {
      if (rng.float() > 0.08) return tag;
      const [prefix, type] = tag === 'O' ? ['O', ''] : [tag.slice(0, 1), tag.slice(2)];
      const k = rng.int(3);
      if (prefix === 'O') return 'I-NP';
      if (prefix === 'B') return k === 0 ? `B-${type === 'NP' ? 'VP' : 'NP'}` : k === 1 ? `I-${type}` : 'O';
      return k === 0 ? `B-${type}` : k === 1 ? `I-${type === 'NP' ? 'PP' : 'NP'}` : tag;
    }),
  );

  // Independent count: a phrase begins at any non-O tag whose prefix is B or whose previous tag is O or of another type.
  const phrases = (tags: string[]): Set<string> => {
    const out = new Set<string>();
    let start = -1;
    let type = '';
    tags.forEach((tag, i) => {
      const t = tag === 'O' ? '' : tag.slice(2);
      const begins = tag !== 'O' && (tag.startsWith('B-') || t !== type);
      if (start >= 0 && (tag === 'O' || begins)) {
        out.add(`${type}:${start}:${i}`);
        start = -1;
      }
      if (begins) start = i;
      type = t;
    });
    if (start >= 0) out.add(`${type}:${start}:${tags.length}`);
    return out;
  };
  let g = 0;
  let p = 0;
  let c = 0;
  let tagsRight = 0;
  const perType = new Map<string, number>();
  gold.forEach((gs, s) => {
    const ps = pred[s] as string[];
    const gp = phrases(gs);
    const pp = phrases(ps);
    g += gp.size;
    p += pp.size;
    for (const k of pp) {
      if (gp.has(k)) {
        c++;
        const t = k.split(':')[0] as string;
        perType.set(t, (perType.get(t) ?? 0) + 1);
      }
    }
    gs.forEach((t, i) => (tagsRight += t === ps[i] ? 1 : 0));
  });
  const r = conllevalScore(gold, pred);
  assert.ok(c < g && c < p && c > g / 2, 'the perturbation should leave a partly correct prediction');
  assert.deepEqual([r.overall.gold, r.overall.predicted, r.overall.correct, r.correctTags], [g, p, c, tagsRight]);
  for (const [t, n] of perType) assert.equal(r.byType.get(t)?.correct, n, t);
  assert.match(formatConllevalReport(r), /^processed 47377 tokens with 23852 phrases; found: \d+ phrases; correct: \d+\.\n/);
});
