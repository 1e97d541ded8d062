// The one home of the biaffine parsers' defaults: network sizes, dropout and training settings per parser kind.

/** Which structure the parser predicts: a dependency tree (Dozat & Manning 2017) or a semantic graph (2018). */
export type ParserKind = 'dependency' | 'graph';
export const PARSER_KINDS: readonly ParserKind[] = Object.freeze(['dependency', 'graph']);

export interface ParserArchitecture {
  /** BiLSTM units per direction. */
  hidden: number;
  /** Stacked BiLSTM layers (locked dropout between them and after the last). */
  lstmLayers: number;
  /** Width of the arc-head / arc-dependent MLPs. */
  arcMlp: number;
  /** Width of the label-head / label-dependent MLPs. */
  relMlp: number;
  /** Whole-word dropout on the input blocks (no rescaling). */
  wordDropout: number;
  /** Locked dropout on each input block (one mask per sentence and feature). */
  embedDropout: number;
  /** Locked dropout on every BiLSTM layer's output. */
  lstmDropout: number;
  /** Locked dropout on the four MLP outputs. */
  mlpDropout: number;
  blockWeighting: 'none' | 'learned-sigmoid';
}

export interface ParserTrainingOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** Gradient norm clip. */
  clip: number;
  /** Tokens per batch (sentences sorted by length, so a batch holds sentences of similar length). */
  tokenBudget: number;
  /** Per-step learning-rate decay (SuPar: 0.75 every 5000 steps). */
  decayPerStep: number;
  seed: number;
}

/** Dozat & Manning (2017) and SuPar's biaffine dependency parser. */
export const DEPENDENCY_ARCHITECTURE_DEFAULTS: Readonly<ParserArchitecture> = Object.freeze({
  hidden: 400,
  lstmLayers: 3,
  arcMlp: 500,
  relMlp: 100,
  wordDropout: 0,
  embedDropout: 0.33,
  lstmDropout: 0.33,
  mlpDropout: 0.33,
  blockWeighting: 'none',
});

/** Dozat & Manning (2018): 600-unit LSTMs and MLPs for both edges and labels. */
export const GRAPH_ARCHITECTURE_DEFAULTS: Readonly<ParserArchitecture> = Object.freeze({
  ...DEPENDENCY_ARCHITECTURE_DEFAULTS,
  hidden: 600,
  arcMlp: 600,
  relMlp: 600,
});

export const DEPENDENCY_TRAINING_DEFAULTS: Readonly<ParserTrainingOptions> = Object.freeze({
  lr: 2e-3,
  betas: Object.freeze([0.9, 0.9]) as unknown as [number, number],
  eps: 1e-12,
  clip: 5,
  tokenBudget: 5000,
  decayPerStep: 0.75 ** (1 / 5000),
  seed: 1,
});

/** SuPar's semantic dependency parser trains with lr 1e-3 and betas (0, 0.95). */
export const GRAPH_TRAINING_DEFAULTS: Readonly<ParserTrainingOptions> = Object.freeze({
  ...DEPENDENCY_TRAINING_DEFAULTS,
  lr: 1e-3,
  betas: Object.freeze([0, 0.95]) as unknown as [number, number],
});

export function architectureDefaults(kind: ParserKind): Readonly<ParserArchitecture> {
  return kind === 'graph' ? GRAPH_ARCHITECTURE_DEFAULTS : DEPENDENCY_ARCHITECTURE_DEFAULTS;
}

export function trainingDefaults(kind: ParserKind): Readonly<ParserTrainingOptions> {
  return kind === 'graph' ? GRAPH_TRAINING_DEFAULTS : DEPENDENCY_TRAINING_DEFAULTS;
}
