// Controller tests: the REINFORCE gradient, the SGD-momentum step by hand, and the sampling rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, logProbability, policyGradient, sigmoid } from '../../src/search/controller.js';
import { Rng } from '../../src/util/rng.js';

const T = true;
const F = false;

test('a fresh controller keeps every candidate with probability 1/2', () => {
  assert.deepEqual(new Controller(3).probabilities(), [0.5, 0.5, 0.5]);
});

test('policyGradient matches a finite difference of −Σ_l r_l·log P(a_l)', () => {
  const theta = [0.3, -1.2, 2.0];
  const a = [T, F, F];
  const r = [1.5, -0.7, 2.2];
  const loss = (th: number[]): number => -th.reduce((s, t, l) => s + r[l] * Math.log(a[l] ? sigmoid(t) : 1 - sigmoid(t)), 0);
  const g = policyGradient(theta, a, r);
  for (let l = 0; l < 3; l++) {
    const h = 1e-6;
    const up = [...theta];
    const down = [...theta];
    up[l] += h;
    down[l] -= h;
    const numeric = (loss(up) - loss(down)) / (2 * h);
    assert.ok(Math.abs(numeric - g[l]) < 1e-6, `θ_${l}: ${numeric} vs ${g[l]}`);
  }
});

test('update: two SGD steps with momentum 0.9, lr 0.1, by hand', () => {
  const c = new Controller(3);
  // Step 1 at θ = 0 (σ = 0.5): g = −(a − 0.5)·r = [−0.125, 1.625, −0.625]; v = g; θ = −0.1·v.
  c.update([T, F, T], [0.25, 3.25, 1.25]);
  const s1 = c.getState();
  const theta1 = [0.0125, -0.1625, 0.0625];
  s1.theta.forEach((t, l) => assert.ok(Math.abs(t - theta1[l]) < 1e-15, `θ1_${l}`));
  assert.deepEqual(s1.velocity, [-0.125, 1.625, -0.625]);
  // Step 2 with a = 011, r = [1, 1, −2]: g = −(a − σ(θ1))·r; v = 0.9·v1 + g; θ2 = θ1 − 0.1·v.
  const a2 = [0, 1, 1];
  const r2 = [1, 1, -2];
  const g2 = theta1.map((t, l) => -(a2[l] - 1 / (1 + Math.exp(-t))) * r2[l]);
  const v2 = [-0.125, 1.625, -0.625].map((v, l) => 0.9 * v + g2[l]);
  const theta2 = theta1.map((t, l) => t - 0.1 * v2[l]);
  c.update([F, T, T], r2);
  const s2 = c.getState();
  s2.theta.forEach((t, l) => assert.ok(Math.abs(t - theta2[l]) < 1e-12, `θ2_${l}: ${t} vs ${theta2[l]}`));
  // Momentum matters: step 1's push against candidate 1 (v = 1.625) still outweighs step 2's positive reward for it.
  assert.ok(s2.theta[1] < theta1[1]);
  assert.ok(c.probabilities()[1] < 0.5);
});

test('logProbability is the sum of the per-candidate Bernoulli log-likelihoods', () => {
  const theta = [0, 1, -2];
  const expected = Math.log(0.5) + Math.log(1 - sigmoid(1)) + Math.log(sigmoid(-2));
  assert.ok(Math.abs(logProbability(theta, [T, F, T]) - expected) < 1e-12);
});

test('sample never returns an empty selection or the previous one', () => {
  const c = new Controller(3);
  const rng = new Rng(3);
  const previous = [T, F, T];
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const a = c.sample(rng, previous);
    assert.ok(a.some(Boolean), 'empty selection');
    assert.notDeepEqual(a, previous);
    seen.add(a.map(Number).join(''));
  }
  // Every other non-empty selection of 3 candidates appears (6 of them).
  assert.equal(seen.size, 6);
});

test('sample follows σ(θ): a strongly preferred candidate is nearly always kept', () => {
  const c = new Controller(2, undefined, { theta: [3, -3], velocity: [0, 0] });
  const rng = new Rng(11);
  let kept0 = 0;
  let kept1 = 0;
  for (let i = 0; i < 2000; i++) {
    const a = c.sample(rng, null);
    if (a[0]) kept0++;
    if (a[1]) kept1++;
  }
  assert.ok(kept0 / 2000 > 0.9, `p0 ${kept0 / 2000}`);
  assert.ok(kept1 / 2000 < 0.2, `p1 ${kept1 / 2000}`);
});

test('sample terminates when only the previous selection is possible', () => {
  const single = new Controller(1);
  assert.deepEqual(single.sample(new Rng(1), [T]), [T]);
  const stuck = new Controller(2, { learningRate: 0.1, momentum: 0.9, maxRedraws: 50 }, { theta: [60, 60], velocity: [0, 0] });
  assert.deepEqual(stuck.sample(new Rng(1), [T, T]), [T, T]);
});

test('state round-trips and the same RNG state gives the same draw', () => {
  const c = new Controller(4, undefined, { theta: [0.2, -0.4, 1, 0], velocity: [0.1, 0, 0, -0.3] });
  const copy = new Controller(4, undefined, c.getState());
  const r1 = new Rng(5);
  const r2 = new Rng(r1.getState());
  assert.deepEqual(c.sample(r1, null), copy.sample(r2, null));
  assert.deepEqual(copy.getState(), c.getState());
});
