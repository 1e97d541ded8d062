// Tests that the aspect tagger (task ae) scores terms by character offsets, equal to `ace predict` + `ace eval --format absa`
// (the SemEval-14 scorer), on a hand-made case where token-span F1 and offset F1 differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../../src/engine/backend/select.js';
import { fileDataset, loadTagging } from '../../src/datasets/registry.js';
import { absaWithTerms, parseAbsa, serializeAbsa, termsFromTags } from '../../src/formats/absa-xml.js';
import { conllevalScore } from '../../src/metrics/spans.js';
import { createTaggerTask } from '../../src/tasks/tagger/create.js';
import { loadTagger } from '../../src/tasks/tagger/load.js';
import { runPredictFile } from '../../src/tasks/tagger/predict-file.js';
import { runEval } from '../../src/cli/eval.js';

const root = mkdtempSync(join(tmpdir(), 'ace-aspect-score-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const sentence = (id: number, text: string, terms: [string, number][]): string =>
  `    <sentence id="${id}">\n        <text>${text}</text>\n` +
  (terms.length === 0 ? '' : `        <aspectTerms>\n${terms.map(([t, from]) => `            <aspectTerm term="${t}" polarity="neutral" from="${from}" to="${from + t.length}"/>\n`).join('')}        </aspectTerms>\n`) +
  '    </sentence>\n';

// Sentence 1's term starts inside the token "manyLegacy": tagging it B I is a correct span for conlleval, but its
// offsets (0–19) are not the gold term's (4–19). Sentence 3 lists one term twice; the official scorer counts it once.
const XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<sentences>\n' +
  sentence(1, 'manyLegacy programs run fine', [['Legacy programs', 4]]) +
  sentence(2, 'The battery life is great', [['battery life', 4]]) +
  sentence(3, 'Great screen and screen colors', [['screen', 6], ['screen', 6]]) +
  sentence(4, 'The keyboard feels cheap', [['keyboard', 4]]) +
  '</sentences>\n';

const F1 = (report: string): number => Number(/F1: ([\d.]+)/.exec(report)?.[1]);

test('task ae scores by character offsets: equal to the ABSA file scorer where span F1 differs', async () => {
  const gold = join(root, 'gold.xml');
  writeFileSync(gold, XML);
  const data = fileDataset({ train: gold, dev: gold, test: gold }).name;
  const backend = getBackend();
  const task = await createTaggerTask({
    task: 'ae', data, candidates: ['casing', 'char'], dataHome: root, cacheDir: join(root, 'cache'), backend,
    architecture: { hidden: 8 }, training: { seed: 2 },
  });
  task.beginEpisode({ selection: [true, true], blockWeighting: 'none' });
  const sents = await loadTagging(root, data, 'test');
  const absa = parseAbsa(XML, gold);

  // Predictions chosen by hand, scored through the task (scoreVote of one member is the task's own score) and as files.
  const cases: string[][][] = [
    sents.map((s) => s.tags), // the gold tags: span F1 100, offsets miss sentence 1's term
    [['B-ASP', 'I-ASP', 'O', 'O'], ['O', 'B-ASP', 'O', 'O', 'O'], ['O', 'B-ASP', 'O', 'B-ASP', 'I-ASP'], ['O', 'O', 'O', 'O']],
  ];
  for (const pred of cases) {
    const file = join(root, 'pred.xml');
    writeFileSync(file, serializeAbsa(absa.map((s, i) => absaWithTerms(s, termsFromTags(s, pred[i] as string[])))));
    const official = F1(runEval({ format: 'absa', gold, pred: file }));
    const byTask = (await task.scoreVote([pred], 'test')).score;
    assert.equal(byTask.toFixed(2), official.toFixed(2));
    const spanF1 = 100 * conllevalScore(sents.map((s) => s.tags), pred).overall.f1;
    assert.notEqual(spanF1.toFixed(2), official.toFixed(2), 'the case tells the two scores apart');
  }
  assert.equal(F1(runEval({ format: 'absa', gold, pred: gold })), 100);

  // evaluate() (what training logs, search.json and reports print) equals predict + eval of the same model.
  for (let e = 0; e < 3; e++) await task.trainEpoch();
  const bundle = join(root, 'model');
  await task.saveCheckpoint(bundle);
  const tagger = await loadTagger(bundle, { cacheDir: join(root, 'cache'), backend });
  const out = join(root, 'predicted.xml');
  await runPredictFile(tagger, { input: gold, output: out });
  await tagger.dispose();
  assert.equal((await task.evaluate('test')).score.toFixed(2), F1(runEval({ format: 'absa', gold, pred: out })).toFixed(2));
});
