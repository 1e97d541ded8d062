// The public TypeScript API of ace-ts: one entry point, grouped by pipeline stage.
export * as formats from './formats/index.js';
export * as metrics from './metrics/index.js';
export * as engine from './engine/index.js';
export * as structs from './structs/index.js';
export { loadTagging, loadTrees, loadGraphs, datasetStatus, DATASETS } from './datasets/registry.js';
export { buildCandidate, resolveCandidateSpecs, loadCandidateConfig, DEFAULT_CANDIDATES } from './embeddings/registry.js';
export { EmbeddingCache } from './embeddings/cache/store.js';
export type { CandidateSpec, FrozenCandidate, TrainableCandidate, Candidate } from './embeddings/candidate.js';
export { createTask, TASK_NAMES } from './tasks/registry.js';
export { loadTagger as load, predictSentences as predict, type LoadedTagger } from './tasks/tagger/load.js';
export { loadParser, predictParses } from './tasks/dependency/load.js';
export type { SearchableTask, EpisodeSettings, EpochResult, Evaluation } from './tasks/task.js';
export { runSearch } from './search/search-loop.js';
export { resolveSearchOptions } from './search/options.js';
export { SearchEvents } from './search/events.js';
export { writeReport } from './report/write-report.js';
export { getBackend } from './engine/backend/select.js';
export type { Sentence, TaggedSentence, TreeSentence, GraphSentence } from './formats/types.js';
