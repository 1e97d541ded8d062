// Typed search events: progress bars, logs and test hooks listen here instead of living inside the loop.
import type { EpochResult } from '../tasks/task.js';
import type { EpisodeRecord, SearchRecord } from './history.js';
import type { Regime } from './regime.js';
import type { SearchStrategy } from './strategy.js';

export interface SearchEventMap {
  searchStart: {
    strategy: SearchStrategy;
    candidates: readonly string[];
    episodes: number;
    /** The most epochs an episode may train (the fixed regime: exactly this many). */
    epochsPerEpisode: number;
    regime: Regime;
    /** Set when continuing a saved search: the first episode and epoch (within it) still to run. */
    resumedAt: { episode: number; epoch: number } | null;
    /** The episodes already finished (on resume): their epochs and wall seconds, for ETAs. */
    done: { epochs: number; seconds: number }[];
    /** `--parallel K` with K > 1 (absent in sequential searches). */
    parallel?: number;
  };
  episodeStart: { episode: number; selection: readonly boolean[]; probabilities: readonly number[] };
  /** Emitted after the epoch's state is committed to disk. */
  epochEnd: {
    episode: number;
    epoch: number;
    globalEpoch: number;
    result: EpochResult;
    newBest: boolean;
    /** Best dev score within this episode so far, and over the whole search. */
    episodeBest: number;
    bestScore: number;
    /** This epoch ended its episode. */
    episodeDone: boolean;
    /** `--parallel K`: which branch of its step trained the epoch (absent in sequential searches). */
    branch?: number;
  };
  /**
   * `--parallel K`: a step of K' ≤ K episodes (first … first + K' − 1) trained at once. `requested` is K, or fewer
   * when the episode budget runs out; `branches` < `requested` means too few distinct selections could be drawn.
   */
  stepStart: { firstEpisode: number; branches: number; requested: number };
  episodeEnd: { episode: number; record: EpisodeRecord };
  retrainEpochEnd: { epoch: number; result: EpochResult };
  searchEnd: { record: SearchRecord };
}

export type SearchEventName = keyof SearchEventMap;
export type SearchListener<K extends SearchEventName> = (payload: SearchEventMap[K]) => void;

export class SearchEvents {
  private readonly listeners: { [K in SearchEventName]?: Array<SearchListener<K>> } = {};

  on<K extends SearchEventName>(name: K, listener: SearchListener<K>): () => void {
    const list = (this.listeners[name] ??= []) as Array<SearchListener<K>>;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Listeners run synchronously in registration order; an exception propagates to the loop (tests use this to interrupt). */
  emit<K extends SearchEventName>(name: K, payload: SearchEventMap[K]): void {
    const list = this.listeners[name] as Array<SearchListener<K>> | undefined;
    if (!list) return;
    for (const listener of [...list]) listener(payload);
  }
}
