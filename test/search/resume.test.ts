// Resume tests: interrupt the search at every commit stage of every epoch (and kill -9 a child) and demand identical results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SearchEvents } from '../../src/search/events.js';
import { resolveSearchOptions, type SearchOptionsInput } from '../../src/search/options.js';
import { runSearch, type CommitStage } from '../../src/search/search-loop.js';
import { Rng } from '../../src/util/rng.js';
import { SyntheticTask } from './synthetic-task.js';
import { finalModel, KILL_TEST_OPTIONS, normalizedRecord } from './resume-fixtures.js';

// Run the child the way this file runs: compiled JavaScript under dist/, or TypeScript through tsx.
const CHILD_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const CHILD_LOADER = CHILD_EXT === '.ts' ? ['--import', 'tsx'] : [];

const STAGES: CommitStage[] = ['trained', 'checkpoint-saved', 'task-saved', 'state-written', 'committed', 'record-written'];

class Interrupt extends Error {}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ace-resume-'));
}

async function reference(input: Omit<SearchOptionsInput, 'outDir'>): Promise<{ record: string; model: string }> {
  const outDir = tempDir();
  try {
    await runSearch(new SyntheticTask(), resolveSearchOptions({ outDir, ...input }), new SearchEvents(), {
      createFreshTask: async () => new SyntheticTask(),
    });
    return { record: normalizedRecord(outDir), model: finalModel(outDir) };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Run with an interruption at (stage, epoch); returns false when that point never occurs. */
async function interrupted(outDir: string, input: Omit<SearchOptionsInput, 'outDir'>, at: (stage: CommitStage | 'episodeStart', epoch: number) => boolean): Promise<boolean> {
  const events = new SearchEvents();
  events.on('episodeStart', (e) => {
    if (at('episodeStart', e.episode)) throw new Interrupt('episodeStart');
  });
  try {
    await runSearch(new SyntheticTask(), resolveSearchOptions({ outDir, ...input }), events, {
      resume: true,
      createFreshTask: async () => new SyntheticTask(),
      onStage: (stage, epoch) => {
        if (at(stage, epoch)) throw new Interrupt(`${stage}@${epoch}`);
      },
    });
    return false;
  } catch (err) {
    if (!(err instanceof Interrupt)) throw err;
    return true;
  }
}

async function resumeToEnd(outDir: string, input: Omit<SearchOptionsInput, 'outDir'>): Promise<void> {
  await runSearch(new SyntheticTask(), resolveSearchOptions({ outDir, ...input }), new SearchEvents(), {
    resume: true,
    createFreshTask: async () => new SyntheticTask(),
  });
}

const SWEEPS: Array<Omit<SearchOptionsInput, 'outDir'> & { strategy: 'ace' | 'ensemble' | 'all'; label: string }> = [
  { label: 'ace, fixed', strategy: 'ace', episodes: 3, epochsPerEpisode: 2 },
  { label: 'ensemble, fixed', strategy: 'ensemble', episodes: 3, epochsPerEpisode: 1 },
  // Converged episodes: where an episode ends depends on the committed schedule state.
  { label: 'ace, converged episodes', strategy: 'ace', episodes: 3, regime: { name: 'budget', overrides: { lrFraction: 0.2, stallEpochs: 1 } } },
];

for (const sweep of SWEEPS) {
  test(`${sweep.label}: interrupting at every stage of every epoch and resuming gives the uninterrupted result`, async () => {
    const input = { ...KILL_TEST_OPTIONS, ...sweep, retrain: false };
    const ref = await reference(input);
    // Every epoch the reference trained (converged episodes end where their rule says).
    const epochs = (JSON.parse(ref.record) as { episodes: { epochs: unknown[] }[] }).episodes.reduce((n, e) => n + e.epochs.length, 0);
    let interruptions = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const stage of [...STAGES, 'episodeStart' as const]) {
        const outDir = tempDir();
        try {
          const hit = await interrupted(outDir, input, (s, e) => s === stage && e === epoch);
          if (!hit) continue; // e.g. no checkpoint saved in this epoch, or not an episode start
          interruptions++;
          await resumeToEnd(outDir, input);
          assert.equal(normalizedRecord(outDir), ref.record, `after ${stage}@${epoch}`);
          assert.equal(finalModel(outDir), ref.model, `model after ${stage}@${epoch}`);
          // Only the two newest generations (the last and its fallback) and the checkpoints they name are kept.
          const state = join(outDir, 'state');
          const gens = readdirSync(state).filter((n) => n.startsWith('gen-')).sort();
          const newest = Math.max(...gens.map((n) => Number(n.slice(4))));
          assert.deepEqual(gens.map((n) => Number(n.slice(4))), [newest - 1, newest].filter((n) => n > 0), gens.join(','));
          const named = new Set(gens.map((g) => (JSON.parse(readFileSync(join(state, g, 'search-state.json'), 'utf8')) as { best: { checkpoint: string } }).best.checkpoint));
          assert.deepEqual(readdirSync(state).filter((n) => n.startsWith('best-')).sort(), [...named].sort());
        } finally {
          rmSync(outDir, { recursive: true, force: true });
        }
      }
    }
    // 5 stages every epoch, plus checkpoints and episode starts: the hooks did fire.
    assert.ok(interruptions >= epochs * 5 + input.episodes!, `only ${interruptions} interruptions`);
  });
}

test('several interruptions in a row still give the uninterrupted result', async () => {
  const ref = await reference(KILL_TEST_OPTIONS);
  const outDir = tempDir();
  try {
    const points: Array<[CommitStage, number]> = [['task-saved', 1], ['state-written', 2], ['committed', 5], ['trained', 9]];
    for (const [stage, epoch] of points) assert.ok(await interrupted(outDir, KILL_TEST_OPTIONS, (s, e) => s === stage && e === epoch));
    await resumeToEnd(outDir, KILL_TEST_OPTIONS);
    assert.equal(normalizedRecord(outDir), ref.record);
    assert.equal(finalModel(outDir), ref.model);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('a damaged newest generation: resume warns, naming it, and goes on from the one before to the uninterrupted result', async () => {
  const ref = await reference(KILL_TEST_OPTIONS);
  const outDir = tempDir();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    assert.ok(await interrupted(outDir, KILL_TEST_OPTIONS, (s, e) => s === 'record-written' && e === 4));
    const state = join(outDir, 'state');
    const newest = readdirSync(state).filter((n) => n.startsWith('gen-')).sort().at(-1)!;
    writeFileSync(join(state, newest, 'task', 'inner.json'), '{"skill": [0.1');
    await resumeToEnd(outDir, KILL_TEST_OPTIONS);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.equal(normalizedRecord(outDir), ref.record);
    assert.equal(finalModel(outDir), ref.model);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] as string, new RegExp(`${newest} is damaged .*inner\\.json.*resuming from the previous generation`));
  } finally {
    process.off('warning', onWarning);
    rmSync(outDir, { recursive: true, force: true });
  }
});

/** Start the child; resolve with its exit after it is killed `afterMs` past its 'ready' line (or when it ends). */
function runChild(outDir: string, killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD_LOADER, join(import.meta.dirname, `kill-child${CHILD_EXT}`), outDir, '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== null && out.startsWith('ready') && !child.killed) {
        const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        killAfterMs = null;
        child.on('exit', () => clearTimeout(t));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ code, signal, out });
    });
  });
}

test('kill -9 at random moments, then resume: same search.json and final model', async () => {
  const ref = await reference(KILL_TEST_OPTIONS);
  const seed = Date.now() % 100000;
  const rng = new Rng(seed);
  const outDir = tempDir();
  try {
    let kills = 0;
    // 12 epochs (10 searched, 2 retrained) of ≥ 40 ms each: killing within 300 ms of the start always lands
    // inside the first run (up to 500 ms it could miss a run that finished first, as it once did in CI).
    for (let i = 0; i < 3; i++) {
      const r = await runChild(outDir, Math.floor(rng.float() * 300));
      if (r.signal === 'SIGKILL') kills++;
      if (r.out.includes('done')) break;
    }
    assert.ok(kills >= 1, `seed ${seed}: no kill happened`);
    const last = await runChild(outDir, null);
    assert.equal(last.code, 0);
    assert.ok(existsSync(join(outDir, 'search.json')));
    assert.equal(normalizedRecord(outDir), ref.record, `seed ${seed}`);
    assert.equal(finalModel(outDir), ref.model, `seed ${seed}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
