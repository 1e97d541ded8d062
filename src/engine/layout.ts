// Variable-length batches: the padded [batch, time, features] layout with lengths, and its time-major packing plan.

/**
 * A padded batch: row b·maxLen + t of a [batch·maxLen, features] matrix holds item b at time t; rows with
 * t ≥ lengths[b] are padding. Layers never let padding rows affect real rows, give padding rows zero output
 * (LSTM) and never send gradient into them.
 */
export interface SeqLayout {
  batch: number;
  maxLen: number;
  lengths: ArrayLike<number>;
}

/**
 * How the rows of a [rows, features] matrix over a SeqLayout are arranged:
 *   'padded'  row b·maxLen + t (batch·maxLen rows, padding rows included);
 *   'packed'  row start[b] + t with start[b] = Σ_{b' < b} lengths[b'] (Σ lengths rows: sentence-major, items in
 *             batch order, no padding rows). Row-wise layers then only pay for real positions.
 */
export type RowOrder = 'padded' | 'packed';

/** Rows of a matrix over `layout` in the given row order. */
export function rowCount(layout: SeqLayout, order: RowOrder): number {
  if (order === 'padded') return layout.batch * layout.maxLen;
  let n = 0;
  for (let b = 0; b < layout.batch; b++) n += layout.lengths[b];
  return n;
}

/** [batch + 1] first packed row of each item (the last entry is Σ lengths). */
export function packedStarts(layout: SeqLayout): Int32Array {
  const starts = new Int32Array(layout.batch + 1);
  for (let b = 0; b < layout.batch; b++) starts[b + 1] = starts[b] + layout.lengths[b];
  return starts;
}

/**
 * Copies the real rows of a padded [batch·maxLen, cols] matrix into packed [Σ lengths, cols] (out), one
 * contiguous copy per item. Returns the filled view of out.
 */
export function packRows(padded: Float32Array, layout: SeqLayout, cols: number, out: Float32Array): Float32Array {
  let o = 0;
  for (let b = 0; b < layout.batch; b++) {
    const n = layout.lengths[b] * cols;
    const src = b * layout.maxLen * cols;
    out.set(padded.subarray(src, src + n), o);
    o += n;
  }
  return out.subarray(0, o);
}

/** The inverse of packRows: packed [Σ lengths, cols] into padded [batch·maxLen, cols] (out), zero at padding rows. */
export function unpackRows(packed: Float32Array, layout: SeqLayout, cols: number, out: Float32Array): Float32Array {
  const { batch, maxLen } = layout;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const n = layout.lengths[b] * cols;
    const dst = b * maxLen * cols;
    out.set(packed.subarray(o, o + n), dst);
    out.fill(0, dst + n, dst + maxLen * cols);
    o += n;
  }
  return out.subarray(0, batch * maxLen * cols);
}

/**
 * Time-major packing of a SeqLayout (as PyTorch's pack_padded_sequence): items sorted by length, longest first,
 * so the items still running at step t are the first `active[t]` of the order and the rows of step t are the
 * contiguous packed rows offset[t] … offset[t] + active[t] − 1.
 */
export interface PackPlan {
  /** Real positions Σ lengths. */
  total: number;
  steps: number;
  /** Item indices, longest first (ties by index). */
  order: Int32Array;
  /** [steps] items still running at each step. */
  active: Int32Array;
  /** [steps + 1] first packed row of each step. */
  offset: Int32Array;
  /** [total] input/output row (in the plan's row order) of each packed row, left-to-right direction (step t ↔ time t). */
  rowForward: Int32Array;
  /** [total] input/output row of each packed row, right-to-left direction (step t ↔ time length − 1 − t). */
  rowBackward: Int32Array;
  /** The row order rowForward/rowBackward index into. */
  rowOrder: RowOrder;
}

export function checkLayout(layout: SeqLayout): void {
  if (layout.lengths.length !== layout.batch) throw new Error(`layout: ${layout.lengths.length} lengths for a batch of ${layout.batch}`);
  for (let b = 0; b < layout.batch; b++) {
    const n = layout.lengths[b];
    if (!(Number.isInteger(n) && n >= 0 && n <= layout.maxLen)) throw new Error(`layout: length ${n} of item ${b} outside [0, ${layout.maxLen}]`);
  }
}

/** The time-major plan; rowForward/rowBackward index rows in `rowOrder` (default padded). */
export function packPlan(layout: SeqLayout, rowOrder: RowOrder = 'padded'): PackPlan {
  checkLayout(layout);
  const { batch, maxLen, lengths } = layout;
  const starts = rowOrder === 'packed' ? packedStarts(layout) : null;
  const idx = Array.from({ length: batch }, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const order = Int32Array.from(idx);
  const steps = batch === 0 ? 0 : lengths[order[0]];
  const active = new Int32Array(steps);
  const offset = new Int32Array(steps + 1);
  let k = batch;
  for (let t = 0; t < steps; t++) {
    while (k > 0 && lengths[order[k - 1]] <= t) k--;
    active[t] = k;
    offset[t + 1] = offset[t] + k;
  }
  const total = offset[steps];
  const rowForward = new Int32Array(total);
  const rowBackward = new Int32Array(total);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < active[t]; j++) {
      const b = order[j];
      const first = starts ? starts[b] : b * maxLen;
      rowForward[offset[t] + j] = first + t;
      rowBackward[offset[t] + j] = first + lengths[b] - 1 - t;
    }
  }
  return { total, steps, order, active, offset, rowForward, rowBackward, rowOrder };
}
