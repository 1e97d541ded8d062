// The resumable part of training besides parameters: episode settings, epoch, RNG, optimizer and schedule state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensors, saveTensors, type OptimizerState } from '../../engine/index.js';
import { writeJsonAtomic } from '../../util/atomic-fs.js';
import type { RngState } from '../../util/rng.js';
import type { EpisodeSettings } from '../task.js';

export interface TrainingState<S> {
  settings: EpisodeSettings;
  epoch: number;
  rng: RngState;
  optimizer: OptimizerState | null;
  scheduler: S | null;
}

/** Writes optimizer.bin (slot tensors) and training.json (everything else) into dir. */
export function saveTrainingState<S>(dir: string, state: TrainingState<S>): void {
  const { optimizer, ...rest } = state;
  if (optimizer) saveTensors(join(dir, 'optimizer.bin'), optimizer.tensors);
  writeJsonAtomic(join(dir, 'training.json'), { ...rest, optimizer: optimizer ? { kind: optimizer.kind, lr: optimizer.lr, steps: optimizer.steps } : null });
}

export function loadTrainingState<S>(dir: string): TrainingState<S> {
  const saved = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8')) as Omit<TrainingState<S>, 'optimizer'> & {
    optimizer: Omit<OptimizerState, 'tensors'> | null;
  };
  return { ...saved, optimizer: saved.optimizer ? { ...saved.optimizer, tensors: loadTensors(join(dir, 'optimizer.bin')) } : null };
}
