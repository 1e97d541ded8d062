// `ace experiment status`: each job's state from its folder (done, running, failed, retried…) and an ETA from the episodes done so far.
import { alive } from './lease.js';
import { hostname } from 'node:os';
import { jobDir, readManifest, readProgress, readStatus, type Attempt } from './job-folder.js';

/**
 * - done: search.json holds a final result.
 * - running: a try is under way.
 * - stalled: the last try's process (on this host) is gone without an end: its worker was killed; a queue retries it,
 *   a local run continues it when the plan is run again.
 * - retrying: a try failed and the next one has not started.
 * - failed: the last allowed try failed.
 * - pending: not started.
 */
export type JobRowState = 'done' | 'running' | 'stalled' | 'retrying' | 'failed' | 'pending';

export interface JobRow {
  id: string;
  state: JobRowState;
  tries: number;
  episodesDone: number;
  episodesPlanned: number;
  bestDev: number | null;
  /** Wall time of the ended tries, in seconds. */
  wallSeconds: number;
}

export interface ExperimentStatus {
  name: string;
  jobs: JobRow[];
  counts: Record<JobRowState, number>;
  /** Jobs that needed more than one try. */
  retried: number;
  secondsPerEpisode: number | null;
  etaSeconds: number | null;
}


function triedSeconds(attempts: readonly Attempt[]): number {
  return attempts.reduce((s, a) => (a.endedAt ? s + (Date.parse(a.endedAt) - Date.parse(a.startedAt)) / 1000 : s), 0);
}

export function experimentStatus(experimentDir: string): ExperimentStatus {
  const manifest = readManifest(experimentDir);
  const host = hostname();
  const rows: JobRow[] = [];
  let doneSeconds = 0;
  let doneEpisodes = 0;
  let runningTrain = 0;
  let runningEpisodes = 0;
  for (const job of manifest.jobs) {
    const dir = jobDir(experimentDir, job.id);
    const progress = readProgress(dir);
    const status = readStatus(dir);
    const attempts = status?.attempts ?? [];
    let state: JobRowState;
    if (progress.finished) state = 'done';
    else if (status === null || status.state === 'done') state = 'pending';
    else if (status.state === 'running') {
      const last = attempts[attempts.length - 1];
      state = last && last.host === host && last.pid !== null && !alive(last.pid) ? 'stalled' : 'running';
    } else state = status.state;
    const planned = progress.episodesPlanned ?? job.episodes;
    const wallSeconds = triedSeconds(attempts);
    if (state === 'done' && wallSeconds > 0) {
      doneSeconds += wallSeconds;
      doneEpisodes += progress.episodesDone;
    } else if (state === 'running') {
      runningTrain += progress.trainSeconds;
      runningEpisodes += progress.episodesDone;
    }
    rows.push({ id: job.id, state, tries: attempts.length, episodesDone: progress.episodesDone, episodesPlanned: planned, bestDev: progress.bestDev, wallSeconds });
  }
  const counts: Record<JobRowState, number> = { done: 0, running: 0, stalled: 0, retrying: 0, failed: 0, pending: 0 };
  for (const r of rows) counts[r.state]++;
  // Finished jobs' wall time (setup included) per episode; before any has finished, the running ones' training time.
  const secondsPerEpisode = doneEpisodes > 0 ? doneSeconds / doneEpisodes : runningEpisodes > 0 ? runningTrain / runningEpisodes : null;
  const remaining = rows.filter((r) => r.state !== 'done' && r.state !== 'failed').reduce((s, r) => s + Math.max(0, r.episodesPlanned - r.episodesDone), 0);
  return {
    name: manifest.name,
    jobs: rows,
    counts,
    retried: rows.filter((r) => r.tries > 1).length,
    secondsPerEpisode,
    etaSeconds: remaining === 0 ? 0 : secondsPerEpisode === null ? null : (remaining * secondsPerEpisode) / Math.max(1, counts.running),
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.round(seconds - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatStatus(s: ExperimentStatus): string {
  const c = s.counts;
  const parts = [`${c.done} done`, `${c.running} running`, `${c.failed} failed`, `${c.pending} pending`];
  if (c.retrying) parts.push(`${c.retrying} retrying`);
  if (c.stalled) parts.push(`${c.stalled} stalled`);
  const eta = s.etaSeconds === null ? 'ETA unknown (no episode finished yet)' : s.etaSeconds === 0 ? 'nothing left' : `ETA ${formatDuration(s.etaSeconds)}`;
  const head = `experiment ${s.name} · ${s.jobs.length} job${s.jobs.length === 1 ? '' : 's'}: ${parts.join(', ')} · ${s.retried} retried · ${eta}`;
  const table = [['job', 'state', 'episodes', 'tries', 'best dev', 'wall'], ...s.jobs.map((j) => [
    j.id, j.state, `${j.episodesDone}/${j.episodesPlanned}`, String(j.tries), j.bestDev === null ? '–' : j.bestDev.toFixed(2), j.wallSeconds > 0 ? formatDuration(j.wallSeconds) : '–',
  ])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) => r.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
  return [head, '', ...lines].join('\n') + '\n';
}

