// Training-step throughput and peak memory of the tagger (BlockLinear → BiLSTM → Linear → CRF + Adam) against PyTorch.
/*
 * Usage: node --import tsx bench/train-step.ts [--reps 5] [--steps 5] [--warmup 2] [--threads auto|1|2]
 *                                             [--cases full,half,masked,wide[,var]] [--no-pytorch] [--json]
 *
 * The step of the ACE goal: 32 sentences × 25 tokens, a 1-layer BiLSTM (256 per direction) over frozen input blocks,
 * a linear layer to 20 tags, the CRF NLL (mean over sentences), Adam (lr 1e-3). Ours is TaggerModel.trainStep (the
 * production step) with outputDropout 0 on the native backend; the peer is bench/peers/train_step_torch.py
 * (nn.LSTM + nn.Linear + a CRF in torch ops + torch.optim.Adam; torch.set_num_threads(1), OPENBLAS_NUM_THREADS=2).
 * Cases:
 *   full  width 2048 = 8 blocks of 256, all selected          (PyTorch: a 2048-wide input)
 *   half  the same 8 blocks, every other one deselected       (PyTorch: the 4 selected blocks concatenated, 1024 wide)
 *   masked  ours as half                                      (PyTorch as the original ACE code runs a selection: the
 *                                                              full 2048-wide input, each block times its 0/1 flag)
 *   wide  width 5000 = 10 blocks of 500, all selected         (PyTorch: 5000 wide)
 *   var   as full, sentence lengths 10..40 (mean ≈ 25)         (PyTorch: pack_padded_sequence, masked CRF)
 * Each side of each case runs in its own long-lived child process (so its peak RSS is its own: ours
 * process.resourceUsage().maxRSS, PyTorch resource.getrusage ru_maxrss), driven over stdin: after a warm-up, each
 * repetition visits every case and alternates timed runs of `--steps` steps between ours and PyTorch (orders rotated
 * and flipped every repetition) so that load drift hits both sides and all cases, and reports medians over `--reps`
 * repetitions (plus the median of the per-repetition ours/PyTorch ratios). `--threads auto` times ours with 1 and with
 * 2 BLAS threads in the same interleaving and reports the faster (both are shown).
 *
 * Child mode (used by the parent; handy alone for profiling, e.g. with node --cpu-prof):
 *   node --import tsx bench/train-step.ts --child --case full [--threads 2] [--breakdown]
 *   stdin lines: "run N [threads]" → {"steps","seconds","loss"}; "quit" → {"maxrss_kb", ...}.
 *   --breakdown times every layer call and backend kernel and prints ms/step per section on quit.
 */
import { spawn } from 'node:child_process';
import { Worker } from './lib/worker.js';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend } from '../src/engine/backend/backend.js';
import { Adam, getBackend, zeroGrads, type SeqLayout } from '../src/engine/index.js';
import { TaggerModel } from '../src/tasks/tagger/tagger-model.js';
import { Rng } from '../src/util/rng.js';

const PYTHON = '/usr/bin/python3';
// The peer script lives in the source tree; this file may run from dist/bench/ (compiled) or bench/ (tsx).
const here = dirname(fileURLToPath(import.meta.url));
const peersDir = here.includes(`${sep}dist${sep}`) ? join(here, '..', '..', 'bench', 'peers') : join(here, 'peers');
const self = fileURLToPath(import.meta.url);
const childLoader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];

const BATCH = 32;
const MAX_LEN = 25;
const HIDDEN = 256;
const TAGS = 20;

interface CaseSpec {
  name: string;
  label: string;
  blockSizes: number[];
  selection: boolean[];
  /** Sentence lengths (all MAX_LEN except in the variable-length case). */
  lengths: number[];
  /** The PyTorch peer multiplies every block by its selection flag at full width instead of dropping deselected ones. */
  peerMasks?: boolean;
}

function caseSpec(name: string): CaseSpec {
  const fixed = Array.from({ length: BATCH }, () => MAX_LEN);
  switch (name) {
    case 'full':
      return { name, label: 'width 2048 (8×256), all selected', blockSizes: Array(8).fill(256), selection: Array(8).fill(true), lengths: fixed };
    case 'half':
      return { name, label: 'width 2048 (8×256), 4 deselected', blockSizes: Array(8).fill(256), selection: Array.from({ length: 8 }, (_, i) => i % 2 === 0), lengths: fixed };
    case 'masked':
      return { ...caseSpec('half'), name, label: 'as half; PyTorch 2048 wide × 0/1', peerMasks: true };
    case 'wide':
      return { name, label: 'width 5000 (10×500), all selected', blockSizes: Array(10).fill(500), selection: Array(10).fill(true), lengths: fixed };
    case 'var': {
      const rng = new Rng(7);
      const lengths = Array.from({ length: BATCH }, () => 10 + rng.int(31));
      return { name, label: 'width 2048, lengths 10..40', blockSizes: Array(8).fill(256), selection: Array(8).fill(true), lengths };
    }
    default:
      throw new Error(`unknown case '${name}' (expected full, half, masked, wide, var)`);
  }
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const selectedWidth = (c: CaseSpec): number => sum(c.blockSizes.filter((_, i) => c.selection[i]));

// ---------------------------------------------------------------------------------------------------------------
// Child: ours.

/** Wraps obj[key] (a method) so that its wall time accumulates into times[label]. */
function timeMethod(obj: object, key: string, label: string, times: Map<string, number>): void {
  const o = obj as Record<string, (...args: unknown[]) => unknown>;
  const f = o[key].bind(obj);
  o[key] = (...args: unknown[]) => {
    const t0 = performance.now();
    const r = f(...args);
    times.set(label, (times.get(label) ?? 0) + performance.now() - t0);
    return r;
  };
}

async function child(caseName: string, threads: number, breakdown: boolean): Promise<void> {
  const spec = caseSpec(caseName);
  const rssBaseKb = process.resourceUsage().maxRSS;
  const backend: Backend = getBackend('auto');
  backend.setThreads(threads);
  const rng = new Rng(1);
  const maxLen = Math.max(...spec.lengths);
  const layout: SeqLayout = { batch: BATCH, maxLen, lengths: Int32Array.from(spec.lengths) };
  const rows = BATCH * maxLen;
  const model = new TaggerModel(backend, rng, {
    blockSizes: spec.blockSizes,
    trainableBlocks: spec.blockSizes.map(() => false),
    hidden: HIDDEN,
    numTags: TAGS,
    outputDropout: 0,
    learnedBlockScale: false,
  });
  const adam = new Adam(backend, model.params(), { lr: 1e-3 });
  const active = model.paramsFor(spec.selection);
  // Frozen features: normal(0, 1) at real positions, zeros at padding; deselected blocks are not even materialised.
  const blocks = spec.blockSizes.map((d, i) => {
    if (!spec.selection[i]) return null;
    const x = new Float32Array(rows * d);
    for (let b = 0; b < BATCH; b++) {
      for (let t = 0; t < spec.lengths[b]; t++) {
        const o = (b * maxLen + t) * d;
        for (let j = 0; j < d; j++) x[o + j] = rng.normal();
      }
    }
    return x;
  });
  const gold = new Int32Array(rows);
  for (let b = 0; b < BATCH; b++) for (let t = 0; t < spec.lengths[b]; t++) gold[b * maxLen + t] = rng.int(TAGS);
  const stepRng = rng.split('dropout');

  const times = new Map<string, number>();
  if (breakdown) {
    for (const k of ['sgemm', 'lstmCellForward', 'lstmCellBackward', 'adamUpdate'] as const) timeMethod(backend, k, `kernel ${k}`, times);
    timeMethod(model.proj, 'forward', 'BlockLinear.forward', times);
    timeMethod(model.proj, 'backward', 'BlockLinear.backward', times);
    timeMethod(model.lstm, 'forward', 'BiLstm.forward', times);
    timeMethod(model.lstm, 'backward', 'BiLstm.backward', times);
    timeMethod(model.out, 'forward', 'Linear.forward', times);
    timeMethod(model.out, 'backward', 'Linear.backward', times);
    timeMethod(model, 'trainStep', 'trainStep (total)', times);
    timeMethod(adam, 'step', 'Adam.step', times);
  }
  let steps = 0;
  const step = (): number => {
    const t0 = performance.now();
    zeroGrads(active);
    if (breakdown) times.set('zeroGrads', (times.get('zeroGrads') ?? 0) + performance.now() - t0);
    const { loss } = model.trainStep(blocks, layout, gold, spec.selection, stepRng, undefined);
    adam.step(active);
    steps++;
    return loss / BATCH;
  };
  step(); // allocates the layers' grow-only buffers
  times.clear();
  steps = 0;
  const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
  say({ ready: true, backend: backend.info, tokens_per_step: sum(spec.lengths), params: model.params().reduce((a, p) => a + p.size, 0) });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = line.trim().split(/\s+/);
    if (cmd[0] === 'run') {
      if (cmd[2] !== undefined) backend.setThreads(Number(cmd[2]));
      const n = Number(cmd[1]);
      const t0 = performance.now();
      let loss = 0;
      for (let i = 0; i < n; i++) loss = step();
      say({ steps: n, seconds: (performance.now() - t0) / 1000, loss, threads: backend.info.threads });
    } else if (cmd[0] === 'quit') {
      break;
    } else if (cmd[0] !== '') {
      say({ error: `unknown command ${line}` });
    }
  }
  const out: Record<string, unknown> = { maxrss_kb: process.resourceUsage().maxRSS, baseline_rss_kb: rssBaseKb };
  if (breakdown && steps > 0) out.ms_per_step = Object.fromEntries([...times].map(([k, v]) => [k, +(v / steps).toFixed(3)]));
  say(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent.


function spawnOurs(spec: CaseSpec, threads: number): Worker {
  const proc = spawn(process.execPath, [...childLoader, self, '--child', '--case', spec.name, '--threads', String(threads)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Worker(`ours (${spec.name})`, proc);
}

function spawnTorch(spec: CaseSpec): Worker {
  const maxLen = Math.max(...spec.lengths);
  const width = spec.peerMasks ? sum(spec.blockSizes) : selectedWidth(spec);
  const args = [join(peersDir, 'train_step_torch.py'), '--width', String(width), '--batch', String(BATCH),
    '--max-len', String(maxLen), '--hidden', String(HIDDEN), '--tags', String(TAGS)];
  if (spec.peerMasks) args.push('--block-mask', spec.blockSizes.map((d, i) => `${d}:${spec.selection[i] ? 1 : 0}`).join(','));
  if (spec.lengths.some((n) => n !== maxLen)) args.push('--lengths', spec.lengths.join(','));
  const proc = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
  return new Worker(`pytorch (${spec.name})`, proc);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface CaseResult {
  case: string;
  label: string;
  tokens_per_step: number;
  /** Ours at the chosen thread count. */
  tokens_per_s: number;
  threads: number;
  tokens_per_s_by_threads: Record<string, number>;
  runs_by_threads: Record<string, number[]>;
  peak_rss_mb: number;
  baseline_rss_mb: number;
  pytorch_tokens_per_s?: number;
  pytorch_runs?: number[];
  pytorch_peak_rss_mb?: number;
  pytorch_baseline_rss_mb?: number;
  ratio_vs_pytorch?: number;
  /** Median over repetitions of (ours / PyTorch) within the same repetition: less sensitive to load drift. */
  ratio_paired_median?: number;
  loss_last?: number;
  pytorch_loss_last?: number;
}

interface Opts {
  reps: number;
  steps: number;
  warmup: number;
  threads: number[];
  pytorch: boolean;
}

/** One case's pair of children and what they measured. */
interface Live {
  spec: CaseSpec;
  ours: Worker;
  torch: Worker | null;
  tokens: number;
  runs: Record<string, number[]>;
  torchRuns: number[];
  /** ours (best thread count of this repetition) / PyTorch, per repetition. */
  paired: number[];
  lossOurs: number;
  lossTorch: number;
}

/**
 * Starts every case's children, warms them up, then runs the repetitions: each repetition visits every case (order
 * rotated) and, within a case, ours at each thread count and PyTorch (order flipped every repetition). So load drift
 * hits both sides and all cases alike, and case-to-case ratios (half vs full) are as fair as ours-vs-PyTorch ones.
 */
async function runCases(specs: CaseSpec[], opts: Opts, info: Record<string, unknown>): Promise<CaseResult[]> {
  const live: Live[] = [];
  for (const spec of specs) {
    // Started one at a time, so that start-up (tsx compile, torch import) does not overlap timed runs or each other.
    const ours = spawnOurs(spec, opts.threads[0]);
    const oursReady = await ours.next();
    info.backend ??= oursReady.backend;
    const torch = opts.pytorch ? spawnTorch(spec) : null;
    if (torch) {
      const r = await torch.next();
      info.pytorch ??= { torch: r.torch, threads: r.threads, blas_libraries: r.blas_libraries, blas_info: r.blas_info };
    }
    for (const t of opts.threads) await ours.ask(`run ${opts.warmup} ${t}`);
    if (torch) await torch.ask(`run ${opts.warmup}`);
    live.push({
      spec, ours, torch, tokens: oursReady.tokens_per_step as number,
      runs: Object.fromEntries(opts.threads.map((t) => [String(t), []])), torchRuns: [], paired: [], lossOurs: NaN, lossTorch: NaN,
    });
  }
  for (let rep = 0; rep < opts.reps; rep++) {
    for (let c = 0; c < live.length; c++) {
      const l = live[(c + rep) % live.length];
      const order: (number | 'torch')[] = [...opts.threads, ...(l.torch ? ['torch' as const] : [])];
      if (rep % 2 === 1) order.reverse();
      let bestOurs = 0;
      let torchRate = NaN;
      for (const who of order) {
        if (who === 'torch') {
          const r = await l.torch!.ask(`run ${opts.steps}`);
          torchRate = (l.tokens * (r.steps as number)) / (r.seconds as number);
          l.torchRuns.push(torchRate);
          l.lossTorch = r.loss as number;
        } else {
          const r = await l.ours.ask(`run ${opts.steps} ${who}`);
          const rate = (l.tokens * (r.steps as number)) / (r.seconds as number);
          l.runs[String(who)].push(rate);
          bestOurs = Math.max(bestOurs, rate);
          l.lossOurs = r.loss as number;
        }
      }
      if (l.torch) l.paired.push(bestOurs / torchRate);
    }
    process.stderr.write(`rep ${rep + 1}/${opts.reps}\n`);
  }
  const results: CaseResult[] = [];
  for (const l of live) {
    const oursEnd = await l.ours.quit();
    const torchEnd = l.torch ? await l.torch.quit() : null;
    const byThreads = Object.fromEntries(Object.entries(l.runs).map(([t, xs]) => [t, median(xs)]));
    const [bestThreads, best] = Object.entries(byThreads).reduce((a, b) => (b[1] > a[1] ? b : a));
    const result: CaseResult = {
      case: l.spec.name,
      label: l.spec.label,
      tokens_per_step: l.tokens,
      tokens_per_s: best,
      threads: Number(bestThreads),
      tokens_per_s_by_threads: byThreads,
      runs_by_threads: l.runs,
      peak_rss_mb: (oursEnd.maxrss_kb as number) / 1024,
      baseline_rss_mb: (oursEnd.baseline_rss_kb as number) / 1024,
      loss_last: l.lossOurs,
    };
    if (torchEnd) {
      result.pytorch_tokens_per_s = median(l.torchRuns);
      result.pytorch_runs = l.torchRuns;
      result.pytorch_peak_rss_mb = (torchEnd.maxrss_kb as number) / 1024;
      result.pytorch_baseline_rss_mb = (torchEnd.baseline_rss_kb as number) / 1024;
      result.ratio_vs_pytorch = best / result.pytorch_tokens_per_s;
      result.ratio_paired_median = median(l.paired);
      result.pytorch_loss_last = l.lossTorch;
    }
    results.push(result);
  }
  return results;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      case: { type: 'string', default: 'full' },
      breakdown: { type: 'boolean', default: false },
      reps: { type: 'string', default: '5' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      threads: { type: 'string', default: 'auto' },
      cases: { type: 'string', default: 'full,half,masked,wide' },
      'no-pytorch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.child) {
    await child(values.case, values.threads === 'auto' ? 2 : Number(values.threads), values.breakdown);
    return;
  }
  const threads = values.threads === 'auto' ? [1, 2] : [Number(values.threads)];
  if (threads.some((t) => !(Number.isInteger(t) && t >= 1))) throw new Error(`--threads must be auto or a positive integer, got ${values.threads}`);
  const reps = Number(values.reps);
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const specs = values.cases.split(',').filter((s) => s !== '').map(caseSpec);

  let pytorch = !values['no-pytorch'];
  let pytorchNote: string | undefined;
  if (pytorch) {
    const probe = existsSync(PYTHON)
      ? await new Promise<number | null>((resolve) => spawn(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).on('exit', resolve))
      : null;
    if (probe !== 0) {
      pytorch = false;
      pytorchNote = `${PYTHON} has no torch: reporting ours only`;
      process.stderr.write(`${pytorchNote}\n`);
    }
  }

  const info: Record<string, unknown> = {};
  const loadBefore = loadavg();
  const results = await runCases(specs, { reps, steps, warmup, threads, pytorch }, info);
  const loadAfter = loadavg();
  const by = Object.fromEntries(results.map((r) => [r.case, r]));
  const full = by.full as CaseResult | undefined;
  const half = by.half as CaseResult | undefined;
  const masked = by.masked as CaseResult | undefined;

  if (values.json) {
    const out: Record<string, unknown> = {
      bench: 'train-step',
      batch: BATCH, max_len: MAX_LEN, hidden: HIDDEN, tags: TAGS, reps, steps_per_rep: steps, threads_tried: threads,
    };
    if (full) {
      out.tokens_per_s = full.tokens_per_s;
      out.pytorch_tokens_per_s = full.pytorch_tokens_per_s;
      out.ratio_vs_pytorch = full.ratio_vs_pytorch;
      out.ratio_vs_pytorch_paired = full.ratio_paired_median;
      out.peak_rss_mb = full.peak_rss_mb;
      out.pytorch_peak_rss_mb = full.pytorch_peak_rss_mb;
      if (full.pytorch_peak_rss_mb) out.rss_ratio_vs_pytorch = full.peak_rss_mb / full.pytorch_peak_rss_mb;
    }
    if (half) {
      if (half.pytorch_tokens_per_s) out.ratio_half_selected = half.tokens_per_s / half.pytorch_tokens_per_s;
      if (full) out.speedup_half_vs_full = half.tokens_per_s / full.tokens_per_s;
    }
    if (masked?.pytorch_tokens_per_s) out.ratio_half_selected_vs_masked_peer = masked.tokens_per_s / masked.pytorch_tokens_per_s;
    out.cases = by;
    out.backend = info.backend;
    out.pytorch = info.pytorch ?? pytorchNote ?? 'skipped (--no-pytorch)';
    out.loadavg = { before: loadBefore, after: loadAfter };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }

  const backend = info.backend as { blas: string } | undefined;
  console.log(`Training step: ${BATCH} sentences × ${MAX_LEN} tokens, BiLSTM 1×${HIDDEN}/dir + linear + CRF (${TAGS} tags) + Adam`);
  console.log(`ours: TaggerModel.trainStep, native backend (${backend?.blas ?? '?'}), BLAS threads ${threads.join(' vs ')}`);
  const pt = info.pytorch as { torch: string; threads: Record<string, unknown>; blas_libraries: string[] } | undefined;
  if (pt) {
    const blas = pt.blas_libraries.find((l) => /openblas|mkl/i.test(l)) ?? pt.blas_libraries[0] ?? '?';
    console.log(`pytorch ${pt.torch}: ${blas}; torch threads ${String(pt.threads.torch_intra_op)}, OPENBLAS_NUM_THREADS ${String(pt.threads.OPENBLAS_NUM_THREADS)} (openblas reports ${String(pt.threads.openblas_get_num_threads)})`);
  } else console.log(`pytorch: ${pytorchNote ?? 'skipped'}`);
  console.log(`medians of ${reps} interleaved runs of ${steps} steps; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} → ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  console.log('');
  const head = ['case', 'ours tok/s', 'thr', 'PyTorch tok/s', 'ratio', 'paired', 'ours RSS MB', 'PyTorch RSS MB', 'RSS ratio'];
  const w = [42, 11, 4, 14, 7, 7, 12, 15, 10];
  console.log(head.map((h, i) => pad(h, w[i], i > 0)).join(' '));
  for (const r of results) {
    const f = (x: number | undefined, d = 0): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
    const cells = [
      `${r.case}: ${r.label}`, f(r.tokens_per_s), String(r.threads), f(r.pytorch_tokens_per_s), f(r.ratio_vs_pytorch, 2), f(r.ratio_paired_median, 2),
      f(r.peak_rss_mb), f(r.pytorch_peak_rss_mb), r.pytorch_peak_rss_mb ? f(r.peak_rss_mb / r.pytorch_peak_rss_mb, 2) : '-',
    ];
    console.log(cells.map((c, i) => pad(c, w[i], i > 0)).join(' '));
  }
  console.log('ratio = ours median / PyTorch median; paired = median over repetitions of ours / PyTorch in the same repetition');
  console.log('');
  if (threads.length > 1) {
    for (const r of results) {
      console.log(`${r.case}: ours by BLAS threads ${Object.entries(r.tokens_per_s_by_threads).map(([t, v]) => `${t}: ${v.toFixed(0)}`).join(', ')} tok/s`);
    }
  }
  if (half && full) console.log(`half vs full (ours): ${(half.tokens_per_s / full.tokens_per_s).toFixed(2)}×`);
  if (half?.pytorch_tokens_per_s) console.log(`half selected, ours vs PyTorch (1024-wide input): ${(half.tokens_per_s / half.pytorch_tokens_per_s).toFixed(2)}×`);
  if (masked?.pytorch_tokens_per_s) {
    console.log(`half selected, ours vs PyTorch as the original ACE runs it (2048 wide, deselected blocks × 0): ${(masked.tokens_per_s / masked.pytorch_tokens_per_s).toFixed(2)}×`);
  }
  const base = (xs: (number | undefined)[]): string => xs.map((x) => (x === undefined ? '-' : x.toFixed(0))).join('/');
  console.log(`peak RSS is the whole process: before the model, ours (node + tsx) was at ${base(results.map((r) => r.baseline_rss_mb))} MB, `
    + `PyTorch (python + import torch) at ${base(results.map((r) => r.pytorch_baseline_rss_mb))} MB`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
