// Tests C-style and Java-style fixed-point printing against hand cases and, when present, Perl's printf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { formatFixedC, formatFixedJava, padLeft, padRight } from '../../src/metrics/fixed-format.js';
import { Rng } from '../../src/util/rng.js';

test('formatFixedC rounds exact ties to even and everything else to nearest', () => {
  assert.equal(formatFixedC(12.125, 2), '12.12'); // exact tie, 2 is even
  assert.equal(formatFixedC(12.375, 2), '12.38'); // exact tie, 8 is even
  assert.equal(formatFixedC(0.125, 2), '0.12');
  assert.equal(formatFixedC(2.5, 0), '2');
  assert.equal(formatFixedC(3.5, 0), '4');
  assert.equal(formatFixedC(12.135, 2), '12.13'); // the double is just below 12.135
  assert.equal(formatFixedC(100, 2), '100.00');
  assert.equal(formatFixedC(0, 2), '0.00');
  assert.equal(formatFixedC(200 / 3, 2), '66.67');
});

test('formatFixedJava rounds the shortest decimal half-up, like java.util.Formatter', () => {
  assert.equal(formatFixedJava(0.15, 1), '0.2'); // C would print 0.1
  assert.equal(formatFixedJava(0.1234565, 6), '0.123457');
  assert.equal(formatFixedJava(5e-7, 6), '0.000001');
  assert.equal(formatFixedJava(1e-7, 6), '0.000000');
  assert.equal(formatFixedJava(0.9999996, 6), '1.000000');
  assert.equal(formatFixedJava(2 / 3, 6), '0.666667');
  assert.equal(formatFixedJava(1, 6), '1.000000');
  assert.equal(formatFixedJava(NaN, 6), 'NaN');
});

test('padding never truncates', () => {
  assert.equal(padLeft('X', 4), '   X');
  assert.equal(padLeft('LONGER', 3), 'LONGER');
  assert.equal(padRight('UAS', 5), 'UAS  ');
});

const hasPerl = spawnSync('perl', ['-e', '1']).status === 0;
test('formatFixedC equals Perl printf on score-like values', { skip: hasPerl ? false : 'perl not installed' }, () => {
  const rng = new Rng(11);
  const xs: number[] = [12.125, 0.125, 2.5, 99.995];
  for (let i = 0; i < 200; i++) {
    const n = 1 + rng.int(3000);
    const c = rng.int(n + 1);
    xs.push((100 * c) / n);
  }
  for (let k = 0; k <= 64; k++) xs.push((100 * k) / 64);
  const out = execFileSync('perl', ['-e', 'printf "%6.2f|%.0f|%.6f\\n", $_, $_, $_ for @ARGV', ...xs.map((x) => x.toPrecision(17))]).toString().replace(/\n$/, '').split('\n');
  xs.forEach((x, i) => assert.equal(`${padLeft(formatFixedC(x, 2), 6)}|${formatFixedC(x, 0)}|${formatFixedC(x, 6)}`, out[i], String(x)));
});
