// One search run sequentially (K = 1, every BLAS thread to the one model) and with --parallel K (the threads split
// over K branch processes): wall time, final scores, and the best dev score reached by each point of the wall clock.
/*
 * Usage: npx tsc -p tsconfig.json && ACE_DATA_HOME=… node dist/bench/parallel-search.js
 *          [--k 2] [--threads 2] [--episodes 30] [--task chunk --data conll2000 --limit 1000]
 *          [--candidates glove,char,casing,word] [--hidden 128] [--keep DIR]
 * Embedding caches are built first, outside the timing. Both searches use the default (budget) regime and seed 1.
 * The best-so-far dev score is read off the searches' progress lines (stderr) as they are printed, with the time each
 * line arrived.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CLI_MAIN } from '../src/experiment/run-job.js';

const { values: o } = parseArgs({
  options: {
    k: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    episodes: { type: 'string', default: '30' },
    task: { type: 'string', default: 'chunk' },
    data: { type: 'string', default: 'conll2000' },
    limit: { type: 'string', default: '1000' },
    candidates: { type: 'string', default: 'glove,char,casing,word' },
    hidden: { type: 'string', default: '128' },
    keep: { type: 'string' },
  },
});
const root = o.keep ?? mkdtempSync(join(tmpdir(), 'ace-bench-parallel-'));
const k = Number(o.k);
const common = ['--task', o.task, '--data', o.data, '--limit', o.limit, '--candidates', o.candidates, '--hidden', o.hidden, '--episodes', o.episodes, '--seed', '1', '--threads', o.threads, '--no-progress'];

const frozen = o.candidates.split(',').filter((c) => c === 'glove' || c.startsWith('use-'));
if (frozen.length > 0) {
  const r = spawnSync(process.execPath, [CLI_MAIN, 'embed', '--data', o.data, '--candidates', frozen.join(',')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ace embed failed:\n${r.stderr}`);
}

interface Run {
  label: string;
  wall: number;
  /** (seconds since start, best dev so far) at every progress line. */
  curve: [number, number][];
  bestDev: number;
  test: number | null;
  epochs: number;
}

async function search(label: string, extra: string[]): Promise<Run> {
  const out = join(root, label.replace(/\W+/g, '-'));
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI_MAIN, 'search', ...common, ...extra, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  const curve: [number, number][] = [];
  const tail: string[] = [];
  child.stdout.resume();
  // The per-epoch progress lines go to stderr when it is not a terminal.
  for await (const line of createInterface({ input: child.stderr })) {
    const m = / · best (\d+(?:\.\d+)?) · /.exec(line);
    if (m) curve.push([(performance.now() - t0) / 1000, Number(m[1])]);
    tail.push(line);
    if (tail.length > 20) tail.shift();
  }
  const code: number | null = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`ace search ${label} exited with ${code}:\n${tail.join('\n')}`);
  const record = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8')) as { episodes: { epochs: unknown[] }[]; final: { bestDevScore: number; testScore: number | null } };
  return { label, wall, curve, bestDev: record.final.bestDevScore, test: record.final.testScore, epochs: record.episodes.reduce((n, e) => n + e.epochs.length, 0) };
}

const bestAt = (run: Run, t: number): string => {
  let best = NaN;
  for (const [s, b] of run.curve) if (s <= t) best = b;
  return Number.isNaN(best) ? '–' : best.toFixed(2);
};

console.log(`${o.task} ${o.data} first ${o.limit} sentences · ${o.candidates} · hidden ${o.hidden} · ${o.episodes} episodes · budget regime · ${o.threads} threads`);
const seq = await search(`K=1, ${o.threads} threads`, []);
const par = await search(`K=${k}, ${Math.max(1, Math.floor(Number(o.threads) / k))} thread(s) per branch`, ['--parallel', String(k)]);
for (const r of [seq, par]) {
  console.log(`${r.label}: wall ${(r.wall / 60).toFixed(1)} min · ${r.epochs} epochs · best dev ${r.bestDev.toFixed(2)} · test ${r.test === null ? '–' : r.test.toFixed(2)}`);
}
const marks = [0.25, 0.5, 0.75, 1].map((f) => f * seq.wall);
console.log(`\nbest dev so far at   ${marks.map((t) => `${(t / 60).toFixed(1)} min`.padStart(9)).join(' ')}`);
for (const r of [seq, par]) console.log(`${r.label.padEnd(36)} ${marks.map((t) => bestAt(r, t).padStart(9)).join(' ')}`);
console.log(`\nwall-time ratio K=${k} / K=1: ${(par.wall / seq.wall).toFixed(2)}`);
if (!o.keep) rmSync(root, { recursive: true, force: true });
