// Loads a saved tagger bundle (model.json + params.bin) for prediction and tags new sentences with it.
import type { Backend } from '../../engine/backend/backend.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { Sentence } from '../../formats/types.js';
import { Rng } from '../../util/rng.js';
import { checkRequiredColumns, disposeFrozen, loadBundle, requiredColumnsOf, selectedFrozenRows } from '../shared/loaded-bundle.js';
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
    return requiredColumnsOf(this.description);
  }

  /** Releases frozen candidates' resources (ONNX sessions); the tagger cannot embed afterwards. */
  async dispose(): Promise<void> {
    await disposeFrozen(this.candidates);
  }
}

/**
 * Reads the bundle in `dir`: validates model.json (format, version, fields), builds its candidates — frozen ones
 * without a vocabulary filter, so any word can be embedded — and loads params.bin (checksum and every shape
 * checked). A bad bundle is refused with an InputError naming the file.
 */
export async function loadTagger(dir: string, options: LoadTaggerOptions): Promise<LoadedTagger> {
  return loadBundle(dir, options.cacheDir, readTaggerDescription, (d, candidates) => new LoadedTagger(d, candidates, options.backend, dir));
}

/**
 * Tags sentences (tags in the scheme of the data the model was trained on). Frozen candidates the selection uses
 * embed the sentences in memory, without touching the on-disk cache; unselected ones are skipped.
 */
export async function predictSentences(tagger: LoadedTagger, sentences: readonly Sentence[]): Promise<string[][]> {
  if (sentences.length === 0) return [];
  checkRequiredColumns(tagger.dir, tagger.requiredColumns, sentences);
  const selection = tagger.description.selection;
  const sources = await selectedFrozenRows(tagger.candidates, selection, sentences);
  return tagger.predict(sentences, sources, selection);
}
