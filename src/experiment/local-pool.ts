// The embedded runner: an experiment's jobs on N local child processes, each failed try resumed by the next (no server).
import { JobFailure, runJob } from './run-job.js';
import type { JobSpec } from './plan.js';

export interface PoolOptions {
  workers: number;
  /** Tries per job. */
  attempts: number;
  /** One line per job event (start, done, retry, failure). */
  log: (line: string) => void;
  /** Name recorded in the jobs' status (host:pid by default). */
  worker: string;
  signal?: AbortSignal;
}

export interface PoolResult {
  done: string[];
  skipped: string[];
  failed: string[];
}

/** Run every job, at most `workers` at a time, in plan order; resolves when all have finished or failed. */
export async function runLocal(experimentDir: string, jobs: readonly JobSpec[], o: PoolOptions): Promise<PoolResult> {
  const result: PoolResult = { done: [], skipped: [], failed: [] };
  let next = 0;
  let finished = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length && !o.signal?.aborted) {
      const job = jobs[next++];
      for (let attempt = 1; attempt <= o.attempts; attempt++) {
        if (o.signal?.aborted) return;
        const t0 = Date.now();
        try {
          const outcome = await runJob(experimentDir, job, { worker: o.worker, finalAttempt: attempt === o.attempts, onWait: o.log, ...(o.signal ? { signal: o.signal } : {}) });
          finished++;
          if (outcome === 'skipped') {
            result.skipped.push(job.id);
            o.log(`[${finished}/${jobs.length}] ${job.id}: already finished`);
          } else {
            result.done.push(job.id);
            o.log(`[${finished}/${jobs.length}] ${job.id}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          }
          break;
        } catch (err) {
          if (!(err instanceof JobFailure)) throw err;
          if (o.signal?.aborted) return;
          if (attempt < o.attempts) {
            o.log(`${err.message}; try ${attempt + 1} of ${o.attempts} follows (resuming whatever the last one committed)`);
          } else {
            finished++;
            result.failed.push(job.id);
            o.log(`[${finished}/${jobs.length}] ${err.message} (gave up after ${o.attempts} tries)`);
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, jobs.length)) }, lane));
  return result;
}
