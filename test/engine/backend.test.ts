// One suite for every compute backend: each kernel against a float64 reference, bounds checks, and native ≡ JS.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { UsageError } from '../../src/util/errors.js';
import type { Backend } from '../../src/engine/backend/backend.js';
import { JsBackend } from '../../src/engine/backend/js.js';
import { defaultAddonPath, getBackend } from '../../src/engine/backend/select.js';
import { BLAS_THREAD_TIMEOUT, loadNativeAddon, withBlasLoadEnvironment } from '../../src/engine/backend/native.js';
import { packPlan } from '../../src/engine/layout.js';
import { backendChoiceFromEnv, collectInfo, formatInfo } from '../../src/cli/info.js';
import { repoRoot } from '../helpers/data-home.js';
import { nativeRequired, nativeSkip as nativeSkipFor, nativeUnavailable, testBackends } from '../helpers/backends.js';

const nativeSkip = nativeSkipFor();

function randArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.float() * 2 - 1) * scale;
  return a;
}

/** A view at a random offset into a larger buffer filled with a sentinel, to catch byteOffset bugs and stray writes. */
function padded(src: Float32Array, before: number, after: number, sentinel = 777): { view: Float32Array; whole: Float32Array } {
  const whole = new Float32Array(before + src.length + after).fill(sentinel);
  whole.set(src, before);
  return { view: whole.subarray(before, before + src.length), whole };
}

function assertSentinels(whole: Float32Array, before: number, len: number, sentinel = 777): void {
  for (let i = 0; i < before; i++) assert.equal(whole[i], sentinel, `write before the view at ${i}`);
  for (let i = before + len; i < whole.length; i++) assert.equal(whole[i], sentinel, `write after the view at ${i}`);
}

/** float64 reference sgemm; also returns Σ|alpha·a·b| + |beta·c| per entry, the scale of the rounding error. */
function refGemm(
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
  b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
): { out: Float64Array; mag: Float64Array } {
  const out = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a[p * lda + i] : a[i * lda + p];
        const bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        s += av * bv;
        sa += Math.abs(av * bv);
      }
      const cv = beta === 0 ? 0 : beta * c[i * ldc + j];
      out[i * n + j] = alpha * s + cv;
      mag[i * n + j] = Math.abs(alpha) * sa + Math.abs(cv);
    }
  }
  return { out, mag };
}

interface GemmCase {
  ta: boolean; tb: boolean; m: number; n: number; k: number; alpha: number; beta: number; padA: number; padB: number; padC: number;
}

function gemmCases(rng: Rng): GemmCase[] {
  const cases: GemmCase[] = [];
  const alphas = [1, -0.5, 2.5];
  const betas = [0, 1, 0.3];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      cases.push({ ta, tb, m: 1, n: 1, k: 1, alpha: 1, beta: 0, padA: 0, padB: 0, padC: 0 });
      // Crosses every block boundary of the TS kernel (mc 64, kc 256, nc 512) with ragged edges.
      cases.push({ ta, tb, m: 67, n: 517, k: 261, alpha: 0.7, beta: 0.3, padA: 3, padB: 1, padC: 5 });
      for (let t = 0; t < 5; t++) {
        cases.push({
          ta, tb, m: 1 + rng.int(40), n: 1 + rng.int(40), k: 1 + rng.int(70),
          alpha: alphas[rng.int(3)], beta: betas[rng.int(3)], padA: rng.int(4), padB: rng.int(4), padC: rng.int(4),
        });
      }
    }
  }
  cases.push({ ta: false, tb: false, m: 5, n: 7, k: 0, alpha: 1, beta: 0.5, padA: 0, padB: 0, padC: 2 });
  cases.push({ ta: true, tb: false, m: 3, n: 4, k: 6, alpha: 0, beta: 2, padA: 1, padB: 0, padC: 0 });
  return cases;
}

/** Runs one case on a backend with subarray views and ld > cols; checks the sentinels; returns the m×n result. */
function runGemmCase(be: Backend, cs: GemmCase, seed: number): { got: Float64Array; ref: Float64Array; mag: Float64Array } {
  const rng = new Rng(seed);
  const { ta, tb, m, n, k, alpha, beta } = cs;
  const [ar, ac] = ta ? [k, m] : [m, k];
  const [br, bc] = tb ? [n, k] : [k, n];
  const lda = Math.max(1, ac + cs.padA);
  const ldb = Math.max(1, bc + cs.padB);
  const ldc = Math.max(1, n + cs.padC);
  const a = padded(randArray(rng, ar * lda), 3, 2);
  const b = padded(randArray(rng, br * ldb), 1, 4);
  const c0 = randArray(rng, m * ldc);
  const { out: ref, mag } = refGemm(ta, tb, m, n, k, alpha, a.view, lda, b.view, ldb, beta, c0, ldc);
  const c = padded(c0, 5, 3);
  be.sgemm(ta, tb, m, n, k, alpha, a.view, lda, b.view, ldb, beta, c.view, ldc);
  assertSentinels(c.whole, 5, c0.length);
  const got = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) got[i * n + j] = c.view[i * ldc + j];
    // Padding columns of C between rows must stay as they were.
    for (let j = n; j < ldc && i * ldc + j < c0.length; j++) assert.equal(c.view[i * ldc + j], c0[i * ldc + j], 'wrote into ld padding');
  }
  return { got, ref, mag };
}

// float32 sums of k products: error ≤ ~k·2⁻²⁴ of Σ|terms|; allow a safety factor.
function assertGemmClose(got: Float64Array, ref: Float64Array, mag: Float64Array, k: number, what: string): void {
  const rel = 4 * (k + 2) * 2 ** -24;
  for (let i = 0; i < ref.length; i++) {
    const tol = rel * mag[i] + 1e-30;
    assert.ok(Math.abs(got[i] - ref[i]) <= tol, `${what}: entry ${i} got ${got[i]} want ${ref[i]} (tol ${tol})`);
  }
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = abs + rel * Math.abs(want[i]);
    assert.ok(Math.abs(got[i] - want[i]) <= tol || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || got[i] === want[i],
      `${what}[${i}]: got ${got[i]} want ${want[i]}`);
  }
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** float64 LSTM cell: returns activations, c and h for pre-activations z. */
function refLstmForward(z: ArrayLike<number>, cPrev: ArrayLike<number> | null, rows: number, h: number) {
  const act = new Float64Array(rows * 4 * h);
  const c = new Float64Array(rows * h);
  const hh = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      const g0 = r * 4 * h;
      const i = sig(z[g0 + j]), f = sig(z[g0 + h + j]), g = Math.tanh(z[g0 + 2 * h + j]), o = sig(z[g0 + 3 * h + j]);
      act[g0 + j] = i; act[g0 + h + j] = f; act[g0 + 2 * h + j] = g; act[g0 + 3 * h + j] = o;
      const cv = f * (cPrev ? cPrev[r * h + j] : 0) + i * g;
      c[r * h + j] = cv;
      hh[r * h + j] = o * Math.tanh(cv);
    }
  }
  return { act, c, h: hh };
}

for (const { name, make, skip } of testBackends()) {
  describe(`backend ${name}`, { skip }, () => {
    const be = skip ? (null as unknown as Backend) : make();

    it('reports its name, BLAS and a positive thread count', () => {
      assert.equal(be.info.name, name);
      assert.ok(be.info.blas.length > 0);
      assert.ok(be.info.threads >= 1);
    });

    it('sgemm matches a float64 reference on odd shapes, all transposes, alpha/beta, ld > cols and views', () => {
      const cases = gemmCases(new Rng(42));
      cases.forEach((cs, idx) => {
        const { got, ref, mag } = runGemmCase(be, cs, 1000 + idx);
        assertGemmClose(got, ref, mag, cs.k, `${JSON.stringify(cs)}`);
      });
    });

    it('sgemm with beta = 0 ignores NaN already in C', () => {
      const a = new Float32Array([1, 2, 3, 4, 5, 6]);
      const b = new Float32Array([1, 0, 0, 1, 1, 1]);
      const c = new Float32Array(4).fill(NaN);
      be.sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2);
      assert.deepEqual(Array.from(c), [1 + 3, 2 + 3, 4 + 6, 5 + 6]);
    });

    it('sgemm with m or n = 0 touches nothing', () => {
      const c = new Float32Array([9, 9]);
      be.sgemm(false, false, 0, 2, 3, 1, new Float32Array(0), 3, new Float32Array(6), 2, 0, c, 2);
      be.sgemm(false, false, 1, 0, 3, 1, new Float32Array(3), 3, new Float32Array(0), 1, 0, c, 1);
      assert.deepEqual(Array.from(c), [9, 9]);
    });

    it('sgemm rejects short arrays, small ld and wrong types with a TypeError and writes nothing', () => {
      const a = new Float32Array(6), b = new Float32Array(6);
      const c = new Float32Array(4).fill(5);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a.subarray(1), 3, b, 2, 0, c, 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a, 3, b.subarray(0, 5), 2, 0, c, 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c.subarray(0, 3), 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2), TypeError, 'lda < k');
      assert.throws(() => be.sgemm(true, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2), TypeError, 'transposed A is 3x2, ld 3 needs 8');
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2.5), TypeError);
      assert.throws(() => be.sgemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, new Float64Array(6) as unknown as Float32Array, 3, b, 2, 0, c, 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, [0, 0, 0, 0, 0, 0] as unknown as Float32Array, 3, b, 2, 0, c, 2), TypeError);
      assert.throws(() => be.sgemm(false, false, 2, 2, 3, 1, a, 3, null as unknown as Float32Array, 2, 0, c, 2), TypeError);
      assert.deepEqual(Array.from(c), [5, 5, 5, 5]);
    });

    it('lstmCellForward matches float64 on views, with and without cPrev', () => {
      const rng = new Rng(7);
      for (const [rows, h] of [[1, 1], [3, 5], [4, 17]]) {
        for (const withPrev of [true, false]) {
          const z = randArray(rng, rows * 4 * h, 4);
          const cp = withPrev ? randArray(rng, rows * h, 2) : null;
          const ref = refLstmForward(z, cp, rows, h);
          const g = padded(z, 2, 1);
          const cNew = padded(new Float32Array(rows * h), 1, 2);
          const hNew = padded(new Float32Array(rows * h), 3, 0);
          be.lstmCellForward(g.view, cp ? padded(cp, 1, 1).view : null, cNew.view, hNew.view, rows, h);
          assertSentinels(g.whole, 2, z.length);
          assertSentinels(cNew.whole, 1, rows * h);
          assertSentinels(hNew.whole, 3, rows * h);
          assertClose(g.view, ref.act, 1e-6, 1e-7, 'activations');
          assertClose(cNew.view, ref.c, 1e-6, 1e-7, 'c');
          assertClose(hNew.view, ref.h, 1e-6, 1e-7, 'h');
        }
      }
    });

    it('lstmCellBackward equals finite differences of the float64 cell', () => {
      const rng = new Rng(11);
      const rows = 2, h = 3;
      for (const withPrev of [true, false]) {
        const z = randArray(rng, rows * 4 * h, 2);
        const cp = withPrev ? randArray(rng, rows * h, 1) : null;
        const wh = randArray(rng, rows * h), wc = randArray(rng, rows * h);
        // L = Σ wh·h + Σ wc·c, so dh = wh and the incoming dc = wc.
        const loss = (zz: ArrayLike<number>, cc: ArrayLike<number> | null): number => {
          const f = refLstmForward(zz, cc, rows, h);
          let s = 0;
          for (let i = 0; i < rows * h; i++) s += wh[i] * f.h[i] + wc[i] * f.c[i];
          return s;
        };
        const gates = Float32Array.from(z);
        const cNew = new Float32Array(rows * h), hNew = new Float32Array(rows * h);
        be.lstmCellForward(gates, cp, cNew, hNew, rows, h);
        const dc = Float32Array.from(wc);
        const dGates = padded(new Float32Array(rows * 4 * h), 2, 2);
        be.lstmCellBackward(gates, cp, cNew, padded(wh, 1, 1).view, dc, dGates.view, rows, h);
        assertSentinels(dGates.whole, 2, rows * 4 * h);
        const eps = 1e-6;
        const zd = Float64Array.from(z);
        for (let i = 0; i < zd.length; i++) {
          const keep = zd[i];
          zd[i] = keep + eps; const up = loss(zd, cp);
          zd[i] = keep - eps; const down = loss(zd, cp);
          zd[i] = keep;
          const num = (up - down) / (2 * eps);
          assert.ok(Math.abs(dGates.view[i] - num) <= 1e-4 * (1 + Math.abs(num)), `dGates[${i}] ${dGates.view[i]} vs ${num}`);
        }
        if (cp) {
          const cd = Float64Array.from(cp);
          for (let i = 0; i < cd.length; i++) {
            const keep = cd[i];
            cd[i] = keep + eps; const up = loss(zd, cd);
            cd[i] = keep - eps; const down = loss(zd, cd);
            cd[i] = keep;
            const num = (up - down) / (2 * eps);
            assert.ok(Math.abs(dc[i] - num) <= 1e-4 * (1 + Math.abs(num)), `dcPrev[${i}] ${dc[i]} vs ${num}`);
          }
        }
      }
    });

    it('adamUpdate follows Adam with L2 weight decay over several steps, on views', () => {
      const rng = new Rng(3);
      const n = 37;
      const p0 = randArray(rng, n);
      const p = padded(p0, 2, 2), m = padded(new Float32Array(n), 1, 0), v = padded(new Float32Array(n), 0, 3);
      const rp = Float64Array.from(p0), rm = new Float64Array(n), rv = new Float64Array(n);
      const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
      for (let step = 1; step <= 4; step++) {
        const g = randArray(rng, n);
        be.adamUpdate(p.view, padded(g, 1, 1).view, m.view, v.view, lr, b1, b2, eps, wd, step);
        for (let i = 0; i < n; i++) {
          const gi = g[i] + wd * rp[i];
          rm[i] = b1 * rm[i] + (1 - b1) * gi;
          rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
          const mh = rm[i] / (1 - b1 ** step), vh = rv[i] / (1 - b2 ** step);
          rp[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
        }
      }
      assertSentinels(p.whole, 2, n);
      assertSentinels(m.whole, 1, n);
      assertSentinels(v.whole, 0, n);
      assertClose(p.view, rp, 1e-5, 1e-6, 'param');
      assertClose(m.view, rm, 1e-5, 1e-7, 'm');
      assertClose(v.view, rv, 1e-5, 1e-9, 'v');
      assert.throws(() => be.adamUpdate(p.view, new Float32Array(n - 1), m.view, v.view, lr, b1, b2, eps, wd, 5), TypeError);
      assert.throws(() => be.adamUpdate(p.view, new Float32Array(n), m.view, v.view, lr, b1, b2, eps, wd, 0), TypeError);
    });

    it('rowLogSumExp is stable for large values and gives -Infinity for empty or all -Infinity rows', () => {
      const rng = new Rng(5);
      const rows = 6, cols = 13;
      const x = randArray(rng, rows * cols, 10);
      for (let c = 0; c < cols; c++) x[2 * cols + c] = 1000 + c; // exp overflows without the max shift
      for (let c = 0; c < cols; c++) x[4 * cols + c] = -Infinity;
      x[5 * cols + 3] = -Infinity;
      const want = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        let mx = -Infinity;
        for (let c = 0; c < cols; c++) mx = Math.max(mx, x[r * cols + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - mx);
        want[r] = mx === -Infinity ? -Infinity : mx + Math.log(s);
      }
      const out = padded(new Float32Array(rows), 1, 1);
      be.rowLogSumExp(padded(x, 2, 0).view, rows, cols, out.view);
      assertSentinels(out.whole, 1, rows);
      assertClose(out.view, want, 1e-6, 1e-6, 'lse');
      assert.equal(out.view[4], -Infinity);
      const empty = new Float32Array(2);
      be.rowLogSumExp(new Float32Array(0), 2, 0, empty);
      assert.deepEqual(Array.from(empty), [-Infinity, -Infinity]);
      assert.throws(() => be.rowLogSumExp(x, rows + 1, cols, new Float32Array(rows + 1)), TypeError);
      assert.throws(() => be.rowLogSumExp(x, rows, cols, new Float32Array(rows - 1)), TypeError);
    });

    it('LSTM kernels reject short arrays with a TypeError', () => {
      const g = new Float32Array(8), c = new Float32Array(2), hh = new Float32Array(2);
      assert.throws(() => be.lstmCellForward(g.subarray(1), null, c, hh, 1, 2), TypeError);
      assert.throws(() => be.lstmCellForward(g, c.subarray(1), c, hh, 1, 2), TypeError);
      assert.throws(() => be.lstmCellBackward(g, null, c, hh, c, g.subarray(0, 7), 1, 2), TypeError);
      assert.throws(() => be.lstmCellBackward(g, null, c, hh.subarray(1), c, g, 1, 2), TypeError);
    });
  });
}

describe('native and js agree', { skip: nativeSkip }, () => {
  const js = new JsBackend();
  const nat = nativeSkip ? (null as unknown as Backend) : getBackend('native');
  const rel = 1e-5;

  it('sgemm to 1e-5 of the entry scale', () => {
    gemmCases(new Rng(99)).forEach((cs, idx) => {
      const a = runGemmCase(js, cs, 5000 + idx);
      const b = runGemmCase(nat, cs, 5000 + idx);
      for (let i = 0; i < a.got.length; i++) {
        assert.ok(Math.abs(a.got[i] - b.got[i]) <= rel * Math.max(1e-3, a.mag[i]), `${JSON.stringify(cs)} entry ${i}: ${a.got[i]} vs ${b.got[i]}`);
      }
    });
  });

  it('LSTM forward/backward, Adam and logsumexp to 1e-5 relative', () => {
    const rng = new Rng(1234);
    const rows = 5, h = 19;
    const z = randArray(rng, rows * 4 * h, 3), cp = randArray(rng, rows * h), dh = randArray(rng, rows * h), dc0 = randArray(rng, rows * h);
    const out = [js, nat].map((be) => {
      const gates = Float32Array.from(z), cNew = new Float32Array(rows * h), hNew = new Float32Array(rows * h);
      be.lstmCellForward(gates, cp, cNew, hNew, rows, h);
      const dc = Float32Array.from(dc0), dG = new Float32Array(rows * 4 * h);
      be.lstmCellBackward(gates, cp, cNew, dh, dc, dG, rows, h);
      const p = Float32Array.from(z), m = new Float32Array(z.length), v = new Float32Array(z.length);
      for (let s = 1; s <= 3; s++) be.adamUpdate(p, dG, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.01, s);
      const lse = new Float32Array(rows);
      be.rowLogSumExp(z, rows, 4 * h, lse);
      return { gates, cNew, hNew, dc, dG, p, lse };
    });
    for (const key of Object.keys(out[0]) as Array<keyof (typeof out)[0]>) assertClose(out[1][key], out[0][key], rel, 1e-7, key);
  });
});

describe('whole LSTM directions (lstmSequenceForward/Backward)', { skip: nativeSkip }, () => {
  const js = new JsBackend();
  const nat = nativeSkip ? (null as unknown as Backend) : getBackend('native');

  /** Both directions of a BiLSTM layer over a variable-length padded batch, run through one backend call each way. */
  function run(be: Backend, threads: number) {
    const rng = new Rng(31);
    const layout = { batch: 3, maxLen: 5, lengths: [5, 2, 4] };
    const plan = packPlan(layout, 'padded');
    const h = 7, g4 = 4 * h, rows = layout.batch * layout.maxLen;
    const p = randArray(rng, rows * 2 * g4, 2);
    const dy = randArray(rng, rows * 2 * h);
    const whh = [randArray(rng, g4 * h, 0.5), randArray(rng, g4 * h, 0.5)];
    const whhGrad = [new Float32Array(g4 * h), new Float32Array(g4 * h)];
    const y = new Float32Array(rows * 2 * h).fill(777);
    const dp = new Float32Array(rows * 2 * g4).fill(777);
    const n = plan.total;
    const bufs = [0, 1].map(() => ({
      gates: new Float32Array(n * g4), cells: new Float32Array(n * h), hPrev: new Float32Array(n * h), hStep: new Float32Array(3 * h),
      dGates: new Float32Array(n * g4), dh: new Float32Array(3 * h), dc: new Float32Array(3 * h),
    }));
    const sched = (d: number) => ({
      rows: d === 0 ? plan.rowForward : plan.rowBackward, active: plan.active, offset: plan.offset, steps: plan.steps, hidden: h, whh: whh[d],
    });
    be.setThreads(threads);
    be.lstmSequenceForward([0, 1].map((d) => ({
      ...sched(d), ...bufs[d], p, pStride: 2 * g4, pCol: d * g4, y, yStride: 2 * h, yCol: d * h,
    })));
    be.lstmSequenceBackward([0, 1].map((d) => ({
      ...sched(d), ...bufs[d], dy, yStride: 2 * h, yCol: d * h, dp, pStride: 2 * g4, pCol: d * g4, whhGrad: whhGrad[d],
    })));
    be.setThreads(2);
    return { y, dp, whhGrad0: whhGrad[0], whhGrad1: whhGrad[1], layout, h, g4 };
  }

  it('native on two threads and on one equals the JS reference; padding rows stay untouched', () => {
    const ref = run(js, 1);
    for (const threads of [2, 1]) {
      const got = run(nat, threads);
      for (const key of ['y', 'dp', 'whhGrad0', 'whhGrad1'] as const) assertClose(got[key], ref[key], 1e-5, 1e-6, `${key} (${threads} threads)`);
    }
    // Row (b, t) with t ≥ length is padding: neither y nor dp may be written there.
    const { layout, h, g4 } = ref;
    for (let b = 0; b < layout.batch; b++) {
      for (let t = layout.lengths[b]; t < layout.maxLen; t++) {
        const r = b * layout.maxLen + t;
        assert.ok(ref.y.subarray(r * 2 * h, (r + 1) * 2 * h).every((v) => v === 777));
        assert.ok(ref.dp.subarray(r * 2 * g4, (r + 1) * 2 * g4).every((v) => v === 777));
      }
    }
  });

  it('refuses schedules and buffers that would index outside their arrays', () => {
    for (const be of [js, nat]) {
      const h = 2, g4 = 8;
      const ok = {
        rows: Int32Array.from([0, 1]), active: Int32Array.from([1, 1]), offset: Int32Array.from([0, 1, 2]), steps: 2, hidden: h,
        whh: new Float32Array(g4 * h), p: new Float32Array(2 * g4), pStride: g4, pCol: 0, gates: new Float32Array(2 * g4),
        cells: new Float32Array(2 * h), hPrev: new Float32Array(2 * h), hStep: new Float32Array(h), y: new Float32Array(2 * h), yStride: h, yCol: 0,
      };
      be.lstmSequenceForward([ok]);
      assert.throws(() => be.lstmSequenceForward([{ ...ok, active: Int32Array.from([1, 2]), offset: Int32Array.from([0, 1, 3]) }]), TypeError);
      assert.throws(() => be.lstmSequenceForward([{ ...ok, offset: Int32Array.from([0, 1, 3]) }]), TypeError);
      if (be === nat) {
        assert.throws(() => be.lstmSequenceForward([{ ...ok, rows: Int32Array.from([0, 2]) }]), /p has|y has/);
        assert.throws(() => be.lstmSequenceForward([{ ...ok, gates: new Float32Array(g4) }]), /gates/);
      }
    }
  });
});

describe('backend selection', () => {
  it('the native addon loads (a failure, not a skip, under CI=true or ACE_REQUIRE_NATIVE=1)', { skip: nativeSkip }, () => {
    assert.equal(nativeUnavailable(), false);
  });

  it('a missing addon is required under CI or ACE_REQUIRE_NATIVE=1, never with ACE_REQUIRE_NATIVE=0', () => {
    assert.equal(nativeRequired({}), false);
    assert.equal(nativeRequired({ CI: 'true' }), true);
    assert.equal(nativeRequired({ ACE_REQUIRE_NATIVE: '1' }), true);
    assert.equal(nativeRequired({ CI: 'true', ACE_REQUIRE_NATIVE: '0' }), false);
    assert.equal(nativeRequired({ CI: 'false' }), false);
  });

  it('js is always available and carries no fallback reason', () => {
    const b = getBackend('js');
    assert.equal(b.info.name, 'js');
    assert.equal(b.info.fallbackReason, undefined);
  });

  it('auto falls back to js with a reason when the addon is missing or broken; native then refuses', () => {
    const missing = getBackend('auto', { addonPath: join(tmpdir(), 'no-such-dir-ace', 'ace_native.node') });
    assert.equal(missing.info.name, 'js');
    assert.match(missing.info.fallbackReason ?? '', /not built/);
    const dir = mkdtempSync(join(tmpdir(), 'ace-backend-'));
    try {
      const bogus = join(dir, 'bogus.node');
      writeFileSync(bogus, 'not a shared library');
      const broken = getBackend('auto', { addonPath: bogus });
      assert.equal(broken.info.name, 'js');
      assert.match(broken.info.fallbackReason ?? '', /failed to load/);
      assert.throws(() => getBackend('native', { addonPath: bogus }), UsageError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => getBackend('gpu' as never), UsageError);
  });

  it('OPENBLAS_THREAD_TIMEOUT is set while the addon loads only, and a value the user set wins', () => {
    const saved = process.env.OPENBLAS_THREAD_TIMEOUT;
    try {
      delete process.env.OPENBLAS_THREAD_TIMEOUT;
      assert.equal(withBlasLoadEnvironment(() => process.env.OPENBLAS_THREAD_TIMEOUT), BLAS_THREAD_TIMEOUT);
      assert.equal(process.env.OPENBLAS_THREAD_TIMEOUT, undefined);
      assert.throws(() => withBlasLoadEnvironment(() => { throw new Error('load failed'); }), /load failed/);
      assert.equal(process.env.OPENBLAS_THREAD_TIMEOUT, undefined);
      process.env.OPENBLAS_THREAD_TIMEOUT = '5';
      assert.equal(withBlasLoadEnvironment(() => process.env.OPENBLAS_THREAD_TIMEOUT), '5');
      assert.equal(process.env.OPENBLAS_THREAD_TIMEOUT, '5');
    } finally {
      if (saved === undefined) delete process.env.OPENBLAS_THREAD_TIMEOUT;
      else process.env.OPENBLAS_THREAD_TIMEOUT = saved;
    }
  });

  it('loading the native addon leaves process.env as it was', { skip: nativeSkip }, () => {
    const saved = process.env.OPENBLAS_THREAD_TIMEOUT;
    try {
      delete process.env.OPENBLAS_THREAD_TIMEOUT;
      const before = { ...process.env };
      loadNativeAddon(defaultAddonPath());
      assert.deepEqual({ ...process.env }, before);
    } finally {
      if (saved !== undefined) process.env.OPENBLAS_THREAD_TIMEOUT = saved;
    }
  });

  it('native threads can be set when the addon is built', { skip: nativeSkip }, () => {
    const b = getBackend('native', { threads: 1 });
    assert.equal(b.info.threads, 1);
    b.setThreads(2);
    assert.equal(b.info.threads, 2);
  });
});

describe('ace info', () => {
  it('takes the backend from the flag, else ACE_BACKEND, else auto, and rejects unknown names', () => {
    assert.equal(backendChoiceFromEnv(undefined, {}), 'auto');
    assert.equal(backendChoiceFromEnv(undefined, { ACE_BACKEND: 'js' }), 'js');
    assert.equal(backendChoiceFromEnv('native', { ACE_BACKEND: 'js' }), 'native');
    assert.throws(() => backendChoiceFromEnv(undefined, { ACE_BACKEND: 'cuda' }), UsageError);
  });

  it('reports the chosen backend with Node version and CPU count', () => {
    const r = collectInfo('js');
    assert.equal(r.backend, 'js');
    assert.equal(r.node, process.version);
    assert.ok(r.cpus >= 1);
    const text = formatInfo(r);
    assert.match(text, /^backend\s+js$/m);
    assert.match(text, /^fallback reason\s+-$/m);
  });
});

describe('build-native install script', () => {
  /** Runs a copy of the script in `<dir>/<...sub>/scripts/` beside a native/ folder without binding.gyp (the build cannot run). */
  function runBroken(env: NodeJS.ProcessEnv, sub: string[] = []): { status: number | null; lines: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'ace-build-'));
    try {
      const pkg = join(dir, ...sub);
      mkdirSync(join(pkg, 'scripts'), { recursive: true });
      mkdirSync(join(pkg, 'native'));
      copyFileSync(join(repoRoot(), 'scripts', 'build-native.mjs'), join(pkg, 'scripts', 'build-native.mjs'));
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'ACE_REQUIRE_NATIVE' && k !== 'ACE_SKIP_NATIVE'));
      const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-native.mjs')], { encoding: 'utf8', env: { ...clean, ...env } });
      return { status: r.status, lines: r.stderr.trim().split('\n') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('exits 0 with one warning line when the build cannot run', () => {
    const r = runBroken({});
    assert.equal(r.status, 0);
    assert.equal(r.lines.length, 1);
    assert.match(r.lines[0], /native addon not built/);
  });

  it('exits 1 under CI=true or ACE_REQUIRE_NATIVE=1, naming the reason; ACE_REQUIRE_NATIVE=0 overrides CI', () => {
    const ci = runBroken({ CI: 'true' });
    assert.equal(ci.status, 1);
    assert.equal(ci.lines.length, 1);
    assert.match(ci.lines[0], /native addon not built .*CI=true requires it/);
    const asked = runBroken({ ACE_REQUIRE_NATIVE: '1' });
    assert.equal(asked.status, 1);
    assert.match(asked.lines[0], /ACE_REQUIRE_NATIVE=1 requires it/);
    assert.equal(runBroken({ CI: 'true', ACE_REQUIRE_NATIVE: '0' }).status, 0);
  });

  it('exits 0 under CI=true when installed as a dependency (under node_modules)', () => {
    const r = runBroken({ CI: 'true' }, ['node_modules', 'ace-ts']);
    assert.equal(r.status, 0);
    assert.match(r.lines[0], /using the TypeScript backend/);
  });
});
