// Fixed-point number printing that rounds the way the official scorers' languages do (C/Perl/Python vs Java).

/**
 * `%.<digits>f` as C printf, Perl printf and Python's format print it: the exact binary value is
 * rounded to nearest, ties (only possible when the value is exactly representable) to even.
 * JavaScript's toFixed breaks exact ties upwards instead, so 12.125 would print "12.13" where
 * conlleval prints "12.12"; this function corrects that one case.
 */
export function formatFixedC(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const up = x.toFixed(digits);
  // An exact tie needs x = k / 2^(digits+1) for an integer k; multiplying by a power of two is exact.
  const scaled = Math.abs(x) * 2 ** (digits + 1);
  if (!Number.isInteger(scaled)) return up;
  const longer = x.toFixed(digits + 1); // exact, since x has at most digits+1 decimals
  if (!longer.endsWith('5')) return up;
  const down = digits === 0 ? longer.slice(0, -2) : longer.slice(0, -1);
  const lastDigit = (s: string): number => Number(s.replace(/\.$/, '').slice(-1));
  return lastDigit(up) % 2 === 0 ? up : down;
}

/**
 * `%.<digits>f` as java.util.Formatter prints a double: the shortest decimal that reads back as
 * the same double is rounded half-up (so 0.15 prints "0.2" with one digit, unlike C). The SDP
 * toolkit's Scorer is Java.
 */
export function formatFixedJava(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : x < 0 ? '-Infinity' : 'NaN';
  const negative = x < 0 || Object.is(x, -0);
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const allDigits = mantissa.replace('.', '');
  const pointAt = Number(expText) + 1; // how many of allDigits stand before the decimal point
  const intPart = pointAt <= 0 ? '0' : allDigits.slice(0, pointAt).padEnd(pointAt, '0');
  const fracPart = pointAt <= 0 ? '0'.repeat(-pointAt) + allDigits : allDigits.slice(pointAt);
  const frac = fracPart.padEnd(digits + 1, '0');
  // Half-up on the shortest decimal: only the first dropped digit decides.
  let kept = BigInt(intPart + frac.slice(0, digits));
  if (Number(frac[digits]) >= 5) kept += 1n;
  let text = kept.toString().padStart(digits + 1, '0');
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** Right-aligns `text` in a field of `width` characters (printf `%<width>s`); never truncates. */
export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** Left-aligns `text` in a field of `width` characters (Python `{:<width}` / printf `%-<width>s`). */
export function padRight(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}
