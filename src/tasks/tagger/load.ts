// Loads a saved tagger bundle (model.json + params.bin) for prediction and tags new sentences with it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../engine/backend/backend.js';
import type { Candidate } from '../../embeddings/candidate.js';
import { buildCandidate } from '../../embeddings/registry.js';
import type { Sentence } from '../../formats/types.js';
import { InputError, UsageError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { prepareFrozenSources } from '../shared/frozen-sources.js';
import type { FrozenRows } from '../shared/input-blocks.js';
import { Tagger, readTaggerDescription, type TaggerDescription } from './tagger.js';

export interface LoadTaggerOptions {
  /** Where frozen candidates find their downloaded weights (the same directory training used). */
  cacheDir: string;
  backend: Backend;
}

/** A Tagger read from a bundle, holding its candidates so new text can be embedded. */
export class LoadedTagger extends Tagger {
  constructor(
    description: TaggerDescription,
    readonly candidates: readonly Candidate[],
    backend: Backend,
    /** The bundle directory it was read from (for messages). */
    readonly dir: string,
  ) {
    // The seed only shapes the initial values, which loadParams overwrites.
    super(description, candidates, backend, new Rng(0));
  }

  /** Input columns the selected feature candidates read (e.g. `pos`): sentences to tag must carry them. */
  get requiredColumns(): string[] {
    const d = this.description;
    return d.candidates.filter((c, i) => d.selection[i] && c.kind === 'feature').map((c) => String(c.options?.column ?? ''));
  }

  /** Releases frozen candidates' resources (ONNX sessions); the tagger cannot embed afterwards. */
  async dispose(): Promise<void> {
    for (const c of this.candidates) if (c.frozen) await c.dispose?.();
  }
}

/**
 * Reads the bundle in `dir`: validates model.json (format, version, fields), builds its candidates — frozen ones
 * without a vocabulary filter, so any word can be embedded — and loads params.bin (checksum and every shape
 * checked). A bad bundle is refused with an InputError naming the file.
 */
export async function loadTagger(dir: string, options: LoadTaggerOptions): Promise<LoadedTagger> {
  if (!existsSync(dir)) throw new UsageError(`model directory ${dir} not found`);
  const description = readTaggerDescription(dir);
  const paramsFile = join(dir, 'params.bin');
  if (!existsSync(paramsFile)) throw new InputError(paramsFile, undefined, 'not a model bundle: params.bin is missing');
  const candidates: Candidate[] = [];
  for (const spec of description.candidates) candidates.push(await buildCandidate(spec, { cacheDir: options.cacheDir }));
  let tagger: LoadedTagger;
  try {
    tagger = new LoadedTagger(description, candidates, options.backend, dir);
  } catch (err) {
    // A description that passes the field checks but cannot be built (e.g. an unknown trainable kind).
    throw new InputError(join(dir, 'model.json'), undefined, `cannot build the model: ${(err as Error).message}`);
  }
  tagger.loadParams(dir);
  return tagger;
}

/**
 * Tags sentences (tags in the scheme of the data the model was trained on). Frozen candidates the selection uses
 * embed the sentences in memory, without touching the on-disk cache; unselected ones are skipped.
 */
export async function predictSentences(tagger: LoadedTagger, sentences: readonly Sentence[]): Promise<string[][]> {
  if (sentences.length === 0) return [];
  for (const column of tagger.requiredColumns) {
    const i = sentences.findIndex((s) => s.features?.[column]?.length !== s.words.length);
    if (i >= 0) throw new UsageError(`model ${tagger.dir} reads the input column "${column}", which sentence ${sentences[i].id ?? i + 1} lacks`);
  }
  const selection = tagger.description.selection;
  const used = tagger.candidates.map((c, i) => (c.frozen && selection[i] ? i : -1)).filter((i) => i >= 0);
  const rows = await prepareFrozenSources(used.map((i) => tagger.candidates[i]), sentences, { cache: null, setId: 'predict' });
  const sources: (FrozenRows | null)[] = tagger.candidates.map(() => null);
  used.forEach((i, k) => (sources[i] = rows[k]));
  return tagger.predict(sentences, sources, selection);
}
