// The embedding-candidate contract: everything ACE can concatenate has a stable name and a fixed dimension.
import type { Sentence } from '../formats/types.js';
import type { LayerContext, TrainableLayer } from './trainable.js';

/** What kind of candidate, as named in config files (registry.ts holds the table of what each one is). */
export type CandidateKind =
  | 'static' | 'use-lite' | 'use-tokens' | 'transformer' | 'compromise-pos' | 'random'
  | 'char' | 'casing' | 'feature' | 'word';

/** A user-facing description of one candidate: JSON/YAML serialisable, stored in model bundles. */
export interface CandidateSpec {
  /** Stable name the user gives (never a file path): candidates are ordered and matched by it. */
  name: string;
  kind: CandidateKind;
  /** Kind-specific options (path, layers, pooling, column, dimension ...). */
  options?: Record<string, unknown>;
}

/**
 * A frozen candidate: computed once per sentence, independent of training, so it can be cached on disk.
 * `embed` returns one Float32Array of length words.length × dim (row-major, word by word).
 */
export interface FrozenCandidate {
  readonly spec: CandidateSpec;
  readonly dim: number;
  readonly frozen: true;
  /** A hash of everything that changes the vectors (weights, options); part of the cache key. */
  readonly configHash: string;
  embed(sentences: readonly Sentence[]): Promise<Float32Array[]>;
  dispose?(): Promise<void> | void;
}

/**
 * A trainable candidate (char encoder, casing, feature columns, word table): its parameters train with the task
 * model, so each task model asks it for its own layer, built from the vocabularies of its training data.
 */
export interface TrainableCandidate {
  readonly spec: CandidateSpec;
  readonly dim: number;
  readonly frozen: false;
  createLayer(ctx: LayerContext): TrainableLayer;
}

export type Candidate = FrozenCandidate | TrainableCandidate;
