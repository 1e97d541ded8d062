// Reward tests: hand-computed Hamming-decayed rewards, shaping and the vanilla reward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hammingDistance, hammingRewards, positionRewards, shapeReward, vanillaRewards, DEFAULT_REWARD_OPTIONS } from '../../src/search/reward.js';

const T = true;
const F = false;

function close(actual: number[], expected: number[], eps = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < eps, `position ${i}: ${a} vs ${expected[i]}`));
}

test('shapeReward: none, sqrt and log keep the sign', () => {
  assert.equal(shapeReward(-2.5, 'none'), -2.5);
  assert.equal(shapeReward(4, 'sqrt'), 2);
  assert.equal(shapeReward(-9, 'sqrt'), -3);
  assert.ok(Math.abs(shapeReward(Math.E - 1, 'log') - 1) < 1e-12);
  assert.ok(Math.abs(shapeReward(-(Math.E - 1), 'log') + 1) < 1e-12);
  assert.equal(shapeReward(0, 'log'), 0);
});

test('hammingDistance counts differing positions and rejects unequal lengths', () => {
  assert.equal(hammingDistance([T, F, T], [F, F, F]), 2);
  assert.equal(hammingDistance([T, F], [T, F]), 0);
  assert.throws(() => hammingDistance([T], [T, F]), RangeError);
});

// Current a_t = 101 with R_t = 80 against three earlier selections:
//   111 @ 78: distance 1, differs at 1 → +2 at position 1
//   001 @ 81: distance 1, differs at 0 → −1 at position 0
//   010 @ 75: distance 3, weight γ² = 0.25, +5·0.25 = 1.25 at every position
//   101 @ 90: identical, contributes nothing
const history = [
  { selection: [T, T, T], bestScore: 78 },
  { selection: [F, F, T], bestScore: 81 },
  { selection: [F, T, F], bestScore: 75 },
  { selection: [T, F, T], bestScore: 90 },
];

test('hammingRewards: hand-computed case with γ = 0.5', () => {
  close(hammingRewards([T, F, T], 80, history, 0.5, 'none'), [-1 + 1.25, 2 + 1.25, 1.25]);
});

test('hammingRewards: γ = 1 removes the decay', () => {
  close(hammingRewards([T, F, T], 80, history, 1, 'none'), [-1 + 5, 2 + 5, 5]);
});

test('hammingRewards: sqrt shaping applies to each difference before the discount', () => {
  const far = Math.sqrt(5) * 0.25;
  close(hammingRewards([T, F, T], 80, history, 0.5, 'sqrt'), [-1 + far, Math.sqrt(2) + far, far]);
});

test('hammingRewards: log shaping', () => {
  const far = Math.log(6) * 0.25;
  close(hammingRewards([T, F, T], 80, history, 0.5, 'log'), [-Math.log(2) + far, Math.log(3) + far, far]);
});

test('hammingRewards: empty history gives zero rewards', () => {
  close(hammingRewards([T, F], 70, [], 0.5, 'none'), [0, 0]);
});

test('vanillaRewards: R_t minus the best so far at every position', () => {
  close(vanillaRewards(3, 80, 78, 'none'), [2, 2, 2]);
  close(vanillaRewards(2, 77, 78, 'sqrt'), [-1, -1]);
  close(vanillaRewards(2, 80, 78, 'log'), [Math.log(3), Math.log(3)]);
});

test('positionRewards dispatches on the reward kind and keeps percentages by default (the official scale)', () => {
  close(positionRewards([T, F, T], 80, history, 85, DEFAULT_REWARD_OPTIONS), [0.25, 3.25, 1.25]);
  close(positionRewards([T, F, T], 80, history, 85, { ...DEFAULT_REWARD_OPTIONS, scale: 0.01 }), [0.0025, 0.0325, 0.0125]);
  close(positionRewards([T, F, T], 80, history, 85, { kind: 'vanilla', discount: 0.5, shaping: 'none', scale: 1 }), [-5, -5, -5]);
  // Shaping sees the scaled difference: sqrt(0.05) rather than sqrt(5).
  close(positionRewards([T, F, T], 80, history, 85, { kind: 'vanilla', discount: 0.5, shaping: 'sqrt', scale: 0.01 }), [-Math.sqrt(0.05), -Math.sqrt(0.05), -Math.sqrt(0.05)]);
});
