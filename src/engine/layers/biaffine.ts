// Biaffine scorer s[b, i, j, o] = [x_bi; 1]ᵀ·W_o·[y_bj; 1] for all pairs in a padded batch (Dozat & Manning 2017).
import type { Backend } from '../backend/backend.js';
import { Param, type Module } from '../param.js';
import { grow } from '../buffers.js';

export interface BiaffineOptions {
  /** Param `<name>.weight` [in + biasX, out, in + biasY]. */
  name: string;
  inFeatures: number;
  /** 1 for arc scores, the number of labels for label scores. */
  outFeatures: number;
  /** Append a constant 1 to x (default true) / to y (default true). */
  biasX?: boolean;
  biasY?: boolean;
}

export interface BiaffineGrads {
  dx: Float32Array;
  dy: Float32Array;
}

/**
 * Over a padded batch x, y [batch·maxLen, in], s [batch, maxLen (i, from x), maxLen (j, from y), out]:
 * s[b,i,j,o] = Σ_{p,q} x̃[b,i,p]·W[p,o,q]·ỹ[b,j,q], x̃ = [x; 1] when biasX, ỹ likewise. Computed as XW = x̃·W
 * (one sgemm for the batch) and per item (XW viewed [maxLen·out, in+by])·ỹᵀ. The weight starts at zero, as SuPar.
 * Scores involving padding positions are computed but meaningless: mask them in the loss (then no gradient reaches
 * padding rows).
 */
export class Biaffine implements Module {
  readonly weight: Param;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private readonly n1: number;
  private readonly n2: number;
  private xa = new Float32Array(0);
  private ya = new Float32Array(0);
  private xw = new Float32Array(0);
  private s = new Float32Array(0);
  private tmp = new Float32Array(0);
  private dxw = new Float32Array(0);
  private dxa = new Float32Array(0);
  private dya = new Float32Array(0);
  private dx = new Float32Array(0);
  private dy = new Float32Array(0);
  private batch = 0;
  private maxLen = 0;
  // forwardPairs / backwardPairs state: gathered augmented rows, their XW, scores and gradients.
  private pairInputRows = 0;
  private pxRows: Int32Array = new Int32Array(0);
  private pyRows: Int32Array = new Int32Array(0);
  private pxg = new Float32Array(0);
  private pyg = new Float32Array(0);
  private pxw = new Float32Array(0);
  private ps = new Float32Array(0);
  private pdxw = new Float32Array(0);
  private pdyg = new Float32Array(0);
  private pdxg = new Float32Array(0);

  constructor(private readonly backend: Backend, options: BiaffineOptions) {
    this.inFeatures = options.inFeatures;
    this.outFeatures = options.outFeatures;
    this.n1 = options.inFeatures + (options.biasX === false ? 0 : 1);
    this.n2 = options.inFeatures + (options.biasY === false ? 0 : 1);
    this.weight = new Param(`${options.name}.weight`, [this.n1, this.outFeatures, this.n2]);
  }

  params(): Param[] {
    return [this.weight];
  }

  /** Returns s [batch, maxLen, maxLen, out], a layer-owned view valid until the next forward. */
  forward(x: Float32Array, y: Float32Array, batch: number, maxLen: number): Float32Array {
    const { n1, n2, outFeatures: k, inFeatures: n } = this;
    const rows = batch * maxLen;
    this.batch = batch;
    this.maxLen = maxLen;
    this.xa = augment(x, rows, n, n1, this.xa);
    this.ya = augment(y, rows, n, n2, this.ya);
    this.xw = grow(this.xw, rows * k * n2);
    this.backend.sgemm(false, false, rows, k * n2, n1, 1, this.xa, n1, this.weight.value, k * n2, 0, this.xw, k * n2);
    const t = maxLen;
    this.s = grow(this.s, batch * t * t * k);
    // A one-output biaffine writes each item's scores in place; only several outputs need the permutation buffer.
    if (k > 1) this.tmp = grow(this.tmp, t * k * t);
    for (let b = 0; b < batch; b++) {
      const out = k === 1 ? this.s.subarray(b * t * t) : this.tmp;
      this.backend.sgemm(false, true, t * k, t, n2, 1, this.xw.subarray(b * t * k * n2), n2, this.ya.subarray(b * t * n2), n2, 0, out, t);
      if (k > 1) permute(this.tmp, this.s.subarray(b * t * t * k), t, k, true);
    }
    return this.s.subarray(0, batch * t * t * k);
  }

  /**
   * Scores of selected pairs only: x, y [rows, in]; pair m pairs x row xRows[m] with y row yRows[m]; returns
   * s [m, out] (s[m, o] = x̃ᵀ·W_o·ỹ, the same numbers as forward's s[b, i, j, o]), a layer-owned view valid until
   * the next forward or forwardPairs. Costs m·(in+bx)·out·(in+by) multiply-adds in one sgemm (XW of the gathered x
   * rows) plus an m·out·(in+by) contraction, instead of forward's maxLen² pairs per item. Backward: backwardPairs.
   */
  forwardPairs(x: Float32Array, y: Float32Array, rows: number, xRows: Int32Array, yRows: Int32Array): Float32Array {
    const { n1, n2, outFeatures: k, inFeatures: n } = this;
    const m = xRows.length;
    if (yRows.length !== m) throw new RangeError(`forwardPairs: ${m} x rows but ${yRows.length} y rows`);
    this.pairInputRows = rows;
    this.pxRows = xRows;
    this.pyRows = yRows;
    this.pxg = gatherAugmented(x, n, n1, xRows, rows, this.pxg);
    this.pyg = gatherAugmented(y, n, n2, yRows, rows, this.pyg);
    this.pxw = grow(this.pxw, m * k * n2);
    this.ps = grow(this.ps, m * k);
    const { pxg, pyg, pxw, ps } = this;
    if (m > 0) this.backend.sgemm(false, false, m, k * n2, n1, 1, pxg, n1, this.weight.value, k * n2, 0, pxw, k * n2);
    for (let p = 0; p < m; p++) {
      const yo = p * n2;
      for (let o = 0; o < k; o++) {
        const wo = (p * k + o) * n2;
        let acc = 0;
        for (let q = 0; q < n2; q++) acc += pxw[wo + q] * pyg[yo + q];
        ps[p * k + o] = acc;
      }
    }
    return ps.subarray(0, m * k);
  }

  /**
   * ds [m, out] for the pairs of the last forwardPairs → accumulates ∂L/∂W and returns ∂L/∂x, ∂L/∂y [rows, in]
   * (zero on rows no pair used; layer-owned views).
   */
  backwardPairs(ds: Float32Array): BiaffineGrads {
    const { n1, n2, outFeatures: k, inFeatures: n, pxRows, pyRows, pairInputRows: rows } = this;
    const m = pxRows.length;
    if (ds.length < m * k) throw new RangeError(`backwardPairs: ${ds.length} gradients for ${m} pairs × ${k}`);
    this.pdxw = grow(this.pdxw, m * k * n2);
    this.pdyg = grow(this.pdyg, m * n2);
    this.pdxg = grow(this.pdxg, m * n1);
    const { pxw, pyg, pdxw, pdyg, pdxg } = this;
    for (let p = 0; p < m; p++) {
      const yo = p * n2;
      pdyg.fill(0, yo, yo + n2);
      for (let o = 0; o < k; o++) {
        const g = ds[p * k + o];
        const wo = (p * k + o) * n2;
        for (let q = 0; q < n2; q++) {
          pdxw[wo + q] = g * pyg[yo + q];
          pdyg[yo + q] += g * pxw[wo + q];
        }
      }
    }
    if (m > 0) {
      this.backend.sgemm(true, false, n1, k * n2, m, 1, this.pxg, n1, pdxw, k * n2, 1, this.weight.grad, k * n2);
      this.backend.sgemm(false, true, m, n1, k * n2, 1, pdxw, k * n2, this.weight.value, k * n2, 0, pdxg, n1);
    }
    this.dx = scatterStripped(pdxg, n, n1, pxRows, rows, this.dx);
    this.dy = scatterStripped(pdyg, n, n2, pyRows, rows, this.dy);
    return { dx: this.dx.subarray(0, rows * n), dy: this.dy.subarray(0, rows * n) };
  }

  /** ds [batch, maxLen, maxLen, out] → accumulates ∂L/∂W and returns ∂L/∂x, ∂L/∂y (layer-owned views). */
  backward(ds: Float32Array): BiaffineGrads {
    const { n1, n2, outFeatures: k, inFeatures: n, batch, maxLen: t } = this;
    const rows = batch * t;
    this.dxw = grow(this.dxw, rows * k * n2);
    this.dya = grow(this.dya, rows * n2);
    for (let b = 0; b < batch; b++) {
      let g = ds.subarray(b * t * t * k);
      if (k > 1) {
        permute(g, this.tmp, t, k, false);
        g = this.tmp;
      }
      this.backend.sgemm(false, false, t * k, n2, t, 1, g, t, this.ya.subarray(b * t * n2), n2, 0, this.dxw.subarray(b * t * k * n2), n2);
      this.backend.sgemm(true, false, t, n2, t * k, 1, g, t, this.xw.subarray(b * t * k * n2), n2, 0, this.dya.subarray(b * t * n2), n2);
    }
    this.backend.sgemm(true, false, n1, k * n2, rows, 1, this.xa, n1, this.dxw, k * n2, 1, this.weight.grad, k * n2);
    this.dxa = grow(this.dxa, rows * n1);
    this.backend.sgemm(false, true, rows, n1, k * n2, 1, this.dxw, k * n2, this.weight.value, k * n2, 0, this.dxa, n1);
    this.dx = strip(this.dxa, rows, n, n1, this.dx);
    this.dy = strip(this.dya, rows, n, n2, this.dy);
    return { dx: this.dx.subarray(0, rows * n), dy: this.dy.subarray(0, rows * n) };
  }
}

/** [rows, n] → [rows, width] with trailing ones when width = n + 1. */
function augment(x: Float32Array, rows: number, n: number, width: number, buf: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  const out = grow(buf, rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) out[r * width + j] = x[r * n + j];
    if (width > n) out[r * width + n] = 1;
  }
  return out;
}

function strip(x: Float32Array, rows: number, n: number, width: number, buf: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  const out = grow(buf, rows * n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[r * n + j] = x[r * width + j];
  return out;
}

/** Between the (i, o, j) order of the per-item product and the (i, j, o) order of the scores. */
function permute(src: Float32Array, dst: Float32Array, t: number, k: number, toScores: boolean): void {
  for (let i = 0; i < t; i++) {
    for (let o = 0; o < k; o++) {
      for (let j = 0; j < t; j++) {
        const a = (i * k + o) * t + j;
        const b = (i * t + j) * k + o;
        if (toScores) dst[b] = src[a];
        else dst[a] = src[b];
      }
    }
  }
}

/** out[m] = [x[rowIdx[m]]; 1] (the 1 when width = n + 1), [m, width]. */
function gatherAugmented(x: Float32Array, n: number, width: number, rowIdx: Int32Array, rows: number, buf: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  const m = rowIdx.length;
  const out = grow(buf, m * width);
  for (let p = 0; p < m; p++) {
    const r = rowIdx[p];
    if (!(r >= 0 && r < rows)) throw new RangeError(`pair ${p} uses row ${r} of ${rows}`);
    out.set(x.subarray(r * n, r * n + n), p * width);
    if (width > n) out[p * width + n] = 1;
  }
  return out;
}

/** dst [rows, n] = Σ over pairs p with rowIdx[p] = r of src[p, :n] (src [m, width]); zero elsewhere. */
function scatterStripped(src: Float32Array, n: number, width: number, rowIdx: Int32Array, rows: number, buf: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  const out = grow(buf, rows * n);
  out.fill(0, 0, rows * n);
  for (let p = 0; p < rowIdx.length; p++) {
    const o = rowIdx[p] * n;
    const s = p * width;
    for (let j = 0; j < n; j++) out[o + j] += src[s + j];
  }
  return out;
}
