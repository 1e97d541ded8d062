// Tests the run-state store: generations are checksummed, the previous one is kept, and a damaged newest one falls back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../src/util/state-store.js';
import { InputError } from '../../src/util/errors.js';
import { checkFields } from '../../src/util/json-file.js';

interface S {
  epoch: number;
  best: { checkpoint: string | null };
}

function fresh(): { dir: string; warnings: string[]; store: StateStore<S> } {
  const dir = mkdtempSync(join(tmpdir(), 'ace-state-'));
  const warnings: string[] = [];
  const parse = (v: unknown, file: string): S => {
    checkFields(v, { epoch: 'number', best: 'object' }, file);
    return v as S;
  };
  return { dir, warnings, store: new StateStore<S>(dir, { parse, warn: (m) => warnings.push(m) }) };
}

/** Commits generations 1..n, each with a task file holding its number; a checkpoint at generations 1 and 3. */
async function commitUpTo(store: StateStore<S>, n: number): Promise<void> {
  let checkpoint: string | null = null;
  for (let g = 1; g <= n; g++) {
    if (g === 1 || g === 3) {
      checkpoint = store.checkpointName(g);
      mkdirSync(join(store.root, checkpoint), { recursive: true });
    }
    await store.commit(g, { epoch: g, best: { checkpoint } }, async (taskDir) => writeFileSync(join(taskDir, 'params.bin'), `weights of ${g}`));
    store.prune(g, checkpoint);
  }
}

test('the newest generation and the one before are kept, with the checkpoints either names', async () => {
  const { dir, store } = fresh();
  try {
    await commitUpTo(store, 2);
    assert.deepEqual(readdirSync(store.root).sort(), ['best-000001', 'gen-000001', 'gen-000002']);
    await commitUpTo(store, 4);
    // gen-3 names best-3 and gen-4 too; best-1 is no longer named by a kept generation.
    assert.deepEqual(readdirSync(store.root).sort(), ['best-000003', 'gen-000003', 'gen-000004']);
    assert.equal(store.latest()?.generation, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged newest generation falls back to the previous one, with a warning naming it', async () => {
  const { dir, store, warnings } = fresh();
  try {
    await commitUpTo(store, 3);
    const params = join(store.root, 'gen-000003', 'task', 'params.bin');
    writeFileSync(params, 'weights of 9'); // same length, other bytes: only a checksum tells
    const g = store.latest();
    assert.equal(g?.generation, 2);
    assert.equal(readFileSync(join(g!.taskDir, 'params.bin'), 'utf8'), 'weights of 2');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /gen-000003 is damaged .*params\.bin: checksum mismatch.*resuming from the previous generation, gen-000002/);
    // Its checkpoint is still there.
    assert.ok(existsSync(join(store.root, g!.state.best.checkpoint!)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cut-short state file falls back too; when no generation is intact the error names the file', async () => {
  const { dir, store, warnings } = fresh();
  try {
    await commitUpTo(store, 2);
    writeFileSync(join(store.root, 'gen-000002', 'search-state.json'), '{"epoch": 2, "be');
    assert.equal(store.latest()?.generation, 1);
    assert.match(warnings[0] as string, /gen-000002 is damaged/);
    rmSync(join(store.root, 'gen-000001', 'task', 'params.bin'));
    assert.throws(
      () => store.latest(),
      (e: unknown) => e instanceof InputError && /gen-000002\/search-state\.json$/.test(e.file) && /no earlier generation/.test(e.problem),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a state file with a wrong field (written without a manifest) is an error naming the file and the field', async () => {
  const { dir, store } = fresh();
  try {
    const gen = join(store.root, 'gen-000001');
    mkdirSync(join(gen, 'task'), { recursive: true });
    writeFileSync(join(gen, 'search-state.json'), JSON.stringify({ epoch: 'one', best: {} }));
    assert.throws(
      () => store.latest(),
      (e: unknown) => e instanceof InputError && e.file.endsWith('gen-000001/search-state.json') && /field "epoch" should be a number, found string/.test(e.problem),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
