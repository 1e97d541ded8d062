// The task registry: turns a task name, a dataset and candidate names into a SearchableTask.
import type { Backend } from '../engine/backend/backend.js';
import type { CandidateSpec } from '../embeddings/candidate.js';
import { UsageError } from '../util/errors.js';
import type { SearchableTask, TaskEvents } from './task.js';
import { createTaggerTask } from './tagger/create.js';
import { TAGGING_TASKS, type TaggerArchitecture, type TaggingTask } from './tagger/tagger.js';
import type { TrainingOptions } from './tagger/tagger-task.js';
import type { FrozenSourceEvents } from './shared/frozen-sources.js';
import { PARSER_TASKS, createParserTask, isParserTask } from './dependency/create.js';
import type { ParserArchitecture, ParserTrainingOptions } from './dependency/parser-options.js';
import type { TreeDecoder } from './dependency/tree-objective.js';

/** Settings of the parser tasks (dep, sdp, eud), over their defaults in parser-options.ts. */
export interface ParserOverrides {
  architecture?: Partial<ParserArchitecture>;
  /** `seed` is the request's seed; any given here is overridden. */
  training?: Partial<ParserTrainingOptions>;
  /** Tree decoder of task dep (default mst). */
  decoder?: TreeDecoder;
}

export interface TaskFactoryRequest {
  task: string;
  data: string;
  candidates: readonly string[];
  candidateConfig?: readonly CandidateSpec[];
  seed: number;
  dataHome: string;
  cacheDir: string;
  backend: Backend;
  blockWeighting?: 'none' | 'learned-sigmoid';
  /** First N training sentences only (demos, tests). */
  limit?: number | undefined;
  /** Tagging tasks only. */
  architecture?: Partial<TaggerArchitecture>;
  /** Tagging tasks only. */
  training?: Partial<TrainingOptions>;
  /** Parser tasks only. */
  parser?: ParserOverrides;
  events?: TaskEvents & FrozenSourceEvents & { log?: (line: string) => void };
}

export const TASK_NAMES: readonly string[] = [...TAGGING_TASKS, ...PARSER_TASKS];

export async function createTask(req: TaskFactoryRequest): Promise<SearchableTask> {
  const weighting = req.blockWeighting ? { blockWeighting: req.blockWeighting } : {};
  if ((TAGGING_TASKS as readonly string[]).includes(req.task)) {
    if (req.parser !== undefined) throw new UsageError(`parser settings do not apply to the tagging task ${req.task}`);
    return createTaggerTask({
      ...req,
      task: req.task as TaggingTask,
      architecture: { ...(req.architecture ?? {}), ...weighting },
      training: { ...(req.training ?? {}), seed: req.seed },
    });
  }
  if (isParserTask(req.task)) {
    if (req.architecture !== undefined || req.training !== undefined) throw new UsageError(`task ${req.task} is a parser: give its settings as \`parser\` overrides`);
    const p = req.parser ?? {};
    return createParserTask({
      task: req.task,
      data: req.data,
      candidates: req.candidates,
      ...(req.candidateConfig ? { candidateConfig: req.candidateConfig } : {}),
      dataHome: req.dataHome,
      cacheDir: req.cacheDir,
      backend: req.backend,
      ...(req.limit !== undefined ? { limit: req.limit } : {}),
      architecture: { ...(p.architecture ?? {}), ...weighting },
      training: { ...(p.training ?? {}), seed: req.seed },
      ...(p.decoder !== undefined ? { decoder: p.decoder } : {}),
      ...(req.events ? { events: req.events } : {}),
    });
  }
  throw new UsageError(`unknown task "${req.task}" (available: ${TASK_NAMES.join(', ')})`);
}
