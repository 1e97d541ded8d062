// Loads a saved parser bundle (model.json + params.bin) for prediction and parses new sentences with it.
import type { Backend } from '../../engine/backend/backend.js';
import type { Candidate } from '../../embeddings/candidate.js';
import type { Sentence } from '../../formats/types.js';
import { Rng } from '../../util/rng.js';
import { bundleFormatOf } from '../shared/bundle.js';
import { checkRequiredColumns, disposeFrozen, loadBundle, requiredColumnsOf, selectedFrozenRows } from '../shared/loaded-bundle.js';
import type { FrozenRows } from '../shared/input-blocks.js';
import { objectiveFor, type AnyParserObjective } from './objective-for.js';
import type { GraphMetric, PredictedGraph } from './graph-objective.js';
import { checkSentenceMemory, PARSER_BUNDLE_FORMAT, Parser, readParserDescription, type ParserDescription } from './parser.js';
import type { PredictedTree } from './tree-objective.js';

/** The `format` field Parser.save writes into model.json (a tagger bundle says 'ace-ts/tagger'). */
export { PARSER_BUNDLE_FORMAT };

export interface LoadParserOptions {
  /** Where frozen candidates find their downloaded weights (the same directory training used). */
  cacheDir: string;
  backend: Backend;
}

/** Predictions of a parser, tagged with the structure it predicts. */
export type Parses = { kind: 'dependency'; trees: PredictedTree[] } | { kind: 'graph'; graphs: PredictedGraph[] };

/** True when `dir/model.json` exists and names the parser bundle format; false for taggers and anything unreadable. */
export function isParserBundle(dir: string): boolean {
  return bundleFormatOf(dir) === PARSER_BUNDLE_FORMAT;
}

/** A Parser read from a bundle, holding its candidates (to embed new text) and its objective (to decode). */
export class LoadedParser extends Parser {
  readonly objective: AnyParserObjective;

  constructor(
    description: ParserDescription,
    readonly candidates: readonly Candidate[],
    backend: Backend,
    /** The bundle directory it was read from (for messages). */
    readonly dir: string,
  ) {
    // The seed only shapes the initial values, which loadParams overwrites.
    super(description, candidates, backend, new Rng(0));
    this.objective = objectiveFor(backend, description);
  }

  /** The headline metric: LAS for trees, LF or ELAS for graphs. */
  get metricName(): string {
    return this.objective.metricName;
  }

  /** The graph metric the model was trained for (graphs only). */
  get graphMetric(): GraphMetric | undefined {
    return this.objective.kind === 'graph' ? this.objective.options.metric : undefined;
  }

  /** Input columns the selected feature candidates read (e.g. `upos`): sentences to parse must carry them. */
  get requiredColumns(): string[] {
    return requiredColumnsOf(this.description);
  }

  /** Releases frozen candidates' resources (ONNX sessions); the parser cannot embed afterwards. */
  async dispose(): Promise<void> {
    await disposeFrozen(this.candidates);
  }
}

/**
 * Reads the parser bundle in `dir`: validates model.json, builds its candidates — frozen ones without a vocabulary
 * filter, so any word can be embedded — rebuilds its objective (decoder, graph thresholds) and loads params.bin.
 */
export async function loadParser(dir: string, options: LoadParserOptions): Promise<LoadedParser> {
  return loadBundle(dir, options.cacheDir, readParserDescription, (d, candidates) => new LoadedParser(d, candidates, options.backend, dir));
}

/**
 * Parses sentences with the bundle's selection. Frozen candidates the selection uses embed the sentences in memory,
 * without touching the on-disk cache; unselected ones are skipped.
 */
export async function predictParses(parser: LoadedParser, sentences: readonly Sentence[]): Promise<Parses> {
  checkRequiredColumns(parser.dir, parser.requiredColumns, sentences);
  const selection = parser.description.selection;
  const o = parser.objective;
  checkSentenceMemory(o, sentences);
  const sources = await frozenSourcesFor(parser, sentences);
  if (o.kind === 'graph') return { kind: 'graph', graphs: sentences.length === 0 ? [] : parser.predict(o, sentences, sources, selection) };
  return { kind: 'dependency', trees: sentences.length === 0 ? [] : parser.predict(o, sentences, sources, selection) };
}

/** Frozen rows of the sentences for the candidates the bundle's selection uses (null for the others). */
export async function frozenSourcesFor(parser: LoadedParser, sentences: readonly Sentence[]): Promise<(FrozenRows | null)[]> {
  return selectedFrozenRows(parser.candidates, parser.description.selection, sentences);
}
