// `--parallel K`: the batched step against a hand-built replay, K = 1 against the sequential search, and kill/resume at every point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../src/search/controller.js';
import { SearchEvents } from '../../src/search/events.js';
import type { EpisodeRecord, SearchRecord } from '../../src/search/history.js';
import { resolveSearchOptions, type SearchOptionsInput } from '../../src/search/options.js';
import type { BranchStage } from '../../src/search/parallel.js';
import { positionRewards } from '../../src/search/reward.js';
import { runSearch, type CommitStage } from '../../src/search/search-loop.js';
import { recordSelection, type SelectionEntry } from '../../src/search/selection-table.js';
import type { EpochResult } from '../../src/tasks/task.js';
import { UsageError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { CANDIDATES, SyntheticTask } from './synthetic-task.js';
import { finalModel, normalizedRecord } from './resume-fixtures.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ace-parallel-'));
}

class Interrupt extends Error {}

type Input = Omit<SearchOptionsInput, 'outDir'>;
const PARALLEL: Input = { episodes: 6, epochsPerEpisode: 2, seed: 5, parallel: 2, retrain: false };

async function run(outDir: string, input: Input, deps: Parameters<typeof runSearch>[3] = {}, events = new SearchEvents()): Promise<SearchRecord> {
  return runSearch(new SyntheticTask(), resolveSearchOptions({ outDir, ...input }), events, { resume: true, createFreshTask: async () => new SyntheticTask(), ...deps });
}

async function reference(input: Input): Promise<{ record: string; model: string; parsed: SearchRecord }> {
  const outDir = tempDir();
  try {
    const parsed = await run(outDir, input);
    return { record: normalizedRecord(outDir), model: finalModel(outDir), parsed };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

test('--parallel 1 is the sequential search: the options, and search.json, are the same as without it', async () => {
  const a = resolveSearchOptions({ outDir: 'x', episodes: 4, parallel: 1 });
  const b = resolveSearchOptions({ outDir: 'x', episodes: 4 });
  assert.deepEqual(a, b);
  assert.equal('parallel' in a, false);
  const seq = await reference({ episodes: 4, epochsPerEpisode: 2, seed: 5 });
  const one = await reference({ episodes: 4, epochsPerEpisode: 2, seed: 5, parallel: 1 });
  assert.equal(one.record, seq.record);
  assert.equal(one.model, seq.model);
});

test('a single-model baseline refuses --parallel 2', () => {
  for (const strategy of ['all', 'all-weight'] as const) {
    assert.throws(() => resolveSearchOptions({ outDir: 'x', strategy, parallel: 2 }), (e: unknown) => e instanceof UsageError && /single model/.test(e.message));
  }
  assert.throws(() => resolveSearchOptions({ outDir: 'x', parallel: 0 }), UsageError);
});

/**
 * The expected search by hand: episode 0 as the sequential search trains it, then steps of K branches, each a fresh
 * copy of the step's start state trained with beginEpisode + trainEpoch, rewarded against the table at the step's
 * start, one updateBatch, and the model continued from the best branch.
 */
async function handReplay(input: Input & { parallel: number }): Promise<{ episodes: EpisodeRecord[]; best: { score: number; episode: number; epoch: number; checkpoint: string } }> {
  const options = resolveSearchOptions({ outDir: 'unused', ...input });
  const rng = new Rng(options.seed).split('search');
  const controller = new Controller(CANDIDATES.length, options.controller);
  const episodes: EpisodeRecord[] = [];
  let table: SelectionEntry[] = [];
  let bestEpisode: number | null = null;
  let best: { score: number; episode: number; epoch: number; checkpoint: string } | null = null;
  const checkpointOf = async (t: SyntheticTask): Promise<string> => {
    const dir = tempDir();
    await t.saveCheckpoint(dir);
    const text = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    return text;
  };
  // One episode on `t` from its current state; the search best is updated on ties too (the later model is kept).
  const episode = async (t: SyntheticTask, selection: boolean[], startBest: number | null, index: number) => {
    t.beginEpisode({ selection, blockWeighting: 'none' });
    const epochs: EpochResult[] = [];
    let localBest = startBest;
    let found: { score: number; episode: number; epoch: number; checkpoint: string } | null = null;
    for (let e = 0; e < options.epochsPerEpisode; e++) {
      const r = await t.trainEpoch();
      epochs.push(r);
      if (localBest === null || r.devScore >= localBest) {
        localBest = r.devScore;
        found = { score: r.devScore, episode: index, epoch: e, checkpoint: await checkpointOf(t) };
      }
    }
    return { epochs, score: Math.max(...epochs.map((x) => x.devScore)), found };
  };
  const model = new SyntheticTask();
  const all = CANDIDATES.map(() => true);
  const probabilities0 = controller.probabilities();
  const e0 = await episode(model, all, null, 0);
  best = e0.found;
  episodes.push({ episode: 0, selection: all, probabilities: probabilities0, devScore: e0.score, reward: null, theta: controller.getState().theta, epochs: e0.epochs, wallSeconds: 0 });
  table = recordSelection(table, all, e0.score, 0);
  bestEpisode = e0.score;
  let previous = all;
  const startDir = tempDir();
  try {
    for (let first = 1; first < options.episodes; ) {
      const k = Math.min(input.parallel, options.episodes - first);
      const probabilities = controller.probabilities();
      const selections = controller.sampleDistinct(rng, previous, k);
      await model.saveState(startDir);
      const branches: Array<{ task: SyntheticTask; epochs: EpochResult[]; score: number; found: { score: number; episode: number; epoch: number; checkpoint: string } | null }> = [];
      for (let b = 0; b < selections.length; b++) {
        const t = new SyntheticTask();
        await t.loadState(startDir);
        branches.push({ task: t, ...(await episode(t, selections[b], best?.score ?? null, first + b)) });
      }
      const rewards = branches.map((br, b) => positionRewards(selections[b], br.score, table, bestEpisode as number, options.reward));
      controller.updateBatch(selections, rewards);
      // Global best: the highest branch checkpoint, ties to the lowest branch.
      let pick = -1;
      for (let b = 0; b < branches.length; b++) {
        const f = branches[b].found;
        if (f && (pick < 0 || f.score > (branches[pick].found as { score: number }).score)) pick = b;
      }
      if (pick >= 0) best = branches[pick].found;
      let cont = 0;
      branches.forEach((br, b) => {
        episodes.push({ episode: first + b, selection: selections[b], probabilities, devScore: br.score, reward: rewards[b], theta: controller.getState().theta, epochs: br.epochs, wallSeconds: 0 });
        table = recordSelection(table, selections[b], br.score, first + b);
        bestEpisode = Math.max(bestEpisode as number, br.score);
        if (br.score > branches[cont].score) cont = b;
      });
      await branches[cont].task.saveState(startDir);
      await model.loadState(startDir);
      previous = selections[cont];
      first += selections.length;
    }
  } finally {
    rmSync(startDir, { recursive: true, force: true });
  }
  return { episodes, best: best as NonNullable<typeof best> };
}

for (const k of [2, 3]) {
  test(`--parallel ${k} equals a hand-built replay of the same draws: records, θ, best checkpoint and final model`, async () => {
    const input = { ...PARALLEL, parallel: k, episodes: 7 };
    const ref = await reference(input);
    const hand = await handReplay(input);
    const got = ref.parsed.episodes.map((e) => ({ ...e, wallSeconds: 0 }));
    assert.equal(got.length, 7);
    assert.deepEqual(got, hand.episodes);
    // θ moved, and every branch of a step records the same θ (one update per step).
    assert.ok(got[1].theta.some((t) => t !== 0));
    assert.deepEqual(got[1].theta, got[k].theta);
    const final = ref.parsed.final!;
    assert.equal(final.bestDevScore, hand.best.score);
    assert.equal(final.bestEpisode, hand.best.episode);
    assert.equal(final.bestEpoch, hand.best.epoch);
    assert.equal(ref.model, hand.best.checkpoint);
    // The selections of a step are distinct and differ from the selection the step continued from.
    for (let first = 1; first < 7; first += k) {
      const keys = got.slice(first, first + k).map((e) => e.selection.join());
      assert.equal(new Set(keys).size, keys.length);
    }
  });
}

test('an Ensemble search with --parallel 2 keeps one member per episode, and the step folders are gone at the end', async () => {
  const outDir = tempDir();
  try {
    const record = await run(outDir, { ...PARALLEL, strategy: 'ensemble', episodes: 5 });
    assert.equal(record.final?.ensemble?.members, 5);
    assert.deepEqual(readdirSync(join(outDir, 'state', 'predictions')).sort(), [0, 1, 2, 3, 4].map((e) => `episode-000${e}.json`));
    assert.equal(readdirSync(join(outDir, 'state')).some((n) => n.startsWith('step-')), false);
    assert.equal(record.episodes[1].reward !== null, true);
    assert.deepEqual(record.episodes[4].theta, [0, 0, 0, 0]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('too few distinct selections: the step is clamped and says so', async () => {
  const outDir = tempDir();
  const steps: { firstEpisode: number; branches: number; requested: number }[] = [];
  const events = new SearchEvents();
  events.on('stepStart', (e) => steps.push(e));
  try {
    // 4 candidates: 15 non-empty selections, 14 besides the one continued from.
    const record = await run(outDir, { ...PARALLEL, episodes: 17, epochsPerEpisode: 1, parallel: 20 }, {}, events);
    assert.deepEqual(steps[0], { firstEpisode: 1, branches: 14, requested: 16 });
    assert.equal(record.episodes.length, 17);
    assert.deepEqual(steps.map((s) => s.firstEpisode), [1, 15]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

const PARENT_STAGES: CommitStage[] = ['step-planned', 'task-saved', 'state-written', 'committed', 'step-merged', 'record-written'];
const BRANCH_STAGES: BranchStage[] = ['trained', 'checkpoint-saved', 'task-saved', 'state-written', 'committed', 'branch-done'];

const SWEEPS: Array<{ label: string; input: Input }> = [
  { label: 'ace', input: { ...PARALLEL, episodes: 5 } },
  { label: 'ensemble', input: { ...PARALLEL, episodes: 5, strategy: 'ensemble' } },
  // Converged episodes: where a branch's episode ends depends on its committed schedule state.
  { label: 'ace, converged episodes', input: { episodes: 5, seed: 5, parallel: 2, retrain: false, regime: { name: 'budget', overrides: { lrFraction: 0.2, stallEpochs: 1 } } } },
  // K = 3 over 6 episodes: a full step, then a last step of two branches; with retraining at the end.
  { label: 'ace, K = 3, retrain', input: { ...PARALLEL, parallel: 3, episodes: 6, epochsPerEpisode: 1, retrain: true, retrainEpochs: 2 } },
];

for (const sweep of SWEEPS) {
  test(`--parallel (${sweep.label}): interrupting at every stage of the search and of every branch, then resuming, gives the uninterrupted result`, async () => {
    const input = sweep.input;
    const ref = await reference(input);
    let interruptions = 0;
    const points: Array<{ parent?: [CommitStage, number]; branch?: [BranchStage, number, number, number] }> = [];
    const epochs = ref.parsed.episodes.reduce((n, e) => n + e.epochs.length, 0);
    for (let g = 0; g <= epochs; g++) for (const s of PARENT_STAGES) points.push({ parent: [s, g] });
    for (const e of ref.parsed.episodes.slice(1)) {
      for (let epoch = 0; epoch <= e.epochs.length; epoch++) for (const s of BRANCH_STAGES) points.push({ branch: [s, e.episode, (e.episode - 1) % (input.parallel as number), epoch] });
    }
    for (const point of points) {
      const outDir = tempDir();
      try {
        let hit = false;
        try {
          await run(outDir, input, {
            onStage: (s, g) => {
              if (point.parent && point.parent[0] === s && point.parent[1] === g) throw new Interrupt(`${s}@${g}`);
            },
            onBranchStage: (s, where) => {
              const p = point.branch;
              if (p && p[0] === s && p[1] === where.episode && p[2] === where.branch && p[3] === where.epoch) throw new Interrupt(`${s}@${where.episode}.${where.epoch}`);
            },
          });
        } catch (err) {
          if (!(err instanceof Interrupt)) throw err;
          hit = true;
        }
        if (!hit) continue;
        interruptions++;
        await run(outDir, input);
        const where = JSON.stringify(point);
        assert.equal(normalizedRecord(outDir), ref.record, where);
        assert.equal(finalModel(outDir), ref.model, where);
        assert.equal(readdirSync(join(outDir, 'state')).some((n) => n.startsWith('step-')), false, where);
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    }
    // Every step's plan, merge and record, and every branch epoch's commit stages, were hit.
    const steps = Math.ceil((ref.parsed.episodes.length - 1) / (input.parallel as number));
    assert.ok(interruptions >= steps * 4 + (ref.parsed.episodes.length - 1) * 5, `only ${interruptions} interruptions`);
  });
}

test('a branch interrupted mid-episode resumes from its last committed epoch (earlier epochs are not retrained)', async () => {
  const outDir = tempDir();
  try {
    const input: Input = { ...PARALLEL, episodes: 3, epochsPerEpisode: 3 };
    await assert.rejects(run(outDir, input, { onBranchStage: (s, w) => {
      if (s === 'committed' && w.branch === 1 && w.epoch === 1) throw new Interrupt('mid-branch');
    } }), Interrupt);
    const branchDir = join(outDir, 'state', 'step-0001', 'branch-1');
    assert.ok(existsSync(join(outDir, 'state', 'step-0001', 'branch-0', 'branch.json')));
    assert.ok(!existsSync(join(branchDir, 'branch.json')));
    const trained: string[] = [];
    await run(outDir, input, { onBranchStage: (s, w) => {
      if (s === 'trained') trained.push(`${w.branch}.${w.epoch}`);
    } });
    assert.deepEqual(trained, ['1.2']);
    const ref = await reference(input);
    assert.equal(normalizedRecord(outDir), ref.record);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
