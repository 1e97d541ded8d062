// The candidate pool for the comparison: word, use-tok, pos, compromise-pos, random-a/b, and the contract of every
// trainable kind (gradient checks against finite differences), on toy sentences and on the real corpora.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nlp from 'compromise';
import type { FrozenCandidate, TrainableCandidate } from '../../src/embeddings/candidate.js';
import { compromiseTags, compromiseWordTags } from '../../src/embeddings/compromise-pos.js';
import { buildCandidate, DEFAULT_CANDIDATES, resolveCandidateSpecs } from '../../src/embeddings/registry.js';
import { USE_TOKEN_DIM } from '../../src/embeddings/use-lite.js';
import { UNK_ID } from '../../src/embeddings/id-vocab.js';
import { loadTagging } from '../../src/datasets/registry.js';
import { getBackend } from '../../src/engine/backend/select.js';
import { buildBlockVocabs } from '../../src/tasks/shared/input-blocks.js';
import { createTaggerTask } from '../../src/tasks/tagger/create.js';
import { loadTagger, predictSentences } from '../../src/tasks/tagger/load.js';
import { UsageError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { assertFrozenCandidateContract, assertTrainableCandidateContract, CONTRACT_SENTENCES, CONTRACT_SENTENCES_WITH_POS } from './contract.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-pool-'));
const cacheDir = join(root, 'cache');
test.after(() => rmSync(root, { recursive: true, force: true }));

const frozen = async (name: string): Promise<FrozenCandidate> => {
  const c = await buildCandidate(DEFAULT_CANDIDATES[name], { cacheDir });
  assert.ok(c.frozen, `${name} is frozen`);
  return c;
};
const trainable = async (name: string, options?: Record<string, unknown>): Promise<TrainableCandidate> => {
  const spec = { ...resolveCandidateSpecs([name])[0], ...(options ? { options } : {}) };
  const c = await buildCandidate(spec, { cacheDir });
  assert.ok(!c.frozen, `${name} is trainable`);
  return c;
};

test('built-in names of the pool, each with its kind', () => {
  const kinds = Object.fromEntries(Object.values(DEFAULT_CANDIDATES).map((s) => [s.name, s.kind]));
  assert.deepEqual(kinds, {
    glove: 'static', 'use-l0': 'use-lite', 'use-l1': 'use-lite', char: 'char', casing: 'casing', word: 'word',
    'use-tok': 'use-tokens', pos: 'feature', 'compromise-pos': 'compromise-pos', 'random-a': 'random', 'random-b': 'random',
  });
});

test('trainable contract with gradient checks: char, casing, pos (feature), word', async () => {
  const specs = resolveCandidateSpecs(['char', 'casing', 'pos', 'word']);
  const vocabs = buildBlockVocabs(specs, CONTRACT_SENTENCES_WITH_POS);
  for (const spec of specs) {
    const c = await buildCandidate(spec, { cacheDir });
    assert.ok(!c.frozen);
    assertTrainableCandidateContract(c, vocabs);
  }
  // The word table with every word in the vocabulary, so real (non-unknown) rows are checked too.
  const all = await trainable('word', { minCount: 1, dim: 12 });
  assertTrainableCandidateContract(all, buildBlockVocabs([all.spec], CONTRACT_SENTENCES));
});

test('word: training vocabulary with a frequency cut-off, case kept by default, unknown words share one row', async () => {
  const train = [{ words: ['The', 'cat', 'the', 'cat', 'The', 'dog'] }, { words: ['The', 'end'] }];
  const word = await trainable('word');
  assert.equal(word.dim, 100);
  const vocabs = buildBlockVocabs([word.spec], train);
  assert.deepEqual(vocabs.words, { word: ['The', 'cat'] }, 'minCount 2: "the", "dog", "end" are unknown');
  const lower = await trainable('word', { lowercase: true, minCount: 2 });
  assert.deepEqual(buildBlockVocabs([lower.spec], train).words, { word: ['the', 'cat'] });
  const layer = word.createLayer({ vocabs, backend: getBackend(), rng: new Rng(1) });
  const out = new Float32Array(4 * 100);
  layer.forward({ indices: [0], sentences: [{ words: ['dog', 'The', 'zebra', 'cat'] }], maxLen: 4 }, out);
  const w = layer.params()[0];
  assert.equal(w.name, 'cand.word.weight');
  assert.deepEqual(out.subarray(0, 100), w.value.subarray(UNK_ID * 100, UNK_ID * 100 + 100), 'dog → unknown');
  assert.deepEqual(out.subarray(200, 300), out.subarray(0, 100), 'zebra → the same unknown row');
  assert.deepEqual(out.subarray(100, 200), w.value.subarray(200, 300), 'The → id 2');
  assert.throws(() => word.createLayer({ vocabs: {}, backend: getBackend(), rng: new Rng(1) }), UsageError);
  await assert.rejects(buildCandidate({ name: 'w', kind: 'word', options: { dim: 0 } }, { cacheDir }), UsageError);
});

test('use-tok: frozen contract; a one-piece word is its row of the graph embedding table', async () => {
  const c = await frozen('use-tok');
  assert.equal(c.dim, USE_TOKEN_DIM);
  await assertFrozenCandidateContract(c);
  // Context free: a word's vector does not depend on its neighbours.
  const [a] = await c.embed([{ words: ['the', 'cat'] }]);
  const [b] = await c.embed([{ words: ['a', 'big', 'cat'] }]);
  assert.deepEqual(a.subarray(USE_TOKEN_DIM), b.subarray(2 * USE_TOKEN_DIM));
  // Mean pooling: a word's vector is the mean of its pieces' vectors, first is the first piece's.
  const first = await buildCandidate({ name: 'ut-first', kind: 'use-tokens', options: { pooling: 'first' } }, { cacheDir });
  assert.ok(first.frozen);
  const [long] = await c.embed([{ words: ['antidisestablishmentarianism'] }]);
  const [head] = await first.embed([{ words: ['antidisestablishmentarianism'] }]);
  assert.notDeepEqual(long, head, 'a many-piece word pools several rows');
  await assert.rejects(buildCandidate({ name: 'bad', kind: 'use-tokens', options: { pooling: 'max' } }, { cacheDir }), UsageError);
});

test('random-a and random-b: frozen contract; N(0, 1), fresh per occurrence, reproducible, independent of each other', async () => {
  const a = await frozen('random-a');
  const b = await frozen('random-b');
  assert.equal(a.dim, 100);
  await assertFrozenCandidateContract(a);
  await assertFrozenCandidateContract(b);
  const s = { words: ['the', 'cat', 'the', 'cat'] };
  const [va] = await a.embed([s]);
  const [vb] = await b.embed([s]);
  const [again] = await (await frozen('random-a')).embed([s]);
  assert.deepEqual(again, va, 'a new instance with the same seed draws the same vectors');
  assert.notDeepEqual(va.subarray(0, 100), va.subarray(200, 300), 'the same word twice gets two vectors');
  const [other] = await a.embed([{ words: ['the', 'dog', 'the', 'cat'] }]);
  assert.notDeepEqual(other.subarray(0, 100), va.subarray(0, 100), 'the same word in another sentence gets another vector');
  let corr = 0;
  for (let i = 0; i < va.length; i++) corr += va[i] * vb[i];
  assert.ok(Math.abs(corr / va.length) < 0.15, `random-a and random-b uncorrelated (${corr / va.length})`);
  assert.notEqual(a.configHash, b.configHash);
  // Moments over many tokens.
  const [big] = await a.embed([{ words: Array.from({ length: 500 }, (_, i) => `w${i}`) }]);
  let m = 0;
  let sq = 0;
  for (const x of big) {
    m += x;
    sq += x * x;
  }
  m /= big.length;
  assert.ok(Math.abs(m) < 0.02, `mean ${m}`);
  assert.ok(Math.abs(sq / big.length - 1) < 0.03, `variance ${sq / big.length}`);
  await assert.rejects(buildCandidate({ name: 'r', kind: 'random', options: {} }, { cacheDir }), UsageError);
});

test('compromise-pos: frozen contract; one-hot over compromise tags; its terms mapped back to our tokens by offsets', async () => {
  const c = await frozen('compromise-pos');
  const tags = compromiseTags();
  assert.equal(c.dim, tags.length + 1);
  await assertFrozenCandidateContract(c);
  const [v] = await c.embed([CONTRACT_SENTENCES[0]]);
  for (let i = 0; i < CONTRACT_SENTENCES[0].words.length; i++) {
    assert.equal(v.subarray(i * c.dim, (i + 1) * c.dim).reduce((x, y) => x + y, 0), 1, `word ${i}: one-hot`);
  }
  // The tags are compromise's own: the first ranked tag of the term at each word, also after a non-BMP character.
  const words = ['😀', 'Peter', 'walked', 'quickly', 'to', 'London'];
  const got = compromiseWordTags(words);
  const doc = nlp(words.join(' '));
  doc.compute('tagRank');
  const json = (doc as unknown as { json(o: object): { terms: { text: string; tagRank: string[] }[] }[] }).json({ terms: { tagRank: true } });
  const own = json.flatMap((s) => s.terms);
  words.forEach((w, i) => {
    const t = own.find((x) => x.text === w);
    assert.equal(got[i], t?.tagRank[0] ?? null, w);
  });
  assert.equal(got[2], 'PastTense');
  assert.equal(compromiseWordTags([]).length, 0);
});

test('compromise-pos on CoNLL-2000 agrees with the gold POS column where the classes correspond', { skip }, async () => {
  const dev = (await loadTagging(dataHome(), 'conll2000', 'dev')).slice(0, 300);
  const tagSet = (nlp as unknown as { world(): { model: { one: { tagSet: Record<string, { parents?: string[] }> } } } }).world().model.one.tagSet;
  const is = (tag: string | null, root: string): boolean => tag !== null && (tag === root || (tagSet[tag]?.parents ?? []).includes(root));
  let verbs = 0;
  let verbHits = 0;
  let nouns = 0;
  let nounHits = 0;
  for (const s of dev) {
    const tags = compromiseWordTags(s.words);
    s.features!.pos.forEach((gold, i) => {
      if (gold.startsWith('VB')) {
        verbs++;
        if (is(tags[i], 'Verb')) verbHits++;
      } else if (gold === 'NN' || gold === 'NNS') {
        nouns++;
        if (is(tags[i], 'Noun')) nounHits++;
      }
    });
  }
  // Misaligned offsets would give chance-level agreement; compromise's own accuracy is far above it.
  assert.ok(verbHits / verbs > 0.75, `verbs ${verbHits}/${verbs}`);
  assert.ok(nounHits / nouns > 0.75, `nouns ${nounHits}/${nouns}`);
});

test('pos: the built-in feature over the POS column works on CoNLL-2000 and is refused clearly on data without one', { skip }, async () => {
  const spec = resolveCandidateSpecs(['pos']);
  const train = (await loadTagging(dataHome(), 'conll2000', 'train')).slice(0, 200);
  const vocabs = buildBlockVocabs(spec, train);
  assert.ok(vocabs.features!.pos.includes('NN'));
  const ewt = (await loadTagging(dataHome(), 'ud-ewt', 'train')).slice(0, 20);
  assert.throws(() => buildBlockVocabs(spec, ewt), (e: unknown) => e instanceof UsageError && /candidate pos: the training data has no "pos" column \(its columns besides words and labels: lemma, xpos\)/.test(e.message));
});

test('a tagger with word, use-tok, compromise-pos and random-a trains, caches the frozen ones, and reloads from its bundle', { skip }, async () => {
  const backend = getBackend();
  const names = ['word', 'use-tok', 'compromise-pos', 'random-a'];
  const make = () => createTaggerTask({
    task: 'chunk', data: 'conll2000', candidates: names, dataHome: dataHome(), cacheDir, backend,
    limit: 60, architecture: { hidden: 16 }, training: { seed: 5 },
  });
  const task = await make();
  task.beginEpisode({ selection: names.map(() => true), blockWeighting: 'none' });
  await task.trainEpoch();
  const bundle = join(root, 'pool-model');
  await task.saveCheckpoint(bundle);
  const expected = task.predictSplit('dev');
  const tagger = await loadTagger(bundle, { cacheDir, backend });
  assert.ok((tagger.description.vocabs.words?.word.length ?? 0) > 10, 'the word vocabulary is in the bundle');
  const dev = (await loadTagging(dataHome(), 'conll2000', 'dev')).slice(0, expected.length);
  assert.deepEqual(await predictSentences(tagger, dev), expected);
  // A second task over the same data reads the frozen candidates from the cache.
  const events: string[] = [];
  await createTaggerTask({
    task: 'chunk', data: 'conll2000', candidates: names, dataHome: dataHome(), cacheDir, backend, limit: 60,
    events: { done: (candidate, _set, stats) => events.push(`${candidate}:${stats?.outcome}`) },
  });
  assert.deepEqual([...new Set(events)].sort(), ['compromise-pos:reused', 'random-a:reused', 'use-tok:reused']);
});
