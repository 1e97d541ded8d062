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
    this.tmp = grow(this.tmp, t * k * t);
    for (let b = 0; b < batch; b++) {
      const out = k === 1 ? this.s.subarray(b * t * t) : this.tmp;
      this.backend.sgemm(false, true, t * k, t, n2, 1, this.xw.subarray(b * t * k * n2), n2, this.ya.subarray(b * t * n2), n2, 0, out, t);
      if (k > 1) permute(this.tmp, this.s.subarray(b * t * t * k), t, k, true);
    }
    return this.s.subarray(0, batch * t * t * k);
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
