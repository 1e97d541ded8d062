// Parameter files: a small checksummed binary format for named float32 tensors, written atomically.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { InputError } from '../util/errors.js';
import type { Param } from './param.js';
import type { NamedTensor } from './optim/optimizer.js';

/**
 * Format (version 1), all integers unsigned 32-bit little-endian:
 *   magic   8 bytes  "ACETENS\0"
 *   version u32      1
 *   count   u32      number of tensors
 *   count × { nameLength u32, name (UTF-8), dtype u32 (1 = float32), rank u32, dims rank × u32,
 *             zero padding to a multiple of 4 bytes from the file start, data (Π dims) × float32 LE }
 *   sha256  32 bytes of everything before it.
 */
export const TENSOR_FILE_MAGIC = 'ACETENS\0';
export const TENSOR_FILE_VERSION = 1;
const DTYPE_FLOAT32 = 1;

export function encodeTensors(tensors: readonly NamedTensor[]): Uint8Array {
  const names = tensors.map((t) => Buffer.from(t.name, 'utf8'));
  let size = 16;
  tensors.forEach((t, i) => {
    size += 4 + names[i].length + 8 + 4 * t.shape.length;
    size = align4(size) + 4 * t.data.length;
  });
  const out = new Uint8Array(size + 32);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(TENSOR_FILE_MAGIC, 'latin1'), 0);
  view.setUint32(8, TENSOR_FILE_VERSION, true);
  view.setUint32(12, tensors.length, true);
  let o = 16;
  tensors.forEach((t, i) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape.join(', ')}] does not hold ${t.data.length} values`);
    view.setUint32(o, names[i].length, true);
    out.set(names[i], o + 4);
    o += 4 + names[i].length;
    view.setUint32(o, DTYPE_FLOAT32, true);
    view.setUint32(o + 4, t.shape.length, true);
    o += 8;
    for (const d of t.shape) {
      view.setUint32(o, d, true);
      o += 4;
    }
    o = align4(o);
    for (let j = 0; j < t.data.length; j++) view.setFloat32(o + 4 * j, t.data[j], true);
    o += 4 * t.data.length;
  });
  out.set(createHash('sha256').update(out.subarray(0, size)).digest(), size);
  return out;
}

/** Parse a tensor file's bytes; `file` names the source in errors (InputError(file, tensor or offset, problem)). */
export function decodeTensors(bytes: Uint8Array, file: string): NamedTensor[] {
  if (bytes.length < 16 + 32) throw new InputError(file, undefined, `truncated tensor file (${bytes.length} bytes)`);
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== TENSOR_FILE_MAGIC) throw new InputError(file, undefined, 'not an ace-ts tensor file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TENSOR_FILE_VERSION) throw new InputError(file, undefined, `unsupported tensor file version ${version}`);
  const body = bytes.length - 32;
  const digest = createHash('sha256').update(bytes.subarray(0, body)).digest();
  if (!digest.equals(Buffer.from(bytes.subarray(body)))) throw new InputError(file, undefined, 'checksum mismatch: the file is corrupt or truncated');
  const count = view.getUint32(12, true);
  const out: NamedTensor[] = [];
  let o = 16;
  const need = (n: number, what: string) => {
    if (o + n > body) throw new InputError(file, what, 'tensor runs past the end of the file');
  };
  for (let i = 0; i < count; i++) {
    need(4, `tensor #${i}`);
    const nameLength = view.getUint32(o, true);
    need(4 + nameLength + 8, `tensor #${i}`);
    const name = Buffer.from(bytes.subarray(o + 4, o + 4 + nameLength)).toString('utf8');
    o += 4 + nameLength;
    const dtype = view.getUint32(o, true);
    const rank = view.getUint32(o + 4, true);
    o += 8;
    if (dtype !== DTYPE_FLOAT32) throw new InputError(file, name, `unsupported dtype code ${dtype}`);
    need(4 * rank, name);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(view.getUint32(o + 4 * d, true));
    o = align4(o + 4 * rank);
    const n = shape.reduce((a, b) => a * b, 1);
    need(4 * n, name);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = view.getFloat32(o + 4 * j, true);
    o += 4 * n;
    out.push({ name, shape, data });
  }
  if (o !== body) throw new InputError(file, undefined, `${body - o} unexpected bytes after the last tensor`);
  return out;
}

/** Write tensors to `path` atomically (temp file + rename). */
export function saveTensors(path: string, tensors: readonly NamedTensor[]): void {
  writeFileAtomic(path, encodeTensors(tensors));
}

export function loadTensors(path: string): NamedTensor[] {
  return decodeTensors(readFileSync(path), path);
}

/** Save parameter values (not gradients) under their names. */
export function saveParams(path: string, params: readonly Param[]): void {
  saveTensors(path, params.map((p) => ({ name: p.name, shape: p.shape, data: p.value })));
}

export interface LoadParamsOptions {
  /** Refuse tensors in the file that no parameter asks for; default true. */
  strict?: boolean;
}

/**
 * Load values into `params` by name. Refuses (InputError naming the file and the tensor) a missing tensor, a
 * shape mismatch and, when strict, an unexpected tensor; nothing is modified unless every check passes.
 */
export function loadParams(path: string, params: readonly Param[], options: LoadParamsOptions = {}): void {
  const tensors = loadTensors(path);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const p of params) {
    const t = byName.get(p.name);
    if (!t) throw new InputError(path, p.name, 'tensor missing from the parameter file');
    if (!sameShape(t.shape, p.shape)) {
      throw new InputError(path, p.name, `shape [${t.shape.join(', ')}] in the file, the model expects [${p.shape.join(', ')}]`);
    }
  }
  if (options.strict ?? true) {
    const wanted = new Set(params.map((p) => p.name));
    for (const t of tensors) if (!wanted.has(t.name)) throw new InputError(path, t.name, 'tensor not in the model');
  }
  for (const p of params) p.value.set(byName.get(p.name)!.data);
}

/** Which parameters a partial load filled from the file, and which it left as they were. */
export interface PartialLoad {
  copied: string[];
  kept: string[];
}

/**
 * Copy into `params` every tensor of the file with the same name and shape; the others keep their values. For warm
 * starts from a related model (a head with another label count, a scorer of another shape).
 */
export function loadMatchingParams(path: string, params: readonly Param[]): PartialLoad {
  const byName = new Map(loadTensors(path).map((t) => [t.name, t]));
  const copied: string[] = [];
  const kept: string[] = [];
  for (const p of params) {
    const t = byName.get(p.name);
    if (t && sameShape(t.shape, p.shape)) {
      p.value.set(t.data);
      copied.push(p.name);
    } else {
      kept.push(p.name);
    }
  }
  return { copied, kept };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
