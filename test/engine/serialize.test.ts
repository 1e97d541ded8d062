// Parameter files: byte-exact round trips, refusal of corrupt/truncated/mismatched files, bit-exact training resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/engine/backend/backend.js';
import { decodeTensors, encodeTensors, loadMatchingParams, loadParams, loadTensors, saveParams, saveTensors } from '../../src/engine/serialize.js';
import { Param, collectParams } from '../../src/engine/param.js';
import { Embedding } from '../../src/engine/layers/embedding.js';
import { BlockLinear } from '../../src/engine/layers/block-linear.js';
import { BiLstm } from '../../src/engine/layers/bilstm.js';
import { Linear } from '../../src/engine/layers/linear.js';
import { Dropout } from '../../src/engine/layers/dropout.js';
import { softmaxCrossEntropy } from '../../src/engine/loss/softmax-cross-entropy.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { clipGradNorm } from '../../src/engine/optim/clip.js';
import { Rng, type RngState } from '../../src/util/rng.js';
import { InputError } from '../../src/util/errors.js';
import { forEachBackend } from '../helpers/backends.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ace-engine-'));
}

test('tensor files round-trip byte for byte, special values included', () => {
  const tensors = [
    { name: 'a.weight', shape: [2, 3], data: Float32Array.from([1.5, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]) },
    { name: 'ünïcode', shape: [], data: Float32Array.from([7]) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  ];
  const bytes = encodeTensors(tensors);
  const back = decodeTensors(bytes, 'mem');
  assert.deepEqual(back.map((t) => [t.name, [...t.shape]]), tensors.map((t) => [t.name, [...t.shape]]));
  back.forEach((t, i) => assert.ok(Buffer.from(t.data.buffer).equals(Buffer.from(tensors[i].data.buffer))));
  assert.ok(Buffer.from(encodeTensors(back)).equals(Buffer.from(bytes)));
});

test('load refuses corrupt, truncated and mismatched files, naming file and tensor', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'p.bin');
    const p = new Param('layer.weight', [2, 2]);
    p.value.set([1, 2, 3, 4]);
    saveParams(path, [p]);
    const good = readFileSync(path);
    const corrupt = Buffer.from(good);
    corrupt[40] ^= 1;
    writeFileSync(path, corrupt);
    assert.throws(() => loadTensors(path), (e: unknown) => e instanceof InputError && e.message.includes(path) && /checksum/.test(e.message));
    writeFileSync(path, good.subarray(0, good.length - 5));
    assert.throws(() => loadTensors(path), /checksum|truncated/);
    writeFileSync(path, good.subarray(0, 20));
    assert.throws(() => loadTensors(path), /truncated/);
    writeFileSync(path, good);
    const wrong = new Param('layer.weight', [4, 1]);
    assert.throws(() => loadParams(path, [wrong]), (e: unknown) => e instanceof InputError && e.message.includes('layer.weight') && /shape \[2, 2\]/.test(e.message));
    assert.throws(() => loadParams(path, [new Param('other', [1])], { strict: false }), /other.*missing/);
    assert.throws(() => loadParams(path, []), /layer.weight.*not in the model/);
    const q = new Param('layer.weight', [2, 2]);
    loadParams(path, [q]);
    assert.deepEqual(q.value, p.value);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A small sequence-labelling-shaped model built only from engine parts. */
function buildModel(backend: Backend, seed: number) {
  const rng = new Rng(seed);
  const emb = new Embedding(rng, { name: 'emb', count: 20, dim: 4 });
  const lstm = new BiLstm(backend, rng, { name: 'lstm', inputSize: 0, hiddenSize: 5, projectedInput: true });
  const proj = new BlockLinear(backend, rng, { name: 'proj', blockSizes: [4, 3], outFeatures: lstm.projectionSize, inputGrad: [true, false], init: { kind: 'uniform', bound: 0.3 } });
  const out = new Linear(backend, rng, { name: 'out', inFeatures: 10, outFeatures: 3 });
  const drop = new Dropout(0.2);
  const params = collectParams(emb, proj, lstm, out);
  const opt = new Adam(backend, params, { lr: 0.01 });
  const trainRng = rng.split('train');
  const layout = { batch: 3, maxLen: 4, lengths: [4, 2, 3] };
  const dataRng = new Rng(99);
  const ids = Int32Array.from({ length: 12 }, () => dataRng.int(20));
  const feats = Float32Array.from({ length: 36 }, () => dataRng.normal());
  const targets = Int32Array.from({ length: 12 }, (_, i) => (i % 4 < layout.lengths[Math.floor(i / 4)] ? dataRng.int(3) : -1));
  const grad = new Float32Array(36);
  function step(): number {
    opt.zeroGrad();
    const e = drop.forward(emb.forward(ids), trainRng, true);
    const y = out.forward(lstm.forward(proj.forward([e, feats], 12, [true, true]), layout), 12);
    const { loss } = softmaxCrossEntropy(backend, y, 12, 3, targets, grad);
    const dx = proj.backward(lstm.backward(out.backward(grad)));
    emb.backward(drop.backward(dx[0]!));
    clipGradNorm(params, 1);
    opt.step();
    return loss;
  }
  return { params, opt, trainRng, step };
}

forEachBackend((backend) => {
  test('same seed and backend give the same losses bit for bit', () => {
    const a = buildModel(backend, 5);
    const b = buildModel(backend, 5);
    const la = [0, 1, 2, 3, 4].map(() => a.step());
    const lb = [0, 1, 2, 3, 4].map(() => b.step());
    assert.deepEqual(lb, la);
    assert.ok(la[4] < la[0], `loss should fall: ${la}`);
    assert.notDeepEqual([0, 1].map(buildModel(backend, 6).step), la.slice(0, 2));
  });

  test('saving parameters, optimizer state and RNG state resumes training bit for bit', () => {
    const dir = tmp();
    try {
      const full = buildModel(backend, 7);
      const expected = [0, 1, 2, 3, 4].map(() => full.step());
      const first = buildModel(backend, 7);
      for (let i = 0; i < 3; i++) first.step();
      saveParams(join(dir, 'params.bin'), first.params);
      const state = first.opt.getState();
      saveTensors(join(dir, 'optim.bin'), state.tensors);
      const meta = JSON.stringify({ kind: state.kind, lr: state.lr, steps: state.steps, rng: first.trainRng.getState() });
      const resumed = buildModel(backend, 123);
      loadParams(join(dir, 'params.bin'), resumed.params);
      const m = JSON.parse(meta) as { kind: string; lr: number; steps: Record<string, number>; rng: RngState };
      resumed.opt.setState({ kind: m.kind, lr: m.lr, steps: m.steps, tensors: loadTensors(join(dir, 'optim.bin')) });
      resumed.trainRng.setState(m.rng);
      assert.deepEqual([resumed.step(), resumed.step()], expected.slice(3));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('loadMatchingParams copies tensors whose name and shape agree and leaves the others untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-partial-'));
  try {
    const a = new Param('a', [2, 3]);
    const b = new Param('b', [4]);
    a.value.set([1, 2, 3, 4, 5, 6]);
    b.value.set([7, 8, 9, 10]);
    saveParams(join(dir, 'p.bin'), [a, b]);
    const a2 = new Param('a', [2, 3]);
    const b2 = new Param('b', [5]); // another shape: kept
    const c2 = new Param('c', [1]); // absent from the file: kept
    b2.value.fill(-1);
    c2.value.fill(-2);
    const r = loadMatchingParams(join(dir, 'p.bin'), [a2, b2, c2]);
    assert.deepEqual(r, { copied: ['a'], kept: ['b', 'c'] });
    assert.deepEqual([...a2.value], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...b2.value], [-1, -1, -1, -1, -1]);
    assert.deepEqual([...c2.value], [-2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
