// The resumable ACE episode loop (Wang et al. 2021, Alg. 1): sample a selection, train the persistent model, reward, update.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

/** Points where a test may interrupt the loop (by throwing) to check that every crash point resumes exactly. */
export type CommitStage = EpochStage | 'record-written';

export interface SearchDependencies {
  /** A new, untrained task model (for `retrain`). */
  createFreshTask?: () => Promise<SearchableTask>;
  /** Called at each stage of each epoch's commit; throwing aborts the search. */
  onStage?: (stage: CommitStage, globalEpoch: number) => void;
  /** Wall clock in milliseconds (injectable so tests need not depend on time). */
  now?: () => number;
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
  const regime = resolveRegime(options.regime.name, task.taskName, options.epochsPerEpisode, options.episodes, options.regime.overrides);
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
  });

  while (state.episode < totalEpisodes) {
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

  const final = await finish(task, options, state, events, deps);
  const record = buildRecord(task, options, regime, state, final);
  writeSearchRecord(join(options.outDir, SEARCH_FILE), record);
  events.emit('searchEnd', { record });
  return record;
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
