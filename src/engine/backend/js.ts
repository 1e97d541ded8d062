// Pure-TypeScript backend: the reference every other backend is tested against, and the fallback when the addon is absent.
import type { Backend, BackendInfo, LstmBackwardPass, LstmForwardPass } from './backend.js';
import { checkLen, checkDim, checkSgemm, checkStep, checkThreads } from './check-args.js';
import { SgemmWorkspace, sgemmBlocked } from './js-sgemm.js';
import { lstmBackwardReference, lstmForwardReference } from './lstm-sequence.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class JsBackend implements Backend {
  readonly info: BackendInfo;
  /** Packing buffers for sgemm, reused across calls; one per instance, so instances never share state. */
  private readonly workspace = new SgemmWorkspace();

  constructor(fallbackReason?: string) {
    this.info = { name: 'js', blas: 'ace-ts blocked TypeScript sgemm', threads: 1, ...(fallbackReason ? { fallbackReason } : {}) };
  }

  setThreads(n: number): void {
    checkThreads(n);
    // Single-threaded by design: the main thread is the only one, and workers would need shared buffers.
  }

  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
  ): void {
    checkSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
    sgemmBlocked(this.workspace, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  lstmCellForward(gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, hNew: Float32Array, rows: number, h: number): void {
    const fn = 'lstmCellForward';
    checkDim(fn, 'rows', rows);
    checkDim(fn, 'h', h);
    const cells = rows * h;
    checkLen(fn, 'gates', gates, 4 * cells);
    if (cPrev !== null && cPrev !== undefined) checkLen(fn, 'cPrev', cPrev, cells);
    checkLen(fn, 'cNew', cNew, cells);
    checkLen(fn, 'hNew', hNew, cells);
    for (let r = 0; r < rows; r++) {
      const g0 = r * 4 * h;
      const s0 = r * h;
      for (let j = 0; j < h; j++) {
        const i = sigmoid(gates[g0 + j]);
        const f = sigmoid(gates[g0 + h + j]);
        const g = Math.tanh(gates[g0 + 2 * h + j]);
        const o = sigmoid(gates[g0 + 3 * h + j]);
        gates[g0 + j] = i;
        gates[g0 + h + j] = f;
        gates[g0 + 2 * h + j] = g;
        gates[g0 + 3 * h + j] = o;
        const c = f * (cPrev ? cPrev[s0 + j] : 0) + i * g;
        cNew[s0 + j] = c;
        hNew[s0 + j] = o * Math.tanh(c);
      }
    }
  }

  lstmCellBackward(
    gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, dh: Float32Array, dc: Float32Array,
    dGates: Float32Array, rows: number, h: number,
  ): void {
    const fn = 'lstmCellBackward';
    checkDim(fn, 'rows', rows);
    checkDim(fn, 'h', h);
    const cells = rows * h;
    checkLen(fn, 'gates', gates, 4 * cells);
    if (cPrev !== null && cPrev !== undefined) checkLen(fn, 'cPrev', cPrev, cells);
    checkLen(fn, 'cNew', cNew, cells);
    checkLen(fn, 'dh', dh, cells);
    checkLen(fn, 'dc', dc, cells);
    checkLen(fn, 'dGates', dGates, 4 * cells);
    for (let r = 0; r < rows; r++) {
      const g0 = r * 4 * h;
      const s0 = r * h;
      for (let j = 0; j < h; j++) {
        const i = gates[g0 + j];
        const f = gates[g0 + h + j];
        const g = gates[g0 + 2 * h + j];
        const o = gates[g0 + 3 * h + j];
        const tc = Math.tanh(cNew[s0 + j]);
        const dhv = dh[s0 + j];
        const dcv = dc[s0 + j] + dhv * o * (1 - tc * tc);
        const cp = cPrev ? cPrev[s0 + j] : 0;
        dGates[g0 + j] = dcv * g * i * (1 - i);
        dGates[g0 + h + j] = dcv * cp * f * (1 - f);
        dGates[g0 + 2 * h + j] = dcv * i * (1 - g * g);
        dGates[g0 + 3 * h + j] = dhv * tc * o * (1 - o);
        dc[s0 + j] = dcv * f;
      }
    }
  }

  lstmSequenceForward(passes: readonly LstmForwardPass[]): void {
    for (const pass of passes) lstmForwardReference(this, pass);
  }

  lstmSequenceBackward(passes: readonly LstmBackwardPass[]): void {
    for (const pass of passes) lstmBackwardReference(this, pass);
  }

  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void {
    checkLen('adamUpdate', 'param', param, 0);
    checkLen('adamUpdate', 'grad', grad, param.length);
    checkLen('adamUpdate', 'm', m, param.length);
    checkLen('adamUpdate', 'v', v, param.length);
    checkStep('adamUpdate', step);
    const bc1 = 1 - Math.pow(beta1, step);
    const bc2 = 1 - Math.pow(beta2, step);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < param.length; i++) {
      const gi = grad[i] + weightDecay * param[i];
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      param[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  }

  rowLogSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
    checkDim('rowLogSumExp', 'rows', rows);
    checkDim('rowLogSumExp', 'cols', cols);
    checkLen('rowLogSumExp', 'x', x, rows * cols);
    checkLen('rowLogSumExp', 'out', out, rows);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let mx = -Infinity;
      for (let c = 0; c < cols; c++) if (x[o + c] > mx) mx = x[o + c];
      if (mx === -Infinity) {
        out[r] = -Infinity;
        continue;
      }
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(x[o + c] - mx);
      out[r] = mx + Math.log(s);
    }
  }
}
