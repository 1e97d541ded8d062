// Public face of the structs layer: scores and lengths in, structures out (CRF paths, trees, graphs).

export type { FloatArray } from './float-array.js';
export {
  allowAllTransitions,
  satisfiesConstraints,
  schemeConstraints,
  type TagScheme,
  type TransitionConstraints,
} from './transition-constraints.js';
export {
  crfLogPartition,
  crfNll,
  crfNllBatch,
  crfSequenceScore,
  crfViterbi,
  crfViterbiBatch,
  CrfWorkspace,
  type CrfGradients,
  type CrfOptions,
  type CrfParams,
} from './crf.js';
export { DEFAULT_TREE_DECODE_OPTIONS, isProjective, isTree, ROOT_HEAD, treeScore, type TreeDecodeOptions } from './tree.js';
export { eisner, eisnerBatch, EisnerWorkspace, type EisnerOptions } from './eisner.js';
export { chuLiuEdmonds, mst, mstBatch, type MstOptions } from './mst.js';
export {
  decodeGraph,
  decodeGraphBatch,
  DEFAULT_GRAPH_DECODE_OPTIONS,
  graphArcs,
  NO_ARC,
  type GraphArc,
  type GraphDecodeOptions,
} from './graph.js';
