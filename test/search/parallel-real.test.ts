// `ace search --parallel 2` on a real tagger slice: the branches as `ace search-branch` processes (the built CLI)
// give the same search.json and final model as the same branches run one after another in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { executeSearch, parseSearchFlags, registryTaskFactory } from '../../src/cli/search.js';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { runCli } from '../helpers/run-cli.js';

const skip = dataSkip();

/** search.json with wall times (of the episodes and of each epoch) zeroed. */
function normalized(out: string): string {
  return readFileSync(join(out, 'search.json'), 'utf8').replace(/"(wallSeconds|seconds|tokensPerSecond)": [^,\n]+/g, '"$1": 0');
}

/** Every file of the final model folder, in name order. */
function model(out: string): string[] {
  const dir = join(out, 'model');
  return readdirSync(dir).sort().map((f) => `${f}:${readFileSync(join(dir, f)).toString('base64')}`);
}

test('chunk slice, --parallel 2: branch processes equal in-process branches', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-parallel-real-'));
  const env = { ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: join(dir, 'cache') };
  const saved = { ...process.env };
  try {
    const args = ['--task', 'chunk', '--data', 'conll2000', '--candidates', 'casing,char', '--limit', '40', '--hidden', '8', '--episodes', '4', '--epochs-per-episode', '2', '--seed', '2', '--threads', '1'];
    const r = runCli(['search', ...args, '--parallel', '2', '--out', join(dir, 'proc'), '--no-progress'], { env, timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(branch 1\)/);
    Object.assign(process.env, env);
    const command = parseSearchFlags({
      task: 'chunk', data: 'conll2000', candidates: 'casing,char', limit: '40', hidden: '8', episodes: '4', epochsPerEpisode: '2', seed: '2', parallel: '2',
      out: join(dir, 'in'), reward: 'hamming', rewardShaping: 'none', test: true, progress: false,
    });
    await executeSearch(command, registryTaskFactory, { progress: false, stderr: new Writable({ write: (_c, _e, cb) => cb() }), threads: '1', branches: { kind: 'in-process' } });
    assert.equal(normalized(join(dir, 'proc')), normalized(join(dir, 'in')));
    assert.deepEqual(model(join(dir, 'proc')), model(join(dir, 'in')));
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
