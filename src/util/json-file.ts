// Reads a JSON file the program wrote or the user gave, failing with the file's name (and the field) instead of a bare SyntaxError.
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

/** The parsed content of `path`; a missing, unreadable or malformed file is an InputError naming it. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(path, undefined, `not valid JSON (${(err as Error).message}); the file is damaged or was cut short`);
  }
}

/** What a field check expects; `?` after a kind allows the field to be absent. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string[]' | 'boolean[]' | 'number[]';

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function matches(v: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string[]':
    case 'boolean[]':
    case 'number[]':
      return Array.isArray(v) && v.every((x) => typeof x === kind.slice(0, -2));
    case 'array':
      return Array.isArray(v);
    case 'object':
      return kindOf(v) === 'object';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === kind;
  }
}

/**
 * Checks that `value` has each field of `fields` (dotted paths such as `best.epoch`) with the given kind, so a damaged
 * or hand-edited state file fails naming the file and the field rather than deep inside the program.
 */
export function checkFields(value: unknown, fields: Readonly<Record<string, FieldKind | `${FieldKind}?`>>, file: string): void {
  if (kindOf(value) !== 'object') throw new InputError(file, undefined, `expected a JSON object, found ${kindOf(value)}`);
  for (const [path, spec] of Object.entries(fields)) {
    const optional = spec.endsWith('?');
    const kind = (optional ? spec.slice(0, -1) : spec) as FieldKind;
    let v: unknown = value;
    for (const key of path.split('.')) v = kindOf(v) === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (v === undefined && optional) continue;
    if (!matches(v, kind)) {
      throw new InputError(file, undefined, `field "${path}" should be ${kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}, found ${v === undefined ? 'nothing' : kindOf(v)}; the file is damaged or from another program`);
    }
  }
}
