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

  /** One Adam/AdamW step in place. `step` is 1-based. weightDecay is L2 added to the gradient (PyTorch Adam). */
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void;

  /** out[r] = log Σ_c exp(x[r, c]) for a rows×cols matrix. */
  rowLogSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
}
