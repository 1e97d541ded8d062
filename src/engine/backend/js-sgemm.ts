// Cache-blocked sgemm in plain TypeScript (Goto-style packing + a 4×4 register micro-kernel), for the JS backend.
//
// Why this shape: V8 keeps the 16 accumulators of a 4×4 tile in registers, and packing op(A)/op(B) into
// contiguous float64 panels turns all four transpose cases into the same unit-stride inner loop, with no
// float32→float64 conversions in it. Blocks: KC×NC of B stays in L2/L3, MC×KC of A in L2.

const MR = 4;
const NR = 4;

/** Block sizes; one home for the defaults. */
export interface SgemmBlocking {
  mc: number;
  kc: number;
  nc: number;
}

export const DEFAULT_BLOCKING: Readonly<SgemmBlocking> = Object.freeze({ mc: 64, kc: 256, nc: 512 });

/** Packing buffers, owned by one backend instance and reused across calls (no per-call allocation). */
export class SgemmWorkspace {
  readonly blocking: SgemmBlocking;
  readonly packA: Float64Array;
  readonly packB: Float64Array;
  readonly tile = new Float64Array(MR * NR);

  constructor(blocking: SgemmBlocking = DEFAULT_BLOCKING) {
    const { mc, kc, nc } = blocking;
    if (mc % MR !== 0 || nc % NR !== 0) throw new RangeError(`mc must be a multiple of ${MR} and nc of ${NR}`);
    this.blocking = { ...blocking };
    this.packA = new Float64Array(mc * kc);
    this.packB = new Float64Array(kc * nc);
  }
}

/** Packs op(A)[i0..i0+mc, p0..p0+kc] as MR-row panels, p-major inside a panel; rows past m are zeros. */
function packA(
  dst: Float64Array, a: Float32Array, lda: number, transA: boolean, i0: number, mc: number, p0: number, kc: number,
): void {
  let o = 0;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = Math.min(MR, mc - ip);
    if (!transA) {
      for (let r = 0; r < MR; r++) {
        if (r < rows) {
          let src = (i0 + ip + r) * lda + p0;
          for (let p = 0; p < kc; p++) dst[o + p * MR + r] = a[src++];
        } else {
          for (let p = 0; p < kc; p++) dst[o + p * MR + r] = 0;
        }
      }
    } else {
      // op(A)[i, p] = a[p, i]: the MR values of one p are adjacent in memory.
      for (let p = 0; p < kc; p++) {
        const src = (p0 + p) * lda + i0 + ip;
        const d = o + p * MR;
        for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? a[src + r] : 0;
      }
    }
    o += kc * MR;
  }
}

/** Packs op(B)[p0..p0+kc, j0..j0+nc] as NR-column panels, p-major inside a panel; columns past n are zeros. */
function packB(
  dst: Float64Array, b: Float32Array, ldb: number, transB: boolean, p0: number, kc: number, j0: number, nc: number,
): void {
  let o = 0;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = Math.min(NR, nc - jp);
    if (!transB) {
      for (let p = 0; p < kc; p++) {
        const src = (p0 + p) * ldb + j0 + jp;
        const d = o + p * NR;
        if (cols === NR) {
          dst[d] = b[src];
          dst[d + 1] = b[src + 1];
          dst[d + 2] = b[src + 2];
          dst[d + 3] = b[src + 3];
        } else {
          for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? b[src + c] : 0;
        }
      }
    } else {
      // op(B)[p, j] = b[j, p]: walk each stored row contiguously.
      for (let c = 0; c < NR; c++) {
        if (c < cols) {
          let src = (j0 + jp + c) * ldb + p0;
          for (let p = 0; p < kc; p++) dst[o + p * NR + c] = b[src++];
        } else {
          for (let p = 0; p < kc; p++) dst[o + p * NR + c] = 0;
        }
      }
    }
    o += kc * NR;
  }
}

/** C[cOff..] += alpha · (packed MR×kc panel) · (packed kc×NR panel), writing only the first mr×nr entries. */
function microKernel(
  kc: number, pa: Float64Array, aOff: number, pb: Float64Array, bOff: number,
  c: Float32Array, cOff: number, ldc: number, mr: number, nr: number, alpha: number, tile: Float64Array,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aOff;
  let bi = bOff;
  for (let p = 0; p < kc; p++) {
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    const a0 = pa[ai];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    const a1 = pa[ai + 1];
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    const a2 = pa[ai + 2];
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    const a3 = pa[ai + 3];
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  if (mr === MR && nr === NR) {
    let o = cOff;
    c[o] += alpha * c00; c[o + 1] += alpha * c01; c[o + 2] += alpha * c02; c[o + 3] += alpha * c03;
    o += ldc;
    c[o] += alpha * c10; c[o + 1] += alpha * c11; c[o + 2] += alpha * c12; c[o + 3] += alpha * c13;
    o += ldc;
    c[o] += alpha * c20; c[o + 1] += alpha * c21; c[o + 2] += alpha * c22; c[o + 3] += alpha * c23;
    o += ldc;
    c[o] += alpha * c30; c[o + 1] += alpha * c31; c[o + 2] += alpha * c32; c[o + 3] += alpha * c33;
    return;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
  for (let r = 0; r < mr; r++) {
    const o = cOff + r * ldc;
    for (let j = 0; j < nr; j++) c[o + j] += alpha * tile[r * NR + j];
  }
}

/**
 * C = alpha · op(A) · op(B) + beta · C, row-major, arguments already validated.
 * beta = 0 clears C without reading it (so NaN in C does not survive), as BLAS does.
 */
export function sgemmBlocked(
  ws: SgemmWorkspace, transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
  beta: number, c: Float32Array, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (beta !== 1) {
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      if (beta === 0) c.fill(0, ci, ci + n);
      else for (let j = 0; j < n; j++) c[ci + j] *= beta;
    }
  }
  if (k === 0 || alpha === 0) return;
  const { mc: MC, kc: KC, nc: NC } = ws.blocking;
  const pa = ws.packA;
  const pb = ws.packB;
  const tile = ws.tile;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(pb, b, ldb, transB, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(pa, a, lda, transA, i0, mc, p0, kc);
        for (let jp = 0; jp < nc; jp += NR) {
          const nr = Math.min(NR, nc - jp);
          const bOff = jp * kc;
          for (let ip = 0; ip < mc; ip += MR) {
            const mr = Math.min(MR, mc - ip);
            microKernel(kc, pa, ip * kc, pb, bOff, c, (i0 + ip) * ldc + j0 + jp, ldc, mr, nr, alpha, tile);
          }
        }
      }
    }
  }
}
