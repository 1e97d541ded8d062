// One direction of one LSTM layer: the buffers of its time loop over precomputed input pre-activations.
import type { LstmBackwardPass, LstmForwardPass } from '../backend/backend.js';
import type { Param } from '../param.js';
import type { PackPlan } from '../layout.js';
import { grow } from '../buffers.js';

/**
 * The recurrence of an LSTM direction over a packed batch (see PackPlan). Per step t with a = active[t] rows:
 *   gates = P[rows of t] + h_{t−1}·W_hhᵀ   (one sgemm over the a running rows)
 *   i, f, g, o = σ, σ, tanh, σ of gates;  c_t = f·c_{t−1} + i·g;  h_t = o·tanh(c_t)
 * with h_0 = c_0 = 0. Backward runs the cell in reverse and gets ∂L/∂W_hh from one sgemm over all steps.
 * This class owns the buffers and describes the passes; the backend runs the loop (BiLstm hands it both
 * directions of a layer in one call, so the native backend can give each its own core).
 * Buffers are grow-only, reused across batches.
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

  constructor(
    readonly hidden: number,
    /** W_hh [4h, h], gate order (i, f, g, o). */
    readonly weightHh: Param,
    readonly reverse: boolean,
  ) {}

  /**
   * The forward pass over P (rows in the plan's row order, stride pStride, this direction's 4h columns from pCol),
   * writing h_t into y (same row order, stride yStride, columns yCol … yCol + h − 1; padding rows not written).
   */
  forwardPass(plan: PackPlan, p: Float32Array, pStride: number, pCol: number, y: Float32Array, yStride: number, yCol: number): LstmForwardPass {
    const h = this.hidden;
    const n = plan.total;
    this.plan = plan;
    this.gates = grow(this.gates, n * 4 * h);
    this.cells = grow(this.cells, n * h);
    this.hPrev = grow(this.hPrev, n * h);
    this.hStep = grow(this.hStep, (plan.active[0] ?? 0) * h);
    return {
      ...this.schedule(plan), p, pStride, pCol, y, yStride, yCol,
      gates: this.gates, cells: this.cells, hPrev: this.hPrev, hStep: this.hStep,
    };
  }

  /**
   * The backward pass: reads ∂L/∂y in the layout forward wrote (padding rows ignored), accumulates ∂L/∂W_hh and
   * writes ∂L/∂P into dp at the rows/columns forward read P from (padding rows of dp are left untouched).
   */
  backwardPass(dy: Float32Array, yStride: number, yCol: number, dp: Float32Array, pStride: number, pCol: number): LstmBackwardPass {
    const plan = this.plan;
    if (plan === null) throw new Error('LstmRecurrence.backward before forward');
    const h = this.hidden;
    const n = plan.total;
    const maxRows = plan.active[0] ?? 0;
    this.dGates = grow(this.dGates, n * 4 * h);
    this.dh = grow(this.dh, maxRows * h);
    this.dc = grow(this.dc, maxRows * h);
    return {
      ...this.schedule(plan), dy, yStride, yCol, dp, pStride, pCol, whhGrad: this.weightHh.grad,
      gates: this.gates, cells: this.cells, hPrev: this.hPrev, dGates: this.dGates, dh: this.dh, dc: this.dc,
    };
  }

  private schedule(plan: PackPlan): { rows: Int32Array; active: Int32Array; offset: Int32Array; steps: number; hidden: number; whh: Float32Array } {
    return {
      rows: this.reverse ? plan.rowBackward : plan.rowForward,
      active: plan.active, offset: plan.offset, steps: plan.steps, hidden: this.hidden, whh: this.weightHh.value,
    };
  }
}
