// Peak memory of `ace predict` on one long sentence against its length, for a dependency (or graph) parser of default sizes.
/*
 * Usage: npm run build && node dist/bench/parser-memory.js [--lengths 500,1000,2000,5000,10000] [--kind dep|graph]
 *                                                       [--decoder mst|eisner] [--cap-gb 6] [--json]
 *
 * The model: a parser bundle of the task's default sizes (parser-options.ts: BiLSTM 3 × 400, MLPs 500/100 for dep;
 * 600 everywhere for graphs), input blocks char + casing (nothing to download), 37 labels (the UD v2 relations).
 * It is not trained: memory does not depend on training, but decoding work does (ties and cycles), so the biaffine
 * weights, which start at zero, are drawn N(0, 0.2²) to give varied scores (many cycles for Chu-Liu-Edmonds; a
 * trained model has fewer). For each length n a child process runs the real command
 *   node dist/src/cli/main.js predict --model DIR      (one sentence of n words on standard input)
 * with a preload that prints the child's own peak RSS (getrusage maxrss) when it exits. The parent also polls
 * /proc/PID/status and kills a child whose RSS passes --cap-gb, reporting "> cap" (so a regression cannot take the
 * machine down). Run with OPENBLAS_NUM_THREADS=1 on a shared machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getBackend } from '../src/engine/backend/select.js';
import { fillNormal } from '../src/engine/index.js';
import { buildCandidate, DEFAULT_CANDIDATES } from '../src/embeddings/registry.js';
import type { TreeSentence } from '../src/formats/types.js';
import { Parser, type ParserDescription } from '../src/tasks/dependency/parser.js';
import { architectureDefaults } from '../src/tasks/dependency/parser-options.js';
import { TREE_DECODERS, type TreeDecoder } from '../src/tasks/dependency/tree-objective.js';
import { GRAPH_OBJECTIVE_DEFAULTS } from '../src/tasks/dependency/graph-objective.js';
import { buildBlockVocabs } from '../src/tasks/shared/input-blocks.js';
import { Rng } from '../src/util/rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const mainJs = join(here, '..', 'src', 'cli', 'main.js');

const UD_RELATIONS = [
  'acl', 'advcl', 'advmod', 'amod', 'appos', 'aux', 'case', 'cc', 'ccomp', 'clf', 'compound', 'conj', 'cop', 'csubj',
  'dep', 'det', 'discourse', 'dislocated', 'expl', 'fixed', 'flat', 'goeswith', 'iobj', 'list', 'mark', 'nmod', 'nsubj',
  'nummod', 'obj', 'obl', 'orphan', 'parataxis', 'punct', 'reparandum', 'root', 'vocative', 'xcomp',
];
const WORDS = ['The', 'committee', 'said', 'on', 'Tuesday', 'that', 'it', 'would', 'review', 'the', 'plan', ',', 'and', 'costs', 'rose', '3.5', '%', '.'];

function sentenceOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => WORDS[(i * 7 + Math.floor(i / WORDS.length)) % WORDS.length]);
}

async function buildModel(dir: string, kind: 'dep' | 'graph', decoder: TreeDecoder): Promise<void> {
  const backend = getBackend();
  const specs = [DEFAULT_CANDIDATES.char, DEFAULT_CANDIDATES.casing];
  const cacheDir = mkdtempSync(join(tmpdir(), 'ace-bench-cands-'));
  const candidates = await Promise.all(specs.map((s) => buildCandidate(s, { cacheDir })));
  rmSync(cacheDir, { recursive: true, force: true });
  const train: TreeSentence[] = [{ words: WORDS, heads: WORDS.map(() => 0), rels: WORDS.map(() => 'dep') }];
  const parserKind = kind === 'dep' ? 'dependency' : 'graph';
  const description: ParserDescription = {
    kind: parserKind,
    labels: UD_RELATIONS,
    candidates: specs,
    vocabs: buildBlockVocabs(specs, train),
    architecture: { ...architectureDefaults(parserKind) },
    objective: kind === 'dep' ? { decoder } : { ...GRAPH_OBJECTIVE_DEFAULTS },
    selection: specs.map(() => true),
  };
  const parser = new Parser(description, candidates, backend, new Rng(1));
  const rng = new Rng(2);
  fillNormal(rng, parser.network.arcAttn.weight.value, 0.2);
  fillNormal(rng, parser.network.relAttn.weight.value, 0.2);
  parser.save(dir);
}

interface Measure {
  n: number;
  peakMb: number | null;
  seconds: number;
  status: string;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function measure(modelDir: string, preload: string, n: number, capBytes: number): Promise<Measure> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', preload, mainJs, 'predict', '--model', modelDir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let capped = false;
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setInterval(() => {
      if (child.pid !== undefined && rssOf(child.pid) > capBytes) {
        capped = true;
        child.kill('SIGKILL');
      }
    }, 50);
    child.stdin.end(sentenceOf(n).join(' ') + '\n');
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      const m = /maxrss_kb=(\d+)/.exec(stderr);
      const peakMb = m ? Number(m[1]) / 1024 : null;
      const refused = /^ace: (.*)$/m.exec(stderr);
      const status = capped ? `killed above the cap` : code === 0 ? 'ok' : refused ? `refused: ${refused[1]}` : `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolve({ n, peakMb, seconds, status });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lengths: { type: 'string', default: '500,1000,2000,5000,10000' },
      kind: { type: 'string', default: 'dep' },
      decoder: { type: 'string', default: 'mst' },
      'cap-gb': { type: 'string', default: '6' },
      json: { type: 'boolean', default: false },
    },
  });
  const kind = values.kind;
  if (kind !== 'dep' && kind !== 'graph') throw new Error(`--kind must be dep or graph, got ${kind}`);
  const decoder = values.decoder as TreeDecoder;
  if (!TREE_DECODERS.includes(decoder)) throw new Error(`--decoder must be one of ${TREE_DECODERS.join(', ')}`);
  const lengths = values.lengths.split(',').map(Number);
  const capBytes = Number(values['cap-gb']) * 1024 ** 3;
  const work = mkdtempSync(join(tmpdir(), 'ace-parser-memory-'));
  try {
    const modelDir = join(work, 'model');
    await buildModel(modelDir, kind, decoder);
    const preload = join(work, 'maxrss.mjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\\n`));\n");
    const rows: Measure[] = [];
    for (const n of lengths) {
      const r = await measure(modelDir, preload, n, capBytes);
      rows.push(r);
      if (!values.json) process.stderr.write(`n=${n}: ${r.peakMb === null ? '-' : r.peakMb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s, ${r.status}\n`);
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ bench: 'parser-memory', kind, decoder, rows })}\n`);
      return;
    }
    console.log(`ace predict, one sentence, ${kind} parser of default sizes${kind === 'dep' ? ` (${decoder})` : ''}, untrained with random biaffines`);
    console.log(`${'words'.padStart(7)} ${'peak RSS MB'.padStart(12)} ${'seconds'.padStart(8)}  status`);
    for (const r of rows) {
      const peak = r.peakMb === null ? (r.status.startsWith('killed') ? `> ${(capBytes / 2 ** 20).toFixed(0)}` : '-') : r.peakMb.toFixed(0);
      console.log(`${String(r.n).padStart(7)} ${peak.padStart(12)} ${r.seconds.toFixed(1).padStart(8)}  ${r.status}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
