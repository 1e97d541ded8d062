// A trained-or-training biaffine parser: candidates as input blocks, the scorer network, its label set, and bundles on disk.
import { loadBundleParams, readBundleJson, saveBundle, warmStartFromBundle } from '../shared/bundle.js';
import { join } from 'node:path';
import type { Backend } from '../../engine/backend/backend.js';
import type { Param, PartialLoad } from '../../engine/index.js';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import type { Sentence } from '../../formats/types.js';
import { InputError, UsageError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { InputBlocks, type BatchRef, type BlockVocabs, type FrozenRows } from '../shared/input-blocks.js';
import { BiaffineNetwork, type ParserScores } from './biaffine-network.js';
import type { ParserDecoder } from './parser-objective.js';
import { PARSER_KINDS, type ParserArchitecture, type ParserKind } from './parser-options.js';
import { layoutOf, makeBatch, tokenBatches } from './token-batches.js';

export interface ParserDescription {
  kind: ParserKind;
  /** Relation (tree) or arc (graph) labels. */
  labels: string[];
  candidates: CandidateSpec[];
  vocabs: BlockVocabs;
  architecture: ParserArchitecture;
  /** The objective's settings (tree decoder; graph threshold rules), read back by objectiveFor. */
  objective: Record<string, unknown>;
  /** Which candidates the model uses (the search's selection). */
  selection: boolean[];
}

export const PARSER_BUNDLE_FORMAT = 'ace-ts/parser';

/** Tokens per batch when predicting (no gradients kept, so larger than training batches would be fine too). */
export const PREDICT_TOKEN_BUDGET = 5000;

/**
 * The most one sentence may take for its (n+1)² float32 arc scores plus its decoder's tables: 1 GiB, i.e. 16 383
 * words with MST, 7 326 with Eisner (whose tables add 16 bytes per pair). Everything else prediction holds grows
 * linearly with the sentence, so at this limit a parse stays under ~2 GB of memory.
 */
export const SENTENCE_MEMORY_LIMIT = 2 ** 30;

/** Bytes the arc scores and `decoder` take for one sentence of n words. */
export function sentenceParseBytes(decoder: Pick<ParserDecoder<unknown>, 'decodeBytes'>, n: number): number {
  return 4 * (n + 1) * (n + 1) + (decoder.decodeBytes?.(n) ?? 0);
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * Refuses, before anything is allocated, a sentence whose parse would pass `limit` bytes (see SENTENCE_MEMORY_LIMIT),
 * naming it by id (or 1-based position) and saying how many words fit.
 */
export function checkSentenceMemory(decoder: Pick<ParserDecoder<unknown>, 'decodeBytes'>, sentences: readonly Sentence[], limit = SENTENCE_MEMORY_LIMIT): void {
  sentences.forEach((s, i) => {
    const n = s.words.length;
    const bytes = sentenceParseBytes(decoder, n);
    if (bytes <= limit) return;
    let fit = Math.floor(Math.sqrt(limit / 4)) - 1;
    while (fit > 0 && sentenceParseBytes(decoder, fit) > limit) fit--;
    const name = s.id !== undefined ? `sentence ${s.id} (number ${i + 1})` : `sentence ${i + 1}`;
    throw new UsageError(`${name} has ${n} words: parsing it needs ${gib(bytes)}, over the limit of ${gib(limit)} for one sentence (${fit} words with this model); split it into shorter sentences`);
  });
}

/** Input blocks + biaffine network + labels. Training lives in ParserTask; this part also serves prediction. */
export class Parser {
  readonly blocks: InputBlocks;
  readonly network: BiaffineNetwork;
  readonly labelIndex: Map<string, number>;
  private readonly evalRng = new Rng(0);

  constructor(readonly description: ParserDescription, candidates: readonly Candidate[], readonly backend: Backend, rng: Rng) {
    const d = description;
    if (candidates.length !== d.candidates.length) throw new Error(`${candidates.length} candidates for a description of ${d.candidates.length}`);
    this.blocks = new InputBlocks(d.candidates, candidates, d.vocabs, backend, rng.split('blocks'), {
      word: d.architecture.wordDropout,
      locked: d.architecture.embedDropout,
    });
    const a = d.architecture;
    this.network = new BiaffineNetwork(backend, rng.split('network'), {
      blockSizes: this.blocks.dims,
      trainableBlocks: this.blocks.trainable,
      hidden: a.hidden,
      lstmLayers: a.lstmLayers,
      arcMlp: a.arcMlp,
      relMlp: a.relMlp,
      numLabels: d.labels.length,
      lstmDropout: a.lstmDropout,
      mlpDropout: a.mlpDropout,
      learnedBlockScale: a.blockWeighting === 'learned-sigmoid',
      arcDependentBias: d.kind === 'graph',
    });
    this.labelIndex = new Map(d.labels.map((l, i) => [l, i]));
  }

  get params(): Param[] {
    return [...this.network.params(), ...this.blocks.params()];
  }

  paramsFor(selection: readonly boolean[]): Param[] {
    return [...this.network.paramsFor(selection), ...this.blocks.paramsFor(selection)];
  }

  /** Scores of one batch (frozen sources must be set for the sentences' set). */
  scores(batch: BatchRef, selection: readonly boolean[], rng: Rng, training: boolean): ParserScores {
    const blocks = this.blocks.forward(batch, selection, rng, training);
    return this.network.forward(blocks, layoutOf(batch), selection, rng, training);
  }

  /** Gradients of the last `scores(…, training = true)` flow back into the network and trainable blocks. */
  backward(dArc: Float32Array, dRel: Float32Array, batch: BatchRef): void {
    this.blocks.backward(this.network.backward(dArc, dRel), batch);
  }

  /** Predictions for sentences whose frozen rows come from `sources` (one per candidate, null for trainable ones). */
  predict<P>(
    objective: ParserDecoder<P>, sentences: readonly Sentence[], sources: readonly (FrozenRows | null)[],
    selection: readonly boolean[] = this.description.selection, tokenBudget = PREDICT_TOKEN_BUDGET, memoryLimit = SENTENCE_MEMORY_LIMIT,
  ): P[] {
    if (objective.kind !== this.description.kind) throw new Error(`a ${objective.kind} objective cannot decode a ${this.description.kind} parser`);
    checkSentenceMemory(objective, sentences, memoryLimit);
    this.blocks.setFrozenSources(sources);
    const out: P[] = new Array(sentences.length);
    for (const indices of tokenBatches(sentences.map((s) => s.words.length), tokenBudget)) {
      const batch = makeBatch(indices, sentences);
      const preds = objective.decode(this.scores(batch, selection, this.evalRng, false), this.description.labels);
      indices.forEach((si, b) => (out[si] = preds[b]));
    }
    return out;
  }

  /** Writes model.json + params.bin into dir (each file atomically). */
  save(dir: string, extra: Record<string, unknown> = {}): void {
    saveBundle(dir, PARSER_BUNDLE_FORMAT, this.description, this.params, extra);
  }

  loadParams(dir: string): void {
    loadBundleParams(dir, PARSER_BUNDLE_FORMAT, 'parser', this.description, this.params);
  }

  warmStart(dir: string): PartialLoad {
    return warmStartFromBundle(dir, PARSER_BUNDLE_FORMAT, 'parser', this.description, this.params);
  }
}

/** Reads and validates a parser bundle's description. */
export function readParserDescription(dir: string): ParserDescription & Record<string, unknown> {
  const d = readBundleJson(dir, PARSER_BUNDLE_FORMAT, 'parser', ['kind', 'labels', 'candidates', 'vocabs', 'architecture', 'objective', 'selection']) as unknown as ParserDescription & Record<string, unknown>;
  if (!PARSER_KINDS.includes(d.kind)) throw new InputError(join(dir, 'model.json'), undefined, `unknown parser kind ${JSON.stringify(d.kind)}`);
  return d;
}
