// Embedding throughput: words/s of the default candidates, and of a BERT-base-shaped ONNX model against PyTorch.
/*
 * Usage: node --import tsx bench/embed.ts [--sentences 1000] [--batch-size 16] [--no-bert] [--json]
 *                                         [--candidates glove,use-l0,use-l1]
 *                                         [--bert-layers 12 --bert-hidden 768 --bert-heads 12 --bert-vocab 30000] [--bert-threads 2]
 * Sentences: the first N of UD English EWT train (FORM column). `cache B/token` is the size on disk of the cache entry
 * (float16 vectors + manifest) each frozen candidate's vectors make, per token. The random-weight BERT is generated once with
 * Debian's torch (bench/peers/make_bert.py) into <cache>/bench/. The peer runs with torch set_num_threads(1), interop 1
 * and OPENBLAS_NUM_THREADS=2 (as asked for peers), so its products use both cores; onnxruntime gets the same two
 * cores (intra-op threads, --bert-threads, default 2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FrozenCandidate } from '../src/embeddings/candidate.js';
import { DEFAULT_CANDIDATES, buildCandidate, isFrozen } from '../src/embeddings/registry.js';
import { EmbeddingCache } from '../src/embeddings/cache/store.js';
import { createTransformerCandidate } from '../src/embeddings/transformer.js';
import type { Sentence } from '../src/formats/types.js';
import { defaultCacheDir, defaultDataHome } from '../src/util/paths.js';

const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
// The peer scripts live in the source tree; this file may run from dist/bench/ (compiled) or bench/ (tsx).
const peersDir = here.includes(`${sep}dist${sep}`) ? join(here, '..', '..', 'bench', 'peers') : join(here, 'peers');

interface Row {
  candidate: string;
  dim: number;
  words: number;
  loadSeconds: number;
  seconds: number;
  wordsPerSecond: number;
  /** On-disk bytes per token of the cache entry (vectors + manifest) these vectors make. */
  cacheBytesPerToken?: number;
  note?: string;
}

/**
 * Writes already computed vectors through the embedding cache (its default float16) into a temp folder and returns
 * the entry's bytes per token, data file and manifest together.
 */
async function cacheBytesPerToken(c: FrozenCandidate, sentences: Sentence[], vectors: Float32Array[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ace-bench-cache-'));
  try {
    const index = new Map(sentences.map((s, i) => [s, i]));
    const replay: FrozenCandidate = { ...c, embed: async (batch) => batch.map((s) => vectors[index.get(s as Sentence)!]) };
    const cache = new EmbeddingCache({ dir });
    const entry = await cache.getOrBuild(replay, sentences, 'bench');
    const paths = cache.pathsFor(replay, 'bench');
    const bytes = statSync(paths.data).size + statSync(paths.manifest).size;
    const tokens = entry.stats.tokens;
    entry.close();
    return bytes / tokens;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first `n` sentences of a CoNLL-U file: FORM of integer-id lines (ranges and empty nodes skipped). */
function readConlluForms(file: string, n: number): Sentence[] {
  const out: Sentence[] = [];
  let words: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') {
      if (words.length > 0) out.push({ words });
      words = [];
      if (out.length >= n) break;
      continue;
    }
    const cols = line.split('\t');
    if (/^\d+$/.test(cols[0]) && cols.length > 1) words.push(cols[1]);
  }
  if (words.length > 0 && out.length < n) out.push({ words });
  return out;
}

async function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const value = await f();
  return [value, Number(process.hrtime.bigint() - t0) / 1e9];
}

async function measure(name: string, c: FrozenCandidate, loadSeconds: number, sentences: Sentence[], note?: string, warm = true): Promise<[Row, Float32Array[]]> {
  if (warm) await c.embed(sentences.slice(0, 4).map((s) => ({ words: [...s.words, 'warm-up'] })));
  const [vectors, seconds] = await time(() => c.embed(sentences));
  const words = sentences.reduce((n, s) => n + s.words.length, 0);
  return [{ candidate: name, dim: c.dim, words, loadSeconds, seconds, wordsPerSecond: words / seconds, ...(note ? { note } : {}) }, vectors];
}

/** Generates the random BERT once (built aside, renamed into place) and returns its folder. */
function ensureBert(cacheDir: string, size: { layers: number; hidden: number; heads: number; vocab: number }, corpus: string): string {
  const dir = join(cacheDir, 'bench', `bert-random-l${size.layers}-h${size.hidden}-a${size.heads}-v${size.vocab}`);
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const work = mkdtempSync(join(dirname(dir), '.bert-'));
  process.stderr.write(`generating ${dir} with PyTorch (once) ...\n`);
  const args = [join(peersDir, 'make_bert.py'), work, '--layers', String(size.layers), '--hidden', String(size.hidden),
    '--heads', String(size.heads), '--vocab', String(size.vocab), '--words-from', corpus];
  const r = spawnSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
  if (r.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error('make_bert.py failed');
  }
  renameSync(work, dir);
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sentences: { type: 'string', default: '1000' },
      'batch-size': { type: 'string', default: '16' },
      'no-bert': { type: 'boolean', default: false },
      candidates: { type: 'string', default: 'glove,use-l0,use-l1' },
      json: { type: 'boolean', default: false },
      'bert-layers': { type: 'string', default: '12' },
      'bert-hidden': { type: 'string', default: '768' },
      'bert-heads': { type: 'string', default: '12' },
      'bert-vocab': { type: 'string', default: '30000' },
      'bert-threads': { type: 'string', default: '2' },
    },
  });
  const n = Number(values.sentences);
  const batchSize = Number(values['batch-size']);
  const cacheDir = defaultCacheDir();
  const corpus = join(defaultDataHome(), 'ud-english-ewt', 'en_ewt-ud-train.conllu');
  const fallback = resolve(here, '..', '..', 'shared', 'data', 'ud-english-ewt', 'en_ewt-ud-train.conllu');
  const file = existsSync(corpus) ? corpus : fallback;
  const sentences = readConlluForms(file, n);
  const rows: Row[] = [];

  for (const name of values.candidates.split(',').filter((x) => x !== '')) {
    try {
      const [c, load] = await time(() => buildCandidate(DEFAULT_CANDIDATES[name], { cacheDir }));
      if (!isFrozen(c)) continue;
      // use-l1 right after use-l0 on the same batch reads the states of use-l0's execution.
      const shared = name === 'use-l1' && rows.some((r) => r.candidate === 'use-l0');
      const [row, vectors] = await measure(name, c, load, sentences, shared ? 'reuses use-l0 execution' : undefined, !shared);
      row.cacheBytesPerToken = await cacheBytesPerToken(c, sentences, vectors);
      rows.push(row);
    } catch (err) {
      process.stderr.write(`skipping ${name}: ${(err as Error).message}\n`);
    }
  }

  let peer: Record<string, unknown> | undefined;
  if (!values['no-bert']) {
    // The peer's BLAS gets OPENBLAS_NUM_THREADS=2 (its matrix products use both cores), so ours gets 2 by default.
    const bertThreads = Number(values['bert-threads']);
    const size = { layers: Number(values['bert-layers']), hidden: Number(values['bert-hidden']), heads: Number(values['bert-heads']), vocab: Number(values['bert-vocab']) };
    const dir = ensureBert(cacheDir, size, file);
    const spec = { name: 'bert-random', kind: 'transformer' as const, options: { path: dir, layers: [-1], pooling: 'first', threads: bertThreads, batchSize } };
    const [c, load] = await time(() => createTransformerCandidate(spec, { cacheDir }));
    const [row, vectors] = await measure(`bert (onnxruntime, ${size.layers}L/${size.hidden}h)`, c, load, sentences, `intra-op threads ${bertThreads}`);
    row.cacheBytesPerToken = await cacheBytesPerToken(c, sentences, vectors);
    rows.push(row);
    const input = join(mkdtempSync(join(tmpdir(), 'ace-bench-')), 'sentences.json');
    writeFileSync(input, JSON.stringify(sentences.map((s) => s.words)));
    const r = spawnSync(PYTHON, [join(peersDir, 'embed_torch.py'), dir, input, '--batch-size', String(batchSize)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '2' },
    });
    rmSync(dirname(input), { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`embed_torch.py failed:\n${r.stderr}`);
    peer = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    const ts = vectors.reduce((acc, v) => acc + v.reduce((a, x) => a + x * x, 0), 0);
    const threads = peer.threads as Record<string, unknown>;
    rows.push({
      candidate: `bert (pytorch ${size.layers}L/${size.hidden}h)`,
      dim: c.dim,
      words: peer.words as number,
      loadSeconds: NaN,
      seconds: peer.seconds as number,
      wordsPerSecond: peer.words_per_s as number,
      note: `torch threads ${threads.torch_intra_op}/${threads.torch_inter_op}, OPENBLAS ${threads.OPENBLAS_NUM_THREADS}`,
    });
    peer = { ...peer, tsChecksum: ts, speedup: row.wordsPerSecond / (peer.words_per_s as number) };
  }

  if (values.json) {
    console.log(JSON.stringify({ sentences: sentences.length, batchSize, rows, ...(peer ? { bertVsTorch: peer.speedup, checksums: { ts: peer.tsChecksum, torch: peer.checksum } } : {}) }));
    return;
  }
  const head = ['candidate', 'dim', 'words', 'load s', 'embed s', 'words/s', 'cache B/token', 'note'];
  const body = rows.map((r) => [r.candidate, String(r.dim), String(r.words), Number.isNaN(r.loadSeconds) ? '-' : r.loadSeconds.toFixed(2), r.seconds.toFixed(2), r.wordsPerSecond.toFixed(0), r.cacheBytesPerToken === undefined ? '-' : r.cacheBytesPerToken.toFixed(1), r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, widths.map((w) => '-'.repeat(w)), ...body]) console.log(line.map((c, i) => c.padEnd(widths[i])).join('  '));
  if (peer) {
    console.log(`\nonnxruntime / pytorch: ${(peer.speedup as number).toFixed(2)}×  (vector checksums: ts ${(peer.tsChecksum as number).toFixed(3)}, torch ${(peer.checksum as number).toFixed(3)})`);
  }
}

await main();
