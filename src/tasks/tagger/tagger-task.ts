// Trains a Tagger episode by episode on a selection of candidates: the SearchableTask of sequence labelling.
import { mkdirSync } from 'node:fs';
import type { Backend } from '../../engine/backend/backend.js';
import { Adam, ReduceLrOnPlateau, Sgd, clipGradNorm, zeroGrads, type Optimizer } from '../../engine/index.js';
import type { TaggedSentence } from '../../formats/types.js';
import { conllevalScore } from '../../metrics/spans.js';
import { tokenAccuracy } from '../../metrics/accuracy.js';
import { Rng } from '../../util/rng.js';
import { loadTrainingState, saveTrainingState } from '../shared/training-state.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { EpisodeSettings, EpochResult, Evaluation, SearchableTask, Split } from '../task.js';
import type { FrozenRows } from '../shared/input-blocks.js';
import { Tagger, isSpanTask, layoutOf, makeBatch, readTaggerDescription, toInternal, type TaggerDescription } from './tagger.js';

export interface TrainingOptions {
  optimizer: 'sgd' | 'adam';
  /** Initial learning rate (flair: 0.1 with SGD). */
  lr: number;
  momentum: number;
  batchSize: number;
  clip: number;
  /** ReduceLROnPlateau on the dev score. */
  patience: number;
  factor: number;
  seed: number;
}

export const TRAINING_DEFAULTS: Readonly<TrainingOptions> = Object.freeze({
  optimizer: 'sgd',
  lr: 0.1,
  momentum: 0,
  batchSize: 32,
  clip: 5,
  patience: 5,
  factor: 0.5,
  seed: 1,
});

export interface TaggerData {
  train: TaggedSentence[];
  dev: TaggedSentence[];
  test: TaggedSentence[];
  /** Frozen candidates' rows per split (null entries for trainable candidates). */
  sources: Record<Split, (FrozenRows | null)[]>;
}

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  tokensPerSecond: number;
}

export interface TaggerTaskEvents {
  batch?: (info: BatchInfo) => void;
}

export class TaggerTask implements SearchableTask {
  readonly taskName: string;
  readonly metricName: string;
  readonly candidateNames: readonly string[];
  readonly tagger: Tagger;
  private readonly rng: Rng;
  private optimizer: Optimizer | null = null;
  private scheduler: ReduceLrOnPlateau | null = null;
  private settings: EpisodeSettings;
  private epoch = 0;
  private readonly gold: Int32Array[];

  constructor(
    description: TaggerDescription,
    candidates: readonly Candidate[],
    private readonly data: TaggerData,
    readonly training: TrainingOptions,
    backend: Backend,
    private readonly events: TaggerTaskEvents = {},
  ) {
    this.rng = new Rng(training.seed);
    this.tagger = new Tagger(description, candidates, backend, this.rng.split('init'));
    this.taskName = description.task;
    this.metricName = isSpanTask(description.task) ? 'F1' : 'accuracy';
    this.candidateNames = description.candidates.map((c) => c.name);
    this.settings = { selection: [...description.selection], blockWeighting: description.architecture.blockWeighting };
    this.gold = data.train.map((s, i) => {
      const tags = toInternal(description.task, description.scheme, s.tags);
      return Int32Array.from(tags, (t) => {
        const k = this.tagger.labelIndex.get(t);
        if (k === undefined) throw new Error(`training sentence ${s.id ?? i}: tag ${t} is not in the label set`);
        return k;
      });
    });
  }

  get learningRate(): number {
    return this.optimizer?.lr ?? this.training.lr;
  }

  /** True when the plateau schedule has cut the rate below 1/1000 of its start (flair's stopping rule). */
  get exhausted(): boolean {
    return this.learningRate < this.training.lr / 1000 + 1e-12;
  }

  get currentSelection(): readonly boolean[] {
    return this.settings.selection;
  }

  beginEpisode(settings: EpisodeSettings): void {
    if (settings.selection.length !== this.candidateNames.length) throw new Error(`selection has ${settings.selection.length} flags for ${this.candidateNames.length} candidates`);
    if (!settings.selection.some(Boolean)) throw new Error('a selection needs at least one candidate');
    const modelWeighting = this.tagger.description.architecture.blockWeighting;
    if (settings.blockWeighting !== modelWeighting) throw new Error(`this model was built with block weighting "${modelWeighting}", the episode asks for "${settings.blockWeighting}"`);
    this.settings = { selection: [...settings.selection], blockWeighting: settings.blockWeighting };
    const params = this.tagger.params;
    const t = this.training;
    this.optimizer = t.optimizer === 'adam' ? new Adam(this.tagger.backend, params, { lr: t.lr }) : new Sgd(params, { lr: t.lr, momentum: t.momentum });
    this.scheduler = new ReduceLrOnPlateau(this.optimizer, { mode: 'max', factor: t.factor, patience: t.patience, minLr: 0 });
    this.epoch = 0;
  }

  async trainEpoch(): Promise<EpochResult> {
    if (!this.optimizer || !this.scheduler) this.beginEpisode(this.settings);
    const optimizer = this.optimizer!;
    const started = performance.now();
    const selection = this.settings.selection;
    const active = this.tagger.paramsFor(selection);
    const train = this.data.train;
    this.tagger.blocks.setFrozenSources(this.data.sources.train);
    const order = this.rng.shuffle(train.map((_, i) => i));
    const bs = this.training.batchSize;
    const batches = Math.ceil(order.length / bs);
    let lossSum = 0;
    let tokens = 0;
    for (let bi = 0; bi < batches; bi++) {
      const indices = order.slice(bi * bs, (bi + 1) * bs);
      const batch = makeBatch(indices, train);
      const layout = layoutOf(batch);
      const gold = new Int32Array(layout.batch * layout.maxLen);
      indices.forEach((si, b) => gold.set(this.gold[si], b * layout.maxLen));
      zeroGrads(active);
      const blocks = this.tagger.blocks.forward(batch, selection, this.rng, true);
      const step = this.tagger.model.trainStep(blocks, layout, gold, selection, this.rng, this.tagger.constraints);
      this.tagger.blocks.backward(step.dBlocks, batch);
      clipGradNorm(active, this.training.clip);
      optimizer.step(active);
      lossSum += step.loss;
      for (let b = 0; b < layout.batch; b++) tokens += layout.lengths[b];
      this.events.batch?.({ epoch: this.epoch + 1, batch: bi + 1, batches, loss: lossSum / Math.min(train.length, (bi + 1) * bs), tokensPerSecond: tokens / ((performance.now() - started) / 1000) });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const dev = await this.evaluate('dev');
    this.scheduler!.step(dev.score);
    this.epoch++;
    return {
      epoch: this.epoch,
      trainLoss: lossSum / train.length,
      devScore: dev.score,
      tokensPerSecond: tokens / trainSeconds,
      seconds: (performance.now() - started) / 1000,
      learningRate: optimizer.lr,
    };
  }

  /** Predicted tags for a split with the current parameters and selection. */
  predictSplit(split: Split): string[][] {
    return this.tagger.predict(this.data[split], this.data.sources[split], this.settings.selection);
  }

  async evaluate(split: Split): Promise<Evaluation> {
    return this.score(this.predictSplit(split), split);
  }

  private score(pred: string[][], split: Split): Evaluation {
    const gold = this.data[split].map((s) => s.tags);
    if (isSpanTask(this.tagger.description.task)) {
      const r = conllevalScore(gold, pred);
      return { score: 100 * r.overall.f1, details: { precision: 100 * r.overall.precision, recall: 100 * r.overall.recall, accuracy: 100 * r.accuracy } };
    }
    const a = tokenAccuracy(gold, pred);
    return { score: 100 * a.accuracy, details: { correct: a.correct, total: a.total } };
  }

  async saveState(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.tagger.save(dir);
    saveTrainingState(dir, {
      settings: this.settings,
      epoch: this.epoch,
      rng: this.rng.getState(),
      optimizer: this.optimizer?.getState() ?? null,
      scheduler: this.scheduler?.getState() ?? null,
    });
  }

  async loadState(dir: string): Promise<void> {
    this.tagger.loadParams(dir);
    const state = loadTrainingState<ReturnType<ReduceLrOnPlateau['getState']>>(dir);
    this.beginEpisode(state.settings);
    if (state.optimizer) this.optimizer!.setState(state.optimizer);
    if (state.scheduler) this.scheduler!.setState(state.scheduler);
    this.epoch = state.epoch;
    this.rng.setState(state.rng);
  }

  async saveCheckpoint(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    this.tagger.save(dir, { selection: [...this.settings.selection] });
  }

  /** Loads a checkpoint's parameters and the selection it was trained with (its scores depend on both). */
  async loadCheckpoint(dir: string): Promise<void> {
    const saved = readTaggerDescription(dir);
    this.tagger.loadParams(dir);
    this.settings = { ...this.settings, selection: [...saved.selection] };
  }

  async predict(split: Split): Promise<unknown> {
    return this.predictSplit(split);
  }

  async scoreVote(predictions: readonly unknown[], split: Split): Promise<Evaluation> {
    const preds = predictions as string[][][];
    const voted = this.data[split].map((s, si) =>
      s.words.map((_, t) => {
        const counts = new Map<string, number>();
        let best = preds[0][si][t];
        let bestCount = 0;
        for (const p of preds) {
          const tag = p[si][t];
          const c = (counts.get(tag) ?? 0) + 1;
          counts.set(tag, c);
          // Ties go to the earliest model's tag, so the vote is deterministic.
          if (c > bestCount) {
            best = tag;
            bestCount = c;
          }
        }
        return best;
      }),
    );
    return this.score(voted, split);
  }
}
