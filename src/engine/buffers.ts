// Grow-only scratch buffers, so layers reuse memory across batches instead of allocating in hot loops.

/** A Float32Array of at least `n` elements: `buf` itself when large enough, else a fresh one (with slack). */
export function grow<A extends Float32Array>(buf: A, n: number): A | Float32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Float32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

export function growInt<A extends Int32Array>(buf: A, n: number): A | Int32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Int32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

/** Σ over rows of a rows×cols matrix, added into out[cols] (bias gradients). */
export function addColumnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += x[o + c];
  }
}

/** Fill each of `rows` rows of out (width cols) with `row`. */
export function broadcastRows(row: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) out.set(row, r * cols);
}
