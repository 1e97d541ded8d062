// Trains a Parser episode by episode on a selection of candidates: the SearchableTask of tree and graph parsing.
import { mkdirSync } from 'node:fs';
import type { Backend } from '../../engine/backend/backend.js';
import { Adam, ExponentialLr, clipGradNorm, zeroGrads, type ExponentialLrState } from '../../engine/index.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { Sentence } from '../../formats/types.js';
import { Rng } from '../../util/rng.js';
import { loadTrainingState, saveTrainingState } from '../shared/training-state.js';
import type { FrozenRows } from '../shared/input-blocks.js';
import type { EpisodeSettings, EpochResult, Evaluation, SearchableTask, Split } from '../task.js';
import { Parser, readParserDescription, type ParserDescription } from './parser.js';
import type { ParserObjective } from './parser-objective.js';
import type { ParserTrainingOptions } from './parser-options.js';
import { makeBatch, tokenBatches } from './token-batches.js';

export interface ParserData<G extends Sentence> {
  train: G[];
  dev: G[];
  test: G[];
  /** Frozen candidates' rows per split (null entries for trainable candidates). */
  sources: Record<Split, (FrozenRows | null)[]>;
}

export interface ParserBatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean loss per batch so far this epoch. */
  loss: number;
  tokensPerSecond: number;
}

export interface ParserTaskEvents {
  batch?: (info: ParserBatchInfo) => void;
}


/**
 * Adam with per-step exponential decay (Dozat & Manning 2017; SuPar), gradient clipping, token-budget batches
 * shuffled by the task's Rng. The objective decides the loss, decoding and metric (trees: LAS; graphs: LF/ELAS).
 */
export class ParserTask<G extends Sentence, P, C> implements SearchableTask {
  readonly taskName: string;
  readonly metricName: string;
  readonly candidateNames: readonly string[];
  readonly parser: Parser;
  private readonly rng: Rng;
  private optimizer: Adam | null = null;
  private scheduler: ExponentialLr | null = null;
  private settings: EpisodeSettings;
  private epoch = 0;
  private readonly gold: C[];

  constructor(
    description: ParserDescription,
    candidates: readonly Candidate[],
    private readonly data: ParserData<G>,
    readonly training: ParserTrainingOptions,
    backend: Backend,
    readonly objective: ParserObjective<G, P, C>,
    private readonly events: ParserTaskEvents = {},
  ) {
    if (objective.kind !== description.kind) throw new Error(`a ${objective.kind} objective for a ${description.kind} parser`);
    this.rng = new Rng(training.seed);
    this.parser = new Parser(description, candidates, backend, this.rng.split('init'));
    this.taskName = description.kind;
    this.metricName = objective.metricName;
    this.candidateNames = description.candidates.map((c) => c.name);
    this.settings = { selection: [...description.selection], blockWeighting: description.architecture.blockWeighting };
    this.gold = data.train.map((s, i) => objective.encode(s, this.parser.labelIndex, `training sentence ${s.id ?? i}`));
  }

  get learningRate(): number {
    return this.optimizer?.lr ?? this.training.lr;
  }

  get currentSelection(): readonly boolean[] {
    return this.settings.selection;
  }

  beginEpisode(settings: EpisodeSettings): void {
    if (settings.selection.length !== this.candidateNames.length) throw new Error(`selection has ${settings.selection.length} flags for ${this.candidateNames.length} candidates`);
    if (!settings.selection.some(Boolean)) throw new Error('a selection needs at least one candidate');
    const modelWeighting = this.parser.description.architecture.blockWeighting;
    if (settings.blockWeighting !== modelWeighting) throw new Error(`this model was built with block weighting "${modelWeighting}", the episode asks for "${settings.blockWeighting}"`);
    this.settings = { selection: [...settings.selection], blockWeighting: settings.blockWeighting };
    const t = this.training;
    this.optimizer = new Adam(this.parser.backend, this.parser.params, { lr: t.lr, betas: [t.betas[0], t.betas[1]], eps: t.eps });
    this.scheduler = new ExponentialLr(this.optimizer, t.decayPerStep);
    this.epoch = 0;
  }

  async trainEpoch(): Promise<EpochResult> {
    if (!this.optimizer || !this.scheduler) this.beginEpisode(this.settings);
    const optimizer = this.optimizer!;
    const scheduler = this.scheduler!;
    const started = performance.now();
    const selection = this.settings.selection;
    const active = this.parser.paramsFor(selection);
    const train = this.data.train;
    this.parser.blocks.setFrozenSources(this.data.sources.train);
    const batches = tokenBatches(train.map((s) => s.words.length), this.training.tokenBudget, this.rng);
    let lossSum = 0;
    let tokens = 0;
    for (let bi = 0; bi < batches.length; bi++) {
      const indices = batches[bi];
      const batch = makeBatch(indices, train);
      zeroGrads(active);
      const scores = this.parser.scores(batch, selection, this.rng, true);
      const step = this.objective.loss(scores, indices.map((i) => this.gold[i]));
      this.parser.backward(step.dArc, step.dRel, batch);
      clipGradNorm(active, this.training.clip);
      optimizer.step(active);
      scheduler.step();
      lossSum += step.loss;
      for (const s of batch.sentences) tokens += s.words.length;
      this.events.batch?.({ epoch: this.epoch + 1, batch: bi + 1, batches: batches.length, loss: lossSum / (bi + 1), tokensPerSecond: tokens / ((performance.now() - started) / 1000) });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const dev = await this.evaluate('dev');
    this.epoch++;
    return {
      epoch: this.epoch,
      trainLoss: lossSum / Math.max(1, batches.length),
      devScore: dev.score,
      tokensPerSecond: tokens / trainSeconds,
      seconds: (performance.now() - started) / 1000,
      learningRate: optimizer.lr,
    };
  }

  /** Predictions for a split with the current parameters and selection. */
  predictSplit(split: Split): P[] {
    return this.parser.predict(this.objective, this.data[split], this.data.sources[split], this.settings.selection);
  }

  async evaluate(split: Split): Promise<Evaluation> {
    return this.objective.evaluate(this.data[split], this.predictSplit(split));
  }

  async saveState(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.parser.save(dir, { selection: [...this.settings.selection] });
    saveTrainingState(dir, {
      settings: this.settings,
      epoch: this.epoch,
      rng: this.rng.getState(),
      optimizer: this.optimizer?.getState() ?? null,
      scheduler: this.scheduler?.getState() ?? null,
    });
  }

  async loadState(dir: string): Promise<void> {
    this.parser.loadParams(dir);
    const state = loadTrainingState<ExponentialLrState>(dir);
    this.beginEpisode(state.settings);
    if (state.optimizer) this.optimizer!.setState(state.optimizer);
    if (state.scheduler) this.scheduler!.setState(state.scheduler);
    this.epoch = state.epoch;
    this.rng.setState(state.rng);
  }

  async saveCheckpoint(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.parser.save(dir, { selection: [...this.settings.selection] });
  }

  /** Loads a checkpoint's parameters and the selection it was trained with (its scores depend on both). */
  async loadCheckpoint(dir: string): Promise<void> {
    const saved = readParserDescription(dir);
    this.parser.loadParams(dir);
    this.settings = { ...this.settings, selection: [...saved.selection] };
  }

  async predict(split: Split): Promise<unknown> {
    return this.predictSplit(split);
  }

  async scoreVote(predictions: readonly unknown[], split: Split): Promise<Evaluation> {
    const sentences = this.data[split];
    const voted = this.objective.vote(predictions as readonly (readonly P[])[], sentences.map((s) => s.words.length));
    return this.objective.evaluate(sentences, voted);
  }
}
