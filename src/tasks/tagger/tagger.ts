// A trained-or-training sequence labeller: candidates as input blocks, the BiLSTM-CRF, its label set, and bundles on disk.
import { loadBundleParams, readBundleJson, saveBundle, warmStartFromBundle } from '../shared/bundle.js';
import type { Backend } from '../../engine/backend/backend.js';
import type { PartialLoad } from '../../engine/index.js';
import type { Candidate, CandidateSpec } from '../../embeddings/candidate.js';
import type { Sentence, TaggedSentence } from '../../formats/types.js';
import { convert, type TagScheme } from '../../formats/tag-schemes.js';
import { schemeConstraints, type TransitionConstraints } from '../../structs/transition-constraints.js';
import { Rng } from '../../util/rng.js';
import { InputBlocks, type BlockVocabs, type FrozenRows } from '../shared/input-blocks.js';
import { layoutOf, makeBatch } from '../shared/batch.js';
import { TaggerModel } from './tagger-model.js';

/** Tagging tasks: span tasks (ner, chunk, ae) train on BIOES with well-formed decoding; pos tags tokens. */
export type TaggingTask = 'ner' | 'chunk' | 'ae' | 'pos';
export const TAGGING_TASKS: readonly TaggingTask[] = ['ner', 'chunk', 'ae', 'pos'];

/** The scheme the data's tags are written in; 'none' for token tags such as POS. */
export type DataScheme = TagScheme | 'none';

export interface TaggerArchitecture {
  hidden: number;
  wordDropout: number;
  lockedDropout: number;
  outputDropout: number;
  blockWeighting: 'none' | 'learned-sigmoid';
}

/** Defaults as flair's SequenceTagger (hidden 256 per direction; ACE used 800). */
export const ARCHITECTURE_DEFAULTS: Readonly<TaggerArchitecture> = Object.freeze({
  hidden: 256,
  wordDropout: 0.05,
  lockedDropout: 0.5,
  outputDropout: 0.5,
  blockWeighting: 'none',
});

export interface TaggerDescription {
  task: TaggingTask;
  scheme: DataScheme;
  /** Internal label set (BIOES for span tasks). */
  labels: string[];
  candidates: CandidateSpec[];
  vocabs: BlockVocabs;
  architecture: TaggerArchitecture;
  /** Which candidates the model uses (the search's selection). */
  selection: boolean[];
}

/** The `format` field Tagger.save writes into model.json. */
export const TAGGER_BUNDLE_FORMAT = 'ace-ts/tagger';

export function isSpanTask(task: TaggingTask): boolean {
  return task !== 'pos';
}

/** Detects IOB1 vs IOB2 from the data: IOB1 files start phrases with I- (conlleval reads both). */
export function detectScheme(task: TaggingTask, sentences: readonly TaggedSentence[]): DataScheme {
  if (!isSpanTask(task)) return 'none';
  for (const s of sentences) {
    if (s.tags.some((t) => t.startsWith('E-') || t.startsWith('S-'))) return 'BIOES';
  }
  for (const s of sentences) {
    for (let i = 0; i < s.tags.length; i++) {
      const t = s.tags[i];
      if (!t.startsWith('I-')) continue;
      const prev = i === 0 ? 'O' : s.tags[i - 1];
      if (prev === 'O' || prev.slice(2) !== t.slice(2)) return 'IOB1';
    }
  }
  return 'IOB2';
}

/** Label set of the internal scheme, in a stable order ('O' first, then sorted). */
export function labelSet(task: TaggingTask, scheme: DataScheme, sentences: readonly TaggedSentence[]): string[] {
  const set = new Set<string>();
  for (const s of sentences) for (const t of toInternal(task, scheme, s.tags)) set.add(t);
  return [...set].sort((a, b) => (a === 'O' ? -1 : b === 'O' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

export function toInternal(task: TaggingTask, scheme: DataScheme, tags: readonly string[]): string[] {
  return isSpanTask(task) && scheme !== 'none' && scheme !== 'BIOES' ? convert(tags, scheme, 'BIOES') : [...tags];
}

export function fromInternal(task: TaggingTask, scheme: DataScheme, tags: readonly string[]): string[] {
  return isSpanTask(task) && scheme !== 'none' && scheme !== 'BIOES' ? convert(tags, 'BIOES', scheme) : [...tags];
}

/** A labeller: input blocks + BiLSTM-CRF + labels. Training lives in TaggerTask; this part also serves prediction. */
export class Tagger {
  readonly blocks: InputBlocks;
  readonly model: TaggerModel;
  readonly labelIndex: Map<string, number>;
  readonly constraints: TransitionConstraints | undefined;
  private readonly evalRng = new Rng(0);

  constructor(readonly description: TaggerDescription, candidates: readonly Candidate[], readonly backend: Backend, rng: Rng) {
    const d = description;
    this.blocks = new InputBlocks(d.candidates, candidates, d.vocabs, backend, rng.split('blocks'), {
      word: d.architecture.wordDropout,
      locked: d.architecture.lockedDropout,
    });
    this.model = new TaggerModel(backend, rng.split('model'), {
      blockSizes: this.blocks.dims,
      trainableBlocks: this.blocks.trainable,
      hidden: d.architecture.hidden,
      numTags: d.labels.length,
      outputDropout: d.architecture.outputDropout,
      learnedBlockScale: d.architecture.blockWeighting === 'learned-sigmoid',
    });
    this.labelIndex = new Map(d.labels.map((l, i) => [l, i]));
    this.constraints = isSpanTask(d.task) ? schemeConstraints(d.labels, 'bioes') : undefined;
  }

  get params() {
    return [...this.model.params(), ...this.blocks.params()];
  }

  paramsFor(selection: readonly boolean[]) {
    return [...this.model.paramsFor(selection), ...this.blocks.paramsFor(selection)];
  }

  /** Tags (in the data's scheme) for sentences whose frozen rows come from `sources` (one per candidate). */
  predict(sentences: readonly Sentence[], sources: readonly (FrozenRows | null)[], selection: readonly boolean[] = this.description.selection, batchSize = 64): string[][] {
    this.blocks.setFrozenSources(sources);
    const order = sentences.map((_, i) => i).sort((a, b) => sentences[a].words.length - sentences[b].words.length);
    const out: string[][] = new Array(sentences.length);
    for (let s = 0; s < order.length; s += batchSize) {
      const indices = order.slice(s, s + batchSize);
      const batch = makeBatch(indices, sentences);
      const layout = layoutOf(batch);
      const blocks = this.blocks.forward(batch, selection, this.evalRng, false);
      const paths = this.model.decode(blocks, layout, selection, this.evalRng, this.constraints);
      indices.forEach((si, b) => {
        const n = sentences[si].words.length;
        const tags = Array.from(paths.subarray(b * batch.maxLen, b * batch.maxLen + n), (k) => this.description.labels[k]);
        out[si] = fromInternal(this.description.task, this.description.scheme, tags);
      });
    }
    return out;
  }

  /** Writes model.json + params.bin into dir (each file atomically). */
  save(dir: string, extra: Record<string, unknown> = {}): void {
    saveBundle(dir, TAGGER_BUNDLE_FORMAT, this.description, this.params, extra);
  }

  loadParams(dir: string): void {
    loadBundleParams(dir, TAGGER_BUNDLE_FORMAT, 'tagger', this.description, this.params);
  }

  warmStart(dir: string): PartialLoad {
    return warmStartFromBundle(dir, TAGGER_BUNDLE_FORMAT, 'tagger', this.description, this.params);
  }
}

/** Reads and validates a tagger bundle's description. */
export function readTaggerDescription(dir: string): TaggerDescription & Record<string, unknown> {
  return readBundleJson(dir, TAGGER_BUNDLE_FORMAT, 'tagger', ['task', 'scheme', 'labels', 'candidates', 'vocabs', 'architecture', 'selection']) as unknown as TaggerDescription & Record<string, unknown>;
}

export { layoutOf, makeBatch } from '../shared/batch.js';
