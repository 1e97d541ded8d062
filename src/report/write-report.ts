// Build report.html from search.json files on disk (used after a search and by `ace report`).
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { readSearchRecord } from '../search/history.js';
import { renderReport, strategyName, type ReportRun } from './html-report.js';

export const REPORT_FILE = 'report.html';

/** Runs labelled by strategy, or by folder name when two runs share a strategy. */
export function loadRuns(dirs: readonly string[]): ReportRun[] {
  const records = dirs.map((d) => ({ dir: resolve(d), record: readSearchRecord(join(d, 'search.json')) }));
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.record.strategy, (counts.get(r.record.strategy) ?? 0) + 1);
  return records.map(({ dir, record }) => ({
    label: (counts.get(record.strategy) ?? 0) > 1 ? `${strategyName(record.strategy)} (${basename(dir)})` : strategyName(record.strategy),
    record,
  }));
}

/** Write `<dirs[0]>/report.html` comparing all given runs; returns its path. */
export function writeReport(dirs: readonly string[], generatedAt?: string): string {
  const path = join(dirs[0], REPORT_FILE);
  writeFileAtomic(path, renderReport(loadRuns(dirs), generatedAt));
  return path;
}
