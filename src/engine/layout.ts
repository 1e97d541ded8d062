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
  /** [total] padded row of each packed row, left-to-right direction (step t ↔ time t). */
  rowForward: Int32Array;
  /** [total] padded row of each packed row, right-to-left direction (step t ↔ time length − 1 − t). */
  rowBackward: Int32Array;
}

export function checkLayout(layout: SeqLayout): void {
  if (layout.lengths.length !== layout.batch) throw new Error(`layout: ${layout.lengths.length} lengths for a batch of ${layout.batch}`);
  for (let b = 0; b < layout.batch; b++) {
    const n = layout.lengths[b];
    if (!(Number.isInteger(n) && n >= 0 && n <= layout.maxLen)) throw new Error(`layout: length ${n} of item ${b} outside [0, ${layout.maxLen}]`);
  }
}

export function packPlan(layout: SeqLayout): PackPlan {
  checkLayout(layout);
  const { batch, maxLen, lengths } = layout;
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
      rowForward[offset[t] + j] = b * maxLen + t;
      rowBackward[offset[t] + j] = b * maxLen + lengths[b] - 1 - t;
    }
  }
  return { total, steps, order, active, offset, rowForward, rowBackward };
}
