// Linear-chain CRF (Lample et al. 2016): forward-algorithm NLL with exact gradients, and Viterbi decoding, both
// batched over padded sequences and optionally restricted to allowed tag transitions.
//
// score(y) = start[y_1] + Σ_t emissions[t, y_t] + Σ_{t>1} transitions[y_{t-1}, y_t] + end[y_T]
// NLL(y)   = log Σ_{y'} exp score(y') − score(y)
// Array conventions: emissions [B, T, K] (or [T, K] for one sequence) row-major; transitions [K, K] row-major
// with transitions[i * K + j] = score of tag j following tag i; start [K]; end [K]; gold / paths [B, T].
// The NLL runs a scaled forward-backward in float64 probability space (no exp in the O(T·K²) loops) and falls back
// per sequence to log-sum-exp when scores span so wide a range that the scaling would underflow.

import type { FloatArray } from './float-array.js';
import type { TransitionConstraints } from './transition-constraints.js';

/** The CRF's learned scores. transitions [K, K] (from-tag row, to-tag column), start [K], end [K]. */
export interface CrfParams {
  readonly numTags: number;
  readonly transitions: FloatArray;
  readonly start: FloatArray;
  readonly end: FloatArray;
}

/**
 * Where the NLL gradients go. `emissions` has the layout of the emissions argument ([B, T, K]) and is
 * overwritten, padded positions set to zero; `transitions [K, K]`, `start [K]`, `end [K]` are accumulated into (+=),
 * so several batches or a shared optimizer buffer can collect them.
 */
export interface CrfGradients {
  readonly emissions: FloatArray;
  readonly transitions: FloatArray;
  readonly start: FloatArray;
  readonly end: FloatArray;
}

export interface CrfOptions {
  /** Disallowed moves get score −∞, in the partition function (training) and in decoding alike. */
  readonly constraints?: TransitionConstraints | undefined;
  /** Reusable scratch buffers; pass one per caller to avoid allocating on every batch. */
  readonly workspace?: CrfWorkspace;
}

/** Scratch buffers for the dynamic programs, grown on demand and reused across calls (not thread-shared). */
export class CrfWorkspace {
  /** Effective float64 scores, −∞ where a constraint forbids: trans [K, K], transT [K, K] (transposed), start, end. */
  trans = new Float64Array(0);
  transT = new Float64Array(0);
  start = new Float64Array(0);
  end = new Float64Array(0);
  /** Forward (or Viterbi) and backward tables [T, K]; a scratch row [K]; backpointers [T, K]. */
  alpha = new Float64Array(0);
  beta = new Float64Array(0);
  row = new Float64Array(0);
  back = new Int32Array(0);
  /**
   * The scaled (probability-space) forward-backward: exp of the effective scores shifted by their maxima
   * (expTrans [K, K], expStart [K], expEnd [K]; the shifts in logShift*), exp-emissions per step shifted by the
   * step maximum [T, K], and per-step normalisers [T]. Also a float64 transition-gradient accumulator [K, K].
   */
  expTrans = new Float64Array(0);
  expStart = new Float64Array(0);
  expEnd = new Float64Array(0);
  expEmit = new Float64Array(0);
  scale = new Float64Array(0);
  gradTrans = new Float64Array(0);
  endScale = 1;
  logShiftTrans = 0;
  logShiftStart = 0;
  logShiftEnd = 0;

  /** Size the buffers for sequences up to `maxLen` over `numTags` tags and load the effective scores. */
  prepare(params: CrfParams, maxLen: number, constraints: TransitionConstraints | undefined): void {
    const k = params.numTags;
    checkParams(params, constraints);
    if (this.trans.length < k * k) {
      this.trans = new Float64Array(k * k);
      this.transT = new Float64Array(k * k);
      this.expTrans = new Float64Array(k * k);
      this.gradTrans = new Float64Array(k * k);
    }
    if (this.start.length < k) {
      this.start = new Float64Array(k);
      this.end = new Float64Array(k);
      this.row = new Float64Array(k);
      this.expStart = new Float64Array(k);
      this.expEnd = new Float64Array(k);
    }
    const cells = Math.max(1, maxLen) * k;
    if (this.alpha.length < cells) {
      this.alpha = new Float64Array(cells);
      this.beta = new Float64Array(cells);
      this.back = new Int32Array(cells);
      this.expEmit = new Float64Array(cells);
    }
    if (this.scale.length < maxLen) this.scale = new Float64Array(maxLen);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const ok = constraints === undefined || constraints.allowed[i * k + j] !== 0;
        const v = ok ? params.transitions[i * k + j] : -Infinity;
        this.trans[i * k + j] = v;
        this.transT[j * k + i] = v;
      }
      this.start[i] = constraints === undefined || constraints.allowedStart[i] !== 0 ? params.start[i] : -Infinity;
      this.end[i] = constraints === undefined || constraints.allowedEnd[i] !== 0 ? params.end[i] : -Infinity;
    }
    this.logShiftTrans = shiftedExp(this.trans, this.expTrans, k * k);
    this.logShiftStart = shiftedExp(this.start, this.expStart, k);
    this.logShiftEnd = shiftedExp(this.end, this.expEnd, k);
  }
}

/** out[i] = exp(v[i] − max v) over n entries; returns the max (0 when every entry is −∞). */
function shiftedExp(v: Float64Array, out: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) m = 0;
  for (let i = 0; i < n; i++) out[i] = Math.exp(v[i] - m);
  return m;
}

function checkParams(params: CrfParams, constraints: TransitionConstraints | undefined): void {
  const k = params.numTags;
  if (!(Number.isInteger(k) && k > 0)) throw new RangeError(`CRF numTags must be a positive integer, got ${k}`);
  if (params.transitions.length !== k * k || params.start.length !== k || params.end.length !== k) {
    throw new RangeError(`CRF params for ${k} tags need transitions [${k}, ${k}], start [${k}] and end [${k}]`);
  }
  if (constraints !== undefined && constraints.numTags !== k) {
    throw new RangeError(`CRF constraints are for ${constraints.numTags} tags, params for ${k}`);
  }
}

/** Batch size and padded length from the arrays, checked against each other. */
function batchShape(emissionsLength: number, lengths: ArrayLike<number>, k: number): { b: number; t: number } {
  const b = lengths.length;
  if (b === 0) return { b, t: 0 };
  if (emissionsLength % (b * k) !== 0) {
    throw new RangeError(`emissions of length ${emissionsLength} is not [${b}, T, ${k}]`);
  }
  const t = emissionsLength / (b * k);
  for (let i = 0; i < b; i++) {
    const len = lengths[i];
    if (!Number.isInteger(len) || len < 0 || len > t) throw new RangeError(`length ${len} of sequence ${i} is not in 0..${t}`);
  }
  return { b, t };
}

/** log Σ exp over v[0..n) (stable; −∞ when every entry is −∞). */
function logSumExp(v: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/** Forward algorithm over one sequence (emissions from offset `o`, `len` steps); fills ws.alpha, returns log Z. */
function forward(ws: CrfWorkspace, e: FloatArray, o: number, len: number, k: number): number {
  const { alpha, transT, start, end, row } = ws;
  for (let j = 0; j < k; j++) alpha[j] = start[j] + e[o + j];
  for (let t = 1; t < len; t++) {
    const prev = (t - 1) * k;
    const cur = t * k;
    for (let j = 0; j < k; j++) {
      const col = j * k;
      let m = -Infinity;
      for (let i = 0; i < k; i++) {
        const v = alpha[prev + i] + transT[col + i];
        if (v > m) m = v;
      }
      if (m === -Infinity) {
        alpha[cur + j] = -Infinity;
        continue;
      }
      let s = 0;
      for (let i = 0; i < k; i++) s += Math.exp(alpha[prev + i] + transT[col + i] - m);
      alpha[cur + j] = e[o + cur + j] + m + Math.log(s);
    }
  }
  const last = (len - 1) * k;
  for (let j = 0; j < k; j++) row[j] = alpha[last + j] + end[j];
  return logSumExp(row, k);
}

/** Backward algorithm: ws.beta[t, i] = log Σ over continuations from tag i at step t to the end. */
function backward(ws: CrfWorkspace, e: FloatArray, o: number, len: number, k: number): void {
  const { beta, trans, end, row } = ws;
  const last = (len - 1) * k;
  for (let i = 0; i < k; i++) beta[last + i] = end[i];
  for (let t = len - 2; t >= 0; t--) {
    const next = (t + 1) * k;
    for (let j = 0; j < k; j++) row[j] = e[o + next + j] + beta[next + j];
    for (let i = 0; i < k; i++) {
      const r = i * k;
      let m = -Infinity;
      for (let j = 0; j < k; j++) {
        const v = trans[r + j] + row[j];
        if (v > m) m = v;
      }
      if (m === -Infinity) {
        beta[t * k + i] = -Infinity;
        continue;
      }
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(trans[r + j] + row[j] - m);
      beta[t * k + i] = m + Math.log(s);
    }
  }
}

/** Score of the tag path `tags` read from offset `go` (effective scores: −∞ if it takes a forbidden move). */
function pathScore(ws: CrfWorkspace, e: FloatArray, o: number, tags: ArrayLike<number>, go: number, len: number, k: number): number {
  let s = 0;
  let prev = -1;
  for (let t = 0; t < len; t++) {
    const y = tags[go + t];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`tag ${y} at position ${t} is not in 0..${k - 1}`);
    s += e[o + t * k + y] + (prev < 0 ? ws.start[y] : ws.trans[prev * k + y]);
    prev = y;
  }
  return s + ws.end[prev];
}

/**
 * Log partition function log Σ_y exp score(y) of one sequence. `emissions [T, K]` row-major.
 * Returns −∞ when the constraints leave no path.
 */
export function crfLogPartition(emissions: FloatArray, params: CrfParams, options: CrfOptions = {}): number {
  const k = params.numTags;
  const { t } = batchShape(emissions.length, [emissions.length / k], k);
  if (t === 0) return 0;
  const ws = options.workspace ?? new CrfWorkspace();
  ws.prepare(params, t, options.constraints);
  return logPartition(ws, emissions, 0, t, k).logZ;
}

/** score(tags) of one sequence: `emissions [T, K]`, `tags [T]`; −∞ if the path takes a move the constraints forbid. */
export function crfSequenceScore(
  emissions: FloatArray,
  tags: ArrayLike<number>,
  params: CrfParams,
  options: CrfOptions = {},
): number {
  const k = params.numTags;
  const t = tags.length;
  if (emissions.length !== t * k) throw new RangeError(`emissions of length ${emissions.length} is not [${t}, ${k}]`);
  if (t === 0) return 0;
  const ws = options.workspace ?? new CrfWorkspace();
  ws.prepare(params, t, options.constraints);
  return pathScore(ws, emissions, 0, tags, 0, t, k);
}

/**
 * Summed negative log-likelihood of gold paths over a padded batch, with gradients if `grads` is given.
 * `emissions [B, T, K]`, `lengths [B]` (each in 0..T; positions t ≥ length are padding and ignored),
 * `gold [B, T]` tag indices (padding ignored). Gradients: see CrfGradients (emissions overwritten, the rest +=).
 * With constraints, a gold path that takes a forbidden move throws RangeError (its likelihood is zero).
 */
export function crfNllBatch(
  emissions: FloatArray,
  lengths: ArrayLike<number>,
  gold: ArrayLike<number>,
  params: CrfParams,
  grads?: CrfGradients,
  options: CrfOptions = {},
): number {
  const k = params.numTags;
  const { b, t: maxLen } = batchShape(emissions.length, lengths, k);
  if (gold.length !== b * maxLen) throw new RangeError(`gold of length ${gold.length} is not [${b}, ${maxLen}]`);
  if (grads !== undefined) checkGrads(grads, emissions.length, k);
  const ws = options.workspace ?? new CrfWorkspace();
  ws.prepare(params, maxLen, options.constraints);
  ws.gradTrans.fill(0, 0, k * k);
  let total = 0;
  for (let s = 0; s < b; s++) {
    const len = lengths[s];
    const o = s * maxLen * k;
    const go = s * maxLen;
    if (grads !== undefined) grads.emissions.fill(0, o + len * k, o + maxLen * k);
    if (len === 0) continue;
    const gs = pathScore(ws, emissions, o, gold, go, len, k);
    if (gs === -Infinity) throw new RangeError(`gold path of sequence ${s} takes a transition the constraints forbid`);
    const { logZ, scaled } = logPartition(ws, emissions, o, len, k);
    total += logZ - gs;
    if (grads === undefined) continue;
    if (scaled) scaledMarginals(ws, o, len, k, grads);
    else logSpaceMarginals(ws, emissions, o, len, k, logZ, grads);
    addGoldCounts(ws, o, gold, go, len, k, grads);
  }
  // Transition gradients were summed in float64; add them to the caller's buffer once.
  if (grads !== undefined) for (let i = 0; i < k * k; i++) grads.transitions[i] += ws.gradTrans[i];
  return total;
}

/** NLL of one sequence: `emissions [T, K]`, `gold [T]`; grads.emissions [T, K] overwritten, the rest accumulated. */
export function crfNll(
  emissions: FloatArray,
  gold: ArrayLike<number>,
  params: CrfParams,
  grads?: CrfGradients,
  options: CrfOptions = {},
): number {
  return crfNllBatch(emissions, [gold.length], gold, params, grads, options);
}

function checkGrads(grads: CrfGradients, emissionsLength: number, k: number): void {
  if (grads.emissions.length !== emissionsLength || grads.transitions.length !== k * k || grads.start.length !== k || grads.end.length !== k) {
    throw new RangeError('CRF gradient buffers must match emissions, [K, K], [K] and [K]');
  }
}

/** Log-space marginals of one sequence: emission marginals into grads.emissions, the rest added (see addGoldCounts). */
function logSpaceMarginals(
  ws: CrfWorkspace,
  e: FloatArray,
  o: number,
  len: number,
  k: number,
  logZ: number,
  grads: CrfGradients,
): void {
  backward(ws, e, o, len, k);
  const { alpha, beta, trans, row } = ws;
  const ge = grads.emissions;
  const gt = ws.gradTrans;
  for (let t = 0; t < len; t++) {
    const base = t * k;
    for (let j = 0; j < k; j++) ge[o + base + j] = Math.exp(alpha[base + j] + beta[base + j] - logZ);
  }
  // Read back from the float64 tables, not from `ge`, which may be Float32.
  const last = (len - 1) * k;
  for (let j = 0; j < k; j++) {
    grads.start[j] += Math.exp(alpha[j] + beta[j] - logZ);
    grads.end[j] += Math.exp(alpha[last + j] + beta[last + j] - logZ);
  }
  // Pairwise marginal p(y_{t-1} = i, y_t = j) = exp(alpha[t-1, i] + trans[i, j] + e[t, j] + beta[t, j] − log Z).
  for (let t = 1; t < len; t++) {
    const cur = t * k;
    const prev = cur - k;
    for (let j = 0; j < k; j++) row[j] = e[o + cur + j] + beta[cur + j] - logZ;
    for (let i = 0; i < k; i++) {
      const a = alpha[prev + i];
      if (a === -Infinity) continue;
      const r = i * k;
      for (let j = 0; j < k; j++) gt[r + j] += Math.exp(a + trans[r + j] + row[j]);
    }
  }
}

/** Subtract the gold path's indicator counts, turning marginals into d NLL / d scores. */
function addGoldCounts(ws: CrfWorkspace, o: number, gold: ArrayLike<number>, go: number, len: number, k: number, grads: CrfGradients): void {
  const ge = grads.emissions;
  let prevTag = -1;
  for (let t = 0; t < len; t++) {
    const y = gold[go + t];
    ge[o + t * k + y] -= 1;
    if (prevTag < 0) grads.start[y] -= 1;
    else ws.gradTrans[prevTag * k + y] -= 1;
    prevTag = y;
  }
  grads.end[prevTag] -= 1;
}

/** Below this a step normaliser may have lost mass to underflow, and the sequence is redone in log space. */
const MIN_SCALE = 1e-200;

/**
 * Scaled forward pass (Rabiner 1989), the fast path: probabilities instead of logs, so the inner loop has no exp.
 * ws.alpha[t] = â_t (rows summing to 1), ws.scale[t] = c_t, ws.endScale = the end normaliser, ws.expEmit the
 * step-shifted exp-emissions; log Z = Σ log c_t + log c_end + the shifts. Returns NaN when a normaliser is so
 * small that underflow may have lost mass (huge score ranges, or constraints that leave no path).
 */
function forwardScaled(ws: CrfWorkspace, e: FloatArray, o: number, len: number, k: number): number {
  const { alpha, expTrans, expStart, expEnd, expEmit, scale } = ws;
  let logZ = ws.logShiftStart + ws.logShiftEnd + (len - 1) * ws.logShiftTrans;
  for (let t = 0; t < len; t++) {
    const base = t * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) if (e[o + base + j] > m) m = e[o + base + j];
    if (!(m > -Infinity && m < Infinity)) return NaN;
    for (let j = 0; j < k; j++) expEmit[base + j] = Math.exp(e[o + base + j] - m);
    if (t === 0) {
      for (let j = 0; j < k; j++) alpha[j] = expStart[j] * expEmit[j];
    } else {
      const prev = base - k;
      alpha.fill(0, base, base + k);
      for (let i = 0; i < k; i++) {
        const a = alpha[prev + i];
        if (a === 0) continue;
        const r = i * k;
        for (let j = 0; j < k; j++) alpha[base + j] += a * expTrans[r + j];
      }
      for (let j = 0; j < k; j++) alpha[base + j] *= expEmit[base + j];
    }
    let c = 0;
    for (let j = 0; j < k; j++) c += alpha[base + j];
    if (!(c >= MIN_SCALE && c < Infinity)) return NaN;
    const inv = 1 / c;
    for (let j = 0; j < k; j++) alpha[base + j] *= inv;
    scale[t] = c;
    logZ += m + Math.log(c);
  }
  const last = (len - 1) * k;
  let c = 0;
  for (let j = 0; j < k; j++) c += alpha[last + j] * expEnd[j];
  if (!(c >= MIN_SCALE && c < Infinity)) return NaN;
  ws.endScale = c;
  return logZ + Math.log(c);
}

/**
 * Scaled backward pass fused with the marginals, after forwardScaled: b̂_{T-1}(i) = end(i) / c_end,
 * b̂_t(i) = Σ_j A(i, j) E_{t+1}(j) b̂_{t+1}(j) / c_{t+1}; p_t(i) = â_t(i) b̂_t(i);
 * p(y_t = i, y_{t+1} = j) = â_t(i) A(i, j) E_{t+1}(j) b̂_{t+1}(j) / c_{t+1}.
 */
function scaledMarginals(ws: CrfWorkspace, o: number, len: number, k: number, grads: CrfGradients): void {
  const { alpha, beta, expTrans, expEnd, expEmit, scale, row, gradTrans } = ws;
  const ge = grads.emissions;
  const last = (len - 1) * k;
  const invEnd = 1 / ws.endScale;
  for (let i = 0; i < k; i++) beta[last + i] = expEnd[i] * invEnd;
  for (let t = len - 2; t >= 0; t--) {
    const next = (t + 1) * k;
    const inv = 1 / scale[t + 1];
    for (let j = 0; j < k; j++) row[j] = expEmit[next + j] * beta[next + j] * inv;
    const cur = t * k;
    for (let i = 0; i < k; i++) {
      const a = alpha[cur + i];
      const r = i * k;
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const x = expTrans[r + j] * row[j];
        sum += x;
        gradTrans[r + j] += a * x;
      }
      beta[cur + i] = sum;
    }
  }
  for (let t = 0; t < len; t++) {
    const base = t * k;
    for (let j = 0; j < k; j++) ge[o + base + j] = alpha[base + j] * beta[base + j];
  }
  for (let j = 0; j < k; j++) {
    grads.start[j] += alpha[j] * beta[j];
    grads.end[j] += alpha[last + j] * beta[last + j];
  }
}

/** log Z of one sequence: the scaled pass, or the log-space one when scaling underflows. */
function logPartition(ws: CrfWorkspace, e: FloatArray, o: number, len: number, k: number): { logZ: number; scaled: boolean } {
  const fast = forwardScaled(ws, e, o, len, k);
  if (!Number.isNaN(fast)) return { logZ: fast, scaled: true };
  return { logZ: forward(ws, e, o, len, k), scaled: false };
}

/**
 * Best tag paths of a padded batch. `emissions [B, T, K]`, `lengths [B]`; returns `paths [B, T]` (written into
 * `out` when given) with −1 at padded positions. Ties go to the lowest tag index. Throws RangeError when the
 * constraints leave a sequence no path.
 */
export function crfViterbiBatch(
  emissions: FloatArray,
  lengths: ArrayLike<number>,
  params: CrfParams,
  out?: Int32Array,
  options: CrfOptions = {},
): Int32Array {
  const k = params.numTags;
  const { b, t: maxLen } = batchShape(emissions.length, lengths, k);
  const paths = out ?? new Int32Array(b * maxLen);
  if (paths.length !== b * maxLen) throw new RangeError(`Viterbi output of length ${paths.length} is not [${b}, ${maxLen}]`);
  const ws = options.workspace ?? new CrfWorkspace();
  ws.prepare(params, maxLen, options.constraints);
  const { alpha: delta, back, transT, start, end } = ws;
  for (let s = 0; s < b; s++) {
    const len = lengths[s];
    const o = s * maxLen * k;
    const po = s * maxLen;
    paths.fill(-1, po + len, po + maxLen);
    if (len === 0) continue;
    for (let j = 0; j < k; j++) delta[j] = start[j] + emissions[o + j];
    for (let t = 1; t < len; t++) {
      const prev = (t - 1) * k;
      const cur = t * k;
      for (let j = 0; j < k; j++) {
        const col = j * k;
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < k; i++) {
          const v = delta[prev + i] + transT[col + i];
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        delta[cur + j] = best + emissions[o + cur + j];
        back[cur + j] = arg;
      }
    }
    const last = (len - 1) * k;
    let best = -Infinity;
    let tag = -1;
    for (let j = 0; j < k; j++) {
      const v = delta[last + j] + end[j];
      if (v > best) {
        best = v;
        tag = j;
      }
    }
    if (tag < 0) throw new RangeError(`the transition constraints allow no tag path of length ${len} (sequence ${s})`);
    for (let t = len - 1; t >= 0; t--) {
      paths[po + t] = tag;
      tag = back[t * k + tag];
    }
  }
  return paths;
}

/** Best tag path of one sequence: `emissions [T, K]` → `path [T]`. */
export function crfViterbi(emissions: FloatArray, params: CrfParams, options: CrfOptions = {}): Int32Array {
  const k = params.numTags;
  if (emissions.length % k !== 0) throw new RangeError(`emissions of length ${emissions.length} is not [T, ${k}]`);
  return crfViterbiBatch(emissions, [emissions.length / k], params, undefined, options);
}
