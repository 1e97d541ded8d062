// Model bundles on disk: model.json (format, version, description) beside params.bin, shared by every task model.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParams, saveParams, type Param } from '../../engine/index.js';
import { writeJsonAtomic } from '../../util/atomic-fs.js';
import { InputError } from '../../util/errors.js';

export const BUNDLE_VERSION = 1;

/** Writes params.bin and model.json (each atomically); `extra` fields override the description's. */
export function saveBundle(dir: string, format: string, description: object, params: readonly Param[], extra: Record<string, unknown> = {}): void {
  saveParams(join(dir, 'params.bin'), params);
  writeJsonAtomic(join(dir, 'model.json'), { format, version: BUNDLE_VERSION, ...description, ...extra });
}

export function loadBundleParams(dir: string, params: readonly Param[]): void {
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
  const { selection, candidates } = raw as { selection?: unknown[]; candidates?: unknown[] };
  if (Array.isArray(selection) && Array.isArray(candidates) && selection.length !== candidates.length) {
    throw new InputError(file, undefined, 'selection and candidates differ in length');
  }
  return raw;
}
