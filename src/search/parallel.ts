// `ace search --parallel K`: one controller step trains K episodes at once, each from the same model state, each in its own folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochResult, SearchableTask } from '../tasks/task.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-fs.js';
import { InputError } from '../util/errors.js';
import { StateStore } from '../util/state-store.js';
import { epochStep, type CommitStage as EpochStage } from '../training/epoch-step.js';
import { episodeDone, type StopRule } from './regime.js';
import type { EpisodePlan } from './strategy.js';

/*
 * Layout of a step in progress, under the search's state folder:
 *   step-0003/branch-1/branch-spec.json   what the branch trains (written by the search when it plans the step)
 *   step-0003/branch-1/start/             the task state every branch of the step starts from
 *   step-0003/branch-1/state/             the branch's own StateStore: gen-…/ per epoch, best-…/ checkpoints
 *   step-0003/branch-1/predictions.json   (Ensemble) the episode model's dev and test predictions
 *   step-0003/branch-1/branch.json        the result, written last: a branch with it is finished
 * A killed branch resumes from its last committed epoch; a finished one is reused as it is.
 */
export const BRANCH_SPEC_FILE = 'branch-spec.json';
export const BRANCH_RESULT_FILE = 'branch.json';
const START_DIR = 'start';
const PREDICTIONS_FILE = 'predictions.json';
const BRANCH_SPEC_FORMAT = 'ace-ts/branch-spec@1';
const BRANCH_RESULT_FORMAT = 'ace-ts/branch@1';

export interface BranchSpec {
  format: typeof BRANCH_SPEC_FORMAT;
  /** The episode number this branch's record gets (the step's first episode + branch). */
  episode: number;
  branch: number;
  plan: EpisodePlan;
  /** When the episode stops (the regime's rule for episodes after the first). */
  rule: StopRule;
  /** The search's best dev score when the step began: an epoch at least as good saves a checkpoint. */
  bestScore: number | null;
  /** Ensemble: the episode's final model predicts dev (and test, when scored). */
  predictions: { test: boolean } | null;
}

export interface BranchResult {
  format: typeof BRANCH_RESULT_FORMAT;
  episode: number;
  branch: number;
  selection: boolean[];
  /** R_t: the best dev score of the episode. */
  devScore: number;
  epochs: EpochResult[];
  seconds: number;
  /** The branch's last epoch at least as good as every earlier dev score of the search; folder relative to the branch's. */
  best: { score: number; epoch: number; checkpoint: string } | null;
  /** The episode's final task state (a folder relative to the branch's). */
  finalState: string;
  /** Ensemble: the predictions file, relative to the branch's folder. */
  predictions: string | null;
}

/** One epoch of a branch, for progress displays. */
export interface BranchEpoch {
  episode: number;
  branch: number;
  epoch: number;
  result: EpochResult;
  newBest: boolean;
  episodeBest: number;
  episodeDone: boolean;
}

/** Points where a test may interrupt a branch (by throwing): its epochs' commit stages and its end. */
export type BranchStage = EpochStage | 'branch-done';

export interface BranchHooks {
  onEpoch?: (epoch: BranchEpoch) => void;
}

/**
 * Runs the branches of a step: every folder holds a branch-spec.json (and a start state); the runner brings each
 * to its branch.json and resolves with the results in the order given. Branches already finished are not rerun.
 */
export interface BranchRunner {
  run(branchDirs: readonly string[], hooks: BranchHooks): Promise<BranchResult[]>;
}

interface BranchState {
  version: 1;
  generation: number;
  /** The learning rate when the episode began (its lr-fraction rule is relative to it). */
  episodeStartLr: number;
  episodeBest: number | null;
  epochs: EpochResult[];
  seconds: number;
  best: { score: number; epoch: number; checkpoint: string } | null;
  done: boolean;
}

export function stepDirName(firstEpisode: number): string {
  return `step-${String(firstEpisode).padStart(4, '0')}`;
}

export function branchDirName(branch: number): string {
  return `branch-${branch}`;
}

/** Remove the folders of steps that are no longer in progress (left when a kill fell between a step's commit and their removal). */
export function removeStepFolders(stateRoot: string): void {
  if (!existsSync(stateRoot)) return;
  for (const name of readdirSync(stateRoot)) if (/^step-\d+$/.test(name)) rmSync(join(stateRoot, name), { recursive: true, force: true });
}

function readJson<T>(path: string, format: string): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || (value as { format?: unknown }).format !== format) throw new InputError(path, undefined, `not a ${format} file`);
  return value as T;
}

export function readBranchSpec(branchDir: string): BranchSpec {
  return readJson<BranchSpec>(join(branchDir, BRANCH_SPEC_FILE), BRANCH_SPEC_FORMAT);
}

export function readBranchResult(branchDir: string): BranchResult {
  return readJson<BranchResult>(join(branchDir, BRANCH_RESULT_FILE), BRANCH_RESULT_FORMAT);
}

/**
 * Make a branch folder: its start state (written by `saveStart`, the committed task state of the step's start) and
 * its spec, in that order, so a folder with a spec is complete. An existing complete folder is left as it is.
 */
export async function prepareBranch(branchDir: string, spec: Omit<BranchSpec, 'format'>, saveStart: (dir: string) => Promise<void>): Promise<void> {
  if (existsSync(join(branchDir, BRANCH_SPEC_FILE))) return;
  const start = join(branchDir, START_DIR);
  const tmp = `${start}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveStart(tmp);
  rmSync(start, { recursive: true, force: true });
  renameSync(tmp, start);
  const full: BranchSpec = { format: BRANCH_SPEC_FORMAT, ...spec };
  writeJsonAtomic(join(branchDir, BRANCH_SPEC_FILE), full);
}

/**
 * Run (or continue) the episode of one branch folder with `task` and return its result. Each epoch is committed
 * through epochStep into the branch's own StateStore, so a killed branch resumes exactly where it was.
 */
export async function runBranch(
  task: SearchableTask,
  branchDir: string,
  hooks: BranchHooks & { onStage?: (stage: BranchStage, epoch: number) => void; now?: () => number } = {},
): Promise<BranchResult> {
  if (existsSync(join(branchDir, BRANCH_RESULT_FILE))) return readBranchResult(branchDir);
  const spec = readBranchSpec(branchDir);
  const stage = hooks.onStage ?? (() => {});
  const store = new StateStore<BranchState>(branchDir);
  const latest = store.latest();
  let state: BranchState;
  if (latest) {
    state = latest.state;
    await task.loadState(latest.taskDir);
    store.prune(latest.generation, state.best?.checkpoint ?? null);
  } else {
    await task.loadState(join(branchDir, START_DIR));
    if (spec.plan.rebuildOptimizer) task.beginEpisode(spec.plan.settings);
    state = { version: 1, generation: 0, episodeStartLr: task.learningRate, episodeBest: null, epochs: [], seconds: 0, best: null, done: false };
  }
  while (!state.done) {
    const epoch = state.epochs.length;
    const generation = state.generation + 1;
    const before = state;
    const step = await epochStep<BranchState>({
      task,
      store,
      generation,
      bestScore: before.best?.score ?? spec.bestScore,
      tieIsBest: true,
      checkpoint: { kind: 'store' },
      ...(hooks.now ? { now: hooks.now } : {}),
      onStage: (s) => stage(s, epoch),
      keep: (s) => s.best?.checkpoint ?? null,
      nextState: (result, saved, seconds) => {
        const epochs = [...before.epochs, result];
        return {
          ...before,
          generation,
          episodeBest: before.episodeBest === null ? result.devScore : Math.max(before.episodeBest, result.devScore),
          epochs,
          seconds: before.seconds + seconds,
          best: saved?.checkpoint ? { score: result.devScore, epoch, checkpoint: saved.checkpoint } : before.best,
          done: episodeDone(spec.rule, epochs.map((e) => e.devScore), before.episodeStartLr, task.learningRate),
        };
      },
    });
    state = step.state;
    hooks.onEpoch?.({ episode: spec.episode, branch: spec.branch, epoch, result: step.result, newBest: step.newBest, episodeBest: state.episodeBest as number, episodeDone: state.done });
  }
  const final = store.latest();
  if (!final) throw new Error(`${branchDir}: a finished branch has no committed state`);
  let predictions: string | null = null;
  if (spec.predictions) {
    // The task holds the episode's final state (just trained, or loaded from that commit on resume).
    const dev = await task.predict('dev');
    const test = spec.predictions.test ? await task.predict('test') : null;
    writeFileAtomic(join(branchDir, PREDICTIONS_FILE), JSON.stringify({ dev, test }));
    predictions = PREDICTIONS_FILE;
  }
  const result: BranchResult = {
    format: BRANCH_RESULT_FORMAT,
    episode: spec.episode,
    branch: spec.branch,
    selection: [...spec.plan.settings.selection],
    devScore: state.episodeBest as number,
    epochs: state.epochs,
    seconds: state.seconds,
    best: state.best ? { ...state.best, checkpoint: join('state', state.best.checkpoint) } : null,
    finalState: join('state', `gen-${String(final.generation).padStart(6, '0')}`, 'task'),
    predictions,
  };
  writeJsonAtomic(join(branchDir, BRANCH_RESULT_FILE), result);
  stage('branch-done', state.epochs.length);
  return result;
}

/** Runs the branches one after another in this process, on the search's own task model. */
export function inProcessRunner(
  task: SearchableTask,
  options: { onStage?: (stage: BranchStage, where: { episode: number; branch: number; epoch: number }) => void; now?: () => number } = {},
): BranchRunner {
  return {
    async run(branchDirs, hooks) {
      const results: BranchResult[] = [];
      for (const dir of branchDirs) {
        const spec = existsSync(join(dir, BRANCH_RESULT_FILE)) ? null : readBranchSpec(dir);
        const onStage = options.onStage;
        results.push(
          await runBranch(task, dir, {
            ...hooks,
            ...(options.now ? { now: options.now } : {}),
            ...(onStage && spec ? { onStage: (s: BranchStage, epoch: number) => onStage(s, { episode: spec.episode, branch: spec.branch, epoch }) } : {}),
          }),
        );
      }
      return results;
    },
  };
}
