// The search strategies: ACE and the paper's baselines on the same budget (Wang et al. 2021, §4.3).
import type { EpisodeSettings } from '../tasks/task.js';
import type { Rng } from '../util/rng.js';
import type { Controller } from './controller.js';

/**
 * - 'ace': controller-sampled selections, REINFORCE updates.
 * - 'random': selections drawn from the untrained controller (each candidate kept with p = 0.5), never updated.
 * - 'all': every candidate, one model trained episodes × epochs (beginEpisode only once: one continuous schedule).
 * - 'all-weight': as 'all', every block scaled by a learned σ(w_l).
 * - 'ensemble': the 'random' protocol; the per-episode models' predictions are combined by majority vote.
 * Episode 0 uses every candidate in every strategy, as in the official code.
 */
export type SearchStrategy = 'ace' | 'random' | 'all' | 'all-weight' | 'ensemble';

export const SEARCH_STRATEGIES: readonly SearchStrategy[] = Object.freeze(['ace', 'random', 'all', 'all-weight', 'ensemble']);

export interface EpisodePlan {
  settings: EpisodeSettings;
  /** σ(θ) when the selection was drawn (what the report plots). */
  probabilities: number[];
  /** Whether the task's optimizer and schedule are rebuilt for this episode. */
  rebuildOptimizer: boolean;
}

export function updatesController(strategy: SearchStrategy): boolean {
  return strategy === 'ace';
}

export function collectsPredictions(strategy: SearchStrategy): boolean {
  return strategy === 'ensemble';
}

export function planEpisode(
  strategy: SearchStrategy,
  episode: number,
  controller: Controller,
  rng: Rng,
  previous: readonly boolean[] | null,
): EpisodePlan {
  const probabilities = controller.probabilities();
  const all = new Array<boolean>(controller.size).fill(true);
  const weighting = strategy === 'all-weight' ? 'learned-sigmoid' : 'none';
  if (strategy === 'all' || strategy === 'all-weight') {
    return { settings: { selection: all, blockWeighting: weighting }, probabilities, rebuildOptimizer: episode === 0 };
  }
  const selection = episode === 0 ? all : controller.sample(rng, previous);
  return { settings: { selection, blockWeighting: 'none' }, probabilities, rebuildOptimizer: true };
}
