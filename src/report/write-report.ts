// Build report.html from search.json or an `ace train` folder on disk (after a search or each epoch, and by `ace report`).
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { readSearchRecord } from '../search/history.js';
import { InputError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import { renderReport, strategyName, type ReportRun } from './html-report.js';
import { renderTrainingReport } from './training-report.js';
import { isTrainingFolder, readTrainingRun, TRAIN_FILES } from './training-run.js';

export const REPORT_FILE = 'report.html';

/** Written by the CLI beside a run on a --limit slice: which part of dev and test its scores cover. */
export const SLICES_FILE = 'slices.json';

export interface Slices {
  /** E.g. "first 150 of 893 sentences"; absent when the whole split is scored. */
  dev?: string;
  test?: string;
}

/** The run's slices.json, or none. */
export function readSlices(dir: string): Slices {
  const path = join(dir, SLICES_FILE);
  if (!existsSync(path)) return {};
  const v = readJsonFile(path) as Record<string, unknown>;
  return Object.fromEntries((['dev', 'test'] as const).filter((k) => typeof v[k] === 'string').map((k) => [k, v[k] as string]));
}

/** Runs labelled by strategy, or by folder name when two runs share a strategy. */
export function loadRuns(dirs: readonly string[]): ReportRun[] {
  const records = dirs.map((d) => ({ dir: resolve(d), record: readSearchRecord(join(d, 'search.json')) }));
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.record.strategy, (counts.get(r.record.strategy) ?? 0) + 1);
  return records.map(({ dir, record }) => ({
    label: (counts.get(record.strategy) ?? 0) > 1 ? `${strategyName(record.strategy)} (${basename(dir)})` : strategyName(record.strategy),
    record,
    slices: readSlices(dir),
  }));
}

/**
 * Write `<dirs[0]>/report.html` comparing all given runs; returns its path. The first folder decides the kind: a
 * search (search.json) or an `ace train` run (train.log.jsonl); the others must be of the same kind.
 */
export function writeReport(dirs: readonly string[], generatedAt?: string): string {
  const path = join(dirs[0], REPORT_FILE);
  const training = !existsSync(join(dirs[0], 'search.json')) && isTrainingFolder(dirs[0]);
  if (training) {
    for (const d of dirs.slice(1)) if (!isTrainingFolder(d)) throw new InputError(resolve(d), undefined, `not a training folder like ${dirs[0]} (no ${TRAIN_FILES.log})`);
    writeFileAtomic(path, renderTrainingReport(dirs.map((d) => ({ ...readTrainingRun(d), slices: readSlices(d) })), generatedAt));
  } else {
    writeFileAtomic(path, renderReport(loadRuns(dirs), generatedAt));
  }
  return path;
}
