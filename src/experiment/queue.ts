// The job queue across machines: jobs go on a BullMQ queue in Redis; `ace worker` processes run them in a shared experiment folder.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { sha256 } from '../util/hash.js';
import { EXPERIMENT_FILE } from './job-folder.js';
import type { JobSpec } from './plan.js';
import { connectionOptions, probeRedis, type RedisTarget } from './redis.js';
import { JobFailure, runJob } from './run-job.js';

/** What a queued job carries: everything a worker on another machine needs, given the same folder and data home. */
export interface QueuedJob {
  experimentDir: string;
  job: JobSpec;
}

/** BullMQ job id: the experiment folder's short hash and the job id, so equal ids of two experiments never collide. */
export function queueJobId(experimentDir: string, id: string): string {
  return `${sha256(resolve(experimentDir)).slice(0, 10)}.${id}`;
}

export interface SubmitResult {
  added: string[];
  /** Already waiting or running on the queue. */
  kept: string[];
}

/**
 * Put the jobs on the queue (the caller leaves out finished ones). A job that the queue holds as completed or failed
 * is replaced, so running a plan again retries what failed; one still waiting or active is left alone.
 */
export async function submitJobs(target: RedisTarget, queueName: string, experimentDir: string, jobs: readonly JobSpec[], attempts: number): Promise<SubmitResult> {
  await probeRedis(target);
  const queue = new Queue<QueuedJob>(queueName, { connection: connectionOptions(target) });
  queue.on('error', () => {});
  const result: SubmitResult = { added: [], kept: [] };
  try {
    const fresh: Array<{ name: string; data: QueuedJob; opts: { jobId: string; attempts: number; backoff: { type: 'fixed'; delay: number } } }> = [];
    for (const job of jobs) {
      const jobId = queueJobId(experimentDir, job.id);
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') {
          result.kept.push(job.id);
          continue;
        }
        await existing.remove();
      }
      fresh.push({ name: job.id, data: { experimentDir: resolve(experimentDir), job }, opts: { jobId, attempts, backoff: { type: 'fixed', delay: 1000 } } });
      result.added.push(job.id);
    }
    if (fresh.length > 0) await queue.addBulk(fresh);
  } finally {
    await queue.close();
  }
  return result;
}

export type QueueJobState = 'waiting' | 'active' | 'completed' | 'failed' | 'missing';

/** The queue's view of the given jobs of an experiment. */
export async function queueStates(target: RedisTarget, queueName: string, experimentDir: string, ids: readonly string[]): Promise<Map<string, QueueJobState>> {
  const queue = new Queue<QueuedJob>(queueName, { connection: connectionOptions(target) });
  queue.on('error', () => {});
  try {
    const states = new Map<string, QueueJobState>();
    for (const id of ids) {
      const state = await queue.getJobState(queueJobId(experimentDir, id));
      states.set(id, state === 'completed' || state === 'failed' || state === 'active' ? state : state === 'unknown' ? 'missing' : 'waiting');
    }
    return states;
  } finally {
    await queue.close();
  }
}

export interface WorkerOptions {
  concurrency: number;
  /**
   * Seconds a job's lock lasts without renewal; a worker killed mid-job is noticed by another worker within about
   * twice this, and the job resumed there.
   */
  stallSeconds: number;
  /** One line per job event. */
  log: (line: string) => void;
  name?: string;
}

export interface RunningWorker {
  /** Kill the running jobs (the queue retries them from their last commit elsewhere) and disconnect. */
  stop(): Promise<void>;
  name: string;
}

/** Start a worker that runs queued jobs until stopped. */
export async function startWorker(target: RedisTarget, queueName: string, o: WorkerOptions): Promise<RunningWorker> {
  await probeRedis(target);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const abort = new AbortController();
  const processor = async (job: Job<QueuedJob>): Promise<string> => {
    const { experimentDir, job: spec } = job.data;
    if (!existsSync(join(experimentDir, EXPERIMENT_FILE))) {
      throw new JobFailure(`job ${spec.id}: experiment folder ${experimentDir} is not visible on ${hostname()}`);
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    o.log(`${spec.id}: started (try ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`);
    const t0 = Date.now();
    const outcome = await runJob(experimentDir, spec, { worker: name, finalAttempt, signal: abort.signal, onWait: o.log });
    o.log(`${spec.id}: ${outcome === 'skipped' ? 'already finished' : `done in ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
    return outcome;
  };
  const worker = new Worker<QueuedJob, string>(queueName, processor, {
    connection: connectionOptions(target),
    concurrency: o.concurrency,
    lockDuration: o.stallSeconds * 1000,
    stalledInterval: o.stallSeconds * 1000,
    maxStalledCount: 3,
    name,
  });
  let lastError = '';
  worker.on('error', (err) => {
    // The client reconnects by itself; say so once per distinct problem.
    if (err.message !== lastError) o.log(`queue connection: ${err.message}`);
    lastError = err.message;
  });
  worker.on('failed', (job, err) => {
    // JobFailure messages name the job already.
    if (job) o.log(err instanceof JobFailure || err.message.startsWith(`job ${job.data.job.id}`) ? err.message : `${job.data.job.id}: ${err.message}`);
  });
  await worker.waitUntilReady();
  return {
    name,
    stop: async () => {
      // Close first, so the killed jobs are not reported as failed tries: their locks lapse and the queue retries them.
      const closing = worker.close(true);
      abort.abort();
      await closing;
    },
  };
}
