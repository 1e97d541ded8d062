// Validation of candidate config files against zod schemas, with errors that name the line and the nearest key.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { InputError } from '../util/errors.js';

/** Option schemas share these pieces. */
export const optionTypes = Object.freeze({
  posInt: z.number().int().positive(),
  int: z.number().int(),
  pooling: z.enum(['first', 'last', 'mean', 'first_last']),
  /** Every frozen candidate may standardize its rows when read (tasks/shared/frozen-sources.ts). */
  normalize: z.enum(['none', 'layer']),
});

/** Edit distance (insertions, deletions, substitutions; case-insensitive). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length];
}

/**
 * The known key `key` is most likely a typo of: one that starts with it or that it starts with ("lowercase" for
 * "lowercaseFallback"), else the nearest by edit distance when that is small for the key's length.
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const k0 = key.toLowerCase();
  if (k0.length >= 3) {
    const prefix = known.find((k) => k.toLowerCase().startsWith(k0) || k0.startsWith(k.toLowerCase()));
    if (prefix) return prefix;
  }
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** A parsed config file that can tell the line of any key or value by its path. */
export class ConfigDocument {
  private readonly lines = new LineCounter();
  private readonly doc: Document.Parsed;

  constructor(text: string, readonly file: string) {
    // JSON is read by the YAML parser too (a JSON document is YAML), so both give line numbers.
    this.doc = parseDocument(text, { lineCounter: this.lines });
    const err = this.doc.errors[0];
    if (err) throw new InputError(file, err.linePos?.[0].line, `cannot parse: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }

  toJS(): unknown {
    return this.doc.toJS();
  }

  /** 1-based line of the node at `path` (of its key, when `key` is set and the path ends in a mapping key). */
  line(path: readonly (string | number)[], key = false): number | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const step of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
      } else {
        break;
      }
    }
    const target = (key && keyNode) || node;
    const range = (target as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }

  /**
   * Validates `value` (found at `at` in the document) against `schema`; the first problem becomes an InputError with
   * its line. Unknown keys come first (they are the typos that would otherwise be ignored) with the nearest known key.
   * `what` names the object in messages ("option" of "a static candidate", "key" of "a candidate").
   */
  check<T>(schema: z.ZodType<T>, value: unknown, at: readonly (string | number)[], what: { item: string; of: string; known: readonly string[] }): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issues = [...r.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const issue = issues[0];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      const near = nearestKey(key, what.known);
      const hint = near ? `did you mean "${near}"? ` : '';
      throw new InputError(this.file, this.line([...at, ...issue.path.map(pathStep), key], true),
        `unknown ${what.item} "${key}" of ${what.of} (${hint}known: ${what.known.join(', ') || 'none'})`);
    }
    const path = issue.path.map(pathStep);
    const name = path.length ? `${what.item} "${path.join('.')}" of ${what.of}` : what.of;
    throw new InputError(this.file, this.line([...at, ...path]), `${name}: ${issue.message}`);
  }
}

function pathStep(p: PropertyKey): string | number {
  return typeof p === 'number' ? p : String(p);
}
