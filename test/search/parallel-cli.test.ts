// `ace search --parallel K` through the CLI: branches in child processes equal branches in process, the flag is saved
// for --resume, K = 1 is the sequential search, and a search killed with its branch processes resumes to the same end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { branchThreads, executeSearch, parseSearchFlags, type BranchExecution } from '../../src/cli/search.js';
import { UsageError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { CANDIDATES, SyntheticTask } from './synthetic-task.js';
import { finalModel, normalizedRecord } from './resume-fixtures.js';

const CHILD_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const CHILD_LOADER = CHILD_EXT === '.ts' ? ['--import', 'tsx'] : [];
const CHILD = join(import.meta.dirname, `parallel-cli-child${CHILD_EXT}`);
const PROCESSES: BranchExecution = { kind: 'processes', entry: { script: CHILD, execArgv: CHILD_LOADER } };

const base = { reward: 'hamming', rewardShaping: 'none', test: true, progress: false };
const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
const FLAGS = ['--task', 'synthetic', '--data', 'toy', '--candidates', CANDIDATES.join(','), '--episodes', '5', '--epochs-per-episode', '2', '--seed', '3'];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ace-parallel-cli-'));
}

async function cliSearch(out: string, extra: Record<string, string>, branches?: BranchExecution): Promise<void> {
  const command = parseSearchFlags({ ...base, task: 'synthetic', data: 'toy', candidates: CANDIDATES.join(','), out, episodes: '5', epochsPerEpisode: '2', seed: '3', ...extra });
  await executeSearch(command, async () => new SyntheticTask(), { progress: false, stderr: sink(), ...(branches ? { branches } : {}) });
}

test('--parallel 2: branches as child processes give the same search.json and final model as branches in process', async () => {
  const dir = tempDir();
  try {
    await cliSearch(join(dir, 'in'), { parallel: '2' }, { kind: 'in-process' });
    await cliSearch(join(dir, 'proc'), { parallel: '2' }, PROCESSES);
    const record = JSON.parse(readFileSync(join(dir, 'proc', 'search.json'), 'utf8')) as { episodes: unknown[]; options: { parallel?: number }; final: { selection: boolean[] } };
    assert.equal(record.episodes.length, 5);
    assert.equal(record.options.parallel, 2);
    assert.equal(normalizedRecord(join(dir, 'proc')), normalizedRecord(join(dir, 'in')));
    assert.equal(finalModel(join(dir, 'proc')), finalModel(join(dir, 'in')));
    assert.equal((JSON.parse(readFileSync(join(dir, 'proc', 'command.json'), 'utf8')) as { parallel?: number }).parallel, 2);
    assert.equal(readdirSync(join(dir, 'proc', 'state')).some((n) => n.startsWith('step-')), false);
    // The branch epochs reached the JSONL log through the processes' progress lines, tagged with their branch.
    const log = readFileSync(join(dir, 'proc', 'search.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; branch?: number });
    // (Branches run at once, so their lines interleave in any order.)
    const tags = log.filter((l) => l.event === 'epochEnd').map((l) => (l.branch === undefined ? '-' : String(l.branch)));
    assert.deepEqual(tags.slice(0, 2), ['-', '-']);
    assert.deepEqual([tags.slice(2, 6).sort(), tags.slice(6).sort()], [['0', '0', '1', '1'], ['0', '0', '1', '1']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--parallel 1 is the sequential search: same command.json and search.json as without the flag', async () => {
  const dir = tempDir();
  try {
    await cliSearch(join(dir, 'none'), {});
    await cliSearch(join(dir, 'one'), { parallel: '1' });
    assert.equal(normalizedRecord(join(dir, 'one')), normalizedRecord(join(dir, 'none')));
    const command = (d: string) => readFileSync(join(dir, d, 'command.json'), 'utf8').replace(join(dir, d), 'OUT');
    assert.equal(command('one'), command('none'));
    assert.equal(command('one').includes('parallel'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--parallel is checked: a positive integer, and refused by the single-model baselines', () => {
  const flags = { ...base, task: 'ner', data: 'd', out: 'o', candidates: 'a,b' };
  assert.throws(() => parseSearchFlags({ ...flags, parallel: '0' }), UsageError);
  assert.throws(() => parseSearchFlags({ ...flags, parallel: 'two' }), UsageError);
  for (const baseline of ['all', 'all-weight']) {
    assert.throws(() => parseSearchFlags({ ...flags, baseline, parallel: '2' }), (e: unknown) => e instanceof UsageError && /single model/.test(e.message));
  }
  assert.equal(parseSearchFlags({ ...flags, baseline: 'random', parallel: '3' }).parallel, 3);
});

test('threads are split over the branches: max(1, ⌊threads/K⌋), the cores when --threads is not given', () => {
  assert.equal(branchThreads('4', 2), 2);
  assert.equal(branchThreads('5', 2), 2);
  assert.equal(branchThreads('1', 3), 1);
  assert.equal(branchThreads(undefined, 2), Math.max(1, Math.floor(availableParallelism() / 2)));
});

/** Processes whose command line names `text` (the branch processes of a search folder). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(join('/proc', name, 'cmdline'), 'utf8').includes(text)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function runCli(args: string[], killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD_LOADER, CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ACE_TEST_DELAY_MS: '30' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = killAfterMs !== null ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : null;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (t) clearTimeout(t);
      resolve({ code, signal, err });
    });
  });
}

test('kill -9 of a --parallel 2 search at random moments takes its branch processes along; --resume gives the same search.json and model', async () => {
  const dir = tempDir();
  const seed = Date.now() % 100000;
  const rng = new Rng(seed);
  try {
    const refOut = join(dir, 'ref');
    await cliSearch(refOut, { parallel: '2' }, { kind: 'in-process' });
    const out = join(dir, 'killed');
    let kills = 0;
    let started = false;
    for (let i = 0; i < 4; i++) {
      // The first run starts the search; the later ones resume it (the saved command keeps --parallel 2).
      const args = started ? ['search', '--resume', out, '--no-progress'] : ['search', ...FLAGS, '--parallel', '2', '--out', out, '--no-progress'];
      const r = await runCli(args, 300 + Math.floor(rng.float() * 700));
      if (existsSync(join(out, 'command.json'))) started = true;
      if (r.signal === 'SIGKILL') {
        kills++;
        // The orphan guard ends every branch process of the killed search within a moment.
        const deadline = Date.now() + 3000;
        while (processesNaming(out).length > 0 && Date.now() < deadline) await new Promise((r2) => setTimeout(r2, 50));
        assert.deepEqual(processesNaming(out), [], `seed ${seed}: branch processes outlived their search`);
      } else {
        assert.equal(r.code, 0, r.err);
        break;
      }
    }
    assert.ok(kills >= 1, `seed ${seed}: no kill happened`);
    const last = await runCli(['search', '--resume', out, '--no-progress'], null);
    assert.equal(last.code, 0, last.err);
    assert.equal(normalizedRecord(out), normalizedRecord(refOut), `seed ${seed}`);
    assert.equal(finalModel(out), finalModel(refOut), `seed ${seed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('branch processes die with their search: kill -9 while both train a long epoch', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'run');
    const args = ['search', '--task', 'synthetic', '--data', 'toy', '--candidates', CANDIDATES.join(','), '--episodes', '3', '--epochs-per-episode', '1', '--parallel', '2', '--out', out, '--no-progress'];
    // Each epoch takes 2 s, so a branch left orphaned would live on for well over a second.
    const child = spawn(process.execPath, [...CHILD_LOADER, CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ACE_TEST_DELAY_MS: '2000' } });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    let err = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('parallel step')) resolve();
      });
      child.on('exit', () => reject(new Error(`the search ended before its parallel step: ${err}`)));
    });
    const deadline = Date.now() + 5000;
    while (processesNaming(join(out, 'state')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processesNaming(join(out, 'state')).length, 2, 'two branch processes run');
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    while (processesNaming(join(out, 'state')).length > 0 && Date.now() - killedAt < 1000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(processesNaming(join(out, 'state')), [], 'branch processes outlived their search by a second');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
