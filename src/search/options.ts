// Search options: one home for each default, validated once.
import { UsageError } from '../util/errors.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerOptions } from './controller.js';
import { DEFAULT_REWARD_OPTIONS, type RewardOptions } from './reward.js';
import { REGIME_NAMES, type RegimeName, type RegimeOverrides } from './regime.js';
import { SEARCH_STRATEGIES, STRATEGIES, type SearchStrategy } from './strategy.js';

/** A regime by name with overrides; the search resolves it for its task (see regime.ts). */
export interface RegimeSpec {
  name: RegimeName;
  overrides: RegimeOverrides;
}

export interface SearchOptions {
  /** Where state, checkpoints and search.json go. */
  outDir: string;
  strategy: SearchStrategy;
  episodes: number;
  /** The fixed regime's epochs per episode. */
  epochsPerEpisode: number;
  /** How long each episode trains. */
  regime: RegimeSpec;
  seed: number;
  reward: RewardOptions;
  controller: ControllerOptions;
  /** Score the best checkpoint (and the ensemble, the retrained model) on test at the end. */
  evaluateTest: boolean;
  /** Train a fresh model on the final selection (needs a task factory). */
  retrain: boolean;
  /** Epochs of that retraining; defaults to the search budget, episodes × epochsPerEpisode. */
  retrainEpochs: number;
  /**
   * Episodes trained at once per controller step (`--parallel K`, an extension of the paper). Present only when
   * K > 1, so a sequential search's options (and search.json) are those of searches saved before it existed.
   */
  parallel?: number;
}

export interface SearchOptionsInput {
  outDir: string;
  strategy?: SearchStrategy;
  episodes?: number;
  epochsPerEpisode?: number;
  /** Default: 'fixed' when epochsPerEpisode is given, else 'budget'. */
  regime?: RegimeName | RegimeSpec;
  seed?: number;
  reward?: Partial<RewardOptions>;
  controller?: Partial<ControllerOptions>;
  evaluateTest?: boolean;
  retrain?: boolean;
  retrainEpochs?: number | undefined;
  /** Default 1 (the paper's sequential search). */
  parallel?: number | undefined;
}

export const DEFAULT_SEARCH_OPTIONS = Object.freeze({
  strategy: 'ace' as SearchStrategy,
  episodes: 30,
  epochsPerEpisode: 1,
  regime: 'budget' as RegimeName,
  seed: 1,
  evaluateTest: true,
  retrain: false,
});

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveSearchOptions(input: SearchOptionsInput): SearchOptions {
  const d = DEFAULT_SEARCH_OPTIONS;
  const strategy = input.strategy ?? d.strategy;
  if (!SEARCH_STRATEGIES.includes(strategy)) throw new UsageError(`unknown strategy '${strategy}' (one of ${SEARCH_STRATEGIES.join(', ')})`);
  const episodes = positiveInt('episodes', input.episodes ?? d.episodes);
  const epochsPerEpisode = positiveInt('epochs per episode', input.epochsPerEpisode ?? d.epochsPerEpisode);
  const spec: RegimeSpec =
    typeof input.regime === 'object' ? { name: input.regime.name, overrides: { ...input.regime.overrides } } : { name: input.regime ?? (input.epochsPerEpisode !== undefined ? 'fixed' : d.regime), overrides: {} };
  if (!REGIME_NAMES.includes(spec.name)) throw new UsageError(`unknown regime '${spec.name}' (one of ${REGIME_NAMES.join(', ')})`);
  const seed = input.seed ?? d.seed;
  if (!Number.isInteger(seed)) throw new UsageError(`seed must be an integer, got ${seed}`);
  const reward: RewardOptions = { ...DEFAULT_REWARD_OPTIONS, ...input.reward };
  if (!(reward.discount > 0 && reward.discount <= 1)) throw new UsageError(`reward discount must be in (0, 1], got ${reward.discount}`);
  if (!['hamming', 'vanilla'].includes(reward.kind)) throw new UsageError(`unknown reward kind '${reward.kind}'`);
  if (!['none', 'sqrt', 'log'].includes(reward.shaping)) throw new UsageError(`unknown reward shaping '${reward.shaping}'`);
  const controller: ControllerOptions = { ...DEFAULT_CONTROLLER_OPTIONS, ...input.controller };
  if (!(controller.learningRate > 0)) throw new UsageError(`controller learning rate must be > 0, got ${controller.learningRate}`);
  if (!(controller.momentum >= 0 && controller.momentum < 1)) throw new UsageError(`controller momentum must be in [0, 1), got ${controller.momentum}`);
  const parallel = positiveInt('parallel', input.parallel ?? 1);
  if (parallel > 1 && STRATEGIES[strategy].singleModel) {
    throw new UsageError(`--parallel ${parallel}: the ${STRATEGIES[strategy].label} baseline trains a single model, so it has no episodes to run at once (use --parallel 1)`);
  }
  return {
    outDir: input.outDir,
    strategy,
    episodes,
    epochsPerEpisode,
    regime: spec,
    seed,
    reward,
    controller,
    evaluateTest: input.evaluateTest ?? d.evaluateTest,
    retrain: input.retrain ?? d.retrain,
    retrainEpochs: positiveInt('retrain epochs', input.retrainEpochs ?? episodes * epochsPerEpisode),
    ...(parallel > 1 ? { parallel } : {}),
  };
}

/** The options that define the search's outcome (outDir excluded), compared on resume. */
export function outcomeOptions(options: SearchOptions): Omit<SearchOptions, 'outDir'> {
  const { outDir: _outDir, ...rest } = options;
  return rest;
}
