// An experiment folder on disk: experiment.json (the expanded plan), and per job jobs/<id>/ with job.json, status.json, job.log and the search's own files.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { InputError, UsageError } from '../util/errors.js';
import type { JobSpec, Plan } from './plan.js';

export const EXPERIMENT_FORMAT = 'ace-ts/experiment@1';
export const EXPERIMENT_FILE = 'experiment.json';
export const JOB_FILE = 'job.json';
export const STATUS_FILE = 'status.json';
export const LOG_FILE = 'job.log';
/** What `ace search` saves first in its folder (src/cli/search.ts COMMAND_FILE): present means resume. */
export const SEARCH_COMMAND_FILE = 'command.json';

export interface ExperimentManifest {
  format: typeof EXPERIMENT_FORMAT;
  name: string;
  /** The plan file it was expanded from (absolute). */
  plan: string;
  attempts: number;
  jobs: JobSpec[];
}

/** One try at a job: which worker ran it, in which child process, and how it ended (absent while it runs). */
export interface Attempt {
  worker: string;
  host: string;
  /** The `ace search` child's pid. */
  pid: number | null;
  resumed: boolean;
  startedAt: string;
  endedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
}

export type JobState = 'running' | 'done' | 'failed' | 'retrying';

export interface JobStatus {
  state: JobState;
  attempts: Attempt[];
}

export function jobDir(experimentDir: string, id: string): string {
  return join(resolve(experimentDir), 'jobs', id);
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new InputError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
}

export function readManifest(experimentDir: string): ExperimentManifest {
  const path = join(resolve(experimentDir), EXPERIMENT_FILE);
  if (!existsSync(path)) throw new UsageError(`${experimentDir} is not an experiment folder (no ${EXPERIMENT_FILE})`);
  const m = readJson<ExperimentManifest>(path);
  if (m.format !== EXPERIMENT_FORMAT || !Array.isArray(m.jobs)) throw new InputError(path, undefined, `not an experiment manifest (expected format '${EXPERIMENT_FORMAT}')`);
  return m;
}

export function readStatus(dir: string): JobStatus | null {
  const path = join(dir, STATUS_FILE);
  return existsSync(path) ? readJson<JobStatus>(path) : null;
}

export function writeStatus(dir: string, status: JobStatus): void {
  writeJsonAtomic(join(dir, STATUS_FILE), status);
}

/** What search.json says so far: episodes done, their training seconds, and whether the search has finished. */
export interface JobProgress {
  episodesDone: number;
  episodesPlanned: number | null;
  trainSeconds: number;
  finished: boolean;
  bestDev: number | null;
}

interface RecordShape {
  options?: { episodes?: number };
  episodes?: Array<{ devScore: number; wallSeconds: number }>;
  final?: { bestDevScore: number } | null;
}

export function readProgress(dir: string): JobProgress {
  const path = join(dir, 'search.json');
  if (!existsSync(path)) return { episodesDone: 0, episodesPlanned: null, trainSeconds: 0, finished: false, bestDev: null };
  let r: RecordShape;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as RecordShape;
  } catch {
    // Written atomically, so unreadable means foreign; report no progress rather than fail the whole status.
    return { episodesDone: 0, episodesPlanned: null, trainSeconds: 0, finished: false, bestDev: null };
  }
  const episodes = r.episodes ?? [];
  const best = episodes.length ? Math.max(...episodes.map((e) => e.devScore)) : null;
  return {
    episodesDone: episodes.length,
    episodesPlanned: r.options?.episodes ?? null,
    trainSeconds: episodes.reduce((s, e) => s + e.wallSeconds, 0),
    finished: r.final !== null && r.final !== undefined,
    bestDev: r.final ? r.final.bestDevScore : best,
  };
}

/** A job is finished when its search.json has a final result. */
export function isFinished(dir: string): boolean {
  return readProgress(dir).finished;
}

/**
 * Write experiment.json and each job's job.json. A job folder that was started with other settings (another plan
 * or changed options) is refused rather than resumed into a different result.
 */
export function prepareExperiment(plan: Plan, experimentDir: string): ExperimentManifest {
  const root = resolve(experimentDir);
  for (const job of plan.jobs) {
    const dir = jobDir(root, job.id);
    const path = join(dir, JOB_FILE);
    if (existsSync(path)) {
      const saved = readJson<JobSpec>(path);
      if (saved.settingsHash !== job.settingsHash) {
        throw new InputError(plan.path, undefined, `job ${job.id} in ${dir} was started with other settings; restore them, remove that folder or choose another --out`);
      }
    }
  }
  const manifest: ExperimentManifest = { format: EXPERIMENT_FORMAT, name: plan.name, plan: plan.path, attempts: plan.attempts, jobs: plan.jobs };
  mkdirSync(root, { recursive: true });
  writeJsonAtomic(join(root, EXPERIMENT_FILE), manifest);
  for (const job of plan.jobs) {
    const dir = jobDir(root, job.id);
    if (!existsSync(join(dir, JOB_FILE))) writeJsonAtomic(join(dir, JOB_FILE), job);
  }
  return manifest;
}

/** Job folders present under <experiment>/jobs (including ones no longer in the plan). */
export function jobFolders(experimentDir: string): string[] {
  const root = join(resolve(experimentDir), 'jobs');
  return existsSync(root) ? readdirSync(root).filter((n) => existsSync(join(root, n, JOB_FILE))).sort() : [];
}
