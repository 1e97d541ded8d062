// Helpers for the experiment tests: run the real `ace` CLI as child processes on tiny plans, wait for files, compare two jobs' results.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { dataHome } from '../helpers/data-home.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function aceEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: cacheDir, OPENBLAS_NUM_THREADS: '1' };
}

export interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startAce(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function runAce(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const s = startAce(args, env);
  const { code } = await s.exited;
  return { code, stdout: s.stdout(), stderr: s.stderr(), ms: Date.now() - t0 };
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TinyPlan {
  strategies: string[];
  seeds: number[];
  episodes: number;
  epochsPerEpisode?: number;
  limit: number;
}

/** A plan over the first `limit` CoNLL-2000 sentences with the two trainable candidates (no downloads), BiLSTM 16. */
export function writeTinyPlan(path: string, p: TinyPlan): string {
  writeFileSync(path, [
    'name: tiny',
    'datasets:',
    '  - { id: chunk, task: chunk, data: conll2000 }',
    'pools:',
    '  small: [casing, char]',
    `strategies: [${p.strategies.join(', ')}]`,
    `seeds: [${p.seeds.join(', ')}]`,
    'search:',
    `  episodes: ${p.episodes}`,
    `  epochs-per-episode: ${p.epochsPerEpisode ?? 1}`,
    `  limit: ${p.limit}`,
    '  hidden: 16',
    '  threads: 1',
    '',
  ].join('\n'));
  return path;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readJsonFile<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** search.json without the clock: wall times, epoch seconds and token rates are the only fields two runs may differ in. */
export function timeless(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, 'search.json'), 'utf8'), (key, value: unknown) =>
    key === 'wallSeconds' || key === 'seconds' || key === 'tokensPerSecond' ? 0 : value);
}

/** Same selections, scores and final model bytes. */
export function assertSameResult(a: string, b: string): void {
  assert.deepEqual(timeless(b), timeless(a));
  assert.ok(readFileSync(join(a, 'model', 'params.bin')).equals(readFileSync(join(b, 'model', 'params.bin'))), 'final model parameters differ');
  assert.equal(readFileSync(join(b, 'model', 'model.json'), 'utf8'), readFileSync(join(a, 'model', 'model.json'), 'utf8'));
}

/** Whether a search folder has committed at least `n` epochs (a state/gen-NNNNNN folder with NNNNNN ≥ n). */
export function committed(dir: string, n: number): boolean {
  const state = join(dir, 'state');
  if (!existsSync(state)) return false;
  return readdirSync(state).some((name) => /^gen-\d{6}$/.test(name) && Number(name.slice(4)) >= n);
}

/** Whether the search in `dir` has finished (search.json with a final result). */
export function searchFinished(dir: string): boolean {
  const path = join(dir, 'search.json');
  return existsSync(path) && readJsonFile<{ final: unknown }>(path).final !== null;
}
