// One epoch, as `ace train` and every search episode run it: train, score dev, checkpoint a new best, commit, prune.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochResult, SearchableTask } from '../tasks/task.js';
import type { StateStore } from '../util/state-store.js';

/** Points where a test may interrupt an epoch's commit (by throwing) to check that every crash point resumes exactly. */
export type CommitStage = 'trained' | 'checkpoint-saved' | 'task-saved' | 'state-written' | 'committed';

export interface EpochStepInput<S> {
  task: SearchableTask;
  store: StateStore<S>;
  /** The generation this epoch commits (the previous one + 1). */
  generation: number;
  /** The best dev score so far (null before any epoch). */
  bestScore: number | null;
  /** Whether a score equal to the best is a new best (the search keeps the later model; ace train the earlier). */
  tieIsBest: boolean;
  /**
   * Where a new best checkpoint goes: a folder under the store (`store.checkpointName(generation)`, kept by prune)
   * or, with a path, a fixed folder outside it (written before the state commits; a kill in between redoes the epoch).
   */
  checkpoint: { kind: 'store' } | { kind: 'path'; path: string };
  /** The run state to commit with the task state, from the epoch's result. */
  nextState(result: EpochResult, newBest: { checkpoint: string | null } | null, seconds: number): Promise<S> | S;
  /** The checkpoint folder (under the store) to keep when pruning, from the committed state. */
  keep(state: S): string | null;
  now?: () => number;
  onStage?: (stage: CommitStage) => void;
}

export interface EpochStepOutput<S> {
  result: EpochResult;
  /** Wall seconds of the epoch (training and dev scoring), measured by the caller's clock. */
  seconds: number;
  newBest: boolean;
  state: S;
}

/** Train one epoch of the current episode and commit it; after a crash the run resumes from the last commit. */
export async function epochStep<S>(input: EpochStepInput<S>): Promise<EpochStepOutput<S>> {
  const { task, store, generation } = input;
  const now = input.now ?? Date.now;
  const stage = input.onStage ?? (() => {});
  const t0 = now();
  const result = await task.trainEpoch();
  const seconds = (now() - t0) / 1000;
  stage('trained');

  const b = input.bestScore;
  const newBest = b === null || result.devScore > b || (input.tieIsBest && result.devScore === b);
  let saved: { checkpoint: string | null } | null = null;
  if (newBest) {
    if (input.checkpoint.kind === 'store') {
      const name = store.checkpointName(generation);
      const dir = join(store.root, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await task.saveCheckpoint(dir);
      saved = { checkpoint: name };
    } else {
      const dir = input.checkpoint.path;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await task.saveCheckpoint(dir);
      saved = { checkpoint: null };
    }
    stage('checkpoint-saved');
  }
  const state = await input.nextState(result, saved, seconds);
  await store.commit(generation, state, (dir) => task.saveState(dir), (s) => stage(s));
  stage('committed');
  store.prune(generation, input.keep(state));
  return { result, seconds, newBest, state };
}
