// Grow-only scratch buffers, so layers reuse memory across batches instead of allocating in hot loops.
import type { Backend } from './backend/backend.js';

/** A Float32Array of at least `n` elements: `buf` itself when large enough, else a fresh one (with slack). */
export function grow<A extends Float32Array>(buf: A, n: number): A | Float32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Float32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

export function growInt<A extends Int32Array>(buf: A, n: number): A | Int32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Int32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

let onesRow = new Float32Array(0);

/** A view of `n` ones (shared, read-only by convention: never write into it). */
export function ones(n: number): Float32Array {
  if (onesRow.length < n) onesRow = new Float32Array(Math.max(n, Math.ceil(onesRow.length * 1.5))).fill(1);
  return onesRow.subarray(0, n);
}

/**
 * Σ over rows of a rows×cols matrix, added into out[cols] (bias gradients): one sgemm out[1, cols] += 1ᵀ·x, which
 * BLAS streams through x once (~5× a JS loop over rows × 2048 columns).
 */
export function addColumnSums(backend: Backend, x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  if (rows === 0 || cols === 0) return;
  backend.sgemm(false, false, 1, cols, rows, 1, ones(rows), rows, x, cols, 1, out, cols);
}

/** Fill each of `rows` rows of out (width cols) with `row`. */
export function broadcastRows(row: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) out.set(row, r * cols);
}
