// THE interface the search sees: a task model that trains episode by episode on a selection of candidates.
import type { Split } from '../datasets/split.js';
import type { PartialLoad } from '../engine/index.js';
import type { PerClassTable } from '../metrics/per-class.js';

/** Re-exported so task code keeps one import for the interface and its split type. */
export type { Split };

/** Per-episode settings the search passes to the task model. */
export interface EpisodeSettings {
  /** One flag per candidate, in `candidateNames` order; deselected blocks are skipped in compute. */
  selection: readonly boolean[];
  /** 'learned-sigmoid' scales every selected block by σ(w_l), w_l trained with the model (All+Weight baseline). */
  blockWeighting: 'none' | 'learned-sigmoid';
  /** Epochs without a dev gain before the episode's plateau schedule halves the rate (absent: the model's own). */
  patience?: number;
}

export interface EpochResult {
  epoch: number;
  /** Per-sentence mean loss over the epoch's training sentences (see BatchInfo). */
  trainLoss: number;
  devScore: number;
  tokensPerSecond: number;
  seconds: number;
  learningRate: number;
}

/**
 * Progress of one training batch, as every task family reports it. `loss` is the running per-sentence mean loss of
 * the epoch: the loss summed over the sentences trained so far this epoch (each sentence's loss being the sum of its
 * scored items' terms — CRF path NLL for a tagger, arc and label cross-entropies for a parser), divided by their
 * number. After the last batch it equals the epoch's `EpochResult.trainLoss`.
 */
export interface BatchInfo {
  epoch: number;
  /** 1-based index of the batch just trained, of `batches`. */
  batch: number;
  batches: number;
  loss: number;
  tokensPerSecond: number;
}

/** What a task model tells its caller while training (every family takes the same). */
export interface TaskEvents {
  batch?: (info: BatchInfo) => void;
}

export interface Evaluation {
  /** The task's headline metric (span F1, accuracy, LAS, LF), in percent. */
  score: number;
  /** Further figures (precision, recall, UAS, per-type F1 ...). */
  details: Record<string, number>;
  /** Scores per class (span type, gold tag, gold relation, arc label), for the end-of-run table. */
  perClass?: PerClassTable;
}

/**
 * A task model the search drives. The model persists across episodes; `beginEpisode` rebuilds optimizer and
 * schedule. State is saved after every epoch so a killed search resumes bit for bit.
 */
/**
 * How a task's learning rate falls: 'plateau' (halved when the dev score stops improving, so an episode can end
 * once the rate is a fraction of its start) or 'per-step' (a fixed decay per update, so an episode ends after
 * epochs without a dev gain). The search's regimes pick their stopping rules by it.
 */
export type LrSchedule = 'plateau' | 'per-step';

export interface SearchableTask {
  readonly taskName: string;
  /** Headline metric name, e.g. 'F1', 'accuracy', 'LAS'. */
  readonly metricName: string;
  readonly candidateNames: readonly string[];
  /** The optimizer's current learning rate (what the episode's stopping rule watches). */
  readonly learningRate: number;
  readonly lrSchedule: LrSchedule;

  beginEpisode(settings: EpisodeSettings): void;
  /** Train one epoch on the current episode's selection, then score dev. */
  trainEpoch(): Promise<EpochResult>;
  evaluate(split: Split): Promise<Evaluation>;

  /**
   * Everything needed to continue training exactly: parameters, optimizer, schedule, RNG, episode settings.
   * `dir` exists and is empty; write only inside it (the search commits it by renaming its parent folder).
   * After `loadState` the model continues the saved episode: the search does not call `beginEpisode` again.
   */
  saveState(dir: string): Promise<void>;
  loadState(dir: string): Promise<void>;
  /** Parameters only, as a loadable model bundle (`dir` exists and is empty). */
  saveCheckpoint(dir: string): Promise<void>;
  loadCheckpoint(dir: string): Promise<void>;

  /** Predictions of the current model on a split, in a task-specific serialisable form (for the Ensemble baseline). */
  predict(split: Split): Promise<unknown>;
  /** Score a majority vote over several models' predictions on a split. */
  scoreVote(predictions: readonly unknown[], split: Split): Promise<Evaluation>;
  /** Models that can start from a saved bundle's weights (tensors of the same name and shape). */
  warmStart?(dir: string): PartialLoad;
}
