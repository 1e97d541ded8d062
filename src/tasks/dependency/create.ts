// Builds a ParserTask (dependency trees or semantic graphs) from a task name, a dataset and candidate names.
import { datasetSpec, loadGraphs, loadTrees } from '../../datasets/registry.js';
import type { GraphSentence, Sentence, TreeSentence } from '../../formats/types.js';
import { UsageError } from '../../util/errors.js';
import type { Split } from '../task.js';
import { buildBlockVocabs } from '../shared/input-blocks.js';
import type { FrozenSourceEvents } from '../shared/frozen-sources.js';
import { limitSplits, prepareInputs, type DatasetRequest } from '../shared/prepare-inputs.js';
import { GraphObjective, graphObjectiveOptionsFor, type GraphGold, type GraphMetric, type PredictedGraph } from './graph-objective.js';
import type { ParserDescription } from './parser.js';
import type { ParserObjective } from './parser-objective.js';
import { architectureDefaults, trainingDefaults, type ParserArchitecture, type ParserKind, type ParserTrainingOptions } from './parser-options.js';
import { ParserTask, type ParserTaskEvents } from './parser-task.js';
import { TREE_DECODERS, TreeObjective, type PredictedTree, type TreeDecoder, type TreeGold } from './tree-objective.js';

/** 'dep': basic dependency trees (LAS); 'sdp': semantic graphs (SDP LF, or ELAS on CoNLL-U data); 'eud': enhanced UD graphs (ELAS). */
export type ParserTaskName = 'dep' | 'sdp' | 'eud';
export const PARSER_TASKS: readonly ParserTaskName[] = Object.freeze(['dep', 'sdp', 'eud']);

export function isParserTask(task: string): task is ParserTaskName {
  return (PARSER_TASKS as readonly string[]).includes(task);
}

export interface ParserRequest extends DatasetRequest {
  task: ParserTaskName;
  /** Over the kind's defaults (parser-options.ts); `blockWeighting: 'learned-sigmoid'` for the All+Weight baseline. */
  architecture?: Partial<ParserArchitecture>;
  /** Over the kind's defaults (parser-options.ts); `seed` seeds initialisation, dropout and batch order. */
  training?: Partial<ParserTrainingOptions>;
  /** Tree decoder of task 'dep' (default 'mst'); the graph tasks refuse it. */
  decoder?: TreeDecoder;
  events?: ParserTaskEvents & FrozenSourceEvents & { log?: (line: string) => void };
}

export type TreeParserTask = ParserTask<TreeSentence, PredictedTree, TreeGold>;
export type GraphParserTask = ParserTask<GraphSentence, PredictedGraph, GraphGold>;
export type AnyParserTask = TreeParserTask | GraphParserTask;

/** The structure a parser task predicts. */
export function parserKindOf(task: ParserTaskName): ParserKind {
  return task === 'dep' ? 'dependency' : 'graph';
}

/** The parser task a dataset serves when none is named: trees where it has them, else graphs. */
export function defaultParserTask(data: string): ParserTaskName {
  return datasetSpec(data).tasks.includes('tree') ? 'dep' : 'sdp';
}

/** The graph metric of a dataset: SDP files score labelled F1, CoNLL-U enhanced dependencies score ELAS. */
function graphMetricOf(task: ParserTaskName, data: string): GraphMetric {
  const format = datasetSpec(data).format;
  if (task === 'eud' && format !== 'conllu') throw new UsageError(`task eud reads enhanced dependencies from CoNLL-U data; dataset '${data}' is ${format}`);
  return format === 'conllu' ? 'ELAS' : 'LF';
}

/**
 * Task-specific sizes over the kind's defaults. Enhanced UD has ~380 labels (UD relations with lexical subtypes such
 * as obl:in): at the 2018 width of 600 the label biaffine would hold 137M weights and train at ~50 tok/s, so it takes
 * the dependency parser's 100.
 */
const TASK_ARCHITECTURE: Readonly<Partial<Record<ParserTaskName, Partial<ParserArchitecture>>>> = { eud: { relMlp: 100 } };

export async function createParserTask(req: ParserRequest): Promise<AnyParserTask> {
  if (!isParserTask(req.task)) throw new UsageError(`unknown parser task "${String(req.task)}" (one of ${PARSER_TASKS.join(', ')})`);
  const kind = parserKindOf(req.task);
  if (kind === 'dependency') {
    const decoder = req.decoder ?? 'mst';
    if (!TREE_DECODERS.includes(decoder)) throw new UsageError(`unknown tree decoder "${String(decoder)}" (one of ${TREE_DECODERS.join(', ')})`);
    return build(req, kind, new TreeObjective(req.backend, { decoder }), (split) => loadTrees(req.dataHome, req.data, split));
  }
  if (req.decoder !== undefined) throw new UsageError(`a decoder applies to task dep only; task ${req.task} predicts graphs by thresholding arc scores`);
  const objective = new GraphObjective(req.backend, graphObjectiveOptionsFor(graphMetricOf(req.task, req.data)));
  return build(req, kind, objective, (split) => loadGraphs(req.dataHome, req.data, split));
}

async function build<G extends Sentence, P, C>(
  req: ParserRequest, kind: ParserKind, objective: ParserObjective<G, P, C>, load: (split: Split) => Promise<G[]>,
): Promise<ParserTask<G, P, C>> {
  const log = req.events?.log ?? (() => {});
  // A split the dataset lacks (sdp-sample has no test) is empty, as for the tagger.
  let splits: Record<Split, G[]> = { train: await load('train'), dev: await load('dev'), test: await load('test').catch(() => []) };
  splits = limitSplits(splits, req.limit);
  if (splits.train.length === 0) throw new UsageError(`dataset '${req.data}' has no training sentences`);
  log(`data ${req.data} (${req.task}): train ${splits.train.length}, dev ${splits.dev.length}, test ${splits.test.length} sentences`);
  const { specs, candidates, sources } = await prepareInputs({ ...req, splits, events: req.events });
  const description: ParserDescription = {
    kind,
    labels: objective.labelSet(splits.train),
    candidates: specs,
    vocabs: buildBlockVocabs(specs, splits.train),
    architecture: { ...architectureDefaults(kind), ...(TASK_ARCHITECTURE[req.task] ?? {}), ...(req.architecture ?? {}) },
    objective: { ...objective.settings },
    selection: specs.map(() => true),
  };
  const training = { ...trainingDefaults(kind), ...(req.training ?? {}) };
  return new ParserTask(description, candidates, { ...splits, sources }, training, req.backend, objective, req.events?.batch ? { batch: req.events.batch } : {});
}
