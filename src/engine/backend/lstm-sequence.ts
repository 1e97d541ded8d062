// The LSTM time loop written over a backend's own kernels: the reference for lstmSequenceForward/Backward.
import type { Backend, LstmBackwardPass, LstmForwardPass } from './backend.js';

type Kernels = Pick<Backend, 'sgemm' | 'lstmCellForward' | 'lstmCellBackward'>;

function checkSchedule(fn: string, s: LstmForwardPass | LstmBackwardPass): number {
  const { active, offset, steps } = s;
  if (active.length < steps || offset.length < steps + 1) throw new TypeError(`${fn}: active/offset shorter than steps`);
  for (let t = 0; t < steps; t++) {
    if (active[t] < 1 || (t > 0 && active[t] > active[t - 1])) throw new TypeError(`${fn}: active must be positive and non-increasing`);
    if (offset[t + 1] !== offset[t] + active[t]) throw new TypeError(`${fn}: offset must be the running sum of active`);
  }
  const total = steps > 0 ? offset[steps] : 0;
  if (s.rows.length < total) throw new TypeError(`${fn}: rows shorter than the packed total`);
  return total;
}

/** gates = P rows; per step: gates += h_{t−1}·W_hhᵀ, cell; h_t scattered into y. */
export function lstmForwardReference(k: Kernels, s: LstmForwardPass): void {
  const total = checkSchedule('lstmSequenceForward', s);
  const { rows, active, offset, steps, hidden: h, whh, p, gates, cells, hPrev, hStep, y } = s;
  const g4 = 4 * h;
  for (let i = 0; i < total; i++) {
    const src = rows[i] * s.pStride + s.pCol;
    gates.set(p.subarray(src, src + g4), i * g4);
  }
  if (steps > 0) hPrev.fill(0, 0, active[0] * h);
  for (let t = 0; t < steps; t++) {
    const a = active[t];
    const o = offset[t];
    const gStep = gates.subarray(o * g4, (o + a) * g4);
    if (t > 0) k.sgemm(false, true, a, g4, h, 1, hPrev.subarray(o * h), h, whh, h, 1, gStep, g4);
    const cPrev = t > 0 ? cells.subarray(offset[t - 1] * h) : null;
    k.lstmCellForward(gStep, cPrev, cells.subarray(o * h, (o + a) * h), hStep, a, h);
    for (let r = 0; r < a; r++) y.set(hStep.subarray(r * h, r * h + h), rows[o + r] * s.yStride + s.yCol);
    if (t + 1 < steps) hPrev.set(hStep.subarray(0, active[t + 1] * h), offset[t + 1] * h);
  }
}

/** The reverse loop: dh += dy rows, cell backward, dh = dGates·W_hh; then ∂W_hh in one product and dGates into dp. */
export function lstmBackwardReference(k: Kernels, s: LstmBackwardPass): void {
  const total = checkSchedule('lstmSequenceBackward', s);
  const { rows, active, offset, steps, hidden: h, whh, dy, dp, gates, cells, hPrev, dGates, dh, dc } = s;
  const g4 = 4 * h;
  const maxRows = steps > 0 ? active[0] : 0;
  dh.fill(0, 0, maxRows * h);
  dc.fill(0, 0, maxRows * h);
  for (let t = steps - 1; t >= 0; t--) {
    const a = active[t];
    const o = offset[t];
    for (let r = 0; r < a; r++) {
      const src = rows[o + r] * s.yStride + s.yCol;
      for (let j = 0; j < h; j++) dh[r * h + j] += dy[src + j];
    }
    const cPrev = t > 0 ? cells.subarray(offset[t - 1] * h) : null;
    const dgStep = dGates.subarray(o * g4, (o + a) * g4);
    k.lstmCellBackward(gates.subarray(o * g4), cPrev, cells.subarray(o * h), dh, dc, dgStep, a, h);
    // ∂L/∂h_{t−1} for the running rows; rows that stop before t keep their zeros until they start.
    if (t > 0) k.sgemm(false, false, a, h, g4, 1, dgStep, g4, whh, h, 0, dh, h);
  }
  if (steps > 1) {
    const o1 = offset[1];
    k.sgemm(true, false, g4, h, total - o1, 1, dGates.subarray(o1 * g4), g4, hPrev.subarray(o1 * h), h, 1, s.whhGrad, h);
  }
  for (let i = 0; i < total; i++) dp.set(dGates.subarray(i * g4, i * g4 + g4), rows[i] * s.pStride + s.pCol);
}
