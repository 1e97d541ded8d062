// What every task model of the search shares: episode settings, optimizer and schedule rebuilt per episode, and
// the state / checkpoint files. Subclasses bring the model, the optimizer recipe, the epoch loop and the metric.
import { mkdirSync } from 'node:fs';
import type { Optimizer, PartialLoad } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import type { EpisodeSettings, EpochResult, Evaluation, LrSchedule, SearchableTask, Split } from '../task.js';
import { loadTrainingState, saveTrainingState } from './training-state.js';

/** The model side: a bundle that saves, reloads its parameters, and says how it weights blocks. */
export interface EpisodicModel {
  readonly description: { readonly architecture: { readonly blockWeighting: EpisodeSettings['blockWeighting'] } };
  /** Writes the bundle; `extra` overrides description fields (the selection the parameters were trained with). */
  save(dir: string, extra?: Record<string, unknown>): void;
  loadParams(dir: string): void;
  /** Copies the weights of a related bundle that fit (same candidates and vocabularies; see warmStartFromBundle). */
  warmStart(dir: string): PartialLoad;
}

export interface Schedule<S> {
  getState(): S;
  setState(state: S): void;
}

/** S: the schedule's saved state; Sch: the schedule itself. */
export abstract class EpisodicTask<S, Sch extends Schedule<S>> implements SearchableTask {
  abstract readonly taskName: string;
  abstract readonly metricName: string;
  abstract readonly lrSchedule: LrSchedule;
  readonly candidateNames: readonly string[];
  protected readonly rng: Rng;
  protected optimizer: Optimizer | null = null;
  protected scheduler: Sch | null = null;
  protected settings: EpisodeSettings;
  protected epoch = 0;

  protected constructor(
    candidateNames: readonly string[],
    initial: EpisodeSettings,
    seed: number,
    /** The learning rate before any episode has built the optimizer. */
    private readonly initialLr: number,
  ) {
    this.candidateNames = candidateNames;
    this.settings = { selection: [...initial.selection], blockWeighting: initial.blockWeighting };
    this.rng = new Rng(seed);
  }

  protected abstract get model(): EpisodicModel;
  /** A fresh optimizer and schedule over the model's parameters, for a new episode. */
  protected abstract makeOptimizer(): { optimizer: Optimizer; scheduler: Sch };
  /** The selection stored in a checkpoint bundle. */
  protected abstract savedSelection(dir: string): readonly boolean[];

  abstract trainEpoch(): Promise<EpochResult>;
  abstract evaluate(split: Split): Promise<Evaluation>;
  abstract predictSplit(split: Split): unknown;
  abstract scoreVote(predictions: readonly unknown[], split: Split): Promise<Evaluation>;

  get learningRate(): number {
    return this.optimizer?.lr ?? this.initialLr;
  }

  get currentSelection(): readonly boolean[] {
    return this.settings.selection;
  }

  beginEpisode(settings: EpisodeSettings): void {
    if (settings.selection.length !== this.candidateNames.length) throw new Error(`selection has ${settings.selection.length} flags for ${this.candidateNames.length} candidates`);
    if (!settings.selection.some(Boolean)) throw new Error('a selection needs at least one candidate');
    const modelWeighting = this.model.description.architecture.blockWeighting;
    if (settings.blockWeighting !== modelWeighting) throw new Error(`this model was built with block weighting "${modelWeighting}", the episode asks for "${settings.blockWeighting}"`);
    this.settings = { selection: [...settings.selection], blockWeighting: settings.blockWeighting, ...(settings.patience !== undefined ? { patience: settings.patience } : {}) };
    const { optimizer, scheduler } = this.makeOptimizer();
    this.optimizer = optimizer;
    this.scheduler = scheduler;
    this.epoch = 0;
  }

  /** The optimizer and schedule of the current episode, built on first use. */
  protected episodeOptimizer(): { optimizer: Optimizer; scheduler: Sch } {
    if (!this.optimizer || !this.scheduler) this.beginEpisode(this.settings);
    return { optimizer: this.optimizer!, scheduler: this.scheduler! };
  }

  async saveState(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.model.save(dir, { selection: [...this.settings.selection] });
    saveTrainingState(dir, {
      settings: this.settings,
      epoch: this.epoch,
      rng: this.rng.getState(),
      optimizer: this.optimizer?.getState() ?? null,
      scheduler: this.scheduler?.getState() ?? null,
    });
  }

  async loadState(dir: string): Promise<void> {
    this.model.loadParams(dir);
    const state = loadTrainingState<S>(dir);
    this.beginEpisode(state.settings);
    if (state.optimizer) this.optimizer!.setState(state.optimizer);
    if (state.scheduler) this.scheduler!.setState(state.scheduler);
    this.epoch = state.epoch;
    this.rng.setState(state.rng);
  }

  async saveCheckpoint(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.model.save(dir, { selection: [...this.settings.selection] });
  }

  /** Loads a checkpoint's parameters and the selection it was trained with (its scores depend on both). */
  async loadCheckpoint(dir: string): Promise<void> {
    const selection = this.savedSelection(dir);
    this.model.loadParams(dir);
    this.settings = { ...this.settings, selection: [...selection] };
  }

  /** Before training: start from another bundle's weights where names and shapes agree. */
  warmStart(dir: string): PartialLoad {
    return this.model.warmStart(dir);
  }

  async predict(split: Split): Promise<unknown> {
    return this.predictSplit(split);
  }
}
