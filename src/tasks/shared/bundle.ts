// Model bundles on disk: model.json (format, version, description) beside params.bin, shared by every task model.
import { stableStringify } from '../../util/hash.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMatchingParams, loadParams, saveParams, type Param, type PartialLoad } from '../../engine/index.js';
import { writeJsonAtomic } from '../../util/atomic-fs.js';
import { InputError } from '../../util/errors.js';
import type { CandidateSpec } from '../../embeddings/candidate.js';
import { checkVectorFileRecords, vectorFileRecords, type VectorFileRecord } from '../../embeddings/static-candidate.js';

export const BUNDLE_VERSION = 1;

/** The `format` field of `dir/model.json` (which family saved the bundle), or undefined when absent or unreadable. */
export function bundleFormatOf(dir: string): string | undefined {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) return undefined;
  try {
    const format: unknown = (JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown }).format;
    return typeof format === 'string' ? format : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes params.bin and model.json (each atomically); `extra` fields override the description's. model.json also
 * records the sha256 of every vector file a static candidate reads (`vectorFiles`), so that loading refuses a
 * bundle whose vectors changed or disappeared (a bundle without the field, from before, loads unchecked).
 */
export function saveBundle(dir: string, format: string, description: { candidates: readonly CandidateSpec[] }, params: readonly Param[], extra: Record<string, unknown> = {}): void {
  saveParams(join(dir, 'params.bin'), params);
  const vectorFiles = vectorFileRecords(description.candidates);
  writeJsonAtomic(join(dir, 'model.json'), { format, version: BUNDLE_VERSION, ...description, ...(vectorFiles.length ? { vectorFiles } : {}), ...extra });
}

/**
 * Loads a bundle's parameters into a model built from the same description. The candidates must be the same ones:
 * a default candidate whose settings changed between versions (use-l0's normalization, say) would otherwise feed
 * saved weights inputs they were not trained on.
 */
export function loadBundleParams(dir: string, format: string, what: string, model: { candidates: readonly CandidateSpec[] }, params: readonly Param[]): void {
  const saved = readBundleJson(dir, format, what, ['candidates']).candidates as CandidateSpec[];
  const n = Math.max(saved.length, model.candidates.length);
  const at = Array.from({ length: n }, (_, i) => i).find((i) => stableStringify(saved[i]) !== stableStringify(model.candidates[i]));
  if (at !== undefined) {
    const show = (c: CandidateSpec | undefined): string => (c ? JSON.stringify(c) : 'none');
    throw new InputError(join(dir, 'model.json'), undefined,
      `saved with other candidate settings than this model's: ${show(saved[at])}, here ${show(model.candidates[at])} (a run saved by another ace-ts version goes on with that version)`);
  }
  loadParams(join(dir, 'params.bin'), params);
}

/**
 * Reads model.json and checks its format, version and required keys; errors name the file. `what` names the kind
 * of bundle in messages ("tagger", "parser").
 */
export function readBundleJson(dir: string, format: string, what: string, requiredKeys: readonly string[]): Record<string, unknown> {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw new InputError(file, undefined, 'not a model bundle: model.json is missing');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(file, undefined, `model.json is not valid JSON (${(err as Error).message})`);
  }
  if (raw.format !== format) throw new InputError(file, undefined, `not a ${what} bundle (format ${JSON.stringify(raw.format)})`);
  if (raw.version !== BUNDLE_VERSION) throw new InputError(file, undefined, `bundle version ${String(raw.version)} is not supported (this ace-ts reads ${BUNDLE_VERSION})`);
  for (const key of requiredKeys) {
    if (!(key in raw)) throw new InputError(file, undefined, `model.json lacks "${key}"`);
  }
  const { selection, candidates, vectorFiles } = raw as { selection?: unknown[]; candidates?: unknown[]; vectorFiles?: unknown };
  if (Array.isArray(selection) && Array.isArray(candidates) && selection.length !== candidates.length) {
    throw new InputError(file, undefined, 'selection and candidates differ in length');
  }
  if (vectorFiles !== undefined) {
    const ok = Array.isArray(vectorFiles) && vectorFiles.every((r: Partial<VectorFileRecord>) => typeof r?.candidate === 'string' && typeof r.path === 'string' && typeof r.sha256 === 'string');
    if (!ok) throw new InputError(file, undefined, '"vectorFiles" must list { candidate, path, sha256 } records');
    checkVectorFileRecords(vectorFiles as VectorFileRecord[], file);
  }
  return raw;
}

/**
 * Start a model from another bundle's weights: every tensor with the same name and shape is copied, the rest keep
 * their fresh values. The bundle must share the model's candidates and vocabularies, or same-shaped rows (a character
 * table, a feature table) would mean other symbols. Refuses a bundle that gives nothing to copy.
 */
export function warmStartFromBundle(
  dir: string, format: string, what: string, model: { candidates: unknown; vocabs: unknown }, params: readonly Param[],
): PartialLoad {
  const raw = readBundleJson(dir, format, what, ['candidates', 'vocabs']);
  const file = join(dir, 'model.json');
  if (stableStringify(raw.candidates) !== stableStringify(model.candidates)) {
    throw new InputError(file, undefined, 'a warm start needs the same candidates as the new model (their names, kinds and options)');
  }
  if (stableStringify(raw.vocabs) !== stableStringify(model.vocabs)) {
    throw new InputError(file, undefined, 'a warm start needs the same character and feature vocabularies (train the bundle on the same training data)');
  }
  const r = loadMatchingParams(join(dir, 'params.bin'), params);
  if (r.copied.length === 0) throw new InputError(join(dir, 'params.bin'), undefined, 'no tensor matches the new model by name and shape');
  return r;
}
