// Builds a TaggerTask from a dataset name and candidate names: loads splits, candidates, caches and vocabularies.
import { datasetSpec, loadTagging } from '../../datasets/registry.js';
import type { TaggedSentence } from '../../formats/types.js';
import { UsageError } from '../../util/errors.js';
import type { Split } from '../task.js';
import { buildBlockVocabs } from '../shared/input-blocks.js';
import type { FrozenSourceEvents } from '../shared/frozen-sources.js';
import { limitSplits, prepareInputs, type DatasetRequest } from '../shared/prepare-inputs.js';
import { ARCHITECTURE_DEFAULTS, TAGGING_TASKS, detectScheme, labelSet, type TaggerArchitecture, type TaggingTask } from './tagger.js';
import { TRAINING_DEFAULTS, TaggerTask, type TaggerTaskEvents, type TrainingOptions } from './tagger-task.js';

export interface TaggerRequest extends DatasetRequest {
  task: TaggingTask;
  architecture?: Partial<TaggerArchitecture>;
  training?: Partial<TrainingOptions>;
  events?: TaggerTaskEvents & FrozenSourceEvents & { log?: (line: string) => void };
}

/** The tagging task each dataset's label column serves. */
export function defaultTaggingTask(data: string): TaggingTask {
  const label = datasetSpec(data).label;
  if (label === 'ner') return 'ner';
  if (label === 'chunk') return 'chunk';
  if (label === 'aspect') return 'ae';
  return 'pos';
}

export async function createTaggerTask(req: TaggerRequest): Promise<TaggerTask> {
  if (!TAGGING_TASKS.includes(req.task)) throw new UsageError(`unknown tagging task "${req.task}" (one of ${TAGGING_TASKS.join(', ')})`);
  const log = req.events?.log ?? (() => {});
  let splits: Record<Split, TaggedSentence[]> = {
    train: await loadTagging(req.dataHome, req.data, 'train'),
    dev: await loadTagging(req.dataHome, req.data, 'dev'),
    test: await loadTagging(req.dataHome, req.data, 'test').catch(() => []),
  };
  splits = limitSplits(splits, req.limit);
  log(`data ${req.data}: train ${splits.train.length}, dev ${splits.dev.length}, test ${splits.test.length} sentences`);
  const { specs, candidates, sources } = await prepareInputs({ ...req, splits, events: req.events });
  const scheme = detectScheme(req.task, splits.train);
  const labels = labelSet(req.task, scheme, [...splits.train, ...splits.dev]);
  const description = {
    task: req.task,
    scheme,
    labels,
    candidates: specs,
    vocabs: buildBlockVocabs(specs, splits.train),
    architecture: { ...ARCHITECTURE_DEFAULTS, ...(req.architecture ?? {}) },
    selection: specs.map(() => true),
  };
  const training = { ...TRAINING_DEFAULTS, ...(req.training ?? {}) };
  return new TaggerTask(description, candidates, { ...splits, sources }, training, req.backend, req.events);
}
