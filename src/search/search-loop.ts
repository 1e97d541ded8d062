// The resumable ACE episode loop (Wang et al. 2021, Alg. 1): sample a selection, train the persistent model, reward, update.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochResult, EpisodeSettings, SearchableTask } from '../tasks/task.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';
import { stableStringify } from '../util/hash.js';
import { Rng, type RngState } from '../util/rng.js';
import { Controller, type ControllerState } from './controller.js';
import type { SearchEvents } from './events.js';
import { writeSearchRecord, SEARCH_RECORD_FORMAT, type EpisodeRecord, type FinalResult, type SearchRecord } from './history.js';
import { outcomeOptions, type SearchOptions } from './options.js';
import { positionRewards } from './reward.js';
import { recordSelection, type SelectionEntry } from './selection-table.js';
import { StateStore } from '../util/state-store.js';
import { STRATEGIES, planEpisode, type EpisodePlan } from './strategy.js';
import { episodeDone, resolveRegime, type Regime, type StopRule } from './regime.js';
import { epochStep, type CommitStage as EpochStage } from '../training/epoch-step.js';
import { branchDirName, inProcessRunner, prepareBranch, removeStepFolders, stepDirName, type BranchRunner, type BranchStage } from './parallel.js';

/**
 * Points where a test may interrupt the loop (by throwing) to check that every crash point resumes exactly.
 * `--parallel K` adds 'step-planned' (the step's K plans committed) and 'step-merged' (its results committed,
 * before its folder is removed); the merge commit passes through 'task-saved', 'state-written' and 'committed'.
 */
export type CommitStage = EpochStage | 'record-written' | 'step-planned' | 'step-merged';

export interface SearchDependencies {
  /** A new, untrained task model (for `retrain`). */
  createFreshTask?: () => Promise<SearchableTask>;
  /** Called at each stage of each epoch's commit; throwing aborts the search. */
  onStage?: (stage: CommitStage, globalEpoch: number) => void;
  /** Wall clock in milliseconds (injectable so tests need not depend on time). */
  now?: () => number;
  /** Runs the branches of a `--parallel K` step (default: one after another in this process, on `task`). */
  branchRunner?: BranchRunner;
  /** With the default runner: called at each stage of each branch; throwing aborts the search. */
  onBranchStage?: (stage: BranchStage, where: { episode: number; branch: number; epoch: number }) => void;
}

/** A `--parallel K` step in progress: its plans are drawn and committed, its branches train in step-NNNN/. */
interface ParallelStep {
  firstEpisode: number;
  /** K for this step (the option, or fewer when the episode budget runs out). */
  requested: number;
  plans: EpisodePlan[];
  /** The search's best dev score when the step began. */
  startBest: number | null;
}

/** Everything the loop needs to continue exactly; written with the task state after every epoch. */
interface SearchState {
  version: 1;
  generation: number;
  episode: number;
  epochInEpisode: number;
  plan: EpisodePlan | null;
  /** The learning rate when the current episode began (its lr-fraction rule is relative to it). */
  episodeStartLr: number;
  episodeBest: number | null;
  episodeEpochs: EpochResult[];
  episodeSeconds: number;
  previousSelection: boolean[] | null;
  controller: ControllerState;
  rng: RngState;
  table: SelectionEntry[];
  /** Best episode score R so far (the 'vanilla' reward's baseline). */
  bestEpisodeScore: number | null;
  /** `checkpoint` is a folder name under the state folder (relative, so the output folder may move). */
  best: { score: number; selection: boolean[]; episode: number; epoch: number; checkpoint: string } | null;
  episodes: EpisodeRecord[];
  /** Prediction files (names under state/predictions/) of the Ensemble baseline's members. */
  ensembleMembers: string[];
  /** `--parallel K` only (absent in sequential searches): the step in progress, null between steps. */
  step?: ParallelStep | null;
}

export const SEARCH_FILE = 'search.json';
export const CONFIG_FILE = 'search-config.json';
export const MODEL_DIR = 'model';

interface SearchConfig {
  taskName: string;
  candidates: readonly string[];
  options: ReturnType<typeof outcomeOptions>;
}

function initialState(options: SearchOptions, size: number): SearchState {
  const controller = new Controller(size, options.controller);
  return {
    version: 1,
    generation: 0,
    episode: 0,
    epochInEpisode: 0,
    plan: null,
    episodeStartLr: 0,
    episodeBest: null,
    episodeEpochs: [],
    episodeSeconds: 0,
    previousSelection: null,
    controller: controller.getState(),
    rng: new Rng(options.seed).split('search').getState(),
    table: [],
    bestEpisodeScore: null,
    best: null,
    episodes: [],
    ensembleMembers: [],
  };
}

/** Check the folder against the options: a fresh search needs an unused folder, a resumed one the same configuration. */
function prepareOutDir(task: SearchableTask, options: SearchOptions, resume: boolean): void {
  const config: SearchConfig = { taskName: task.taskName, candidates: task.candidateNames, options: outcomeOptions(options) };
  const path = join(options.outDir, CONFIG_FILE);
  if (existsSync(path)) {
    if (!resume) throw new UsageError(`${options.outDir} already holds a search; pass --resume to continue it or choose another folder`);
    const saved = readFileSync(path, 'utf8');
    if (stableStringify(JSON.parse(saved)) !== stableStringify(config)) {
      throw new UsageError(`${options.outDir} holds a search with a different configuration; it cannot be resumed with these options`);
    }
    return;
  }
  mkdirSync(options.outDir, { recursive: true });
  writeJsonAtomic(path, config);
}

function buildRecord(task: SearchableTask, options: SearchOptions, regime: Regime, state: SearchState, final: FinalResult | null): SearchRecord {
  return {
    format: SEARCH_RECORD_FORMAT,
    taskName: task.taskName,
    metricName: task.metricName,
    strategy: options.strategy,
    candidates: [...task.candidateNames],
    options: outcomeOptions(options),
    regime,
    episodes: state.episodes,
    final,
  };
}

/** Replace folder `target` by what `write(tmp)` produces, so a reader never sees a half-written model. */
async function replaceDir(target: string, write: (dir: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await write(tmp);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
}

/**
 * Run (or, with `resume`, continue) a search over `task`'s candidates. State is committed after every epoch; a search
 * killed at any point and resumed ends with the same search.json (wall times aside) and final model.
 */
export async function runSearch(
  task: SearchableTask,
  options: SearchOptions,
  events: SearchEvents,
  deps: SearchDependencies & { resume?: boolean } = {},
): Promise<SearchRecord> {
  const size = task.candidateNames.length;
  if (size < 1) throw new UsageError('a search needs at least one candidate');
  if (options.retrain && !deps.createFreshTask) throw new UsageError('retrain needs a way to create a fresh task model');
  const now = deps.now ?? Date.now;
  const stage = deps.onStage ?? (() => {});
  prepareOutDir(task, options, deps.resume ?? false);

  const store = new StateStore<SearchState>(options.outDir);
  const latest = store.latest();
  let state: SearchState;
  if (latest) {
    state = latest.state;
    await task.loadState(latest.taskDir);
    store.prune(latest.generation, state.best?.checkpoint ?? null);
  } else {
    state = initialState(options, size);
  }
  const rng = new Rng(state.rng);
  const controller = new Controller(size, options.controller, state.controller);
  const predictionsDir = join(store.root, 'predictions');
  const entry = STRATEGIES[options.strategy];
  const regime = resolveRegime(options.regime.name, task, options.epochsPerEpisode, options.episodes, options.regime.overrides);
  // A single model (ALL, All+Weight) is one episode trained to convergence, except under the fixed regime, where
  // it keeps one schedule over episodes × epochsPerEpisode epochs.
  const continuous = entry.singleModel && regime.name === 'fixed';
  const totalEpisodes = entry.singleModel && !continuous ? 1 : options.episodes;
  const ruleOf = (episode: number): StopRule => (entry.singleModel && !continuous ? regime.single : episode === 0 ? regime.first : regime.episode);

  events.emit('searchStart', {
    strategy: options.strategy,
    candidates: task.candidateNames,
    episodes: totalEpisodes,
    epochsPerEpisode: ruleOf(state.episode).maxEpochs,
    regime,
    resumedAt: latest ? { episode: state.episode, epoch: state.epochInEpisode } : null,
    done: state.episodes.map((e) => ({ epochs: e.epochs.length, seconds: e.wallSeconds })),
    ...(options.parallel !== undefined && options.parallel > 1 ? { parallel: options.parallel } : {}),
  });

  const parallel = options.parallel ?? 1;
  const runner = deps.branchRunner ?? inProcessRunner(task, { ...(deps.onBranchStage ? { onStage: deps.onBranchStage } : {}), now });
  while (state.episode < totalEpisodes) {
    if (parallel > 1 && state.episode > 0 && state.plan === null) {
      // `--parallel K`: episode 0 runs as in the sequential search below; every later step trains K episodes at once.
      const ctx: StepContext = { task, options, events, store, controller, rng, runner, stage, totalEpisodes, rule: ruleOf(state.episode), predictionsDir };
      state = await parallelStep(ctx, state);
      writeSearchRecord(join(options.outDir, SEARCH_FILE), buildRecord(task, options, regime, state, null));
      stage('record-written', state.episodes.reduce((n, e) => n + e.epochs.length, 0));
      continue;
    }
    const episode = state.episode;
    if (state.plan === null) {
      // Episode boundary: the draw below is repeated identically after a crash, since the RNG state is the committed one.
      const drawn = planEpisode(options.strategy, episode, controller, rng, state.previousSelection, continuous);
      const stopRule = ruleOf(episode);
      const plan: EpisodePlan = stopRule.patience === null ? drawn : { ...drawn, settings: { ...drawn.settings, patience: stopRule.patience } };
      if (plan.rebuildOptimizer) task.beginEpisode(plan.settings);
      state = { ...state, plan, episodeStartLr: task.learningRate, episodeBest: null, episodeEpochs: [], episodeSeconds: 0 };
      events.emit('episodeStart', { episode, selection: plan.settings.selection, probabilities: plan.probabilities });
    }
    const plan = state.plan as EpisodePlan;
    const selection = [...plan.settings.selection];
    const generation = state.generation + 1;
    const globalEpoch = state.episodes.reduce((n, e) => n + e.epochs.length, 0) + state.epochInEpisode;

    const epochIndex = state.epochInEpisode;
    let finished = null as EpisodeRecord | null;
    let done = false;
    let episodeBest = 0;
    const step = await epochStep<SearchState>({
      task,
      store,
      generation,
      bestScore: state.best?.score ?? null,
      tieIsBest: true,
      checkpoint: { kind: 'store' },
      now,
      onStage: (s) => stage(s, globalEpoch),
      keep: (s) => s.best?.checkpoint ?? null,
      nextState: async (result, saved, seconds) => {
        const best = saved?.checkpoint ? { score: result.devScore, selection, episode, epoch: state.epochInEpisode, checkpoint: saved.checkpoint } : state.best;
        episodeBest = state.episodeBest === null ? result.devScore : Math.max(state.episodeBest, result.devScore);
        const epochInEpisode = state.epochInEpisode + 1;
        const episodeEpochs = [...state.episodeEpochs, result];
        const episodeSeconds = state.episodeSeconds + seconds;
        done = episodeDone(ruleOf(episode), episodeEpochs.map((e) => e.devScore), state.episodeStartLr, task.learningRate);
        // The RNG only advances at episode boundaries; the committed state always carries its current value.
        if (!done) return { ...state, generation, epochInEpisode, episodeBest, episodeEpochs, episodeSeconds, best, rng: rng.getState() };
        // Episode end: reward against the distinct earlier selections, then update θ (never after episode 0).
        const score = episodeBest;
        let reward: number[] | null = null;
        if (episode > 0 && entry.rewards) {
          reward = positionRewards(selection, score, state.table, state.bestEpisodeScore ?? score, options.reward);
          if (entry.updatesController) controller.update(selection, reward);
        }
        let ensembleMembers = state.ensembleMembers;
        if (entry.collectsPredictions) {
          const file = `episode-${String(episode).padStart(4, '0')}.json`;
          const dev = await task.predict('dev');
          const test = options.evaluateTest ? await task.predict('test') : null;
          writeFileAtomic(join(predictionsDir, file), JSON.stringify({ dev, test }));
          ensembleMembers = [...ensembleMembers, file];
        }
        const controllerState = controller.getState();
        finished = {
          episode,
          selection,
          probabilities: plan.probabilities,
          devScore: score,
          reward,
          theta: controllerState.theta,
          epochs: episodeEpochs,
          wallSeconds: episodeSeconds,
        };
        return {
          ...state,
          generation,
          episode: episode + 1,
          epochInEpisode: 0,
          plan: null,
          episodeBest: null,
          episodeEpochs: [],
          episodeSeconds: 0,
          previousSelection: selection,
          controller: controllerState,
          rng: rng.getState(),
          table: recordSelection(state.table, selection, score, episode),
          bestEpisodeScore: state.bestEpisodeScore === null ? score : Math.max(state.bestEpisodeScore, score),
          best,
          episodes: [...state.episodes, finished],
          ensembleMembers,
        };
      },
    });
    const { result, newBest } = step;
    const next = step.state;
    const best = next.best;
    state = next;
    if (finished) writeSearchRecord(join(options.outDir, SEARCH_FILE), buildRecord(task, options, regime, state, null));
    stage('record-written', globalEpoch);

    events.emit('epochEnd', { episode, epoch: epochIndex, globalEpoch, result, newBest, episodeBest, bestScore: best?.score ?? result.devScore, episodeDone: done });
    if (finished) events.emit('episodeEnd', { episode, record: finished });
  }

  if (parallel > 1) removeStepFolders(store.root);
  const final = await finish(task, options, state, events, deps);
  const record = buildRecord(task, options, regime, state, final);
  writeSearchRecord(join(options.outDir, SEARCH_FILE), record);
  events.emit('searchEnd', { record });
  return record;
}

interface StepContext {
  task: SearchableTask;
  options: SearchOptions;
  events: SearchEvents;
  store: StateStore<SearchState>;
  controller: Controller;
  rng: Rng;
  runner: BranchRunner;
  stage: (stage: CommitStage, globalEpoch: number) => void;
  totalEpisodes: number;
  rule: StopRule;
  predictionsDir: string;
}

/** The highest value's index, ties to the lowest index. */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * One `--parallel K` step: draw K distinct selections from the committed RNG and commit them; train each as an
 * episode from the same model state (through the runner, in step-NNNN/branch-k/); then reward every branch against
 * the selection table as it was at the start of the step, make one controller update on the sum of their
 * REINFORCE losses, continue from the end state of the best episode (ties: lowest branch), record the K selections
 * and episodes in branch order, and commit it all as one generation.
 */
async function parallelStep(ctx: StepContext, start: SearchState): Promise<SearchState> {
  const { task, options, events, store, controller, rng, stage } = ctx;
  const entry = STRATEGIES[options.strategy];
  const first = start.episode;
  const epochsBefore = start.episodes.reduce((n, e) => n + e.epochs.length, 0);
  let state = start;
  if (!state.step) {
    removeStepFolders(store.root);
    const requested = Math.min(options.parallel ?? 1, ctx.totalEpisodes - first);
    const probabilities = controller.probabilities();
    const selections = controller.sampleDistinct(rng, state.previousSelection, requested);
    const patience = ctx.rule.patience;
    const plans: EpisodePlan[] = selections.map((selection) => ({
      settings: { selection, blockWeighting: entry.blockWeighting, ...(patience !== null ? { patience } : {}) },
      probabilities,
      rebuildOptimizer: true,
    }));
    const generation = state.generation + 1;
    state = { ...state, generation, rng: rng.getState(), step: { firstEpisode: first, requested, plans, startBest: state.best?.score ?? null } };
    await store.commit(generation, state, (dir) => task.saveState(dir));
    store.prune(generation, state.best?.checkpoint ?? null);
    stage('step-planned', epochsBefore);
  }
  const step = state.step as ParallelStep;
  events.emit('stepStart', { firstEpisode: first, branches: step.plans.length, requested: step.requested });
  const stepDir = join(store.root, stepDirName(first));
  const dirs = step.plans.map((_, b) => join(stepDir, branchDirName(b)));
  for (let b = 0; b < step.plans.length; b++) {
    const plan = step.plans[b];
    events.emit('episodeStart', { episode: first + b, selection: plan.settings.selection, probabilities: plan.probabilities });
    // The task holds the committed state of the step's start (the runner has not run yet).
    await prepareBranch(dirs[b], {
      episode: first + b,
      branch: b,
      plan,
      rule: ctx.rule,
      bestScore: step.startBest,
      predictions: entry.collectsPredictions ? { test: options.evaluateTest } : null,
    }, (dir) => task.saveState(dir));
  }

  let reported = 0;
  let bestSeen = step.startBest;
  const results = await ctx.runner.run(dirs, {
    onEpoch: (e) => {
      bestSeen = bestSeen === null ? e.result.devScore : Math.max(bestSeen, e.result.devScore);
      events.emit('epochEnd', {
        episode: e.episode, epoch: e.epoch, globalEpoch: epochsBefore + reported++, result: e.result, newBest: e.newBest,
        episodeBest: e.episodeBest, bestScore: bestSeen, episodeDone: e.episodeDone, branch: e.branch,
      });
    },
  });
  if (results.length !== dirs.length) throw new Error(`the branch runner returned ${results.length} results for ${dirs.length} branches`);

  // Rewards against the table at the start of the step; one update on the summed gradient.
  const rewards = results.map((r) => (entry.rewards ? positionRewards(r.selection, r.devScore, state.table, state.bestEpisodeScore ?? r.devScore, options.reward) : null));
  if (entry.updatesController) controller.updateBatch(results.map((r) => r.selection), rewards as number[][]);
  const controllerState = controller.getState();
  const generation = state.generation + 1;

  // The search's best checkpoint: the best over every branch's epochs (each branch only checkpoints an epoch at
  // least as good as the best when the step began; ties between branches go to the lowest).
  let best = state.best;
  const withBest = results.map((r) => r.best?.score ?? -Infinity);
  const b = argmax(withBest);
  const found = results[b].best;
  if (found) {
    const name = store.checkpointName(generation);
    const target = join(store.root, name);
    rmSync(target, { recursive: true, force: true });
    cpSync(join(dirs[b], found.checkpoint), target, { recursive: true });
    best = { score: found.score, selection: results[b].selection, episode: first + b, epoch: found.epoch, checkpoint: name };
  }

  let ensembleMembers = state.ensembleMembers;
  for (let k = 0; k < results.length; k++) {
    const file = results[k].predictions;
    if (file === null) continue;
    const name = `episode-${String(first + k).padStart(4, '0')}.json`;
    writeFileAtomic(join(ctx.predictionsDir, name), readFileSync(join(dirs[k], file)));
    ensembleMembers = [...ensembleMembers, name];
  }

  let table = state.table;
  let bestEpisodeScore = state.bestEpisodeScore;
  const records: EpisodeRecord[] = results.map((r, k) => {
    table = recordSelection(table, r.selection, r.devScore, first + k);
    bestEpisodeScore = bestEpisodeScore === null ? r.devScore : Math.max(bestEpisodeScore, r.devScore);
    return {
      episode: first + k,
      selection: r.selection,
      probabilities: step.plans[k].probabilities,
      devScore: r.devScore,
      reward: rewards[k],
      theta: controllerState.theta,
      epochs: r.epochs,
      wallSeconds: r.seconds,
    };
  });

  // The model goes on from the end state of the step's best episode.
  const continued = argmax(results.map((r) => r.devScore));
  await task.loadState(join(dirs[continued], results[continued].finalState));
  const next: SearchState = {
    ...state,
    generation,
    episode: first + results.length,
    epochInEpisode: 0,
    plan: null,
    episodeBest: null,
    episodeEpochs: [],
    episodeSeconds: 0,
    previousSelection: results[continued].selection,
    controller: controllerState,
    rng: rng.getState(),
    table,
    bestEpisodeScore,
    best,
    episodes: [...state.episodes, ...records],
    ensembleMembers,
    step: null,
  };
  const globalEpoch = epochsBefore + results.reduce((n, r) => n + r.epochs.length, 0);
  await store.commit(generation, next, (dir) => task.saveState(dir), (s) => stage(s, globalEpoch));
  stage('committed', globalEpoch);
  store.prune(generation, next.best?.checkpoint ?? null);
  stage('step-merged', globalEpoch);
  rmSync(stepDir, { recursive: true, force: true });
  for (const record of records) events.emit('episodeEnd', { episode: record.episode, record });
  return next;
}

/** The result: reload the best checkpoint, save it as the final model, score test, the ensemble and the retrained model. */
async function finish(
  task: SearchableTask,
  options: SearchOptions,
  state: SearchState,
  events: SearchEvents,
  deps: SearchDependencies,
): Promise<FinalResult> {
  const best = state.best;
  if (!best) throw new Error('search finished without any trained epoch');
  const root = new StateStore<SearchState>(options.outDir).root;
  await task.loadCheckpoint(join(root, best.checkpoint));
  await replaceDir(join(options.outDir, MODEL_DIR), (dir) => task.saveCheckpoint(dir));
  const testScore = options.evaluateTest ? (await task.evaluate('test')).score : null;

  let ensemble: FinalResult['ensemble'] = null;
  if (STRATEGIES[options.strategy].collectsPredictions) {
    const members = state.ensembleMembers.map((f) => JSON.parse(readFileSync(join(root, 'predictions', f), 'utf8')) as { dev: unknown; test: unknown });
    const dev = await task.scoreVote(members.map((m) => m.dev), 'dev');
    const test = options.evaluateTest ? await task.scoreVote(members.map((m) => m.test), 'test') : null;
    ensemble = { members: members.length, devScore: dev.score, testScore: test ? test.score : null };
  }

  let retrain: FinalResult['retrain'] = null;
  if (options.retrain && deps.createFreshTask) {
    // Not resumable mid-way: after a crash the retraining restarts from the factory's fresh model (same result).
    const fresh = await deps.createFreshTask();
    const settings: EpisodeSettings = {
      selection: best.selection,
      blockWeighting: STRATEGIES[options.strategy].blockWeighting,
    };
    fresh.beginEpisode(settings);
    const epochs: EpochResult[] = [];
    let bestDev = -Infinity;
    const retrainDir = join(options.outDir, 'retrained-model');
    for (let epoch = 0; epoch < options.retrainEpochs; epoch++) {
      const result = await fresh.trainEpoch();
      epochs.push(result);
      if (result.devScore >= bestDev) {
        bestDev = result.devScore;
        await replaceDir(retrainDir, (dir) => fresh.saveCheckpoint(dir));
      }
      events.emit('retrainEpochEnd', { epoch, result });
    }
    await fresh.loadCheckpoint(retrainDir);
    const test = options.evaluateTest ? (await fresh.evaluate('test')).score : null;
    retrain = { epochs, devScore: bestDev, testScore: test };
  }

  return {
    selection: best.selection,
    bestDevScore: best.score,
    bestEpisode: best.episode,
    bestEpoch: best.epoch,
    testScore,
    probabilities: controller(options, state).probabilities(),
    ensemble,
    retrain,
  };
}

function controller(options: SearchOptions, state: SearchState): Controller {
  return new Controller(state.controller.theta.length, options.controller, state.controller);
}
