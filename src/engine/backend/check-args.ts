// Argument checks shared by the TypeScript backend, mirroring the ones in native/ace_native.c (TypeError, never a bad write).

function fail(fn: string, what: string): never {
  throw new TypeError(`ace backend.${fn}: ${what}`);
}

/** A non-negative integer that fits a 32-bit BLAS int. */
export function checkDim(fn: string, name: string, v: number): void {
  if (!(v >= 0) || v > 2147483647 || !Number.isInteger(v)) fail(fn, `${name} must be a non-negative integer`);
}

export function checkF32(fn: string, name: string, v: unknown): void {
  if (!(v instanceof Float32Array)) fail(fn, `${name} must be a Float32Array`);
}

/** A rows×cols matrix with row stride ld must fit in the array, and ld ≥ max(1, cols) as BLAS demands. */
export function checkMatrix(fn: string, name: string, arr: Float32Array, rows: number, cols: number, ld: number): void {
  checkF32(fn, name, arr);
  checkDim(fn, `ld of ${name}`, ld);
  const minLd = Math.max(1, cols);
  if (ld < minLd) fail(fn, `leading dimension of ${name} is ${ld}, needs at least ${minLd}`);
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (arr.length < need) fail(fn, `${name} has ${arr.length} elements, a ${rows}x${cols} matrix with ld ${ld} needs ${need}`);
}

export function checkLen(fn: string, name: string, arr: Float32Array, need: number): void {
  checkF32(fn, name, arr);
  if (arr.length < need) fail(fn, `${name} has ${arr.length} elements, needs ${need}`);
}

/** Shapes of sgemm's stored operands: A is m×k (k×m transposed), B is k×n (n×k transposed), C is m×n. */
export function checkSgemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float32Array, ldc: number,
): void {
  if (typeof transA !== 'boolean') fail('sgemm', 'transA must be a boolean');
  if (typeof transB !== 'boolean') fail('sgemm', 'transB must be a boolean');
  checkDim('sgemm', 'm', m);
  checkDim('sgemm', 'n', n);
  checkDim('sgemm', 'k', k);
  checkMatrix('sgemm', 'a', a, transA ? k : m, transA ? m : k, lda);
  checkMatrix('sgemm', 'b', b, transB ? n : k, transB ? k : n, ldb);
  checkMatrix('sgemm', 'c', c, m, n, ldc);
}

export function checkStep(fn: string, step: number): void {
  if (!(step >= 1)) fail(fn, 'step must be >= 1');
}

export function checkThreads(n: number): void {
  if (!(n >= 1) || !Number.isInteger(n)) fail('setThreads', 'n must be a positive integer');
}
