// Queue overhead per job: BullMQ round trips of no-op jobs, and process jobs through the queue against the same jobs spawned locally.
/*
 * Usage: npx tsc -p tsconfig.json && node dist/bench/queue.js [--redis redis://127.0.0.1:6390] [--n 300] [--spawns 20]
 *
 * 1. latency: one no-op job at a time (add, then wait for its completion through QueueEvents): the round trip a job
 *    pays on top of its work. Worker and queue in this process, Redis on loopback.
 * 2. throughput: --n no-op jobs added in one addBulk, one worker with concurrency 1, wall time until the last completes.
 * 3. process jobs: --spawns pairs of jobs that each spawn `node -e 0` (the floor of an isolated job process), one as
 *    the local runner does (spawn, wait), one through the queue (the job's processor spawns it), interleaved. The
 *    paired difference is what the queue adds to a job that runs as its own process.
 * The queue is named ace-bench-<pid> and removed at the end. Medians and means are over the jobs of each part.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { connectionOptions, parseRedisUrl, probeRedis } from '../src/experiment/redis.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const url = arg('redis', process.env.ACE_TEST_REDIS ?? 'redis://127.0.0.1:6390');
const n = Number(arg('n', '300'));
const spawns = Number(arg('spawns', '20'));
const target = parseRedisUrl(url);
await probeRedis(target);
const connection = connectionOptions(target);
const name = `ace-bench-${process.pid}`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function spawnNoop(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', () => resolve());
  });
}

const queue = new Queue(name, { connection });
const events = new QueueEvents(name, { connection });
await events.waitUntilReady();
let mode: 'noop' | 'spawn' = 'noop';
const worker = new Worker(name, async () => {
  if (mode === 'spawn') await spawnNoop();
  return 1;
}, { connection, concurrency: 1, drainDelay: 1 });
await worker.waitUntilReady();

try {
  // Warm-up: connections, Lua scripts loaded.
  for (let i = 0; i < 20; i++) await (await queue.add('warm', {})).waitUntilFinished(events);

  const latency: number[] = [];
  for (let i = 0; i < Math.min(n, 200); i++) {
    const t0 = process.hrtime.bigint();
    const job = await queue.add('noop', { i });
    await job.waitUntilFinished(events);
    latency.push(ms(t0));
  }

  const tBulk = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let done = 0;
    const onDone = (): void => {
      if (++done === n) {
        worker.off('completed', onDone);
        resolve();
      }
    };
    worker.on('completed', onDone);
    void queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'bulk', data: { i } })));
  });
  const bulkMs = ms(tBulk);

  // Interleaved pairs (order flipped every pair), so load drift on the shared machine hits both sides alike.
  mode = 'spawn';
  const local: number[] = [];
  const queued: number[] = [];
  const viaQueue = async (i: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await (await queue.add('spawn', { i })).waitUntilFinished(events);
    return ms(t0);
  };
  const direct = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await spawnNoop();
    return ms(t0);
  };
  for (let i = 0; i < spawns; i++) {
    if (i % 2 === 0) {
      local.push(await direct());
      queued.push(await viaQueue(i));
    } else {
      queued.push(await viaQueue(i));
      local.push(await direct());
    }
  }
  const diffs = queued.map((q, i) => q - local[i]);

  const f = (x: number): string => x.toFixed(2);
  console.log(`BullMQ on ${target.display}, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`no-op round trip (add → completed, one at a time, ${latency.length} jobs): median ${f(median(latency))} ms, mean ${f(mean(latency))} ms, max ${f(Math.max(...latency))} ms`);
  console.log(`no-op throughput (${n} jobs in one addBulk, 1 worker): ${f(bulkMs)} ms → ${f(bulkMs / n)} ms/job, ${(n / (bulkMs / 1000)).toFixed(0)} jobs/s`);
  console.log(`process job, local spawn of node -e 0 (${spawns}): median ${f(median(local))} ms, mean ${f(mean(local))} ms`);
  console.log(`process job, through the queue (${spawns}): median ${f(median(queued))} ms, mean ${f(mean(queued))} ms`);
  console.log(`queue overhead per process job (queued − local, paired): median ${f(median(diffs))} ms, mean ${f(mean(diffs))} ms`);
} finally {
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
}
