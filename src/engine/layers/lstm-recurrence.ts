// One direction of one LSTM layer: the time loop over precomputed input pre-activations, with its backward.
import type { Backend } from '../backend/backend.js';
import type { Param } from '../param.js';
import type { PackPlan } from '../layout.js';
import { grow } from '../buffers.js';

/**
 * The recurrence of an LSTM direction over a packed batch (see PackPlan). Per step t with a = active[t] rows:
 *   gates = P[rows of t] + h_{t−1}·W_hhᵀ   (one sgemm over the a running rows)
 *   i, f, g, o = σ, σ, tanh, σ of gates;  c_t = f·c_{t−1} + i·g;  h_t = o·tanh(c_t)   (backend fused cell kernel)
 * with h_0 = c_0 = 0. Backward runs the cell kernel in reverse and gets ∂L/∂W_hh from one sgemm over all steps.
 * Buffers are grow-only and reused across batches: no allocation inside the time loop.
 */
export class LstmRecurrence {
  private gates = new Float32Array(0);
  private cells = new Float32Array(0);
  /** Row (t, k) holds h_{t−1} of the k-th running item (zeros at t = 0): the right operand for ∂L/∂W_hh. */
  private hPrev = new Float32Array(0);
  private hStep = new Float32Array(0);
  private dGates = new Float32Array(0);
  private dh = new Float32Array(0);
  private dc = new Float32Array(0);
  private plan: PackPlan | null = null;
  private rows: Int32Array = new Int32Array(0);

  constructor(
    private readonly backend: Backend,
    readonly hidden: number,
    /** W_hh [4h, h], gate order (i, f, g, o). */
    readonly weightHh: Param,
    readonly reverse: boolean,
  ) {}

  /**
   * P: pre-activations in the rows the plan indexes (its rowOrder: padded or packed) with row stride pStride, this
   * direction's 4h columns starting at pCol. Writes h_t into y (same row order, stride yStride, columns
   * yCol … yCol + h − 1); padding rows, if any, are not written.
   */
  forward(plan: PackPlan, p: Float32Array, pStride: number, pCol: number, y: Float32Array, yStride: number, yCol: number): void {
    const h = this.hidden;
    const g4 = 4 * h;
    const n = plan.total;
    this.plan = plan;
    this.rows = this.reverse ? plan.rowBackward : plan.rowForward;
    const rows = this.rows;
    this.gates = grow(this.gates, n * g4);
    this.cells = grow(this.cells, n * h);
    this.hPrev = grow(this.hPrev, n * h);
    this.hStep = grow(this.hStep, (plan.active[0] ?? 0) * h);
    const gates = this.gates;
    const cells = this.cells;
    const hPrev = this.hPrev;
    const hStep = this.hStep;
    const whh = this.weightHh.value;
    // Row copies through TypedArray.set (a memcpy) run ~10× faster than element loops here.
    for (let i = 0; i < n; i++) {
      const src = rows[i] * pStride + pCol;
      gates.set(p.subarray(src, src + g4), i * g4);
    }
    if (plan.steps > 0) hPrev.fill(0, 0, plan.active[0] * h);
    for (let t = 0; t < plan.steps; t++) {
      const a = plan.active[t];
      const o = plan.offset[t];
      const gStep = gates.subarray(o * g4, (o + a) * g4);
      if (t > 0) this.backend.sgemm(false, true, a, g4, h, 1, hPrev.subarray(o * h), h, whh, h, 1, gStep, g4);
      const cPrev = t > 0 ? cells.subarray(plan.offset[t - 1] * h) : null;
      this.backend.lstmCellForward(gStep, cPrev, cells.subarray(o * h, (o + a) * h), hStep, a, h);
      for (let k = 0; k < a; k++) y.set(hStep.subarray(k * h, k * h + h), rows[o + k] * yStride + yCol);
      if (t + 1 < plan.steps) hPrev.set(hStep.subarray(0, plan.active[t + 1] * h), plan.offset[t + 1] * h);
    }
  }

  /**
   * dy: ∂L/∂y in the layout written by forward (padding rows, if any, ignored). Accumulates ∂L/∂W_hh and writes
   * ∂L/∂P into dp at the same rows/columns forward read P from (padding rows of dp are left untouched).
   */
  backward(dy: Float32Array, yStride: number, yCol: number, dp: Float32Array, pStride: number, pCol: number): void {
    const plan = this.plan;
    if (plan === null) throw new Error('LstmRecurrence.backward before forward');
    const h = this.hidden;
    const g4 = 4 * h;
    const n = plan.total;
    const rows = this.rows;
    const maxRows = plan.active[0] ?? 0;
    this.dGates = grow(this.dGates, n * g4);
    this.dh = grow(this.dh, maxRows * h);
    this.dc = grow(this.dc, maxRows * h);
    const dGates = this.dGates;
    const dh = this.dh;
    const dc = this.dc;
    dh.fill(0, 0, maxRows * h);
    dc.fill(0, 0, maxRows * h);
    const whh = this.weightHh.value;
    for (let t = plan.steps - 1; t >= 0; t--) {
      const a = plan.active[t];
      const o = plan.offset[t];
      for (let k = 0; k < a; k++) {
        const src = rows[o + k] * yStride + yCol;
        for (let j = 0; j < h; j++) dh[k * h + j] += dy[src + j];
      }
      const cPrev = t > 0 ? this.cells.subarray(plan.offset[t - 1] * h) : null;
      const dgStep = dGates.subarray(o * g4, (o + a) * g4);
      this.backend.lstmCellBackward(this.gates.subarray(o * g4), cPrev, this.cells.subarray(o * h), dh, dc, dgStep, a, h);
      // ∂L/∂h_{t−1} for the running rows; rows that stop before t keep their zeros until they start.
      if (t > 0) this.backend.sgemm(false, false, a, h, g4, 1, dgStep, g4, whh, h, 0, dh, h);
    }
    if (plan.steps > 1) {
      const o1 = plan.offset[1];
      this.backend.sgemm(true, false, g4, h, n - o1, 1, dGates.subarray(o1 * g4), g4, this.hPrev.subarray(o1 * h), h, 1, this.weightHh.grad, h);
    }
    for (let i = 0; i < n; i++) dp.set(dGates.subarray(i * g4, i * g4 + g4), rows[i] * pStride + pCol);
  }
}
