// Readers for pretrained word-vector files: GloVe/word2vec/fastText text (with or without a `count dim` header)
// and word2vec binary. Both read in fixed-size chunks, so multi-gigabyte files never sit in memory whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../util/errors.js';
import { keepFilter, VectorTableBuilder, type VectorKeepOptions, type VectorTable } from './vector-table.js';
import { readVectorBin } from './vector-bin.js';

export type VectorFileFormat = 'text' | 'word2vec-binary' | 'ace-binary';

const CHUNK = 1 << 20;

/** Calls `onLine(text, lineNumber)` for each line of a UTF-8 file (1-based numbers, `\r\n` tolerated). */
function forEachLine(path: string, onLine: (line: string, lineNo: number) => boolean | void): void {
  const fd = openSync(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry = '';
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      const text = carry + (n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end());
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
        lineNo++;
        const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
        start = nl + 1;
        if (onLine(line, lineNo) === false) return;
      }
      carry = text.slice(start);
      if (n === 0) {
        if (carry.length > 0) onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry, lineNo + 1);
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A `count dim` header line: exactly two non-negative integers. */
function parseHeader(line: string): { count: number; dim: number } | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
  return m ? { count: Number(m[1]), dim: Number(m[2]) } : undefined;
}

/**
 * Text vectors: one `word v1 … vd` line per word, separated by single spaces (fastText's trailing space is fine).
 * An optional first line `count dim` (word2vec text, fastText .vec) fixes the dimension; otherwise the first
 * vector line does. Every later line must have exactly `dim` numeric values.
 */
export function readTextVectors(path: string, opts: VectorKeepOptions = {}): VectorTable {
  const wanted = keepFilter(opts);
  let builder: VectorTableBuilder | undefined;
  let dim = -1;
  let declared = -1;
  let rows = 0;
  forEachLine(path, (raw, lineNo) => {
    const line = raw.replace(/[ \t]+$/, '');
    if (lineNo === 1) {
      const header = parseHeader(line);
      if (header) {
        if (header.dim === 0) throw new InputError(path, lineNo, 'header declares dimension 0');
        dim = header.dim;
        declared = header.count;
        builder = new VectorTableBuilder(dim, Math.min(header.count, 1 << 16));
        return;
      }
    }
    if (line.length === 0) return;
    const parts = line.split(' ');
    if (dim < 0) {
      dim = parts.length - 1;
      if (dim < 1) throw new InputError(path, lineNo, 'a vector line needs a word and at least one value');
      builder = new VectorTableBuilder(dim);
    }
    if (parts.length !== dim + 1) {
      throw new InputError(path, lineNo, `expected ${dim} values after the word, found ${parts.length - 1}`);
    }
    const word = parts[0];
    rows++;
    // Parse (and so validate) every line, even the ones not kept: a broken file must not pass silently.
    const row = wanted(word) ? builder!.add(word) : undefined;
    for (let j = 0; j < dim; j++) {
      const tok = parts[j + 1];
      const v = tok.length === 0 ? NaN : Number(tok);
      if (!Number.isFinite(v)) throw new InputError(path, lineNo, `value ${j + 1} "${tok}" of "${word}" is not a finite number`);
      if (row) row[j] = v;
    }
  });
  if (!builder) throw new InputError(path, undefined, 'no vectors found (empty file)');
  if (declared >= 0 && declared !== rows) opts.onWarning?.(`${path}: the header declares ${declared} vectors, the file has ${rows}`);
  return builder.build();
}

/** word2vec binary (`count dim\n`, then per word: `word ` + dim little-endian float32, optionally `\n`). */
export function readWord2VecBinary(path: string, opts: VectorKeepOptions = {}): VectorTable {
  const wanted = keepFilter(opts);
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let len = 0; // valid bytes in buf
    let pos = 0; // read cursor in buf
    let fileOff = 0; // file offset of buf[0]
    let eof = false;
    // Make at least `n` bytes available after the cursor (fewer only at end of file).
    const ensure = (n: number): number => {
      if (len - pos >= n || eof) return len - pos;
      buf.copy(buf, 0, pos, len);
      fileOff += pos;
      len -= pos;
      pos = 0;
      if (buf.length < n) {
        const bigger = Buffer.allocUnsafe(Math.max(n, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      while (len < n && !eof) {
        const got = readSync(fd, buf, len, buf.length - len, fileOff + len);
        if (got === 0) eof = true;
        len += got;
      }
      return len - pos;
    };
    ensure(256);
    const nl = buf.indexOf(10, pos);
    if (nl < 0 || nl >= len) throw new InputError(path, 1, 'missing "count dim" header line');
    const header = parseHeader(buf.toString('latin1', pos, nl));
    if (!header || header.dim === 0) throw new InputError(path, 1, 'header must be "count dim" with dim > 0');
    pos = nl + 1;
    const { count, dim } = header;
    const builder = new VectorTableBuilder(dim, Math.min(count, 1 << 16));
    const vecBytes = dim * 4;
    for (let i = 0; i < count; i++) {
      const where = `entry ${i + 1} of ${count}`;
      // Word: bytes up to a space; a newline left over from the previous vector is skipped.
      let wordEnd = -1;
      for (let want = 64; ; want *= 2) {
        const avail = ensure(want);
        while (pos < len && buf[pos] === 10) pos++;
        const sp = buf.indexOf(32, pos);
        if (sp >= 0 && sp < len) {
          wordEnd = sp;
          break;
        }
        if (avail < want) throw new InputError(path, where, `truncated file: word not terminated at byte ${fileOff + len}`);
        if (want > 1 << 16) throw new InputError(path, where, 'word longer than 64 KB (not a word2vec binary file?)');
      }
      const word = buf.toString('utf8', pos, wordEnd);
      pos = wordEnd + 1;
      if (ensure(vecBytes) < vecBytes) {
        throw new InputError(path, where, `truncated file: vector of "${word}" needs ${vecBytes} bytes, ${len - pos} left`);
      }
      const row = wanted(word) ? builder.add(word) : undefined;
      if (row) {
        for (let j = 0; j < dim; j++) row[j] = buf.readFloatLE(pos + 4 * j);
      }
      pos += vecBytes;
    }
    // Rows beyond the declared count are not read; say so rather than drop them silently.
    while (ensure(1) > 0 && buf[pos] === 10) pos++;
    const rest = ensure(1) > 0 ? fstatSync(fd).size - (fileOff + pos) : 0;
    if (rest > 0) opts.onWarning?.(`${path}: the header declares ${count} vectors, the file has more (${rest} bytes after the last declared vector)`);
    return builder.build();
  } finally {
    closeSync(fd);
  }
}

/** Guesses the format from the file name: `.bin` = word2vec binary, `.acevec` = the converted format, else text. */
export function guessVectorFormat(path: string): VectorFileFormat {
  if (path.endsWith('.acevec')) return 'ace-binary';
  if (path.endsWith('.bin')) return 'word2vec-binary';
  return 'text';
}

export function readVectorFile(path: string, format: VectorFileFormat, opts: VectorKeepOptions = {}): VectorTable {
  switch (format) {
    case 'text':
      return readTextVectors(path, opts);
    case 'word2vec-binary':
      return readWord2VecBinary(path, opts);
    case 'ace-binary':
      return readVectorBin(path, opts);
  }
}
