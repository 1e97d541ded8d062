// Checks the linear-chain CRF against brute-force enumeration, finite differences and its own per-sequence form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import {
  crfLogPartition,
  crfNll,
  crfNllBatch,
  crfSequenceScore,
  crfViterbi,
  crfViterbiBatch,
  CrfWorkspace,
  type CrfParams,
  type CrfGradients,
} from '../../src/structs/crf.js';
import {
  schemeConstraints,
  satisfiesConstraints,
  type TransitionConstraints,
  type TagScheme,
} from '../../src/structs/transition-constraints.js';

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected} (±${tolerance})`);
}

function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function randomParams(rng: Rng, k: number): CrfParams {
  return { numTags: k, transitions: randomArray(rng, k * k), start: randomArray(rng, k), end: randomArray(rng, k) };
}

/** Every tag sequence of length t over k tags. */
function* allPaths(k: number, t: number): Generator<number[]> {
  const path = new Array<number>(t).fill(0);
  while (true) {
    yield path.slice();
    let i = t - 1;
    while (i >= 0 && path[i] === k - 1) path[i--] = 0;
    if (i < 0) return;
    path[i]++;
  }
}

/** The score of a path written out straight from the definition, independent of the implementation. */
function directScore(e: Float64Array, p: CrfParams, path: number[], c?: TransitionConstraints): number {
  const k = p.numTags;
  if (c !== undefined && !satisfiesConstraints(path, c)) return -Infinity;
  let s = p.start[path[0]] + p.end[path[path.length - 1]];
  for (let t = 0; t < path.length; t++) s += e[t * k + path[t]];
  for (let t = 1; t < path.length; t++) s += p.transitions[path[t - 1] * k + path[t]];
  return s;
}

function bruteForce(e: Float64Array, p: CrfParams, t: number, c?: TransitionConstraints): { logZ: number; best: number[]; bestScore: number } {
  let maxScore = -Infinity;
  let best: number[] = [];
  const scores: number[] = [];
  for (const path of allPaths(p.numTags, t)) {
    const s = directScore(e, p, path, c);
    scores.push(s);
    if (s > maxScore) {
      maxScore = s;
      best = path;
    }
  }
  let z = 0;
  for (const s of scores) z += Math.exp(s - maxScore);
  return { logZ: maxScore + Math.log(z), best, bestScore: maxScore };
}

const BIOES_LABELS = ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC'];
const IOB_LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** Well-formedness straight from each scheme's definition, written as a phrase-tracking scan. */
function wellFormed(labels: string[], scheme: TagScheme): boolean {
  let open: string | null = null; // type of the phrase the previous tag leaves open (B/I tags)
  for (const label of labels) {
    const prefix = label === 'O' ? 'O' : label[0];
    const type = label === 'O' ? '' : label.slice(2);
    if (scheme === 'bioes') {
      if (prefix === 'O' || prefix === 'B' || prefix === 'S') {
        if (open !== null) return false;
        open = prefix === 'B' ? type : null;
      } else {
        if (open !== type) return false;
        open = prefix === 'I' ? type : null;
      }
    } else {
      if (scheme === 'iob2' && prefix === 'I' && open !== type) return false;
      if (scheme === 'iob1' && prefix === 'B' && open !== type) return false;
      open = prefix === 'O' ? null : type;
    }
  }
  return scheme !== 'bioes' || open === null;
}

test('log partition equals brute-force enumeration over all K^T paths', () => {
  const rng = new Rng(1);
  for (const [k, t] of [[1, 3], [2, 1], [3, 4], [4, 3], [2, 6]] as const) {
    const p = randomParams(rng, k);
    const e = randomArray(rng, t * k, 2);
    const expected = bruteForce(e, p, t).logZ;
    assertClose(crfLogPartition(e, p), expected, 1e-9, `log Z k=${k} t=${t}`);
  }
});

test('log partition with constraints sums only the allowed paths', () => {
  const rng = new Rng(2);
  const c = schemeConstraints(IOB_LABELS, 'iob2');
  const p = randomParams(rng, IOB_LABELS.length);
  for (const t of [1, 2, 4]) {
    const e = randomArray(rng, t * IOB_LABELS.length, 2);
    const expected = bruteForce(e, p, t, c).logZ;
    assertClose(crfLogPartition(e, p, { constraints: c }), expected, 1e-9, `constrained log Z t=${t}`);
    assert.ok(crfLogPartition(e, p, { constraints: c }) < crfLogPartition(e, p), 'constraints remove paths');
  }
});

test('log partition stays finite for large scores (log-sum-exp is stable)', () => {
  const rng = new Rng(3);
  const p = randomParams(rng, 3);
  const e = randomArray(rng, 4 * 3, 1000);
  const z = crfLogPartition(e, p);
  assert.ok(Number.isFinite(z), `log Z ${z} is finite`);
  assertClose(z, bruteForce(e, p, 4).logZ, 1e-6, 'large-score log Z');
});

test('Viterbi equals the brute-force argmax, unconstrained', () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 20; trial++) {
    const k = 1 + rng.int(4);
    const t = 1 + rng.int(4);
    const p = randomParams(rng, k);
    const e = randomArray(rng, t * k, 2);
    const path = crfViterbi(e, p);
    const brute = bruteForce(e, p, t);
    assert.deepEqual(Array.from(path), brute.best);
    assertClose(crfSequenceScore(e, path, p), brute.bestScore, 1e-9, 'best path score');
  }
});

test('constrained Viterbi equals the brute-force argmax over allowed paths and is well formed', () => {
  const rng = new Rng(5);
  for (const [labels, scheme] of [[BIOES_LABELS, 'bioes'], [IOB_LABELS, 'iob2'], [IOB_LABELS, 'iob1']] as const) {
    const c = schemeConstraints(labels, scheme);
    const k = labels.length;
    for (let trial = 0; trial < 8; trial++) {
      const t = 1 + rng.int(4);
      const p = randomParams(rng, k);
      const e = randomArray(rng, t * k, 3);
      const path = Array.from(crfViterbi(e, p, { constraints: c }));
      const brute = bruteForce(e, p, t, c);
      assert.deepEqual(path, brute.best, `${scheme} t=${t}`);
      assert.ok(wellFormed(path.map((y) => labels[y]), scheme), `${scheme}: ${path.map((y) => labels[y]).join(' ')}`);
    }
  }
});

test('scheme constraints allow exactly the well-formed sequences', () => {
  for (const [labels, scheme] of [[BIOES_LABELS, 'bioes'], [IOB_LABELS, 'iob2'], [IOB_LABELS, 'iob1']] as const) {
    const c = schemeConstraints(labels, scheme);
    let allowedCount = 0;
    for (let t = 1; t <= 3; t++) {
      for (const path of allPaths(labels.length, t)) {
        const names = path.map((y) => labels[y]);
        const ok = satisfiesConstraints(path, c);
        if (ok) allowedCount++;
        assert.equal(ok, wellFormed(names, scheme), `${scheme}: ${names.join(' ')}`);
      }
    }
    assert.ok(allowedCount > 0, `${scheme} allows some sequences`);
  }
});

test('scheme constraints never allow labels the scheme does not know', () => {
  const c = schemeConstraints(['<pad>', 'O', 'B-X', 'E-X'], 'iob2');
  for (const bad of [0, 3]) {
    assert.equal(c.allowedStart[bad], 0);
    assert.equal(c.allowedEnd[bad], 0);
    for (let i = 0; i < 4; i++) {
      assert.equal(c.allowed[i * 4 + bad], 0);
      assert.equal(c.allowed[bad * 4 + i], 0);
    }
  }
  assert.equal(c.allowed[1 * 4 + 2], 1);
});

/** Central finite-difference check of every entry of `x` against the analytic gradient `g`. */
function checkFiniteDifferences(name: string, x: Float64Array, g: Float64Array, f: () => number): void {
  const h = 1e-5;
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = f();
    x[i] = saved - h;
    const down = f();
    x[i] = saved;
    const numeric = (up - down) / (2 * h);
    assertClose(g[i], numeric, 1e-6 * Math.max(1, Math.abs(numeric)), `${name}[${i}]`);
  }
}

function zeroGrads(emissionsLength: number, k: number): CrfGradients & { emissions: Float64Array; transitions: Float64Array; start: Float64Array; end: Float64Array } {
  return {
    emissions: new Float64Array(emissionsLength),
    transitions: new Float64Array(k * k),
    start: new Float64Array(k),
    end: new Float64Array(k),
  };
}

test('NLL gradients match finite differences', () => {
  const rng = new Rng(6);
  const cases: Array<{ k: number; t: number; c?: TransitionConstraints; gold?: number[] }> = [
    { k: 3, t: 4 },
    { k: 1, t: 2 },
    { k: 4, t: 1 },
    { k: 5, t: 5, c: schemeConstraints(IOB_LABELS, 'iob2'), gold: [0, 1, 2, 0, 3] },
  ];
  for (const { k, t, c, gold: fixed } of cases) {
    const p = randomParams(rng, k) as { numTags: number; transitions: Float64Array; start: Float64Array; end: Float64Array };
    const e = randomArray(rng, t * k, 2);
    const gold = fixed ?? Array.from({ length: t }, () => rng.int(k));
    const g = zeroGrads(e.length, k);
    const options = c === undefined ? {} : { constraints: c };
    const nll = crfNll(e, gold, p, g, options);
    assertClose(nll, bruteForce(e, p, t, c).logZ - directScore(e, p, gold, c), 1e-9, 'NLL by enumeration');
    const f = () => crfNll(e, gold, p, undefined, options);
    checkFiniteDifferences('emissions', e, g.emissions, f);
    checkFiniteDifferences('transitions', p.transitions, g.transitions, f);
    checkFiniteDifferences('start', p.start, g.start, f);
    checkFiniteDifferences('end', p.end, g.end, f);
  }
});

test('batched NLL, gradients and Viterbi equal the per-sequence results; padding gets zero gradient', () => {
  const rng = new Rng(7);
  const k = 4;
  const maxLen = 5;
  const lengths = new Int32Array([5, 2, 0, 3]);
  const b = lengths.length;
  const p = randomParams(rng, k);
  const e = new Float32Array(b * maxLen * k);
  for (let i = 0; i < e.length; i++) e[i] = rng.normal() * 2;
  const gold = new Int32Array(b * maxLen);
  for (let i = 0; i < gold.length; i++) gold[i] = rng.int(k);
  const g = {
    emissions: new Float32Array(e.length).fill(7), // stale values must be overwritten
    transitions: new Float64Array(k * k),
    start: new Float64Array(k),
    end: new Float64Array(k),
  };
  const ws = new CrfWorkspace();
  const total = crfNllBatch(e, lengths, gold, p, g, { workspace: ws });
  const paths = crfViterbiBatch(e, lengths, p, undefined, { workspace: ws });

  let sum = 0;
  const sumT = new Float64Array(k * k);
  const sumS = new Float64Array(k);
  const sumE = new Float64Array(k);
  for (let s = 0; s < b; s++) {
    const len = lengths[s];
    const es = Float64Array.from(e.subarray(s * maxLen * k, (s * maxLen + len) * k));
    const ys = Array.from(gold.subarray(s * maxLen, s * maxLen + len));
    const gs = { emissions: new Float64Array(es.length), transitions: sumT, start: sumS, end: sumE };
    sum += crfNll(es, ys, p, gs);
    for (let i = 0; i < es.length; i++) assertClose(g.emissions[s * maxLen * k + i], gs.emissions[i], 1e-6, `emission grad ${s}/${i}`);
    for (let i = len * k; i < maxLen * k; i++) assert.equal(g.emissions[s * maxLen * k + i], 0);
    const single = len === 0 ? [] : Array.from(crfViterbi(es, p));
    assert.deepEqual(Array.from(paths.subarray(s * maxLen, s * maxLen + len)), single);
    for (let t = len; t < maxLen; t++) assert.equal(paths[s * maxLen + t], -1);
  }
  assertClose(total, sum, 1e-9 * Math.max(1, Math.abs(sum)), 'summed NLL');
  for (let i = 0; i < k * k; i++) assertClose(g.transitions[i], sumT[i], 1e-9, `transition grad ${i}`);
  for (let i = 0; i < k; i++) {
    assertClose(g.start[i], sumS[i], 1e-9, `start grad ${i}`);
    assertClose(g.end[i], sumE[i], 1e-9, `end grad ${i}`);
  }
});

test('extreme score ranges (where probability-space scaling underflows) stay exact', () => {
  const rng = new Rng(9);
  const k = 3;
  const t = 4;
  // Start strongly on tag 0 whose outgoing transitions are all ~−500: paths through it and around it compete.
  const p = randomParams(rng, k) as { numTags: number; transitions: Float64Array; start: Float64Array; end: Float64Array };
  p.start[0] = 500;
  for (let j = 0; j < k; j++) p.transitions[j] = -500 + rng.normal();
  const e = randomArray(rng, t * k, 2);
  e[2] = 800; // and one huge emission
  const brute = bruteForce(e, p, t);
  assertClose(crfLogPartition(e, p), brute.logZ, 1e-9 * Math.abs(brute.logZ), 'log Z');
  for (const gold of [[0, 1, 2, 0], [1, 2, 2, 1], [2, 0, 0, 0]]) {
    const g = zeroGrads(e.length, k);
    const nll = crfNll(e, gold, p, g);
    assertClose(nll, brute.logZ - directScore(e, p, gold), 1e-9 * Math.abs(brute.logZ), `NLL of ${gold}`);
    const f = () => crfNll(e, gold, p);
    checkFiniteDifferences('emissions', e, g.emissions, f);
    checkFiniteDifferences('transitions', p.transitions, g.transitions, f);
    checkFiniteDifferences('start', p.start, g.start, f);
    checkFiniteDifferences('end', p.end, g.end, f);
  }
});

test('log partition is −∞ when the constraints leave no path', () => {
  const p = randomParams(new Rng(10), 2);
  const c = schemeConstraints(['B-X', 'I-X'], 'bioes'); // neither tag may end a sequence
  assert.equal(crfLogPartition(new Float64Array(4), p, { constraints: c }), -Infinity);
  assert.throws(() => crfViterbi(new Float64Array(4), p, { constraints: c }), RangeError);
});

test('a workspace reused across tag counts and lengths gives the same results as a fresh one', () => {
  const rng = new Rng(11);
  const ws = new CrfWorkspace();
  for (const [k, t] of [[10, 10], [2, 40], [6, 3], [12, 41]] as const) {
    const p = randomParams(rng, k);
    const e = randomArray(rng, t * k);
    const gold = Array.from({ length: t }, () => rng.int(k));
    const reused = zeroGrads(e.length, k);
    const fresh = zeroGrads(e.length, k);
    const a = crfNll(e, gold, p, reused, { workspace: ws });
    const b = crfNll(e, gold, p, fresh);
    assert.equal(a, b, `NLL k=${k} t=${t}`);
    assert.deepEqual(reused, fresh, `gradients k=${k} t=${t}`);
    assert.deepEqual(crfViterbi(e, p, { workspace: ws }), crfViterbi(e, p), `Viterbi k=${k} t=${t}`);
  }
});

test('a gold path that breaks enforced constraints is rejected; bad shapes throw', () => {
  const c = schemeConstraints(IOB_LABELS, 'iob2');
  const p = randomParams(new Rng(8), IOB_LABELS.length);
  const e = new Float64Array(2 * IOB_LABELS.length);
  assert.throws(() => crfNll(e, [0, 2], p, undefined, { constraints: c }), RangeError); // O I-PER
  assert.ok(Number.isFinite(crfNll(e, [0, 2], p)), 'unconstrained NLL of O I-PER is finite');
  assert.throws(() => crfNll(e, [0, 9], p), RangeError);
  assert.throws(() => crfNllBatch(e, [3], [0, 0, 0], p), RangeError);
});
