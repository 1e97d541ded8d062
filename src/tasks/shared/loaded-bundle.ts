// What a model loaded from a bundle needs whatever its family: its candidates built, the columns it reads checked, and
// the frozen rows of new sentences for the candidates its selection uses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import { buildCandidate } from '../../embeddings/registry.js';
import type { Sentence } from '../../formats/types.js';
import { InputError, UsageError } from '../../util/errors.js';
import { prepareFrozenSources } from './frozen-sources.js';
import type { FrozenRows } from './input-blocks.js';
import type { Split } from '../task.js';

interface SavedModel {
  readonly candidates: readonly CandidateSpec[];
  readonly selection: readonly boolean[];
}

/**
 * Reads the bundle in `dir` with `read` (which validates model.json), builds its candidates — frozen ones without a
 * vocabulary filter, so any word can be embedded — constructs the model and loads params.bin (checksum and every
 * shape checked). A bad bundle is refused with an InputError naming the file.
 */
export async function loadBundle<D extends SavedModel, M extends { loadParams(dir: string): void }>(
  dir: string,
  cacheDir: string,
  read: (dir: string) => D,
  construct: (description: D, candidates: Candidate[]) => M,
): Promise<M> {
  if (!existsSync(dir)) throw new UsageError(`model directory ${dir} not found`);
  const description = read(dir);
  const paramsFile = join(dir, 'params.bin');
  if (!existsSync(paramsFile)) throw new InputError(paramsFile, undefined, 'not a model bundle: params.bin is missing');
  const candidates: Candidate[] = [];
  for (const spec of description.candidates) candidates.push(await buildCandidate(spec, { cacheDir }));
  let model: M;
  try {
    model = construct(description, candidates);
  } catch (err) {
    // A description that passes the field checks but cannot be built (e.g. an unknown trainable kind).
    throw new InputError(join(dir, 'model.json'), undefined, `cannot build the model: ${(err as Error).message}`);
  }
  model.loadParams(dir);
  return model;
}

/** Input columns the selected feature candidates read (e.g. `pos`): sentences given to the model must carry them. */
export function requiredColumnsOf(d: SavedModel): string[] {
  return d.candidates.filter((c, i) => d.selection[i] && c.kind === 'feature').map((c) => String(c.options?.column ?? ''));
}

/** Refuses sentences that lack a column the model reads, naming the first such sentence. */
export function checkRequiredColumns(modelDir: string, columns: readonly string[], sentences: readonly Sentence[]): void {
  for (const column of columns) {
    const i = sentences.findIndex((s) => s.features?.[column]?.length !== s.words.length);
    if (i >= 0) throw new UsageError(`model ${modelDir} reads the input column "${column}", which sentence ${sentences[i].id ?? i + 1} lacks`);
  }
}

/** Frozen rows of new sentences for the candidates `selection` uses, embedded in memory (null for the others). */
export async function selectedFrozenRows(candidates: readonly Candidate[], selection: readonly boolean[], sentences: readonly Sentence[]): Promise<(FrozenRows | null)[]> {
  const used = candidates.map((c, i) => (c.frozen && selection[i] ? i : -1)).filter((i) => i >= 0);
  const rows = sentences.length === 0 ? [] : await prepareFrozenSources(used.map((i) => candidates[i]), sentences, { cache: null, setId: 'predict' });
  const sources: (FrozenRows | null)[] = candidates.map(() => null);
  used.forEach((i, k) => (sources[i] = rows[k] ?? null));
  return sources;
}

/** Releases frozen candidates' resources (ONNX sessions). */
export async function disposeFrozen(candidates: readonly Candidate[]): Promise<void> {
  for (const c of candidates) if (c.frozen) await c.dispose?.();
}

/** Which gold a loaded bundle is scored on (`ace eval --model`). */
export interface EvalModelOptions {
  /** A dataset name from the registry; its label column is the gold. */
  data: string;
  split: Split;
  dataHome: string;
}
