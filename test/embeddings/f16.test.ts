// float32 ⇄ float16 array conversion agrees with @petamoriken/float16's per-value DataView conversion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import { f16ToF32, f32ToF16 } from '../../src/embeddings/cache/f16.js';
import { Rng } from '../../src/util/rng.js';

function libraryBits(x: number): number {
  const view = new DataView(new ArrayBuffer(2));
  setFloat16(view, 0, x);
  return view.getUint16(0);
}

test('f32ToF16 matches the library bit for bit on edge cases and random values', () => {
  const rng = new Rng(7);
  const values = [0, -0, 1, -1, 65504, 65519, 65520, 1e6, -1e6, Infinity, -Infinity, 6.103515625e-5, 5.960464477539063e-8,
    2.98e-8, 2.9802322387695312e-8, 1e-9, 0.1, 1 / 3, 1.0009765625, 1.00048828125, 1.00146484375, 2049, 2051];
  for (let i = 0; i < 20000; i++) values.push((rng.float() - 0.5) * 10 ** (rng.int(14) - 8));
  // every half value's midpoint to the next one: the ties-to-even cases
  for (let h = 0; h < 0x7bff; h += 37) {
    const a = getFloat16(new DataView(new Uint16Array([h]).buffer), 0, true);
    const b = getFloat16(new DataView(new Uint16Array([h + 1]).buffer), 0, true);
    values.push(Math.fround((a + b) / 2));
  }
  const src = Float32Array.from(values);
  const ours = f32ToF16(src);
  for (let i = 0; i < src.length; i++) assert.equal(ours[i], libraryBits(src[i]), `value ${src[i]}`);
  assert.ok(Number.isNaN(f16ToF32(f32ToF16(Float32Array.of(NaN)))[0]));
});

test('f16ToF32 decodes all 65 536 half values like the library', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const ours = f16ToF32(all);
  const view = new DataView(all.buffer);
  for (let h = 0; h < 65536; h++) {
    const lib = getFloat16(view, h * 2, true);
    if (Number.isNaN(lib)) assert.ok(Number.isNaN(ours[h]));
    else assert.equal(ours[h], lib, `half 0x${h.toString(16)}`);
  }
  // and round trips: every finite half survives f16 → f32 → f16
  const back = f32ToF16(ours);
  for (let h = 0; h < 65536; h++) if (!Number.isNaN(ours[h])) assert.equal(back[h], h);
});

test('array conversion is much faster than per-value DataView calls (measured)', () => {
  const n = 200_000;
  const rng = new Rng(1);
  const src = new Float32Array(n).map(() => rng.normal());
  let t = performance.now();
  const out = f32ToF16(src);
  const oursMs = performance.now() - t;
  const view = new DataView(new ArrayBuffer(n * 2));
  t = performance.now();
  for (let i = 0; i < n; i++) setFloat16(view, i * 2, src[i], true);
  const libMs = performance.now() - t;
  t = performance.now();
  f16ToF32(out);
  const decodeMs = performance.now() - t;
  console.log(`f32→f16 ${n} values: array ${oursMs.toFixed(0)} ms, DataView ${libMs.toFixed(0)} ms; f16→f32 ${decodeMs.toFixed(0)} ms`);
  assert.deepEqual(new Uint16Array(view.buffer), out);
  assert.ok(oursMs < libMs, 'the tight loop should beat per-value calls');
});
