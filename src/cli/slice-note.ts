// Says where a score comes from a slice (`--limit`): "(first 150 of 2012 sentences)", printed beside dev and test scores.
import { datasetSpec, loadGraphs, loadTagging, loadTrees } from '../datasets/registry.js';
import { limitSplits } from '../tasks/shared/prepare-inputs.js';
import type { Split } from '../tasks/task.js';
import { SLICES_FILE, type Slices } from '../report/write-report.js';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { join } from 'node:path';

export type SliceNotes = Record<Split, string>;

const NONE: SliceNotes = Object.freeze({ train: '', dev: '', test: '' });

async function sentenceCount(dataHome: string, data: string, split: Split): Promise<number> {
  const kind = datasetSpec(data).tasks[0];
  const load = kind === 'tagging' ? loadTagging : kind === 'tree' ? loadTrees : loadGraphs;
  return (await load(dataHome, data, split)).length;
}

/**
 * For each split of `data`, ` (first N of M sentences)` when `limit` keeps fewer than all M of them (the same rule
 * the task factories slice by), else ''. A split the dataset lacks (or cannot read) gets ''.
 */
export async function sliceNotes(dataHome: string, data: string, limit: number | undefined): Promise<SliceNotes> {
  if (limit === undefined) return NONE;
  const notes: SliceNotes = { train: '', dev: '', test: '' };
  let spec: ReturnType<typeof datasetSpec>;
  try {
    spec = datasetSpec(data);
  } catch {
    return NONE; // not a dataset of the registry (a test's synthetic task): nothing to say
  }
  for (const split of ['train', 'dev', 'test'] as const) {
    if (spec.files[split] === undefined) continue;
    const total = await sentenceCount(dataHome, data, split).catch(() => null);
    if (total === null) continue;
    const all = Array.from({ length: total }, (_, i) => i);
    const used = limitSplits({ train: all, dev: all, test: all }, limit)[split].length;
    if (used < total) notes[split] = ` (first ${used} of ${total} sentences)`;
  }
  return notes;
}

/** Keeps the notes in `<out>/slices.json` for the report pages (nothing when the whole of dev and test is scored). */
export function writeSliceNotes(out: string, notes: SliceNotes): void {
  const inner = (note: string): string | undefined => (note === '' ? undefined : note.replace(/^ \((.*)\)$/, '$1'));
  const slices: Slices = {};
  const dev = inner(notes.dev);
  const test = inner(notes.test);
  if (dev !== undefined) slices.dev = dev;
  if (test !== undefined) slices.test = test;
  if (dev !== undefined || test !== undefined) writeJsonAtomic(join(out, SLICES_FILE), slices);
}
