// What distinguishes the tree parser from the graph parser: gold encoding, loss on the biaffine scores, decoding, scoring.
import type { Sentence } from '../../formats/types.js';
import type { Evaluation } from '../task.js';
import type { ParserScores } from './biaffine-network.js';
import type { ParserKind } from './parser-options.js';

/** A loss on one batch: its value and the gradients the network's backward takes. */
export interface ObjectiveLoss {
  /** Mean loss over the batch's scored items (tokens or pairs), as the optimizer sees it. */
  loss: number;
  /**
   * The same terms summed instead of averaged, i.e. summed over the batch's sentences (for reports: a task's
   * BatchInfo and trainLoss divide it by the sentences, as the tagger's summed CRF loss is). Not what is optimised.
   */
  sum: number;
  /** ∂loss/∂s_arc [batch, T, T], zero at padding. */
  dArc: Float32Array;
  /** ∂loss/∂s_rel [m, labels] for the m arcs of the objective's last `ParserScores.relAt` call (empty if none). */
  dRel: Float32Array;
}

/**
 * G: the gold sentence type, P: one sentence's prediction (JSON-serialisable), C: gold encoded with label ids.
 * Implementations are stateless apart from reused scratch buffers.
 */
export interface ParserObjective<G extends Sentence, P, C> {
  readonly kind: ParserKind;
  /** Headline metric name ('LAS', 'LF', 'ELAS'). */
  readonly metricName: string;
  /** The objective's settings as stored in model bundles (read back by objectiveFor). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Label set from training sentences, in a stable order. */
  labelSet(sentences: readonly G[]): string[];
  /** Gold structure with label ids; throws when a label is not in `labelIndex`. */
  encode(sentence: G, labelIndex: ReadonlyMap<string, number>, where: string): C;
  loss(scores: ParserScores, gold: readonly C[]): ObjectiveLoss;
  /** Predictions for each sentence of the batch. */
  decode(scores: ParserScores, labels: readonly string[]): P[];
  evaluate(gold: readonly G[], pred: readonly P[]): Evaluation;
  /** One prediction per sentence from several models' predictions (the Ensemble baseline). */
  vote(predictions: readonly (readonly P[])[], lengths: readonly number[]): P[];
}

/**
 * What prediction needs of an objective: the structure it decodes and the decoding itself, and the bytes its
 * decoder allocates for a sentence of n words beyond the arc scores (none when absent), for the memory limit.
 */
export type ParserDecoder<P> = Pick<ParserObjective<Sentence, P, unknown>, 'kind' | 'decode'> & { decodeBytes?(words: number): number };
