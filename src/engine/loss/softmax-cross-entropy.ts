// Softmax cross-entropy over the rows of a logits matrix, with ignored rows (negative targets), and its gradient.
import type { Backend } from '../backend/backend.js';

export interface LossOptions {
  /** 'mean' (default) divides by the number of counted rows/elements; 'sum' does not. */
  reduction?: 'mean' | 'sum';
}

export interface LossResult {
  /** The loss, accumulated in float64. */
  loss: number;
  /** Rows (or elements) that counted. */
  count: number;
}

/**
 * L = Σ_r [lse(x_r) − x_r[t_r]] over rows with t_r ≥ 0 (a negative target means ignore: padding, masked).
 * ∂L/∂x_r = softmax(x_r) − onehot(t_r), zero for ignored rows; both scaled by 1/count for 'mean'.
 * When `grad` is given ([rows, cols]) it is overwritten with ∂L/∂logits.
 */
export function softmaxCrossEntropy(
  backend: Backend, logits: Float32Array, rows: number, cols: number, targets: Int32Array, grad: Float32Array | null,
  options: LossOptions = {},
): LossResult {
  const lse = new Float32Array(rows);
  backend.rowLogSumExp(logits, rows, cols, lse);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t < 0) continue;
    if (t >= cols) throw new RangeError(`softmaxCrossEntropy: target ${t} of row ${r} outside [0, ${cols})`);
    sum += lse[r] - logits[r * cols + t];
    count++;
  }
  const scale = (options.reduction ?? 'mean') === 'mean' && count > 0 ? 1 / count : 1;
  if (grad) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const t = targets[r];
      if (t < 0) {
        grad.fill(0, o, o + cols);
        continue;
      }
      for (let c = 0; c < cols; c++) grad[o + c] = Math.exp(logits[o + c] - lse[r]) * scale;
      grad[o + t] -= scale;
    }
  }
  return { loss: sum * scale, count };
}
