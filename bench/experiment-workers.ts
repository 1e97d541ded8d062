// Wall time of one experiment plan run by 1 local worker and then by 2, in fresh folders, with what each job took.
/*
 * Usage: npx tsc -p tsconfig.json && ACE_DATA_HOME=… node dist/bench/experiment-workers.js [--workers 1,2] [--keep DIR]
 *
 * The plan (six jobs: ACE, RANDOM and ALL × seeds 1–2 on a CoNLL-2000 slice, glove/char/casing, the budget regime)
 * is written to a temporary folder. Embedding caches are built first, outside the timing, so every run reads the
 * same caches. Each job process gets one BLAS thread. Printed: wall time per worker count, the sum of the jobs' own
 * wall times, the ratio of the two, and the speed-up against the first worker count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI_MAIN } from '../src/experiment/run-job.js';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '1,2' }, keep: { type: 'string' }, limit: { type: 'string', default: '400' }, episodes: { type: 'string', default: '6' } } });
const counts = values.workers.split(',').map(Number);
const root = values.keep ?? mkdtempSync(join(tmpdir(), 'ace-bench-workers-'));

const plan = `name: six-jobs
datasets:
  - { id: chunk, task: chunk, data: conll2000, search: { limit: ${Number(values.limit)} } }
pools:
  small: [glove, char, casing]
strategies: [ace, random, all]
seeds: [1, 2]
regime: budget
search:
  episodes: ${Number(values.episodes)}
  hidden: 64
  threads: 1
`;
const planFile = join(root, 'plan.yaml');
writeFileSync(planFile, plan);

function ace(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`ace ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
}

ace(['embed', '--data', 'conll2000', '--candidates', 'glove']);
console.log(`plan: 6 jobs (ace, random, all × 2 seeds), chunk conll2000 first ${values.limit} sentences, glove,char,casing, hidden 64, ${values.episodes} episodes, budget regime`);
const base: { wall: number } = { wall: 0 };
for (const workers of counts) {
  const out = join(root, `workers-${workers}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  ace(['experiment', planFile, '--out', out, '--workers', String(workers)]);
  const wall = (performance.now() - t0) / 1000;
  const jobs = readdirSync(join(out, 'jobs'));
  let jobSeconds = 0;
  const per: string[] = [];
  for (const id of jobs) {
    const record = JSON.parse(readFileSync(join(out, 'jobs', id, 'search.json'), 'utf8')) as { episodes: { wallSeconds: number }[] };
    const s = record.episodes.reduce((n, e) => n + e.wallSeconds, 0);
    jobSeconds += s;
    per.push(`${id} ${s.toFixed(0)} s`);
  }
  if (base.wall === 0) base.wall = wall;
  console.log(`${workers} worker(s): wall ${wall.toFixed(1)} s · jobs' own training ${jobSeconds.toFixed(1)} s (wall/jobs ${(wall / jobSeconds).toFixed(2)}) · speed-up ${(base.wall / wall).toFixed(2)}×`);
  console.log(`  ${per.join(' · ')}`);
}
if (!values.keep) rmSync(root, { recursive: true, force: true });
