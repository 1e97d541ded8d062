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

test('updateBatch is one momentum step on the sum of the branches\' REINFORCE gradients, all taken at the same θ', () => {
  const start = { theta: [0.4, -0.3, 1.1], velocity: [0.2, -0.1, 0.05] };
  const sels = [[T, F, T], [F, T, T], [T, T, F]];
  const rewards = [[0.5, -1, 2], [1.5, 0.25, -0.75], [-2, 3, 0.1]];
  const c = new Controller(3, undefined, start);
  c.updateBatch(sels, rewards);
  // By hand: g = Σ_k −(a_k − σ(θ))·r_k at the starting θ; v = 0.9·v0 + g; θ = θ0 − 0.1·v.
  const g = start.theta.map((t, l) => sels.reduce((s, a, k) => s - ((a[l] ? 1 : 0) - sigmoid(t)) * rewards[k][l], 0));
  const v = start.velocity.map((v0, l) => 0.9 * v0 + g[l]);
  const theta = start.theta.map((t, l) => t - 0.1 * v[l]);
  const got = c.getState();
  got.theta.forEach((t, l) => assert.ok(Math.abs(t - theta[l]) < 1e-12, `θ_${l}: ${t} vs ${theta[l]}`));
  got.velocity.forEach((x, l) => assert.ok(Math.abs(x - v[l]) < 1e-12, `v_${l}`));
  // The sum of the policyGradient vectors, and not K sequential updates (those move θ between the branches).
  const summed = sels.map((a, k) => policyGradient(start.theta, a, rewards[k])).reduce((acc, x) => acc.map((y, l) => y + x[l]));
  summed.forEach((x, l) => assert.ok(Math.abs(x - g[l]) < 1e-12));
  const sequential = new Controller(3, undefined, start);
  for (let k = 0; k < 3; k++) sequential.update(sels[k], rewards[k]);
  assert.ok(sequential.getState().theta.some((t, l) => Math.abs(t - got.theta[l]) > 1e-6));
  // One branch: exactly update().
  const one = new Controller(3, undefined, start);
  const ref = new Controller(3, undefined, start);
  one.updateBatch([sels[0]], [rewards[0]]);
  ref.update(sels[0], rewards[0]);
  assert.deepEqual(one.getState(), ref.getState());
});

test('sampleDistinct: the first draw is sample(), the others are non-empty, new and not the previous; it clamps when too few exist', () => {
  const c = new Controller(3);
  const previous = [T, F, T];
  const r1 = new Rng(8);
  const r2 = new Rng(8);
  const drawn = c.sampleDistinct(r1, previous, 4);
  assert.deepEqual(drawn[0], c.sample(r2, previous));
  assert.equal(drawn.length, 4);
  const keys = drawn.map((a) => a.map(Number).join(''));
  assert.equal(new Set(keys).size, 4);
  for (const a of drawn) {
    assert.ok(a.some(Boolean));
    assert.notDeepEqual(a, previous);
  }
  // 3 candidates: 7 non-empty selections, 6 besides the previous one.
  assert.equal(c.sampleDistinct(new Rng(2), previous, 10).length, 6);
  assert.equal(new Controller(1).sampleDistinct(new Rng(2), [T], 3).length, 1);
  // A near-deterministic policy: the redraw budget runs out and the step keeps what it found.
  const stuck = new Controller(3, { learningRate: 0.1, momentum: 0.9, maxRedraws: 20 }, { theta: [60, 60, 60], velocity: [0, 0, 0] });
  assert.deepEqual(stuck.sampleDistinct(new Rng(1), null, 3), [[T, T, T]]);
});
