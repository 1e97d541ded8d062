// Prints sgemm GFLOP/s for square and BiLSTM-shaped products on each backend, beside torch.mm when python3 has torch.
// Usage: node --import tsx bench/sgemm.ts [--seconds 0.4] [--skip-js-above 4e9] [--no-torch]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Backend } from '../src/engine/backend/backend.js';
import { JsBackend } from '../src/engine/backend/js.js';
import { getBackend } from '../src/engine/backend/select.js';
import { Rng } from '../src/util/rng.js';

interface Shape {
  label: string;
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  beta: number;
}

interface BenchOptions {
  seconds: number;
  /** JS runs of more flops than this are skipped (they take seconds each). */
  skipJsAbove: number;
  torch: boolean;
}

const DEFAULTS: BenchOptions = { seconds: 0.4, skipJsAbove: 4e9, torch: true };

// BiLSTM-CRF step of the project goal: 32 sentences × 25 tokens = 800 rows, input 2048, hidden 256 (4h = 1024).
const SHAPES: Shape[] = [
  { label: 'square 256', ta: false, tb: false, m: 256, n: 256, k: 256, beta: 0 },
  { label: 'square 512', ta: false, tb: false, m: 512, n: 512, k: 512, beta: 0 },
  { label: 'square 1024', ta: false, tb: false, m: 1024, n: 1024, k: 1024, beta: 0 },
  { label: 'input proj X·Wᵀ', ta: false, tb: true, m: 800, n: 1024, k: 2048, beta: 0 },
  { label: 'recurrent h·Whhᵀ', ta: false, tb: true, m: 32, n: 1024, k: 256, beta: 1 },
  { label: 'backward dG·W', ta: false, tb: false, m: 800, n: 2048, k: 1024, beta: 0 },
  { label: 'weight grad dGᵀ·X', ta: true, tb: false, m: 1024, n: 2048, k: 800, beta: 1 },
  { label: 'recurrent dG·Whh', ta: false, tb: false, m: 32, n: 256, k: 1024, beta: 0 },
  { label: 'recurrent dGᵀ·h', ta: true, tb: false, m: 1024, n: 256, k: 32, beta: 1 },
];

function parseArgs(argv: string[]): BenchOptions {
  const o = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds') o.seconds = Number(argv[++i]);
    else if (argv[i] === '--skip-js-above') o.skipJsAbove = Number(argv[++i]);
    else if (argv[i] === '--no-torch') o.torch = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

function operands(s: Shape, rng: Rng) {
  const fill = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.float() - 0.5;
    return a;
  };
  return {
    a: fill(s.m * s.k), lda: s.ta ? s.m : s.k,
    b: fill(s.k * s.n), ldb: s.tb ? s.k : s.n,
    c: new Float32Array(s.m * s.n), ldc: s.n,
  };
}

/** Median GFLOP/s over repeated calls lasting at least `seconds` in total (and at least 3 calls). */
function measure(be: Backend, s: Shape, seconds: number, rng: Rng): number {
  const { a, lda, b, ldb, c, ldc } = operands(s, rng);
  const call = (): void => be.sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, b, ldb, s.beta, c, ldc);
  call();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    call();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const ms = times[times.length >> 1];
  return (2 * s.m * s.n * s.k) / (ms * 1e6);
}

/** Nanoseconds per call of a 1×1×1 sgemm: the fixed cost the LSTM time loop pays per call. */
function callOverheadNs(be: Backend): number {
  const a = new Float32Array(1), b = new Float32Array(1), c = new Float32Array(1);
  for (let i = 0; i < 20000; i++) be.sgemm(false, false, 1, 1, 1, 1, a, 1, b, 1, 0, c, 1);
  const n = 200000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) be.sgemm(false, false, 1, 1, 1, 1, a, 1, b, 1, 0, c, 1);
  return Number(process.hrtime.bigint() - t0) / n;
}

const TORCH_SCRIPT = `
import json, sys, time, torch
torch.set_num_threads(1)
shapes, seconds = json.loads(sys.argv[1]), float(sys.argv[2])
res = {"version": torch.__version__, "gflops": []}
for s in shapes:
    m, n, k = s["m"], s["n"], s["k"]
    a = torch.rand(k, m) - 0.5 if s["ta"] else torch.rand(m, k) - 0.5
    b = torch.rand(n, k) - 0.5 if s["tb"] else torch.rand(k, n) - 0.5
    ao = a.t() if s["ta"] else a
    bo = b.t() if s["tb"] else b
    c = torch.zeros(m, n)
    torch.mm(ao, bo, out=c)
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        if s["beta"] == 0:
            torch.mm(ao, bo, out=c)
        else:
            c.addmm_(ao, bo)
        times.append(time.perf_counter() - t0)
    times.sort()
    res["gflops"].append(2 * m * n * k / (times[len(times) // 2] * 1e9))
print(json.dumps(res))
`;

/** torch.mm on the same shapes: intra-op threads 1, OpenBLAS threads 2 (env), as the project's comparison fixes. */
function torchFigures(shapes: Shape[], seconds: number): { version: string; gflops: number[] } | string {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return `${py} not found`;
  const r = spawnSync(py, ['-c', TORCH_SCRIPT, JSON.stringify(shapes), String(seconds)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '1' },
    timeout: 600_000,
  });
  if (r.status !== 0) return `torch unavailable: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { version: string; gflops: number[] };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const rng = new Rng(2021);
  const js = new JsBackend();
  const auto = getBackend('auto');
  const native = auto.info.name === 'native' ? auto : null;
  const columns: Array<{ name: string; run: (s: Shape) => number | null }> = [
    { name: 'js', run: (s) => (2 * s.m * s.n * s.k > opts.skipJsAbove ? null : measure(js, s, opts.seconds, rng)) },
  ];
  if (native) {
    columns.push({ name: 'native 1t', run: (s) => { native.setThreads(1); return measure(native, s, opts.seconds, rng); } });
    columns.push({ name: 'native 2t', run: (s) => { native.setThreads(2); return measure(native, s, opts.seconds, rng); } });
  }
  process.stdout.write(`node ${process.version}; js: ${js.info.blas}; native: ${native ? native.info.blas : `unavailable (${auto.info.fallbackReason})`}\n`);
  const rows = SHAPES.map((s) => columns.map((col) => col.run(s)));
  let torchCol: number[] | null = null;
  if (opts.torch) {
    const t = torchFigures(SHAPES, opts.seconds);
    if (typeof t === 'string') process.stdout.write(`torch: ${t}\n`);
    else {
      process.stdout.write(`torch ${t.version}: torch.set_num_threads(1), OPENBLAS_NUM_THREADS=2\n`);
      torchCol = t.gflops;
    }
  }
  const head = ['shape (m×n×k, op)', ...columns.map((c) => c.name), ...(torchCol ? ['torch.mm'] : [])];
  const fmt = (v: number | null): string => (v === null ? 'skip' : v.toFixed(2));
  const lines = SHAPES.map((s, i) => [
    `${s.label} ${s.m}×${s.n}×${s.k} ${s.ta ? 'T' : 'N'}${s.tb ? 'T' : 'N'}${s.beta ? ' β=1' : ''}`,
    ...rows[i].map(fmt),
    ...(torchCol ? [fmt(torchCol[i])] : []),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j].length)));
  const show = (cells: string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  process.stdout.write(`GFLOP/s (median of repeated calls, wall clock)\n${show(head)}\n`);
  for (const l of lines) process.stdout.write(`${show(l)}\n`);
  process.stdout.write(`per-call overhead of a 1×1×1 sgemm: js ${callOverheadNs(js).toFixed(0)} ns`);
  if (native) process.stdout.write(`, native ${callOverheadNs(native).toFixed(0)} ns`);
  process.stdout.write('\n');
}

main();
