// The compact converted word-vector format (`.acevec`): header, vocabulary and a float32/float16 matrix,
// checksummed, so a vector set parsed once from a slow source loads again in well under a second.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { f16ToF32, f32ToF16 } from './cache/f16.js';
import { keepFilter, type VectorKeepOptions, type VectorTable } from './vector-table.js';

/*
 * Layout (little-endian):
 *   0  "ACEVEC01"              magic, 8 bytes
 *   8  uint32 n                header length
 *  12  header JSON (n bytes)   VectorBinHeader
 *      vocabulary              words joined by "\n", UTF-8, header.vocabBytes long
 *      zero padding            to a multiple of 4 from the file start
 *      matrix                  count × dim values of header.dtype
 * header.sha256 covers vocabulary + matrix bytes.
 */
const MAGIC = 'ACEVEC01';

export type VectorDtype = 'float32' | 'float16';

export interface VectorBinHeader {
  dim: number;
  count: number;
  dtype: VectorDtype;
  vocabBytes: number;
  sha256: string;
  /** Free-form description of where the vectors came from (used to detect a changed source). */
  source: string;
}

/** Serialises a table; words must not contain "\n" (they are the vocabulary separator). */
export function writeVectorBin(path: string, table: VectorTable, dtype: VectorDtype, source: string): VectorBinHeader {
  for (const w of table.words) if (w.includes('\n')) throw new Error(`writeVectorBin: word ${JSON.stringify(w)} contains a newline`);
  const vocab = Buffer.from(table.words.join('\n'), 'utf8');
  const matrix =
    dtype === 'float32'
      ? Buffer.from(table.matrix.buffer, table.matrix.byteOffset, table.matrix.byteLength)
      : Buffer.from(f32ToF16(table.matrix).buffer);
  const pad = (headerLen: number) => (4 - ((12 + headerLen + vocab.length) % 4)) % 4;
  const sha = createHash('sha256').update(vocab).update(matrix).digest('hex');
  const header: VectorBinHeader = { dim: table.dim, count: table.words.length, dtype, vocabBytes: vocab.length, sha256: sha, source };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, 8);
  writeFileAtomic(path, Buffer.concat([prefix, headerBytes, vocab, Buffer.alloc(pad(headerBytes.length)), matrix]));
  return header;
}

function readExactly(fd: number, path: string, length: number, position: number, what: string): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) throw new InputError(path, `byte ${position + off}`, `truncated file: ${what} needs ${length} bytes, got ${off}`);
    off += n;
  }
  return buf;
}

/** Reads only the header (cheap): used to decide whether a converted file still matches its source. */
export function readVectorBinHeader(path: string): VectorBinHeader {
  const fd = openSync(path, 'r');
  try {
    return readHeaderFd(fd, path).header;
  } finally {
    closeSync(fd);
  }
}

function readHeaderFd(fd: number, path: string): { header: VectorBinHeader; dataStart: number } {
  const prefix = readExactly(fd, path, 12, 0, 'magic and header length');
  if (prefix.toString('latin1', 0, 8) !== MAGIC) throw new InputError(path, 'byte 0', 'not an .acevec file (bad magic)');
  const n = prefix.readUInt32LE(8);
  let header: VectorBinHeader;
  try {
    header = JSON.parse(readExactly(fd, path, n, 12, 'header').toString('utf8')) as VectorBinHeader;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, 'byte 12', 'header is not valid JSON');
  }
  if (!(header.dim > 0) || !(header.count >= 0) || (header.dtype !== 'float32' && header.dtype !== 'float16')) {
    throw new InputError(path, 'header', `bad header ${JSON.stringify(header)}`);
  }
  return { header, dataStart: 12 + n };
}

function decodeMatrix(bytes: Buffer, dtype: VectorDtype): Float32Array {
  const width = dtype === 'float32' ? 4 : 2;
  const n = bytes.length / width;
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  if (dtype === 'float32') return new Float32Array(aligned.buffer, aligned.byteOffset, n);
  return f16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, n));
}

export interface VectorBinReadOptions extends VectorKeepOptions {
  /** Check the sha256 of vocabulary + matrix (default true; costs one hash pass over the file). */
  verify?: boolean;
}

/** Loads a converted file, optionally keeping only the rows the data needs. */
export function readVectorBin(path: string, opts: VectorBinReadOptions = {}): VectorTable {
  const fd = openSync(path, 'r');
  try {
    const { header, dataStart } = readHeaderFd(fd, path);
    const width = header.dtype === 'float32' ? 4 : 2;
    const vocabStart = dataStart;
    const matrixStart = vocabStart + header.vocabBytes + ((4 - ((vocabStart + header.vocabBytes) % 4)) % 4);
    const matrixBytes = header.count * header.dim * width;
    const size = fstatSync(fd).size;
    if (size !== matrixStart + matrixBytes) {
      throw new InputError(path, undefined, `file is ${size} bytes, header implies ${matrixStart + matrixBytes} (truncated or corrupt)`);
    }
    const vocab = readExactly(fd, path, header.vocabBytes, vocabStart, 'vocabulary');
    const matrix = readExactly(fd, path, matrixBytes, matrixStart, 'matrix');
    if (opts.verify !== false) {
      const sha = createHash('sha256').update(vocab).update(matrix).digest('hex');
      if (sha !== header.sha256) throw new InputError(path, undefined, 'checksum mismatch (file corrupt)');
    }
    const allWords = header.count === 0 ? [] : vocab.toString('utf8').split('\n');
    if (allWords.length !== header.count) {
      throw new InputError(path, 'vocabulary', `has ${allWords.length} words, header says ${header.count}`);
    }
    // Large reads get their own ArrayBuffer (offset 0), so a view is usually aligned; copy only when it is not.
    const all = decodeMatrix(matrix, header.dtype);
    const dim = header.dim;
    if (!opts.keep) {
      const index = new Map<string, number>();
      for (let i = 0; i < allWords.length; i++) if (!index.has(allWords[i])) index.set(allWords[i], i);
      return { dim, words: allWords, index, matrix: all };
    }
    const wanted = keepFilter(opts);
    const rows: number[] = [];
    for (let i = 0; i < allWords.length; i++) if (wanted(allWords[i])) rows.push(i);
    const words: string[] = [];
    const index = new Map<string, number>();
    const kept = new Float32Array(rows.length * dim);
    for (const r of rows) {
      if (index.has(allWords[r])) continue;
      index.set(allWords[r], words.length);
      kept.set(all.subarray(r * dim, (r + 1) * dim), words.length * dim);
      words.push(allWords[r]);
    }
    return { dim, words, index, matrix: kept.subarray(0, words.length * dim) };
  } finally {
    closeSync(fd);
  }
}
