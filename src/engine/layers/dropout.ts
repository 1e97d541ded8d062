// Dropout variants: element dropout, word dropout (whole rows), locked dropout (one mask shared over time).
import type { Rng } from '../../util/rng.js';
import { grow } from '../buffers.js';

/**
 * Inverted dropout (Srivastava et al. 2014): each element is zeroed with probability p, survivors scaled by
 * 1/(1−p). Outside training it is the identity and returns its input. Backward multiplies by the same mask.
 */
export class Dropout {
  private mask = new Float32Array(0);
  private y = new Float32Array(0);
  private dx = new Float32Array(0);
  private active = false;
  private n = 0;

  constructor(readonly p: number) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`dropout p must be in [0, 1), got ${p}`);
  }

  /** x [n] → y [n]: a layer-owned view when training, x itself otherwise. */
  forward(x: Float32Array, rng: Rng, training: boolean): Float32Array {
    this.active = training && this.p > 0;
    this.n = x.length;
    if (!this.active) return x;
    const keep = 1 - this.p;
    const scale = 1 / keep;
    this.mask = grow(this.mask, x.length);
    this.y = grow(this.y, x.length);
    for (let i = 0; i < x.length; i++) {
      const m = rng.float() < keep ? scale : 0;
      this.mask[i] = m;
      this.y[i] = x[i] * m;
    }
    return this.y.subarray(0, x.length);
  }

  backward(dy: Float32Array): Float32Array {
    if (!this.active) return dy;
    this.dx = grow(this.dx, this.n);
    for (let i = 0; i < this.n; i++) this.dx[i] = dy[i] * this.mask[i];
    return this.dx.subarray(0, this.n);
  }
}

/**
 * Drops whole rows [rows, cols] (e.g. one position's entire vector) with probability p and, as flair's
 * WordDropout, does not rescale the survivors. Identity outside training.
 */
export class RowDropout {
  private keep = new Uint8Array(0);
  private y = new Float32Array(0);
  private dx = new Float32Array(0);
  private active = false;
  private rows = 0;
  private cols = 0;

  constructor(readonly p: number) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`row dropout p must be in [0, 1), got ${p}`);
  }

  forward(x: Float32Array, rows: number, cols: number, rng: Rng, training: boolean): Float32Array {
    this.active = training && this.p > 0;
    this.rows = rows;
    this.cols = cols;
    if (!this.active) return x;
    if (this.keep.length < rows) this.keep = new Uint8Array(rows);
    this.y = grow(this.y, rows * cols);
    for (let r = 0; r < rows; r++) {
      const k = rng.float() >= this.p ? 1 : 0;
      this.keep[r] = k;
      const o = r * cols;
      if (k) for (let c = 0; c < cols; c++) this.y[o + c] = x[o + c];
      else this.y.fill(0, o, o + cols);
    }
    return this.y.subarray(0, rows * cols);
  }

  backward(dy: Float32Array): Float32Array {
    if (!this.active) return dy;
    const { rows, cols } = this;
    this.dx = grow(this.dx, rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      if (this.keep[r]) for (let c = 0; c < cols; c++) this.dx[o + c] = dy[o + c];
      else this.dx.fill(0, o, o + cols);
    }
    return this.dx.subarray(0, rows * cols);
  }
}

/**
 * Locked (variational) dropout (Gal & Ghahramani 2016; flair's LockedDropout): over a padded
 * [batch·maxLen, cols] matrix, one mask per item and feature, shared by all its time steps; survivors scaled by
 * 1/(1−p). Identity outside training.
 */
export class LockedDropout {
  private mask = new Float32Array(0);
  private y = new Float32Array(0);
  private dx = new Float32Array(0);
  private active = false;
  private batch = 0;
  private maxLen = 0;
  private cols = 0;

  constructor(readonly p: number) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`locked dropout p must be in [0, 1), got ${p}`);
  }

  forward(x: Float32Array, batch: number, maxLen: number, cols: number, rng: Rng, training: boolean): Float32Array {
    this.active = training && this.p > 0;
    Object.assign(this, { batch, maxLen, cols });
    if (!this.active) return x;
    const keep = 1 - this.p;
    this.mask = grow(this.mask, batch * cols);
    for (let i = 0; i < batch * cols; i++) this.mask[i] = rng.float() < keep ? 1 / keep : 0;
    this.y = grow(this.y, batch * maxLen * cols);
    this.apply(x, this.y);
    return this.y.subarray(0, batch * maxLen * cols);
  }

  backward(dy: Float32Array): Float32Array {
    if (!this.active) return dy;
    this.dx = grow(this.dx, this.batch * this.maxLen * this.cols);
    this.apply(dy, this.dx);
    return this.dx.subarray(0, this.batch * this.maxLen * this.cols);
  }

  private apply(src: Float32Array, dst: Float32Array): void {
    const { batch, maxLen, cols } = this;
    for (let b = 0; b < batch; b++) {
      const m = b * cols;
      for (let t = 0; t < maxLen; t++) {
        const o = (b * maxLen + t) * cols;
        for (let c = 0; c < cols; c++) dst[o + c] = src[o + c] * this.mask[m + c];
      }
    }
  }
}
