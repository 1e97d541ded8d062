// Trains a Tagger episode by episode on a selection of candidates: the SearchableTask of sequence labelling.
import type { Backend } from '../../engine/backend/backend.js';
import { Adam, ReduceLrOnPlateau, Sgd, clipGradNorm, zeroGrads, type ReduceLrOnPlateauState } from '../../engine/index.js';
import type { TaggedSentence } from '../../formats/types.js';
import { conllevalScore } from '../../metrics/spans.js';
import { scoreAspectTags } from '../../formats/absa-xml.js';
import { tokenAccuracy } from '../../metrics/accuracy.js';
import { spanClassTable, tagClassTable } from '../../metrics/per-class.js';
import { EpisodicTask } from '../shared/episodic-task.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { EpochResult, Evaluation, Split, TaskEvents } from '../task.js';
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

/** The tagger's events are every task's (BatchInfo's loss: the CRF NLL summed per sentence, averaged over sentences). */
export type TaggerTaskEvents = TaskEvents;

export class TaggerTask extends EpisodicTask<ReduceLrOnPlateauState, ReduceLrOnPlateau> {
  readonly taskName: string;
  readonly metricName: string;
  readonly lrSchedule = 'plateau';
  readonly tagger: Tagger;
  private readonly gold: Int32Array[];

  constructor(
    description: TaggerDescription,
    candidates: readonly Candidate[],
    private readonly data: TaggerData,
    readonly training: TrainingOptions,
    backend: Backend,
    private readonly events: TaggerTaskEvents = {},
  ) {
    super(description.candidates.map((c) => c.name), { selection: description.selection, blockWeighting: description.architecture.blockWeighting }, training.seed, training.lr);
    this.tagger = new Tagger(description, candidates, backend, this.rng.split('init'));
    this.taskName = description.task;
    this.metricName = isSpanTask(description.task) ? 'F1' : 'accuracy';
    this.gold = data.train.map((s, i) => {
      const tags = toInternal(description.task, description.scheme, s.tags);
      return Int32Array.from(tags, (t) => {
        const k = this.tagger.labelIndex.get(t);
        if (k === undefined) throw new Error(`training sentence ${s.id ?? i}: tag ${t} is not in the label set`);
        return k;
      });
    });
  }

  protected get model(): Tagger {
    return this.tagger;
  }

  protected makeOptimizer() {
    const params = this.tagger.params;
    const t = this.training;
    const optimizer = t.optimizer === 'adam' ? new Adam(this.tagger.backend, params, { lr: t.lr }) : new Sgd(params, { lr: t.lr, momentum: t.momentum });
    return { optimizer, scheduler: new ReduceLrOnPlateau(optimizer, { mode: 'max', factor: t.factor, patience: this.settings.patience ?? t.patience, minLr: 0 }) };
  }

  protected savedSelection(dir: string): readonly boolean[] {
    return readTaggerDescription(dir).selection;
  }

  /** True when the plateau schedule has cut the rate below 1/1000 of its start (flair's stopping rule). */
  get exhausted(): boolean {
    return this.learningRate < this.training.lr / 1000 + 1e-12;
  }

  async trainEpoch(): Promise<EpochResult> {
    const { optimizer, scheduler } = this.episodeOptimizer();
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
    scheduler.step(dev.score);
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
    const { task, scheme } = this.tagger.description;
    // Aspect terms read from ABSA XML are scored by character offsets, as `ace eval --format absa` and SemEval-14 do.
    const terms = task === 'ae' && scheme !== 'none' ? scoreAspectTags(this.data[split], pred, scheme) : null;
    if (terms !== null) return { score: 100 * terms.f1, details: { precision: 100 * terms.precision, recall: 100 * terms.recall } };
    if (isSpanTask(this.tagger.description.task)) {
      const r = conllevalScore(gold, pred);
      return { score: 100 * r.overall.f1, details: { precision: 100 * r.overall.precision, recall: 100 * r.overall.recall, accuracy: 100 * r.accuracy }, perClass: spanClassTable(r) };
    }
    const a = tokenAccuracy(gold, pred);
    return { score: 100 * a.accuracy, details: { correct: a.correct, total: a.total }, perClass: tagClassTable(gold, pred) };
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
