// Dropout variants: element dropout, and locked dropout (one mask per item shared over time, padded or packed rows).
import type { Rng } from '../../util/rng.js';
import { grow } from '../buffers.js';
import { packedStarts, type SeqLayout } from '../layout.js';

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
 * How a locked-dropout mask is drawn from one uniform u per (item, feature): 'keep-below' keeps the unit when
 * u < 1 − p, 'drop-below' drops it when u < p. Both drop with probability p; they differ in which draws drop, so a
 * model trained with one repeats bit for bit only with the same one (the input blocks of the task models were
 * trained with 'drop-below', every other locked dropout with 'keep-below').
 */
export type MaskDraw = 'keep-below' | 'drop-below';

/**
 * Locked (variational) dropout (Gal & Ghahramani 2016; flair's LockedDropout): over the rows of a batch of
 * variable-length items, one mask per item and feature, shared by all its time steps; survivors scaled by 1/(1−p).
 * Rows come padded ([batch·maxLen, cols], `forward`) or packed ([Σ lengths, cols], `forwardPacked`); both draw
 * batch·cols uniforms in the same order, so they drop the same units for the same rng state. Identity outside
 * training.
 */
export class LockedDropout {
  private mask = new Float32Array(0);
  private y = new Float32Array(0);
  private dx = new Float32Array(0);
  /** [items + 1]: item b owns rows [starts[b], starts[b+1]). */
  private starts: Int32Array = new Int32Array(1);
  private active = false;
  private cols = 0;

  constructor(readonly p: number, readonly draw: MaskDraw = 'keep-below') {
    if (!(p >= 0 && p < 1)) throw new RangeError(`locked dropout p must be in [0, 1), got ${p}`);
  }

  /** x [batch·maxLen, cols] (padded rows) → y (a layer-owned view when training, x itself otherwise). */
  forward(x: Float32Array, batch: number, maxLen: number, cols: number, rng: Rng, training: boolean): Float32Array {
    const starts = new Int32Array(batch + 1);
    for (let b = 0; b <= batch; b++) starts[b] = b * maxLen;
    return this.run(x, starts, cols, rng, training);
  }

  /** x [Σ lengths, cols] (packed rows, see engine/layout.ts) → y, as forward. */
  forwardPacked(x: Float32Array, layout: SeqLayout, cols: number, rng: Rng, training: boolean): Float32Array {
    return this.run(x, packedStarts(layout), cols, rng, training);
  }

  backward(dy: Float32Array): Float32Array {
    if (!this.active) return dy;
    const n = this.starts[this.starts.length - 1] * this.cols;
    this.dx = grow(this.dx, n);
    this.apply(dy, this.dx);
    return this.dx.subarray(0, n);
  }

  /**
   * For callers that scale their own buffer in place: draws a fresh mask for `items` × `cols` when training with
   * p > 0 (returns true) and forgets it otherwise (returns false).
   */
  drawMask(items: number, cols: number, rng: Rng, training: boolean): boolean {
    this.active = training && this.p > 0;
    this.cols = cols;
    if (!this.active) return false;
    const n = items * cols;
    this.mask = grow(this.mask, n);
    const p = this.p;
    const scale = 1 / (1 - p);
    if (this.draw === 'keep-below') {
      for (let i = 0; i < n; i++) this.mask[i] = rng.float() < 1 - p ? scale : 0;
    } else {
      for (let i = 0; i < n; i++) this.mask[i] = rng.float() < p ? 0 : scale;
    }
    return true;
  }

  /**
   * x[r, c] *= rowScale[r] · mask[item of r, c] in place, with the mask of the last drawMask (which must have
   * returned true); `starts` [items + 1] gives each item's rows. Word dropout passes its 0/1 row mask as rowScale.
   */
  scaleInPlace(x: Float32Array, starts: Int32Array, rowScale: Float32Array): void {
    if (!this.active) throw new Error('LockedDropout.scaleInPlace: no mask drawn');
    const { cols, mask } = this;
    for (let b = 0; b + 1 < starts.length; b++) {
      const m = b * cols;
      for (let r = starts[b]; r < starts[b + 1]; r++) {
        const o = r * cols;
        const s = rowScale[r];
        for (let c = 0; c < cols; c++) x[o + c] *= s * mask[m + c];
      }
    }
  }

  private run(x: Float32Array, starts: Int32Array, cols: number, rng: Rng, training: boolean): Float32Array {
    if (!this.drawMask(starts.length - 1, cols, rng, training)) return x;
    this.starts = starts;
    const n = starts[starts.length - 1] * cols;
    this.y = grow(this.y, n);
    this.apply(x, this.y);
    return this.y.subarray(0, n);
  }

  private apply(src: Float32Array, dst: Float32Array): void {
    const { cols, starts, mask } = this;
    for (let b = 0; b + 1 < starts.length; b++) {
      const m = b * cols;
      for (let r = starts[b]; r < starts[b + 1]; r++) {
        const o = r * cols;
        for (let c = 0; c < cols; c++) dst[o + c] = src[o + c] * mask[m + c];
      }
    }
  }
}
