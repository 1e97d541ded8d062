// Find the searches under a folder (an experiment's jobs, or any tree of search folders) and label them by data set/task and pool for the tables.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readSearchRecord } from '../search/history.js';
import type { TableRun } from '../report/table.js';
import { JOB_FILE, SEARCH_COMMAND_FILE } from './job-folder.js';
import type { JobSpec } from './plan.js';

const SEARCH_FILE = 'search.json';
/** Folders a search writes inside itself: never searches of their own. */
const SKIP = new Set(['state', 'model', 'node_modules']);

/** Every folder under `root` (itself included) holding a search.json, sorted by path. */
export function findSearchFolders(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, SEARCH_FILE))) found.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIP.has(entry.name)) walk(join(dir, entry.name));
    }
  };
  walk(resolve(root));
  return found.sort();
}

interface SavedCommand {
  request?: { task?: string; data?: string };
}

/** A search folder as a table run: the plan's labels when it is an experiment job, else its saved command's. */
export function tableRun(dir: string): TableRun {
  const record = readSearchRecord(join(dir, SEARCH_FILE));
  const jobPath = join(dir, JOB_FILE);
  if (existsSync(jobPath)) {
    const job = JSON.parse(readFileSync(jobPath, 'utf8')) as JobSpec;
    return { family: job.family, pool: job.pool, record };
  }
  const commandPath = join(dir, SEARCH_COMMAND_FILE);
  const command = existsSync(commandPath) ? (JSON.parse(readFileSync(commandPath, 'utf8')) as SavedCommand) : {};
  const data = command.request?.data;
  const family = data !== undefined ? `${basename(data)} · ${record.taskName}` : record.taskName;
  return { family, pool: record.candidates.join(','), record };
}

export function collectRuns(root: string): TableRun[] {
  return findSearchFolders(root).map(tableRun);
}
