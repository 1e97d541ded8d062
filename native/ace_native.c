// N-API addon: sgemm through the system CBLAS and fused kernels over flat Float32Arrays (semantics: src/engine/backend/js.ts).
#define NAPI_VERSION 8
#include <node_api.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>

#ifdef ACE_USE_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

/* Bumped whenever an exported function changes shape, so native.ts can refuse a stale build. */
#define ACE_NATIVE_ABI 2

/* ---------- argument helpers: each returns false after throwing a TypeError ---------- */

static bool fail(napi_env env, const char* fn, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "ace_native.%s: %s", fn, what);
  napi_throw_type_error(env, NULL, msg);
  return false;
}

static bool get_args(napi_env env, napi_callback_info info, const char* fn, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return fail(env, fn, "cannot read arguments");
  if (argc < want) {
    char msg[64];
    snprintf(msg, sizeof msg, "expected %zu arguments, got %zu", want, argc);
    return fail(env, fn, msg);
  }
  return true;
}

/* The data pointer napi hands back already includes the view's byteOffset. */
static bool get_f32(napi_env env, napi_value v, const char* fn, const char* name, float** data, size_t* len) {
  napi_typedarray_type type;
  void* ptr = NULL;
  char msg[96];
  /* One napi call per array on the hot path: get_typedarray_info itself fails on anything but a TypedArray. */
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_float32_array) {
    snprintf(msg, sizeof msg, "%s must be a Float32Array", name);
    return fail(env, fn, msg);
  }
  *data = (float*)ptr;
  return true;
}

static bool get_f32_or_null(napi_env env, napi_value v, const char* fn, const char* name, float** data, size_t* len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return fail(env, fn, "cannot inspect argument");
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return true;
  }
  return get_f32(env, v, fn, name, data, len);
}

static bool get_num(napi_env env, napi_value v, const char* fn, const char* name, double* out) {
  char msg[96];
  if (napi_get_value_double(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "%s must be a number", name);
    return fail(env, fn, msg);
  }
  return true;
}

/* A non-negative integer that fits the BLAS int (32 bits). */
static bool get_dim(napi_env env, napi_value v, const char* fn, const char* name, int32_t* out) {
  double d;
  char msg[96];
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 2147483647.0 || d != floor(d)) {
    snprintf(msg, sizeof msg, "%s must be a non-negative integer", name);
    return fail(env, fn, msg);
  }
  *out = (int32_t)d;
  return true;
}

static bool get_flag(napi_env env, napi_value v, const char* fn, const char* name, bool* out) {
  char msg[96];
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "%s must be a boolean", name);
    return fail(env, fn, msg);
  }
  return true;
}

/* A rows×cols matrix stored with row stride ld must fit in len elements; ld ≥ max(1, cols) as BLAS demands. */
static bool check_matrix(napi_env env, const char* fn, const char* name, size_t len, int32_t rows, int32_t cols, int32_t ld) {
  char msg[160];
  int32_t min_ld = cols > 1 ? cols : 1;
  if (ld < min_ld) {
    snprintf(msg, sizeof msg, "leading dimension of %s is %d, needs at least %d", name, ld, min_ld);
    return fail(env, fn, msg);
  }
  uint64_t need = (rows == 0 || cols == 0) ? 0 : (uint64_t)(rows - 1) * (uint64_t)ld + (uint64_t)cols;
  if ((uint64_t)len < need) {
    snprintf(msg, sizeof msg, "%s has %zu elements, a %dx%d matrix with ld %d needs %llu", name, len, rows, cols, ld,
             (unsigned long long)need);
    return fail(env, fn, msg);
  }
  return true;
}

static bool check_len(napi_env env, const char* fn, const char* name, size_t len, uint64_t need) {
  char msg[128];
  if ((uint64_t)len < need) {
    snprintf(msg, sizeof msg, "%s has %zu elements, needs %llu", name, len, (unsigned long long)need);
    return fail(env, fn, msg);
  }
  return true;
}

/* ---------- kernels ---------- */

/* Products with fewer multiply-adds than this run on one BLAS thread (see Sgemm). */
#define ACE_ONE_THREAD_MNK ((uint64_t)1 << 21)

/* sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  static const char* fn = "sgemm";
  napi_value argv[13];
  bool ta, tb;
  int32_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!get_args(env, info, fn, 13, argv)) return NULL;
  if (!get_flag(env, argv[0], fn, "transA", &ta) || !get_flag(env, argv[1], fn, "transB", &tb) ||
      !get_dim(env, argv[2], fn, "m", &m) || !get_dim(env, argv[3], fn, "n", &n) || !get_dim(env, argv[4], fn, "k", &k) ||
      !get_num(env, argv[5], fn, "alpha", &alpha) || !get_f32(env, argv[6], fn, "a", &a, &la) ||
      !get_dim(env, argv[7], fn, "lda", &lda) || !get_f32(env, argv[8], fn, "b", &b, &lb) ||
      !get_dim(env, argv[9], fn, "ldb", &ldb) || !get_num(env, argv[10], fn, "beta", &beta) ||
      !get_f32(env, argv[11], fn, "c", &c, &lc) || !get_dim(env, argv[12], fn, "ldc", &ldc))
    return NULL;
  /* Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed). */
  if (!check_matrix(env, fn, "a", la, ta ? k : m, ta ? m : k, lda) ||
      !check_matrix(env, fn, "b", lb, tb ? n : k, tb ? k : n, ldb) || !check_matrix(env, fn, "c", lc, m, n, ldc))
    return NULL;
  if (m == 0 || n == 0) return NULL;
  if (k == 0 || alpha == 0) {
    /* Nothing to multiply: C = beta·C, and beta = 0 clears C without reading it (BLAS convention). */
    float fb = (float)beta;
    for (int32_t i = 0; i < m; i++) {
      float* ci = c + (size_t)i * ldc;
      if (beta == 0) memset(ci, 0, sizeof(float) * (size_t)n);
      else if (beta != 1) for (int32_t j = 0; j < n; j++) ci[j] *= fb;
    }
    return NULL;
  }
#ifdef OPENBLAS_VERSION
  /* OpenBLAS splits any product above ~2.6e5 multiply-adds over its threads, but below ~2e6 the second thread costs
   * more to wake than it saves (measured: 25×25×501 takes 15 µs on one thread, 46–59 µs on two). Setting the
   * thread count is a plain store, so small products run on the calling thread alone. */
  int threads = openblas_get_num_threads();
  if (threads > 1 && (uint64_t)m * (uint64_t)n * (uint64_t)k < ACE_ONE_THREAD_MNK) {
    openblas_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, (float)alpha, a,
                lda, b, ldb, (float)beta, c, ldc);
    openblas_set_num_threads(threads);
    return NULL;
  }
#endif
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, (float)alpha, a, lda,
              b, ldb, (float)beta, c, ldc);
  return NULL;
}

/* The cell kernels below are vectorised only when FP comparisons are not treated as trapping (the exp clamp is a
 * select); nothing here reads the FP exception flags, so this changes no result. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

/*
 * exp in double, branch-free so GCC vectorises the cell loops (libm's expf/tanhf are scalar calls and
 * dominated the LSTM step). Range reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-8 Taylor polynomial
 * (relative error < 1e-9, far below the float32 output). 2^n is built in the exponent bits of the
 * shifter-rounded t, which avoids a double→int64 conversion that SSE2 cannot vectorise.
 */
static inline __attribute__((always_inline)) double exp_vec(double x) {
  const double shifter = 6755399441055744.0; /* 1.5·2^52: adding it rounds to an integer in the low mantissa bits */
  /* Comparisons, not fmin/fmax: those are NaN-aware libm semantics that GCC will not vectorise (a NaN now stays NaN). */
  x = x < -700.0 ? -700.0 : x;
  x = x > 700.0 ? 700.0 : x;
  double t = x * 1.4426950408889634 + shifter;
  double n = t - shifter;
  double r = (x - n * 0.6931471805599453) - n * 2.3190468138462996e-17;
  double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320))))))));
  uint64_t bits;
  memcpy(&bits, &t, sizeof bits);
  bits = (bits + 1023) << 52;
  double scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline __attribute__((always_inline)) float sigmoidf(float x) { return (float)(1.0 / (1.0 + exp_vec(-(double)x))); }

/* tanh(x) = (1 − e)/(1 + e)·sign(x) with e = exp(−2|x|); in double the cancellation near 0 costs nothing at float precision. */
static inline __attribute__((always_inline)) float tanh_vec(float x) {
  double ax = fabs((double)x);
  double e = exp_vec(-2.0 * ax);
  double t = (1.0 - e) / (1.0 + e);
  return (float)copysign(t, (double)x);
}

/*
 * One row of the cell kernels. The restrict pointers (the four gate segments of a row never overlap each other nor
 * the state rows) let GCC vectorise the loop without runtime alias checks; cp == NULL means c_{t−1} = 0. On x86-64
 * Linux the rows are also compiled for AVX2 and picked at load time (same IEEE operations, so identical results).
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define ACE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ACE_CLONES
#endif

static inline __attribute__((always_inline)) void cell_forward(float* gi, float* gf, float* gg, float* go, float cpv, float* cn,
                                                               float* hn, int32_t j) {
  float i = sigmoidf(gi[j]), f = sigmoidf(gf[j]), g = tanh_vec(gg[j]), o = sigmoidf(go[j]);
  gi[j] = i;
  gf[j] = f;
  gg[j] = g;
  go[j] = o;
  float cv = f * cpv + i * g;
  cn[j] = cv;
  hn[j] = o * tanh_vec(cv);
}

static inline __attribute__((always_inline)) void cell_backward(const float* gi, const float* gf, const float* gg, const float* go,
                                                                float cpv, const float* cn, const float* dhr, float* dcr, float* di,
                                                                float* df, float* dg, float* dout, int32_t j) {
  float i = gi[j], f = gf[j], g = gg[j], o = go[j];
  float tc = tanh_vec(cn[j]);
  float dhv = dhr[j];
  float dcv = dcr[j] + dhv * o * (1.0f - tc * tc);
  di[j] = dcv * g * i * (1.0f - i);
  df[j] = dcv * cpv * f * (1.0f - f);
  dg[j] = dcv * i * (1.0f - g * g);
  dout[j] = dhv * tc * o * (1.0f - o);
  dcr[j] = dcv * f;
}

/* Two loops rather than a test per element, so each stays branch-free and vectorises. */
ACE_CLONES static void cell_forward_row(float* restrict gi, float* restrict gf, float* restrict gg, float* restrict go,
                                        const float* restrict cp, float* restrict cn, float* restrict hn, int32_t h) {
  if (cp)
    for (int32_t j = 0; j < h; j++) cell_forward(gi, gf, gg, go, cp[j], cn, hn, j);
  else
    for (int32_t j = 0; j < h; j++) cell_forward(gi, gf, gg, go, 0.0f, cn, hn, j);
}

ACE_CLONES static void cell_backward_row(const float* restrict gi, const float* restrict gf, const float* restrict gg,
                                         const float* restrict go, const float* restrict cp, const float* restrict cn,
                                         const float* restrict dhr, float* restrict dcr, float* restrict di, float* restrict df,
                                         float* restrict dg, float* restrict dout, int32_t h) {
  if (cp)
    for (int32_t j = 0; j < h; j++) cell_backward(gi, gf, gg, go, cp[j], cn, dhr, dcr, di, df, dg, dout, j);
  else
    for (int32_t j = 0; j < h; j++) cell_backward(gi, gf, gg, go, 0.0f, cn, dhr, dcr, di, df, dg, dout, j);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* lstmCellForward(gates, cPrev|null, cNew, hNew, rows, h) */
static napi_value LstmCellForward(napi_env env, napi_callback_info info) {
  static const char* fn = "lstmCellForward";
  napi_value argv[6];
  float *gates, *cprev, *cnew, *hnew;
  size_t lg, lcp, lcn, lhn;
  int32_t rows, h;
  if (!get_args(env, info, fn, 6, argv)) return NULL;
  if (!get_f32(env, argv[0], fn, "gates", &gates, &lg) || !get_f32_or_null(env, argv[1], fn, "cPrev", &cprev, &lcp) ||
      !get_f32(env, argv[2], fn, "cNew", &cnew, &lcn) || !get_f32(env, argv[3], fn, "hNew", &hnew, &lhn) ||
      !get_dim(env, argv[4], fn, "rows", &rows) || !get_dim(env, argv[5], fn, "h", &h))
    return NULL;
  uint64_t cells = (uint64_t)rows * (uint64_t)h;
  if (!check_len(env, fn, "gates", lg, 4 * cells) || (cprev && !check_len(env, fn, "cPrev", lcp, cells)) ||
      !check_len(env, fn, "cNew", lcn, cells) || !check_len(env, fn, "hNew", lhn, cells))
    return NULL;
  for (int32_t r = 0; r < rows; r++) {
    float* gi = gates + (size_t)r * 4 * h;
    float* gf = gi + h;
    float* gg = gf + h;
    float* go = gg + h;
    const float* cp = cprev ? cprev + (size_t)r * h : NULL;
    float* cn = cnew + (size_t)r * h;
    float* hn = hnew + (size_t)r * h;
    cell_forward_row(gi, gf, gg, go, cp, cn, hn, h);
  }
  return NULL;
}

/* lstmCellBackward(gates, cPrev|null, cNew, dh, dc, dGates, rows, h) */
static napi_value LstmCellBackward(napi_env env, napi_callback_info info) {
  static const char* fn = "lstmCellBackward";
  napi_value argv[8];
  float *gates, *cprev, *cnew, *dh, *dc, *dgates;
  size_t lg, lcp, lcn, ldh, ldc, ldg;
  int32_t rows, h;
  if (!get_args(env, info, fn, 8, argv)) return NULL;
  if (!get_f32(env, argv[0], fn, "gates", &gates, &lg) || !get_f32_or_null(env, argv[1], fn, "cPrev", &cprev, &lcp) ||
      !get_f32(env, argv[2], fn, "cNew", &cnew, &lcn) || !get_f32(env, argv[3], fn, "dh", &dh, &ldh) ||
      !get_f32(env, argv[4], fn, "dc", &dc, &ldc) || !get_f32(env, argv[5], fn, "dGates", &dgates, &ldg) ||
      !get_dim(env, argv[6], fn, "rows", &rows) || !get_dim(env, argv[7], fn, "h", &h))
    return NULL;
  uint64_t cells = (uint64_t)rows * (uint64_t)h;
  if (!check_len(env, fn, "gates", lg, 4 * cells) || (cprev && !check_len(env, fn, "cPrev", lcp, cells)) ||
      !check_len(env, fn, "cNew", lcn, cells) || !check_len(env, fn, "dh", ldh, cells) ||
      !check_len(env, fn, "dc", ldc, cells) || !check_len(env, fn, "dGates", ldg, 4 * cells))
    return NULL;
  for (int32_t r = 0; r < rows; r++) {
    const float* gi = gates + (size_t)r * 4 * h;
    const float* gf = gi + h;
    const float* gg = gf + h;
    const float* go = gg + h;
    float* di = dgates + (size_t)r * 4 * h;
    float* df = di + h;
    float* dg = df + h;
    float* dout = dg + h;
    const float* cp = cprev ? cprev + (size_t)r * h : NULL;
    const float* cn = cnew + (size_t)r * h;
    const float* dhr = dh + (size_t)r * h;
    float* dcr = dc + (size_t)r * h;
    cell_backward_row(gi, gf, gg, go, cp, cn, dhr, dcr, di, df, dg, dout, h);
  }
  return NULL;
}

/* The thread budget the user set (through BLAS's own setting, so one knob governs all our threads). */
static int blas_threads(void) {
#ifdef OPENBLAS_VERSION
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

/* ---------- whole LSTM directions: the time loop in C, the two directions of a layer on two threads ---------- */

/*
 * One direction over a time-major packed batch (see PackPlan in src/engine/layout.ts). Row i of the packed order
 * lives at row rows[i] of P / y; step t covers packed rows offset[t] … offset[t] + active[t] − 1.
 */
typedef struct {
  const float* p; int32_t p_stride, p_col;
  const int32_t *rows, *active, *offset; int32_t steps, h;
  const float* whh;
  float *gates, *cells, *h_prev, *h_step;
  float* y; int32_t y_stride, y_col;
} lstm_fwd_job;

typedef struct {
  const float* dy; int32_t y_stride, y_col;
  float* dp; int32_t p_stride, p_col;
  const int32_t *rows, *active, *offset; int32_t steps, h;
  const float* whh; float* whh_grad;
  const float *gates, *cells, *h_prev;
  float *d_gates, *dh, *dc;
} lstm_bwd_job;

static void lstm_fwd_run(const lstm_fwd_job* j) {
  const int32_t h = j->h, g4 = 4 * h;
  const int32_t n = j->steps > 0 ? j->offset[j->steps] : 0;
  for (int32_t i = 0; i < n; i++)
    memcpy(j->gates + (size_t)i * g4, j->p + (size_t)j->rows[i] * j->p_stride + j->p_col, sizeof(float) * (size_t)g4);
  if (j->steps > 0) memset(j->h_prev, 0, sizeof(float) * (size_t)j->active[0] * h);
  for (int32_t t = 0; t < j->steps; t++) {
    const int32_t a = j->active[t], o = j->offset[t];
    float* g = j->gates + (size_t)o * g4;
    if (t > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a, g4, h, 1.0f, j->h_prev + (size_t)o * h, h, j->whh, h, 1.0f, g, g4);
    const float* cp = t > 0 ? j->cells + (size_t)j->offset[t - 1] * h : NULL;
    for (int32_t r = 0; r < a; r++) {
      float* gi = g + (size_t)r * g4;
      cell_forward_row(gi, gi + h, gi + 2 * h, gi + 3 * h, cp ? cp + (size_t)r * h : NULL, j->cells + (size_t)(o + r) * h,
                       j->h_step + (size_t)r * h, h);
      memcpy(j->y + (size_t)j->rows[o + r] * j->y_stride + j->y_col, j->h_step + (size_t)r * h, sizeof(float) * (size_t)h);
    }
    if (t + 1 < j->steps) memcpy(j->h_prev + (size_t)j->offset[t + 1] * h, j->h_step, sizeof(float) * (size_t)j->active[t + 1] * h);
  }
}

static void lstm_bwd_run(const lstm_bwd_job* j) {
  const int32_t h = j->h, g4 = 4 * h;
  const int32_t n = j->steps > 0 ? j->offset[j->steps] : 0;
  const int32_t max_rows = j->steps > 0 ? j->active[0] : 0;
  memset(j->dh, 0, sizeof(float) * (size_t)max_rows * h);
  memset(j->dc, 0, sizeof(float) * (size_t)max_rows * h);
  for (int32_t t = j->steps - 1; t >= 0; t--) {
    const int32_t a = j->active[t], o = j->offset[t];
    const float* cp = t > 0 ? j->cells + (size_t)j->offset[t - 1] * h : NULL;
    float* dg = j->d_gates + (size_t)o * g4;
    for (int32_t r = 0; r < a; r++) {
      float* dhr = j->dh + (size_t)r * h;
      const float* dyr = j->dy + (size_t)j->rows[o + r] * j->y_stride + j->y_col;
      for (int32_t c = 0; c < h; c++) dhr[c] += dyr[c];
      const float* gi = j->gates + (size_t)(o + r) * g4;
      float* di = dg + (size_t)r * g4;
      cell_backward_row(gi, gi + h, gi + 2 * h, gi + 3 * h, cp ? cp + (size_t)r * h : NULL, j->cells + (size_t)(o + r) * h, dhr,
                        j->dc + (size_t)r * h, di, di + h, di + 2 * h, di + 3 * h, h);
    }
    /* ∂L/∂h_{t−1} of the running rows; rows that stop before t keep their zeros until they start. */
    if (t > 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a, h, g4, 1.0f, dg, g4, j->whh, h, 0.0f, j->dh, h);
  }
  if (j->steps > 1) {
    const int32_t o1 = j->offset[1];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g4, h, n - o1, 1.0f, j->d_gates + (size_t)o1 * g4, g4,
                j->h_prev + (size_t)o1 * h, h, 1.0f, j->whh_grad, h);
  }
  for (int32_t i = 0; i < n; i++)
    memcpy(j->dp + (size_t)j->rows[i] * j->p_stride + j->p_col, j->d_gates + (size_t)i * g4, sizeof(float) * (size_t)g4);
}

static void* lstm_fwd_thread(void* arg) {
  lstm_fwd_run((const lstm_fwd_job*)arg);
  return NULL;
}

static void* lstm_bwd_thread(void* arg) {
  lstm_bwd_run((const lstm_bwd_job*)arg);
  return NULL;
}

/*
 * Runs jobs 0 and 1 side by side when BLAS may use two or more threads: each direction's products are small
 * (a few dozen rows), where one core per direction beats two cores per product. BLAS is held at one thread
 * meanwhile so the two callers do not fight over its pool; the results are the same either way.
 */
static void run_pair(void* (*fn)(void*), void* j0, void* j1, size_t count) {
#ifdef OPENBLAS_VERSION
  int threads = blas_threads();
  if (count == 2 && threads >= 2) {
    pthread_t th;
    openblas_set_num_threads(1);
    if (pthread_create(&th, NULL, fn, j1) == 0) {
      fn(j0);
      pthread_join(th, NULL);
      openblas_set_num_threads(threads);
      return;
    }
    openblas_set_num_threads(threads);
  }
#endif
  fn(j0);
  if (count == 2) fn(j1);
}

/* ----- reading a job object: each getter throws a TypeError naming the field ----- */

static bool prop(napi_env env, napi_value obj, const char* fn, const char* key, napi_value* out) {
  char msg[96];
  if (napi_get_named_property(env, obj, key, out) != napi_ok) {
    snprintf(msg, sizeof msg, "cannot read field %s", key);
    return fail(env, fn, msg);
  }
  return true;
}

static bool field_f32(napi_env env, napi_value obj, const char* fn, const char* key, float** data, size_t* len) {
  napi_value v;
  return prop(env, obj, fn, key, &v) && get_f32(env, v, fn, key, data, len);
}

static bool field_dim(napi_env env, napi_value obj, const char* fn, const char* key, int32_t* out) {
  napi_value v;
  return prop(env, obj, fn, key, &v) && get_dim(env, v, fn, key, out);
}

static bool field_i32(napi_env env, napi_value obj, const char* fn, const char* key, int32_t** data, size_t* len) {
  napi_value v;
  napi_typedarray_type type;
  void* ptr = NULL;
  char msg[96];
  if (!prop(env, obj, fn, key, &v)) return false;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_int32_array) {
    snprintf(msg, sizeof msg, "%s must be an Int32Array", key);
    return fail(env, fn, msg);
  }
  *data = (int32_t*)ptr;
  return true;
}

/*
 * The plan fields shared by both passes, checked so that no index can leave its array: active non-increasing and
 * ≥ 1, offset the running sum of active, and every row index addressing a whole segment of P and y.
 */
static bool read_plan(napi_env env, napi_value obj, const char* fn, const int32_t** rows, const int32_t** active,
                      const int32_t** offset, int32_t* steps, int32_t* h, int32_t* total) {
  int32_t *r, *a, *o;
  size_t lr, la, lo;
  if (!field_i32(env, obj, fn, "rows", &r, &lr) || !field_i32(env, obj, fn, "active", &a, &la) ||
      !field_i32(env, obj, fn, "offset", &o, &lo) || !field_dim(env, obj, fn, "steps", steps) ||
      !field_dim(env, obj, fn, "hidden", h))
    return false;
  if (la < (size_t)*steps || lo < (size_t)*steps + 1) return fail(env, fn, "active/offset shorter than steps");
  if (*steps > 0 && o[0] != 0) return fail(env, fn, "offset[0] must be 0");
  for (int32_t t = 0; t < *steps; t++) {
    if (a[t] < 1 || (t > 0 && a[t] > a[t - 1])) return fail(env, fn, "active must be positive and non-increasing");
    if ((int64_t)o[t + 1] != (int64_t)o[t] + a[t]) return fail(env, fn, "offset must be the running sum of active");
  }
  *total = *steps > 0 ? o[*steps] : 0;
  if (lr < (size_t)*total) return fail(env, fn, "rows shorter than the packed total");
  for (int32_t i = 0; i < *total; i++)
    if (r[i] < 0) return fail(env, fn, "rows holds a negative index");
  *rows = r;
  *active = a;
  *offset = o;
  return true;
}

/* Every rows[i]·stride + col + width must fit len. */
static bool check_rows(napi_env env, const char* fn, const char* name, const int32_t* rows, int32_t total, int32_t stride,
                       int32_t col, int32_t width, size_t len) {
  char msg[128];
  int32_t mx = -1;
  for (int32_t i = 0; i < total; i++)
    if (rows[i] > mx) mx = rows[i];
  if (mx < 0) return true;
  if (stride < col + width) {
    snprintf(msg, sizeof msg, "%s: columns %d..%d exceed the row stride %d", name, col, col + width - 1, stride);
    return fail(env, fn, msg);
  }
  return check_len(env, fn, name, len, (uint64_t)mx * (uint64_t)stride + (uint64_t)col + (uint64_t)width);
}

static bool read_fwd_job(napi_env env, napi_value obj, lstm_fwd_job* j) {
  static const char* fn = "lstmSequenceForward";
  float *p, *whh, *gates, *cells, *h_prev, *h_step, *y;
  size_t lp, lw, lg, lc, lhp, lhs, ly;
  int32_t total;
  if (!read_plan(env, obj, fn, &j->rows, &j->active, &j->offset, &j->steps, &j->h, &total)) return false;
  if (!field_f32(env, obj, fn, "p", &p, &lp) || !field_dim(env, obj, fn, "pStride", &j->p_stride) ||
      !field_dim(env, obj, fn, "pCol", &j->p_col) || !field_f32(env, obj, fn, "whh", &whh, &lw) ||
      !field_f32(env, obj, fn, "gates", &gates, &lg) || !field_f32(env, obj, fn, "cells", &cells, &lc) ||
      !field_f32(env, obj, fn, "hPrev", &h_prev, &lhp) || !field_f32(env, obj, fn, "hStep", &h_step, &lhs) ||
      !field_f32(env, obj, fn, "y", &y, &ly) || !field_dim(env, obj, fn, "yStride", &j->y_stride) ||
      !field_dim(env, obj, fn, "yCol", &j->y_col))
    return false;
  const uint64_t h = (uint64_t)j->h, n = (uint64_t)total, a0 = j->steps > 0 ? (uint64_t)j->active[0] : 0;
  if (!check_len(env, fn, "whh", lw, 4 * h * h) || !check_len(env, fn, "gates", lg, n * 4 * h) ||
      !check_len(env, fn, "cells", lc, n * h) || !check_len(env, fn, "hPrev", lhp, n * h) ||
      !check_len(env, fn, "hStep", lhs, a0 * h) ||
      !check_rows(env, fn, "p", j->rows, total, j->p_stride, j->p_col, 4 * j->h, lp) ||
      !check_rows(env, fn, "y", j->rows, total, j->y_stride, j->y_col, j->h, ly))
    return false;
  j->p = p;
  j->whh = whh;
  j->gates = gates;
  j->cells = cells;
  j->h_prev = h_prev;
  j->h_step = h_step;
  j->y = y;
  return true;
}

static bool read_bwd_job(napi_env env, napi_value obj, lstm_bwd_job* j) {
  static const char* fn = "lstmSequenceBackward";
  float *dy, *dp, *whh, *whh_grad, *gates, *cells, *h_prev, *d_gates, *dh, *dc;
  size_t ldy, ldp, lw, lwg, lg, lc, lhp, ldg, ldh, ldc;
  int32_t total;
  if (!read_plan(env, obj, fn, &j->rows, &j->active, &j->offset, &j->steps, &j->h, &total)) return false;
  if (!field_f32(env, obj, fn, "dy", &dy, &ldy) || !field_dim(env, obj, fn, "yStride", &j->y_stride) ||
      !field_dim(env, obj, fn, "yCol", &j->y_col) || !field_f32(env, obj, fn, "dp", &dp, &ldp) ||
      !field_dim(env, obj, fn, "pStride", &j->p_stride) || !field_dim(env, obj, fn, "pCol", &j->p_col) ||
      !field_f32(env, obj, fn, "whh", &whh, &lw) || !field_f32(env, obj, fn, "whhGrad", &whh_grad, &lwg) ||
      !field_f32(env, obj, fn, "gates", &gates, &lg) || !field_f32(env, obj, fn, "cells", &cells, &lc) ||
      !field_f32(env, obj, fn, "hPrev", &h_prev, &lhp) || !field_f32(env, obj, fn, "dGates", &d_gates, &ldg) ||
      !field_f32(env, obj, fn, "dh", &dh, &ldh) || !field_f32(env, obj, fn, "dc", &dc, &ldc))
    return false;
  const uint64_t h = (uint64_t)j->h, n = (uint64_t)total, a0 = j->steps > 0 ? (uint64_t)j->active[0] : 0;
  if (!check_len(env, fn, "whh", lw, 4 * h * h) || !check_len(env, fn, "whhGrad", lwg, 4 * h * h) ||
      !check_len(env, fn, "gates", lg, n * 4 * h) || !check_len(env, fn, "cells", lc, n * h) ||
      !check_len(env, fn, "hPrev", lhp, n * h) || !check_len(env, fn, "dGates", ldg, n * 4 * h) ||
      !check_len(env, fn, "dh", ldh, a0 * h) || !check_len(env, fn, "dc", ldc, a0 * h) ||
      !check_rows(env, fn, "dy", j->rows, total, j->y_stride, j->y_col, j->h, ldy) ||
      !check_rows(env, fn, "dp", j->rows, total, j->p_stride, j->p_col, 4 * j->h, ldp))
    return false;
  j->dy = dy;
  j->dp = dp;
  j->whh = whh;
  j->whh_grad = whh_grad;
  j->gates = gates;
  j->cells = cells;
  j->h_prev = h_prev;
  j->d_gates = d_gates;
  j->dh = dh;
  j->dc = dc;
  return true;
}

/* Reads one or two job objects from an array argument. */
static bool read_jobs(napi_env env, napi_callback_info info, const char* fn, napi_value* items, uint32_t* count) {
  napi_value argv[1];
  bool is_array;
  if (!get_args(env, info, fn, 1, argv)) return false;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) return fail(env, fn, "expects an array of directions");
  if (napi_get_array_length(env, argv[0], count) != napi_ok || *count < 1 || *count > 2)
    return fail(env, fn, "expects one or two directions");
  for (uint32_t i = 0; i < *count; i++)
    if (napi_get_element(env, argv[0], i, &items[i]) != napi_ok) return fail(env, fn, "cannot read a direction");
  return true;
}

static bool read_fwd_any(napi_env env, napi_value obj, void* job) { return read_fwd_job(env, obj, (lstm_fwd_job*)job); }
static bool read_bwd_any(napi_env env, napi_value obj, void* job) { return read_bwd_job(env, obj, (lstm_bwd_job*)job); }

/* Reads the one or two directions of the call into jobs[0..1] (each `size` bytes) and runs them. */
static napi_value run_directions(napi_env env, napi_callback_info info, const char* fn,
                                 bool (*read)(napi_env, napi_value, void*), void* (*thread)(void*), void* jobs, size_t size) {
  napi_value items[2];
  uint32_t count;
  if (!read_jobs(env, info, fn, items, &count)) return NULL;
  for (uint32_t i = 0; i < count; i++)
    if (!read(env, items[i], (char*)jobs + i * size)) return NULL;
  run_pair(thread, jobs, count == 2 ? (char*)jobs + size : NULL, count);
  return NULL;
}

/* lstmSequenceForward([direction, direction?]) */
static napi_value LstmSequenceForward(napi_env env, napi_callback_info info) {
  lstm_fwd_job jobs[2];
  return run_directions(env, info, "lstmSequenceForward", read_fwd_any, lstm_fwd_thread, jobs, sizeof jobs[0]);
}

/* lstmSequenceBackward([direction, direction?]) */
static napi_value LstmSequenceBackward(napi_env env, napi_callback_info info) {
  lstm_bwd_job jobs[2];
  return run_directions(env, info, "lstmSequenceBackward", read_bwd_any, lstm_bwd_thread, jobs, sizeof jobs[0]);
}

/*
 * The Adam element loop in float, as PyTorch's: 8 lanes per AVX2 instruction where double managed 4, which turned a
 * loop bound by sqrt and division into one bound by memory (~1.7× faster). Agrees with the double-precision JS
 * reference to a few ulps. restrict (param, grad and moments are distinct arrays) spares the runtime alias checks.
 */
ACE_CLONES static void adam_loop(float* restrict p, const float* restrict g, float* restrict m, float* restrict v, size_t n,
                                 double b1d, double b2d, double epsd, double wdd, double step_sized, double sqrt_bc2) {
  const float b1 = (float)b1d, b2 = (float)b2d, c1 = (float)(1.0 - b1d), c2 = (float)(1.0 - b2d), eps = (float)epsd;
  const float wd = (float)wdd, step_size = (float)step_sized, inv_sqrt_bc2 = (float)(1.0 / sqrt_bc2);
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * p[i];
    float mi = b1 * m[i] + c1 * gi;
    float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (step_size * mi) / (sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}

/* adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step) */
static napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  static const char* fn = "adamUpdate";
  napi_value argv[10];
  float *p, *g, *m, *v;
  size_t lp, lg, lm, lv;
  double lr, b1, b2, eps, wd, step;
  if (!get_args(env, info, fn, 10, argv)) return NULL;
  if (!get_f32(env, argv[0], fn, "param", &p, &lp) || !get_f32(env, argv[1], fn, "grad", &g, &lg) ||
      !get_f32(env, argv[2], fn, "m", &m, &lm) || !get_f32(env, argv[3], fn, "v", &v, &lv) ||
      !get_num(env, argv[4], fn, "lr", &lr) || !get_num(env, argv[5], fn, "beta1", &b1) ||
      !get_num(env, argv[6], fn, "beta2", &b2) || !get_num(env, argv[7], fn, "eps", &eps) ||
      !get_num(env, argv[8], fn, "weightDecay", &wd) || !get_num(env, argv[9], fn, "step", &step))
    return NULL;
  if (!check_len(env, fn, "grad", lg, lp) || !check_len(env, fn, "m", lm, lp) || !check_len(env, fn, "v", lv, lp))
    return NULL;
  if (!(step >= 1)) {
    fail(env, fn, "step must be >= 1");
    return NULL;
  }
  const double bc1 = 1.0 - pow(b1, step);
  const double bc2 = 1.0 - pow(b2, step);
  const double step_size = lr / bc1;
  const double sqrt_bc2 = sqrt(bc2);
  adam_loop(p, g, m, v, lp, b1, b2, eps, wd, step_size, sqrt_bc2);
  return NULL;
}

/* rowLogSumExp(x, rows, cols, out) */
static napi_value RowLogSumExp(napi_env env, napi_callback_info info) {
  static const char* fn = "rowLogSumExp";
  napi_value argv[4];
  float *x, *out;
  size_t lx, lo;
  int32_t rows, cols;
  if (!get_args(env, info, fn, 4, argv)) return NULL;
  if (!get_f32(env, argv[0], fn, "x", &x, &lx) || !get_dim(env, argv[1], fn, "rows", &rows) ||
      !get_dim(env, argv[2], fn, "cols", &cols) || !get_f32(env, argv[3], fn, "out", &out, &lo))
    return NULL;
  if (!check_len(env, fn, "x", lx, (uint64_t)rows * (uint64_t)cols) || !check_len(env, fn, "out", lo, (uint64_t)rows))
    return NULL;
  for (int32_t r = 0; r < rows; r++) {
    const float* xr = x + (size_t)r * cols;
    float mx = -INFINITY;
    for (int32_t c = 0; c < cols; c++)
      if (xr[c] > mx) mx = xr[c];
    if (mx == -INFINITY) {
      out[r] = -INFINITY;
      continue;
    }
    double s = 0;
    for (int32_t c = 0; c < cols; c++) s += (double)expf(xr[c] - mx);
    out[r] = (float)((double)mx + log(s));
  }
  return NULL;
}

/* ---------- BLAS identity and threads ---------- */

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t n;
  if (!get_args(env, info, "setThreads", 1, argv) || !get_dim(env, argv[0], "setThreads", "n", &n)) return NULL;
  if (n < 1) {
    fail(env, "setThreads", "n must be >= 1");
    return NULL;
  }
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(n);
#endif
  return NULL;
}

static napi_value GetThreads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  int n = 1;
#ifdef OPENBLAS_VERSION
  n = openblas_get_num_threads();
#endif
  napi_create_int32(env, n, &out);
  return out;
}

static const char* blas_name(void) {
#if defined(ACE_USE_ACCELERATE)
  return "Apple Accelerate";
#elif defined(OPENBLAS_VERSION)
  /* e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
  return openblas_get_config();
#else
  return "CBLAS (unknown vendor)";
#endif
}

static bool thread_control(void) {
#ifdef OPENBLAS_VERSION
  return true;
#else
  return false;
#endif
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value abi, blas, threads_settable;
  napi_create_int32(env, ACE_NATIVE_ABI, &abi);
  napi_create_string_utf8(env, blas_name(), NAPI_AUTO_LENGTH, &blas);
  napi_get_boolean(env, thread_control(), &threads_settable);
  napi_property_descriptor props[] = {
      {"abi", NULL, NULL, NULL, NULL, abi, napi_enumerable, NULL},
      {"blas", NULL, NULL, NULL, NULL, blas, napi_enumerable, NULL},
      {"threadsSettable", NULL, NULL, NULL, NULL, threads_settable, napi_enumerable, NULL},
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmCellForward", NULL, LstmCellForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmCellBackward", NULL, LstmCellBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmSequenceForward", NULL, LstmSequenceForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmSequenceBackward", NULL, LstmSequenceBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamUpdate", NULL, AdamUpdate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rowLogSumExp", NULL, RowLogSumExp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getThreads", NULL, GetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
