// Trains a Parser episode by episode on a selection of candidates: the SearchableTask of tree and graph parsing.
import type { Backend } from '../../engine/backend/backend.js';
import { Adam, ExponentialLr, clipGradNorm, zeroGrads, type ExponentialLrState } from '../../engine/index.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { Sentence } from '../../formats/types.js';
import { EpisodicTask } from '../shared/episodic-task.js';
import type { FrozenRows } from '../shared/input-blocks.js';
import type { EpochResult, Evaluation, Split, TaskEvents } from '../task.js';
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

/** The parser's events are every task's (BatchInfo's loss: the objective's terms summed per sentence, averaged over sentences). */
export type ParserTaskEvents = TaskEvents;


/**
 * Adam with per-step exponential decay (Dozat & Manning 2017; SuPar), gradient clipping, token-budget batches
 * shuffled by the task's Rng. The objective decides the loss, decoding and metric (trees: LAS; graphs: LF/ELAS).
 */
export class ParserTask<G extends Sentence, P, C> extends EpisodicTask<ExponentialLrState, ExponentialLr> {
  readonly taskName: string;
  readonly metricName: string;
  readonly lrSchedule = 'per-step';
  readonly parser: Parser;
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
    super(description.candidates.map((c) => c.name), { selection: description.selection, blockWeighting: description.architecture.blockWeighting }, training.seed, training.lr);
    this.parser = new Parser(description, candidates, backend, this.rng.split('init'));
    this.taskName = description.kind;
    this.metricName = objective.metricName;
    this.gold = data.train.map((s, i) => objective.encode(s, this.parser.labelIndex, `training sentence ${s.id ?? i}`));
  }

  protected get model(): Parser {
    return this.parser;
  }

  protected makeOptimizer() {
    const t = this.training;
    const optimizer = new Adam(this.parser.backend, this.parser.params, { lr: t.lr, betas: [t.betas[0], t.betas[1]], eps: t.eps });
    return { optimizer, scheduler: new ExponentialLr(optimizer, t.decayPerStep) };
  }

  protected savedSelection(dir: string): readonly boolean[] {
    return readParserDescription(dir).selection;
  }

  async trainEpoch(): Promise<EpochResult> {
    const { optimizer, scheduler } = this.episodeOptimizer();
    const started = performance.now();
    const selection = this.settings.selection;
    const active = this.parser.paramsFor(selection);
    const train = this.data.train;
    this.parser.blocks.setFrozenSources(this.data.sources.train);
    const batches = tokenBatches(train.map((s) => s.words.length), this.training.tokenBudget, this.rng);
    // Summed per sentence, as the tagger's CRF loss is: the objective's batch mean times the items it counted.
    let lossSum = 0;
    let sentences = 0;
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
      lossSum += step.sum;
      sentences += indices.length;
      for (const s of batch.sentences) tokens += s.words.length;
      this.events.batch?.({ epoch: this.epoch + 1, batch: bi + 1, batches: batches.length, loss: lossSum / sentences, tokensPerSecond: tokens / ((performance.now() - started) / 1000) });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const dev = await this.evaluate('dev');
    this.epoch++;
    return {
      epoch: this.epoch,
      trainLoss: lossSum / Math.max(1, train.length),
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

  async scoreVote(predictions: readonly unknown[], split: Split): Promise<Evaluation> {
    const sentences = this.data[split];
    const voted = this.objective.vote(predictions as readonly (readonly P[])[], sentences.map((s) => s.words.length));
    return this.objective.evaluate(sentences, voted);
  }
}
