// Dataset registry: split resolution, held-out dev rule, counts against the published figures, download failure path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, existsSync, readFileSync } from 'node:fs';
import { CONLL2000, parseColumns } from '../../src/formats/conll-column.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { DATASETS, HELD_OUT_EVERY, datasetStatus, loadGraphs, loadTagging, loadTrees } from '../../src/datasets/registry.js';
import { DownloadError, downloadDataset } from '../../src/datasets/download.js';
import { register } from '../../src/cli/data.js';
import { UsageError } from '../../src/util/errors.js';

test('conll2000: dev is every 10th train sentence, train the rest; test as published', { skip: dataSkip() }, async () => {
  const home = dataHome();
  const [train, dev, test_] = await Promise.all([loadTagging(home, 'conll2000', 'train'), loadTagging(home, 'conll2000', 'dev'), loadTagging(home, 'conll2000', 'test')]);
  assert.equal(dev.length, Math.floor(8936 / HELD_OUT_EVERY));
  assert.equal(train.length + dev.length, 8936);
  assert.equal([...train, ...dev].reduce((n, s) => n + s.words.length, 0), 211727);
  assert.equal(test_.length, 2012);
  const file = parseColumns(readFileSync(join(home, 'conll2000/train.txt'), 'utf8'), CONLL2000);
  assert.deepEqual(dev[0].words, file[9].cells.map((c) => c[0]));
  assert.deepEqual(dev[1].words, file[19].cells.map((c) => c[0]));
  assert.deepEqual(train[9].words, file[10].cells.map((c) => c[0]));
  assert.deepEqual(Object.keys(train[0].features ?? {}), ['pos']);
  assert.equal(train[0].tags[0], 'B-NP');
});

test('conll03-en tagging counts match the CoNLL-2003 statistics; ud-ewt dev trees and graphs; tweebank dev', { skip: dataSkip() }, async () => {
  const home = dataHome();
  const dev = await loadTagging(home, 'conll03-en', 'dev');
  assert.deepEqual([dev.length, dev.reduce((n, s) => n + s.words.length, 0)], [3250, 51362]);
  const trees = await loadTrees(home, 'ud-ewt', 'dev');
  assert.deepEqual([trees.length, trees.reduce((n, s) => n + s.words.length, 0)], [2001, 25147]);
  assert.equal(trees.filter((t) => t.heads.filter((h) => h === 0).length === 1).length, 2001);
  const graphs = await loadGraphs(home, 'ud-ewt', 'dev');
  assert.ok(graphs.every((g, i) => g.words.length === trees[i].words.length && g.arcs.length >= g.words.length));
  const tw = await loadTagging(home, 'tweebank2', 'dev');
  assert.deepEqual([tw.length, tw.reduce((n, s) => n + s.words.length, 0)], [710, 11759]);
  await assert.rejects(loadTrees(home, 'tweebank2', 'dev'), UsageError);
  await assert.rejects(loadTagging(home, 'nope', 'dev'), UsageError);
  await assert.rejects(loadGraphs(home, 'sdp-sample', 'test'), UsageError);
});

test('datasetStatus over a partial data home: small datasets counted, others reported missing', { skip: dataSkip() }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'ace-home-'));
  try {
    for (const d of ['sdp-sample', 'semeval2014-laptop']) symlinkSync(join(dataHome(), d), join(home, d));
    const st = await datasetStatus(home);
    assert.deepEqual(st.map((d) => d.name).sort(), Object.keys(DATASETS).sort());
    const byName = new Map(st.map((d) => [d.name, d]));
    assert.equal(byName.get('conll03-en')!.present, false);
    const sdp = byName.get('sdp-sample')!;
    assert.deepEqual(sdp.splits.map((s) => [s.split, s.sentences, s.heldOut]), [['train', 81, true], ['dev', 8, true]]);
    assert.equal(sdp.splits[0].tokens! + sdp.splits[1].tokens!, 1968);
    const absa = byName.get('semeval14-laptop')!;
    assert.deepEqual(absa.splits.map((s) => s.sentences), [3045 - 304, 304, 800]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('download failure is clear and bounded: refused connection, timeout, non-downloadable dataset', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ace-dl-'));
  try {
    const t0 = Date.now();
    await assert.rejects(downloadDataset(home, 'ud-ewt', { baseUrlOverride: 'http://127.0.0.1:59999', timeoutMs: 2000 }), (e: unknown) => e instanceof DownloadError && /127\.0\.0\.1:59999\/en_ewt-ud-train\.conllu failed/.test(e.message) && /failed: .+/.test(e.message));
    // 10.255.255.1 is a non-routable address: the request hangs until the timeout.
    await assert.rejects(downloadDataset(home, 'tweebank2', { baseUrlOverride: 'http://10.255.255.1', timeoutMs: 300 }), (e: unknown) => e instanceof DownloadError && /no answer within 300 ms|failed/.test(e.message));
    assert.ok(Date.now() - t0 < 10_000);
    await assert.rejects(downloadDataset(home, 'conll03-en'), UsageError);
    assert.equal(existsSync(join(home, 'ud-english-ewt')), false);
    // The CLI prints the reason and sets a failing exit code.
    const program = new Command();
    register(program);
    const errs: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
    try {
      await program.parseAsync(['node', 'ace', 'data', 'get', 'ud-ewt', '--home', home, '--base-url', 'http://127.0.0.1:59999', '--timeout', '2000']);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(process.exitCode, 1);
    process.exitCode = 0;
    assert.match(errs.join(''), /ace data get ud-ewt: download of http:\/\/127\.0\.0\.1:59999\/en_ewt-ud-train\.conllu failed/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
