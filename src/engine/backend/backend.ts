// The compute backend contract: a few dense kernels over flat row-major Float32Arrays. Knows nothing of NLP.

export interface BackendInfo {
  /** 'native' (N-API addon over CBLAS) or 'js' (pure TypeScript). */
  name: 'native' | 'js';
  /** The BLAS in use, e.g. 'OpenBLAS 0.3.21' or 'ace-ts blocked sgemm'. */
  blas: string;
  threads: number;
  /** Why the native backend was not used, when it was not. */
  fallbackReason?: string;
}

/**
 * The schedule of one LSTM direction over a time-major packed batch (PackPlan): packed row i is row rows[i] of the
 * input/output matrices; step t covers packed rows offset[t] … offset[t] + active[t] − 1 (active non-increasing).
 */
export interface LstmSchedule {
  rows: Int32Array;
  active: Int32Array;
  /** [steps + 1], offset[0] = 0. */
  offset: Int32Array;
  steps: number;
  hidden: number;
  /** W_hh [4h, h], gate order (i, f, g, o). */
  whh: Float32Array;
}

/**
 * One direction's forward: gates (packed [total, 4h]) start as P's rows (stride pStride, columns pCol …) and leave
 * as activations; cells [total, h] keep c_t, hPrev [total, h] keeps h_{t−1} per packed row (zeros at t = 0), hStep
 * [active[0], h] is scratch. h_t goes to y's rows (stride yStride, columns yCol …); other rows of y are untouched.
 */
export interface LstmForwardPass extends LstmSchedule {
  p: Float32Array; pStride: number; pCol: number;
  gates: Float32Array; cells: Float32Array; hPrev: Float32Array; hStep: Float32Array;
  y: Float32Array; yStride: number; yCol: number;
}

/**
 * One direction's backward over the buffers its forward filled: reads ∂L/∂y (dy, same rows/columns as y),
 * accumulates ∂L/∂W_hh into whhGrad, writes ∂L/∂P into dp at P's rows/columns (other rows untouched); dGates
 * [total, 4h], dh and dc [active[0], h] are scratch.
 */
export interface LstmBackwardPass extends LstmSchedule {
  dy: Float32Array; yStride: number; yCol: number;
  dp: Float32Array; pStride: number; pCol: number;
  whhGrad: Float32Array;
  gates: Float32Array; cells: Float32Array; hPrev: Float32Array;
  dGates: Float32Array; dh: Float32Array; dc: Float32Array;
}

export interface Backend {
  readonly info: BackendInfo;
  setThreads(n: number): void;

  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
   * lda/ldb/ldc are row strides of the stored (untransposed) arrays. Arrays may be subarray views.
   */
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
  ): void;

  /**
   * LSTM cell forward for a batch of `rows`, hidden size h. `gates` holds pre-activations [rows, 4h] in the
   * order (input, forget, cell, output) and is overwritten with the activations (σ, σ, tanh, σ).
   * cNew = f·cPrev + i·g ; hNew = o·tanh(cNew). cPrev may be null (zeros).
   */
  lstmCellForward(gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, hNew: Float32Array, rows: number, h: number): void;

  /**
   * LSTM cell backward. `gates` are the activations saved by forward. `dh` is ∂L/∂hNew. `dc` holds ∂L/∂cNew
   * coming from the next step on entry and ∂L/∂cPrev on exit. Writes ∂L/∂pre-activations into dGates [rows, 4h].
   */
  lstmCellBackward(
    gates: Float32Array, cPrev: Float32Array | null, cNew: Float32Array, dh: Float32Array, dc: Float32Array,
    dGates: Float32Array, rows: number, h: number,
  ): void;

  /**
   * Whole LSTM directions (one or two, independent of each other): the time loop of sgemm + cell per step.
   * The native backend runs two directions on two threads when it may use two.
   */
  lstmSequenceForward(passes: readonly LstmForwardPass[]): void;
  lstmSequenceBackward(passes: readonly LstmBackwardPass[]): void;

  /** One Adam/AdamW step in place. `step` is 1-based. weightDecay is L2 added to the gradient (PyTorch Adam). */
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void;

  /** out[r] = log Σ_c exp(x[r, c]) for a rows×cols matrix. */
  rowLogSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
}
