// Run one job as its own `ace search` process (a new search, or `--resume` when its folder already holds one), logging to job.log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { isFinished, jobDir, JOB_FILE, SEARCH_COMMAND_FILE, LOG_FILE, readStatus, writeStatus, type Attempt, type JobStatus } from './job-folder.js';
import { acquireLease, type HeldLease } from './lease.js';
import type { JobSpec } from './plan.js';

/** The CLI entry and the watchdog module, next to this file in dist/. */
export const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const ORPHAN_GUARD = new URL('./orphan-guard.js', import.meta.url).href;

export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailure';
  }
}

export interface RunJobOptions {
  /** Who runs it (shown by `ace experiment status`), e.g. host:pid of the worker. */
  worker: string;
  /** Whether a failure is the last try (the job is then 'failed', else 'retrying'). */
  finalAttempt: boolean;
  /** Aborting kills the job process (SIGKILL: the next try resumes from its last commit). */
  signal?: AbortSignal;
  /** Extra environment for the job process. */
  env?: NodeJS.ProcessEnv;
  /** Told when another runner holds the job's folder (the try waits for it). */
  onWait?: (line: string) => void;
}

export type JobOutcome = 'done' | 'skipped';

/** The `ace search` arguments of a job's next try. */
export function jobCommand(job: JobSpec, dir: string): { args: string[]; resumed: boolean } {
  const resumed = existsSync(join(dir, SEARCH_COMMAND_FILE));
  const base = resumed ? ['search', '--resume', dir] : ['search', ...job.args, '--out', dir];
  return { args: [...base, '--no-progress', ...(job.threads !== undefined ? ['--threads', String(job.threads)] : [])], resumed };
}

function updateStatus(dir: string, change: (s: JobStatus) => JobStatus): void {
  writeStatus(dir, change(readStatus(dir) ?? { state: 'running', attempts: [] }));
}

/** Run (or continue) the job to its end; resolves 'skipped' when search.json already holds a final result. */
export async function runJob(experimentDir: string, job: JobSpec, options: RunJobOptions): Promise<JobOutcome> {
  const dir = jobDir(experimentDir, job.id);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, JOB_FILE))) writeJsonAtomic(join(dir, JOB_FILE), job);
  const markDone = (): JobOutcome => {
    if (readStatus(dir)?.state !== 'done') updateStatus(dir, (x) => ({ ...x, state: 'done' }));
    return 'skipped';
  };
  if (isFinished(dir)) return markDone();
  let lease: HeldLease;
  try {
    lease = await acquireLease(dir, options.worker, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onWait ? { onWait: (h) => options.onWait!(`job ${job.id} is held by ${h.worker} on ${h.host}; waiting for it`) } : {}),
    });
  } catch (err) {
    if (options.signal?.aborted) throw new JobFailure(`job ${job.id}: stopped while waiting for its folder`);
    throw err;
  }
  try {
    if (isFinished(dir)) return markDone();
    return await runTry(dir, job, { ...options, setChild: lease.setChild });
  } finally {
    lease.release();
  }
}

async function runTry(dir: string, job: JobSpec, options: RunJobOptions & { setChild?: (pid: number | null) => void }): Promise<JobOutcome> {
  if (options.signal?.aborted) throw new JobFailure(`job ${job.id}: stopped before it started`);
  const { args, resumed } = jobCommand(job, dir);
  const log = openSync(join(dir, LOG_FILE), 'a');
  const startedAt = new Date().toISOString();
  writeSync(log, `--- ${startedAt} · ${options.worker} · ace ${args.join(' ')}\n`);
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    const child = spawn(process.execPath, ['--import', ORPHAN_GUARD, CLI_MAIN, ...args], {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...options.env, ACE_JOB_PARENT_PID: String(process.pid) },
    });
    options.setChild?.(child.pid ?? null);
    const attempt: Attempt = { worker: options.worker, host: hostname(), pid: child.pid ?? null, resumed, startedAt };
    updateStatus(dir, (s) => ({ state: 'running', attempts: [...s.attempts, attempt] }));
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', kill, { once: true });
    exit = await new Promise((resolve, reject) => {
      child.once('error', (err) => reject(new JobFailure(`job ${job.id}: cannot start ${process.execPath}: ${err.message}`)));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    options.signal?.removeEventListener('abort', kill);
  } finally {
    closeSync(log);
  }
  const finished = exit.code === 0 && isFinished(dir);
  // A try cut short by its worker (stopping) is not a failure of the job: the next try resumes it.
  const state = finished ? 'done' : options.finalAttempt && !options.signal?.aborted ? 'failed' : 'retrying';
  updateStatus(dir, (s) => {
    const attempts = [...s.attempts];
    const last = attempts.length - 1;
    if (last >= 0) attempts[last] = { ...attempts[last], endedAt: new Date().toISOString(), exitCode: exit.code, signal: exit.signal };
    return { state, attempts };
  });
  if (!finished) {
    const how = exit.signal !== null ? `was killed (${exit.signal})` : exit.code === 0 ? 'ended without a final result' : `exited with code ${exit.code}`;
    throw new JobFailure(`job ${job.id}: ace search ${how}; see ${join(dir, LOG_FILE)}`);
  }
  return 'done';
}
