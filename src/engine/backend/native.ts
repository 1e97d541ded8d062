// The native backend: a thin typed wrapper over native/ace_native.node (CBLAS sgemm + fused C kernels).
import { createRequire } from 'node:module';
import type { Backend, BackendInfo, LstmBackwardPass, LstmForwardPass } from './backend.js';

/** The ABI this wrapper speaks; must equal ACE_NATIVE_ABI in native/ace_native.c. */
export const NATIVE_ABI = 2;

/** What ace_native.node exports. Argument checks live in C: wrong lengths throw a TypeError there. */
export interface NativeAddon {
  readonly abi: number;
  readonly blas: string;
  readonly threadsSettable: boolean;
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
  ): void;
  lstmCellForward(gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, hNew: Float32Array, rows: number, h: number): void;
  lstmCellBackward(
    gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, dh: Float32Array, dc: Float32Array,
    dGates: Float32Array, rows: number, h: number,
  ): void;
  lstmSequenceForward(passes: readonly LstmForwardPass[]): void;
  lstmSequenceBackward(passes: readonly LstmBackwardPass[]): void;
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void;
  rowLogSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  setThreads(n: number): void;
  getThreads(): number;
}

/** How long idle OpenBLAS workers spin after a product before they sleep, as log2 of CPU cycles (OpenBLAS: 4–30). */
export const BLAS_THREAD_TIMEOUT = '12';

/**
 * Runs `load` with OPENBLAS_THREAD_TIMEOUT set, unless the user set it, and then removes it again.
 *
 * Why: OpenBLAS's idle workers otherwise spin for ~2^28 cycles after every product, which steals the second core from
 * the two LSTM directions that run side by side; 2^12 cycles keeps them awake between back-to-back products and asleep
 * otherwise (measured: the training step 10–15% faster). Why the environment: OpenBLAS reads this variable once, in
 * its load-time constructor (which runs when the addon, linked against it, is loaded), and offers no call to change it
 * afterwards; `openblas_set_num_threads` has no timeout sibling. Why only around the load: the variable is read then
 * and never again, so after the load the process environment, and what child processes inherit, is left as it was.
 * This is the one place in src/ that writes process.env.
 */
export function withBlasLoadEnvironment<T>(load: () => T): T {
  if (process.env.OPENBLAS_THREAD_TIMEOUT !== undefined) return load();
  process.env.OPENBLAS_THREAD_TIMEOUT = BLAS_THREAD_TIMEOUT;
  try {
    return load();
  } finally {
    delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
}

/** Loads the addon file; throws an Error whose message is a fallback reason fit for `info.fallbackReason`. */
export function loadNativeAddon(path: string): NativeAddon {
  const require = createRequire(import.meta.url);
  let mod: unknown;
  try {
    mod = withBlasLoadEnvironment(() => require(path) as unknown);
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw new Error(`native addon failed to load: ${first}`);
  }
  const addon = mod as Partial<NativeAddon>;
  if (addon.abi !== NATIVE_ABI) {
    throw new Error(`native addon is stale (ABI ${String(addon.abi)}, expected ${NATIVE_ABI}); rebuild with node scripts/build-native.mjs`);
  }
  return addon as NativeAddon;
}

export class NativeBackend implements Backend {
  readonly info: BackendInfo;
  private readonly addon: NativeAddon;

  constructor(addon: NativeAddon) {
    this.addon = addon;
    this.info = { name: 'native', blas: addon.blas.trim(), threads: addon.getThreads() };
  }

  setThreads(n: number): void {
    this.addon.setThreads(n);
    this.info.threads = this.addon.getThreads();
  }

  // Each method forwards its arguments unchanged: V8 inlines the wrapper, so the cost is the napi call alone.
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
  ): void {
    this.addon.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  lstmCellForward(gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, hNew: Float32Array, rows: number, h: number): void {
    this.addon.lstmCellForward(gates, cPrev, cNew, hNew, rows, h);
  }

  lstmCellBackward(
    gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, dh: Float32Array, dc: Float32Array,
    dGates: Float32Array, rows: number, h: number,
  ): void {
    this.addon.lstmCellBackward(gates, cPrev, cNew, dh, dc, dGates, rows, h);
  }

  lstmSequenceForward(passes: readonly LstmForwardPass[]): void {
    this.addon.lstmSequenceForward(passes);
  }

  lstmSequenceBackward(passes: readonly LstmBackwardPass[]): void {
    this.addon.lstmSequenceBackward(passes);
  }

  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void {
    this.addon.adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
  }

  rowLogSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
    this.addon.rowLogSumExp(x, rows, cols, out);
  }
}
