// Sigmoid binary cross-entropy on logits with an optional mask, computed stably, and its gradient.
import type { LossOptions, LossResult } from './softmax-cross-entropy.js';

/**
 * L = Σ_i m_i·[max(x_i, 0) − x_i·y_i + log(1 + e^{−|x_i|})] (= −y·log σ(x) − (1−y)·log(1−σ(x)), without overflow),
 * over elements with mask m_i = 1 (all when mask is null). ∂L/∂x_i = m_i·(σ(x_i) − y_i), scaled by 1/count for
 * 'mean'. When `grad` is given it is overwritten with ∂L/∂logits (zero where masked out).
 */
export function sigmoidBinaryCrossEntropy(
  logits: Float32Array, targets: ArrayLike<number>, mask: Uint8Array | null, grad: Float32Array | null, options: LossOptions = {},
): LossResult {
  let sum = 0;
  let count = 0;
  const n = logits.length;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const x = logits[i];
    sum += Math.max(x, 0) - x * targets[i] + Math.log1p(Math.exp(-Math.abs(x)));
    count++;
  }
  const scale = (options.reduction ?? 'mean') === 'mean' && count > 0 ? 1 / count : 1;
  if (grad) {
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) {
        grad[i] = 0;
        continue;
      }
      grad[i] = (1 / (1 + Math.exp(-logits[i])) - targets[i]) * scale;
    }
  }
  return { loss: sum * scale, count };
}
