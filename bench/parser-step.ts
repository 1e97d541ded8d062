// Training-step and parsing throughput of the biaffine dependency parser against the same model in PyTorch.
/*
 * Usage: node --import tsx bench/parser-step.ts [--reps 5] [--steps 2] [--warmup 1] [--threads 2]
 *                                              [--lengths fixed|ewt] [--labels 40] [--blocks 100,512]
 *                                              [--compare-src DIR] [--no-pytorch] [--json]
 *
 * The model (Dozat & Manning 2017 defaults, src/tasks/dependency/parser-options.ts): frozen input blocks (default
 * 100 + 512 dims, nothing trainable) → BiLSTM 3 × 400 per direction with locked dropout 0.33 after each layer → root
 * vector → MLPs arc 500 / rel 100 (LeakyReLU 0.1, locked dropout 0.33) → biaffine arc (head-side bias) and label
 * (40 labels, bias on both sides) → arc cross-entropy over heads + label cross-entropy on gold arcs → clip 5 → Adam
 * (lr 2e-3, betas 0.9/0.9, eps 1e-12). One batch of 32 sentences: `--lengths fixed` 25 tokens each (default),
 * `--lengths ewt` lengths drawn log-normally like UD English-EWT (mean ≈ 17, long tail, capped at 80), with random
 * gold trees and relations. No input (embedding) dropout on either side.
 *
 * Ours: the production step of ParserTask.trainEpoch on the network: zeroGrads → BiaffineNetwork.forward →
 * TreeObjective.loss → BiaffineNetwork.backward → clipGradNorm → Adam.step, native backend. Parsing: forward at eval
 * + TreeObjective.decode (MST). The peer is bench/peers/parser_step_torch.py (SuPar's formulation: nn.LSTM layers
 * with locked dropout, einsum biaffines over all pairs, torch.optim.Adam; torch.set_num_threads(1),
 * OPENBLAS_NUM_THREADS=2). Each side runs in its own long-lived child (peak RSS is its own), driven over stdin; each
 * repetition alternates timed runs of `--steps` steps (order rotated every repetition) and reports medians.
 * `--compare-src DIR` adds a second "ours" child importing the network and objective from DIR (another checkout's
 * src/, e.g. `git archive HEAD src | tar -x -C /tmp/x`, with package.json and native/ linked next to it), for
 * before/after measurements in the same interleaving.
 *
 * Child mode (used by the parent; handy alone for profiling, e.g. with node --cpu-prof):
 *   node --import tsx bench/parser-step.ts --child [--src DIR] [--lengths ..] [--breakdown]
 *   stdin lines: "run N" → {"steps","seconds","loss"}; "parse N" → {"batches","seconds"}; "quit" → {"maxrss_kb", ...}.
 *   --breakdown times layer calls and backend kernels and prints ms/step per section on quit.
 */
import { spawn } from 'node:child_process';
import { Worker } from './lib/worker.js';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/util/rng.js';

type EngineModule = typeof import('../src/engine/index.js');
type NetworkModule = typeof import('../src/tasks/dependency/biaffine-network.js');
type TreeModule = typeof import('../src/tasks/dependency/tree-objective.js');
type SelectModule = typeof import('../src/engine/backend/select.js');

const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
// The peer script lives in the source tree; this file may run from dist/bench/ (compiled) or bench/ (tsx).
const peersDir = here.includes(`${sep}dist${sep}`) ? join(here, '..', '..', 'bench', 'peers') : join(here, 'peers');
const self = fileURLToPath(import.meta.url);
const isTs = self.endsWith('.ts');
const childLoader = isTs ? ['--import', 'tsx'] : [];
/** This build's src/ (bench/../src, or dist/bench/../src when compiled). */
const ownSrc = join(here, '..', 'src');

const BATCH = 32;
const HIDDEN = 400;
const LAYERS = 3;
const ARC_MLP = 500;
const REL_MLP = 100;
const DROPOUT = 0.33;

function drawLengths(kind: string): number[] {
  if (kind === 'fixed') return Array.from({ length: BATCH }, () => 25);
  if (kind === 'ewt') {
    const rng = new Rng(17);
    return Array.from({ length: BATCH }, () => Math.min(80, Math.max(1, Math.round(Math.exp(2.6 + 0.65 * rng.normal())))));
  }
  throw new Error(`--lengths must be fixed or ewt, got ${kind}`);
}

/** A random tree over words 1..n (heads 1-based, 0 = root). */
function randomHeads(rng: Rng, n: number): Int32Array {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
  const heads = new Int32Array(n);
  order.forEach((w, i) => (heads[w - 1] = i === 0 ? 0 : order[rng.int(i)]));
  return heads;
}

// ---------------------------------------------------------------------------------------------------------------
// Child: ours.

/** Wraps obj[key] (a method) so that its wall time accumulates into times[label]. */
function timeMethod(obj: object, key: string, label: string, times: Map<string, number>): void {
  const o = obj as Record<string, (...args: unknown[]) => unknown>;
  if (typeof o[key] !== 'function') return;
  const f = o[key].bind(obj);
  o[key] = (...args: unknown[]) => {
    const t0 = performance.now();
    const r = f(...args);
    times.set(label, (times.get(label) ?? 0) + performance.now() - t0);
    return r;
  };
}

async function child(src: string, lengthsKind: string, threads: number, labels: number, blockSizes: number[], breakdown: boolean): Promise<void> {
  const rssBaseKb = process.resourceUsage().maxRSS;
  const url = (p: string): string => pathToFileURL(join(src, p)).href;
  const ext = existsSync(join(src, 'engine', 'index.js')) ? '.js' : '.ts';
  const engine = (await import(url(`engine/index${ext}`))) as EngineModule;
  const { getBackend } = (await import(url(`engine/backend/select${ext}`))) as SelectModule;
  const { BiaffineNetwork } = (await import(url(`tasks/dependency/biaffine-network${ext}`))) as NetworkModule;
  const { TreeObjective } = (await import(url(`tasks/dependency/tree-objective${ext}`))) as TreeModule;
  const backend = getBackend('native');
  backend.setThreads(threads);
  const rng = new Rng(1);
  const lengths = drawLengths(lengthsKind);
  const maxLen = Math.max(...lengths);
  const layout = { batch: BATCH, maxLen, lengths: Int32Array.from(lengths) };
  const rows = BATCH * maxLen;
  const selection = blockSizes.map(() => true);
  const net = new BiaffineNetwork(backend, rng.split('init'), {
    blockSizes, trainableBlocks: blockSizes.map(() => false), hidden: HIDDEN, lstmLayers: LAYERS, arcMlp: ARC_MLP, relMlp: REL_MLP,
    numLabels: labels, lstmDropout: DROPOUT, mlpDropout: DROPOUT, learnedBlockScale: false, arcDependentBias: false,
  });
  const objective = new TreeObjective(backend, { decoder: 'mst' });
  const labelNames = Array.from({ length: labels }, (_, i) => `rel${i}`);
  const active = net.paramsFor(selection);
  const adam = new engine.Adam(backend, net.params(), { lr: 2e-3, betas: [0.9, 0.9], eps: 1e-12 });
  const blocks = blockSizes.map((d) => {
    const x = new Float32Array(rows * d);
    for (let b = 0; b < BATCH; b++) {
      for (let t = 0; t < lengths[b]; t++) {
        const o = (b * maxLen + t) * d;
        for (let j = 0; j < d; j++) x[o + j] = rng.normal();
      }
    }
    return x;
  });
  const gold = lengths.map((n) => ({ heads: randomHeads(rng, n), rels: Int32Array.from({ length: n }, () => rng.int(labels)) }));
  const stepRng = rng.split('dropout');

  const times = new Map<string, number>();
  const add = (label: string, t0: number): void => void times.set(label, (times.get(label) ?? 0) + performance.now() - t0);
  if (breakdown) {
    for (const k of ['sgemm', 'lstmCellForward', 'lstmCellBackward', 'adamUpdate', 'rowLogSumExp']) timeMethod(backend, k, `kernel ${k}`, times);
    timeMethod(net.proj, 'forward', 'BlockLinear.forward', times);
    timeMethod(net.proj, 'backward', 'BlockLinear.backward', times);
    net.lstms.forEach((l, i) => {
      timeMethod(l, 'forward', `BiLstm[${i}].forward`, times);
      timeMethod(l, 'backward', `BiLstm[${i}].backward`, times);
    });
    for (const [name, m] of [['arcDep', net.arcDep], ['arcHead', net.arcHead], ['relDep', net.relDep], ['relHead', net.relHead]] as const) {
      timeMethod(m, 'forward', `Mlp ${name}.forward`, times);
      timeMethod(m, 'backward', `Mlp ${name}.backward`, times);
    }
    for (const [name, m] of [['arc', net.arcAttn], ['rel', net.relAttn]] as const) {
      for (const k of ['forward', 'backward', 'forwardPairs', 'backwardPairs']) timeMethod(m, k, `Biaffine ${name}.${k}`, times);
    }
    timeMethod(net, 'forward', 'network.forward (total)', times);
    timeMethod(net, 'backward', 'network.backward (total)', times);
    timeMethod(objective, 'loss', 'objective.loss', times);
    timeMethod(objective, 'decode', 'objective.decode', times);
    timeMethod(adam, 'step', 'Adam.step', times);
  }
  let steps = 0;
  let parses = 0;
  const step = (): number => {
    let t0 = performance.now();
    engine.zeroGrads(active);
    if (breakdown) add('zeroGrads', t0);
    const scores = net.forward(blocks, layout, selection, stepRng, true);
    const loss = objective.loss(scores, gold);
    net.backward(loss.dArc, loss.dRel);
    t0 = performance.now();
    engine.clipGradNorm(active, 5);
    if (breakdown) add('clipGradNorm', t0);
    adam.step(active);
    steps++;
    return loss.loss;
  };
  const parse = (): void => {
    const scores = net.forward(blocks, layout, selection, stepRng, false);
    objective.decode(scores, labelNames);
    parses++;
  };
  step(); // allocates the layers' grow-only buffers and Adam's moments
  parse();
  times.clear();
  steps = 0;
  parses = 0;
  const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
  say({ ready: true, backend: backend.info, tokens_per_step: lengths.reduce((a, b) => a + b, 0), params: net.params().reduce((a, p) => a + p.size, 0), src });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = line.trim().split(/\s+/);
    if (cmd[0] === 'run' || cmd[0] === 'parse') {
      const n = Number(cmd[1]);
      const t0 = performance.now();
      let loss = 0;
      for (let i = 0; i < n; i++) {
        if (cmd[0] === 'run') loss = step();
        else parse();
      }
      say({ steps: n, seconds: (performance.now() - t0) / 1000, loss });
    } else if (cmd[0] === 'quit') {
      break;
    } else if (cmd[0] !== '') {
      say({ error: `unknown command ${line}` });
    }
  }
  const out: Record<string, unknown> = { maxrss_kb: process.resourceUsage().maxRSS, baseline_rss_kb: rssBaseKb };
  if (breakdown && steps + parses > 0) {
    out.note = `ms per training step over ${steps} steps; objective.decode and eval forwards are included when parse runs were made (${parses})`;
    out.ms_per_step = Object.fromEntries([...times].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / Math.max(1, steps)).toFixed(2)]));
  }
  say(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent.


function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Side {
  name: string;
  worker: Worker;
  kind: 'ours' | 'torch';
  tokens: number;
  train: number[];
  parse: number[];
  loss: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      src: { type: 'string' },
      breakdown: { type: 'boolean', default: false },
      reps: { type: 'string', default: '5' },
      steps: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      lengths: { type: 'string', default: 'fixed' },
      labels: { type: 'string', default: '40' },
      blocks: { type: 'string', default: '100,512' },
      'compare-src': { type: 'string' },
      'no-pytorch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const threads = Number(values.threads);
  const labels = Number(values.labels);
  const blockSizes = values.blocks.split(',').map(Number);
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be a positive integer, got ${values.threads}`);
  if (values.child) {
    await child(values.src ?? ownSrc, values.lengths, threads, labels, blockSizes, values.breakdown);
    return;
  }
  const reps = Number(values.reps);
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const lengths = drawLengths(values.lengths);
  const tokens = lengths.reduce((a, b) => a + b, 0);

  let pytorch = !values['no-pytorch'];
  let pytorchNote: string | undefined;
  if (pytorch) {
    const probe = existsSync(PYTHON)
      ? await new Promise<number | null>((res) => spawn(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).on('exit', res))
      : null;
    if (probe !== 0) {
      pytorch = false;
      pytorchNote = `${PYTHON} has no torch: reporting ours only`;
      process.stderr.write(`${pytorchNote}\n`);
    }
  }

  const common = ['--lengths', values.lengths, '--threads', String(threads), '--labels', String(labels), '--blocks', values.blocks];
  // A TypeScript src (no compiled engine/index.js) needs the tsx loader even when this script runs compiled.
  const loaderFor = (src: string | undefined): string[] =>
    (src !== undefined && !existsSync(join(src, 'engine', 'index.js')) ? ['--import', 'tsx'] : childLoader);
  const spawnOurs = (name: string, src: string | undefined): Worker => new Worker(name, spawn(process.execPath,
    [...loaderFor(src), self, '--child', ...common, ...(src ? ['--src', resolve(src)] : [])], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const sides: Side[] = [];
  const info: Record<string, unknown> = {};
  // Started one at a time, so that start-up (tsx compile, torch import) does not overlap timed runs.
  const starts: [string, 'ours' | 'torch', () => Worker][] = [['ours', 'ours', () => spawnOurs('ours', undefined)]];
  if (values['compare-src']) starts.push(['ours (compare-src)', 'ours', () => spawnOurs('ours (compare-src)', values['compare-src'])]);
  if (pytorch) {
    starts.push(['pytorch', 'torch', () => new Worker('pytorch', spawn(PYTHON, [join(peersDir, 'parser_step_torch.py'), '--lengths', lengths.join(','),
      '--blocks', values.blocks, '--hidden', String(HIDDEN), '--layers', String(LAYERS), '--arc-mlp', String(ARC_MLP), '--rel-mlp', String(REL_MLP),
      '--labels', String(labels), '--dropout', String(DROPOUT)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } }))]);
  }
  for (const [name, kind, start] of starts) {
    const worker = start();
    const ready = await worker.next();
    if (kind === 'torch') info.pytorch = { torch: ready.torch, threads: ready.threads, blas_info: ready.blas_info, params: ready.params };
    else if (name === 'ours') info.backend = ready.backend;
    if (name === 'ours') info.params = ready.params;
    await worker.ask(`run ${warmup}`);
    sides.push({ name, worker, kind, tokens: ready.tokens_per_step as number, train: [], parse: [], loss: NaN });
  }
  const loadBefore = loadavg();
  const paired: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = sides.map((_, i) => sides[(i + rep) % sides.length]);
    if (rep % 2 === 1) order.reverse();
    const rate = new Map<string, number>();
    for (const s of order) {
      const r = await s.worker.ask(`run ${steps}`);
      const v = (s.tokens * (r.steps as number)) / (r.seconds as number);
      s.train.push(v);
      s.loss = r.loss as number;
      rate.set(s.name, v);
      if (s.kind === 'ours') {
        const p = await s.worker.ask(`parse ${steps}`);
        s.parse.push((BATCH * (p.steps as number)) / (p.seconds as number));
      }
    }
    if (rate.has('pytorch')) paired.push(rate.get('ours')! / rate.get('pytorch')!);
    process.stderr.write(`rep ${rep + 1}/${reps}: ${[...rate].map(([k, v]) => `${k} ${v.toFixed(0)} tok/s`).join(', ')}\n`);
  }
  const loadAfter = loadavg();
  const ends = new Map<string, Record<string, unknown>>();
  for (const s of sides) ends.set(s.name, await s.worker.quit());
  const mb = (name: string, key: string): number | undefined => (ends.has(name) ? (ends.get(name)![key] as number) / 1024 : undefined);
  const ours = sides[0];
  const torch = sides.find((s) => s.kind === 'torch');
  const before = sides.find((s) => s.name === 'ours (compare-src)');
  const oursTok = median(ours.train);
  const torchTok = torch ? median(torch.train) : undefined;
  const out: Record<string, unknown> = {
    bench: 'parser-step', batch: BATCH, lengths: values.lengths, tokens_per_step: tokens, max_len: Math.max(...lengths),
    hidden: HIDDEN, layers: LAYERS, arc_mlp: ARC_MLP, rel_mlp: REL_MLP, labels, blocks: blockSizes, threads, reps, steps_per_rep: steps,
    tokens_per_s: oursTok,
    sentences_per_s: (oursTok * BATCH) / tokens,
    pytorch_tokens_per_s: torchTok,
    pytorch_sentences_per_s: torchTok === undefined ? undefined : (torchTok * BATCH) / tokens,
    ratio_vs_pytorch: torchTok === undefined ? undefined : oursTok / torchTok,
    ratio_vs_pytorch_paired: paired.length ? median(paired) : undefined,
    peak_rss_mb: mb('ours', 'maxrss_kb'),
    pytorch_peak_rss_mb: torch ? mb('pytorch', 'maxrss_kb') : undefined,
    parse_sentences_per_s: median(ours.parse),
    runs: Object.fromEntries(sides.map((s) => [s.name, { train_tokens_per_s: s.train, parse_sentences_per_s: s.parse, loss_last: s.loss }])),
    baseline_rss_mb: Object.fromEntries(sides.map((s) => [s.name, mb(s.name, 'baseline_rss_kb')])),
    backend: info.backend,
    params: info.params,
    pytorch: info.pytorch ?? pytorchNote ?? 'skipped (--no-pytorch)',
    loadavg: { before: loadBefore, after: loadAfter },
  };
  if (before) {
    out.compare_src = resolve(values['compare-src']!);
    out.compare_tokens_per_s = median(before.train);
    out.compare_parse_sentences_per_s = median(before.parse);
    out.compare_peak_rss_mb = mb(before.name, 'maxrss_kb');
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const f = (x: number | undefined, d = 0): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  console.log(`Parser training step: ${BATCH} sentences (${values.lengths === 'fixed' ? '25 tokens each' : `EWT-like lengths, ${tokens} tokens, longest ${Math.max(...lengths)}`}), `
    + `blocks ${blockSizes.join('+')} frozen → BiLSTM ${LAYERS}×${HIDDEN}/dir → MLP ${ARC_MLP}/${REL_MLP} → biaffine (${labels} labels) → CE + clip + Adam`);
  console.log(`ours: native backend (${String((info.backend as { blas?: string } | undefined)?.blas ?? '?')}), ${threads} BLAS threads; `
    + `pytorch: ${torch ? `${String((info.pytorch as { torch: string }).torch)}, 1 torch thread, OPENBLAS_NUM_THREADS=2` : pytorchNote ?? 'skipped'}`);
  console.log(`medians of ${reps} interleaved runs of ${steps} steps; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} → ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  console.log('');
  const head = ['side', 'train tok/s', 'train sent/s', 'parse sent/s', 'peak RSS MB', 'last loss'];
  const w = [22, 12, 13, 13, 12, 10];
  console.log(head.map((h, i) => (i ? h.padStart(w[i]) : h.padEnd(w[i]))).join(' '));
  for (const s of sides) {
    const t = median(s.train);
    const cells = [s.name, f(t), f((t * BATCH) / tokens, 1), s.kind === 'ours' ? f(median(s.parse), 1) : '-', f(mb(s.name, 'maxrss_kb')), f(s.loss, 3)];
    console.log(cells.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' '));
  }
  if (torchTok !== undefined) console.log(`\nours / PyTorch: ${f(oursTok / torchTok, 2)}× (median of per-repetition ratios ${f(median(paired), 2)}×; target ≥ 1.2×)`);
  if (before) console.log(`ours / compare-src: ${f(oursTok / median(before.train), 2)}× training, ${f(median(ours.parse) / median(before.parse), 2)}× parsing`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
