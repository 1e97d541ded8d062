// The search strategies, one table entry each: ACE and the paper's baselines on the same protocol (Wang et al. 2021, §4.3).
import type { EpisodeSettings } from '../tasks/task.js';
import type { Rng } from '../util/rng.js';
import type { Controller } from './controller.js';

export type SearchStrategy = 'ace' | 'random' | 'all' | 'all-weight' | 'ensemble';

export interface StrategyEntry {
  /** How reports and tables name it. */
  label: string;
  /** What `--help` and the README say of it. */
  summary: string;
  /** One model on every candidate (no selections drawn): trained under the regime's single-model rule. */
  singleModel: boolean;
  /** Episode 0 draws its selection like the others (official RANDOM) instead of using every candidate. */
  drawsFirstEpisode: boolean;
  /** Rewards are computed per episode (recorded in search.json). */
  rewards: boolean;
  /** The rewards step the controller. */
  updatesController: boolean;
  /** Each episode's model predicts dev and test, and the final result adds their majority vote. */
  collectsPredictions: boolean;
  /** How the model weights the selected blocks. */
  blockWeighting: EpisodeSettings['blockWeighting'];
  /** Drawn dashed in the report's plots. */
  dashed: boolean;
}

export const STRATEGIES: Readonly<Record<SearchStrategy, Readonly<StrategyEntry>>> = Object.freeze({
  ace: Object.freeze({
    label: 'ACE', summary: 'controller-sampled selections, REINFORCE updates (episode 0: every candidate)',
    singleModel: false, drawsFirstEpisode: false, rewards: true, updatesController: true, collectsPredictions: false, blockWeighting: 'none', dashed: false,
  }),
  random: Object.freeze({
    label: 'RANDOM', summary: 'every episode (0 included) keeps each candidate with p = 0.5; the controller never moves',
    singleModel: false, drawsFirstEpisode: true, rewards: true, updatesController: false, collectsPredictions: false, blockWeighting: 'none', dashed: true,
  }),
  all: Object.freeze({
    label: 'ALL', summary: 'one model on every candidate, trained to convergence',
    singleModel: true, drawsFirstEpisode: false, rewards: false, updatesController: false, collectsPredictions: false, blockWeighting: 'none', dashed: false,
  }),
  'all-weight': Object.freeze({
    label: 'All+Weight', summary: 'as ALL, every block scaled by a learned σ(w_l)',
    singleModel: true, drawsFirstEpisode: false, rewards: false, updatesController: false, collectsPredictions: false, blockWeighting: 'learned-sigmoid', dashed: false,
  }),
  ensemble: Object.freeze({
    label: 'Ensemble', summary: "RANDOM's protocol; the episode models' predictions are combined by majority vote",
    singleModel: false, drawsFirstEpisode: true, rewards: true, updatesController: false, collectsPredictions: true, blockWeighting: 'none', dashed: true,
  }),
});

export const SEARCH_STRATEGIES: readonly SearchStrategy[] = Object.freeze(Object.keys(STRATEGIES) as SearchStrategy[]);

export function isStrategy(name: string): name is SearchStrategy {
  return Object.hasOwn(STRATEGIES, name);
}

/** A strategy's report label (a name the table does not know is shown as it is). */
export function strategyLabel(name: string): string {
  return isStrategy(name) ? STRATEGIES[name].label : name;
}

export interface EpisodePlan {
  settings: EpisodeSettings;
  /** σ(θ) when the selection was drawn (what the report plots). */
  probabilities: number[];
  /** Whether the task's optimizer and schedule are rebuilt for this episode. */
  rebuildOptimizer: boolean;
}

/**
 * The selection of an episode. `continuousSchedule`: a single-model strategy under the fixed regime keeps one
 * schedule over all its episodes (beginEpisode once); every other episode rebuilds optimizer and schedule.
 */
export function planEpisode(
  strategy: SearchStrategy,
  episode: number,
  controller: Controller,
  rng: Rng,
  previous: readonly boolean[] | null,
  continuousSchedule: boolean,
): EpisodePlan {
  const entry = STRATEGIES[strategy];
  const probabilities = controller.probabilities();
  const all = new Array<boolean>(controller.size).fill(true);
  const settings = (selection: boolean[]): EpisodeSettings => ({ selection, blockWeighting: entry.blockWeighting });
  if (entry.singleModel) return { settings: settings(all), probabilities, rebuildOptimizer: !continuousSchedule || episode === 0 };
  const draw = episode > 0 || entry.drawsFirstEpisode;
  return { settings: settings(draw ? controller.sample(rng, previous) : all), probabilities, rebuildOptimizer: true };
}
