// How long an episode trains: a fixed number of epochs, or until its score stops moving (the official ACE protocol).
import { UsageError } from '../util/errors.js';
import type { StopRule } from '../training/stop-rule.js';
import type { LrSchedule, SearchableTask } from '../tasks/task.js';

export { episodeDone, type StopRule } from '../training/stop-rule.js';

export type RegimeName = 'fixed' | 'budget' | 'official';

export const REGIME_NAMES: readonly RegimeName[] = Object.freeze(['fixed', 'budget', 'official']);

/** A regime resolved for one task: the rule of a search episode and the rule of a one-model strategy. */
export interface Regime {
  name: RegimeName;
  /** Episode 0 of ACE, RANDOM and Ensemble: it trains the fresh model, whose early dev scores jump about. */
  first: StopRule;
  /** Their later episodes, which continue the trained model on a new selection. */
  episode: StopRule;
  /**
   * For ALL and All+Weight: one model trained until it converges, in one episode. The 'fixed' regime keeps the
   * older protocol instead: episodes × epochsPerEpisode epochs on one continuous schedule.
   */
  single: StopRule;
}

/** Where the search's defaults differ from a regime's, per option (all optional: the regime fills the rest). */
export interface RegimeOverrides {
  maxEpochs?: number;
  lrFraction?: number;
  stallEpochs?: number;
  patience?: number;
}

interface RegimeEntry {
  /** What `ace search --help` and the README say of it. */
  summary: string;
  resolve(schedule: LrSchedule, taskName: string, epochsPerEpisode: number, episodes: number): Omit<Regime, 'name'>;
}

const rule = (maxEpochs: number, lrFraction: number | null, stallEpochs: number | null, patience: number | null): StopRule => ({ maxEpochs, lrFraction, stallEpochs, patience });

/**
 * The regimes, one entry each. 'official' is Alibaba-NLP/ACE's reinforcement trainer: patience 5 (its configs),
 * until lr/1000 or max_epochs (150 for NER, 300 for the others), parsers also after 25 epochs without a gain.
 * 'budget' keeps the official property that each episode trains until its dev score stops moving, at a cost a
 * 2-core machine pays. Episode 0 trains the fresh model with patience 1 down to lr/8 (at most 40 epochs); each later
 * episode halves the rate after every epoch without a gain (patience 0) and ends at a quarter of its starting rate,
 * i.e. after two epochs without a gain (at most 8). Its single model (ALL) anneals as flair's default trainer
 * does: patience 3, down to lr/1000, at most 100 epochs.
 */
export const REGIMES: Readonly<Record<RegimeName, RegimeEntry>> = Object.freeze({
  fixed: {
    summary: 'every episode trains --epochs-per-episode epochs (ALL: episodes × that, one schedule)',
    resolve: (_family, _task, epochsPerEpisode, episodes) => ({
      first: rule(epochsPerEpisode, null, null, null),
      episode: rule(epochsPerEpisode, null, null, null),
      single: rule(episodes * epochsPerEpisode, null, null, null),
    }),
  },
  budget: {
    summary: 'episode 0 anneals with patience 1 to lr/8 (at most 40 epochs); later episodes end after two epochs without a dev gain (the rate halves after each), at most 8; ALL anneals to lr/1000 with patience 3, at most 100',
    resolve: (schedule) =>
      schedule === 'per-step'
        ? { first: rule(40, null, 5, null), episode: rule(8, null, 2, null), single: rule(100, null, 10, null) }
        : { first: rule(40, 0.125, null, 1), episode: rule(8, 0.25, null, 0), single: rule(100, 0.001, null, 3) },
  },
  official: {
    summary: 'as Alibaba-NLP/ACE: patience 5, until lr/1000 or 150 epochs (NER) / 300 (others); parsers also stop after 25 epochs without a gain',
    resolve: (schedule, taskName) => {
      if (schedule === 'per-step') return { first: rule(300, 0.001, 25, null), episode: rule(300, 0.001, 25, null), single: rule(300, 0.001, 25, null) };
      const max = taskName === 'ner' ? 150 : 300;
      return { first: rule(max, 0.001, null, 5), episode: rule(max, 0.001, null, 5), single: rule(max, 0.001, null, 5) };
    },
  },
});

function checkRule(r: StopRule, what: string): StopRule {
  if (!Number.isInteger(r.maxEpochs) || r.maxEpochs < 1) throw new UsageError(`${what}: max epochs must be a positive integer, got ${r.maxEpochs}`);
  if (r.lrFraction !== null && !(r.lrFraction > 0 && r.lrFraction < 1)) throw new UsageError(`${what}: the lr fraction must be in (0, 1), got ${r.lrFraction}`);
  if (r.stallEpochs !== null && (!Number.isInteger(r.stallEpochs) || r.stallEpochs < 1)) throw new UsageError(`${what}: stall epochs must be a positive integer, got ${r.stallEpochs}`);
  if (r.patience !== null && (!Number.isInteger(r.patience) || r.patience < 0)) throw new UsageError(`${what}: patience must be a whole number, got ${r.patience}`);
  return r;
}

/**
 * The regime `name` for a task, with the episode rule's options overridden where given. A task whose rate decays
 * per step (the parsers) stops on epochs without a gain; one on a plateau schedule (the taggers) on its rate.
 */
export function resolveRegime(
  name: RegimeName,
  task: Pick<SearchableTask, 'taskName' | 'lrSchedule'>,
  epochsPerEpisode: number,
  episodes: number,
  overrides: RegimeOverrides = {},
): Regime {
  const entry = REGIMES[name];
  if (!entry) throw new UsageError(`unknown regime '${String(name)}' (one of ${REGIME_NAMES.join(', ')})`);
  const base = entry.resolve(task.lrSchedule, task.taskName, epochsPerEpisode, episodes);
  const episode: StopRule = {
    maxEpochs: overrides.maxEpochs ?? base.episode.maxEpochs,
    lrFraction: overrides.lrFraction ?? base.episode.lrFraction,
    stallEpochs: overrides.stallEpochs ?? base.episode.stallEpochs,
    patience: overrides.patience ?? base.episode.patience,
  };
  return { name, first: checkRule(base.first, `regime ${name}`), episode: checkRule(episode, `regime ${name}`), single: checkRule(base.single, `regime ${name}`) };
}

