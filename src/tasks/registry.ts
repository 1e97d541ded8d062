// The task registry: turns a task name, a dataset and candidate names into a SearchableTask.
import type { Backend } from '../engine/backend/backend.js';
import type { CandidateSpec } from '../embeddings/candidate.js';
import { UsageError } from '../util/errors.js';
import type { SearchableTask } from './task.js';
import { createTaggerTask } from './tagger/create.js';
import { TAGGING_TASKS, type TaggerArchitecture, type TaggingTask } from './tagger/tagger.js';
import type { TaggerTaskEvents, TrainingOptions } from './tagger/tagger-task.js';
import type { FrozenSourceEvents } from './shared/frozen-sources.js';

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
  limit?: number;
  architecture?: Partial<TaggerArchitecture>;
  training?: Partial<TrainingOptions>;
  events?: TaggerTaskEvents & FrozenSourceEvents & { log?: (line: string) => void };
}

export const TASK_NAMES: readonly string[] = [...TAGGING_TASKS];

export async function createTask(req: TaskFactoryRequest): Promise<SearchableTask> {
  if ((TAGGING_TASKS as readonly string[]).includes(req.task)) {
    return createTaggerTask({
      ...req,
      task: req.task as TaggingTask,
      architecture: { ...(req.architecture ?? {}), ...(req.blockWeighting ? { blockWeighting: req.blockWeighting } : {}) },
      training: { ...(req.training ?? {}), seed: req.seed },
    });
  }
  throw new UsageError(`unknown task "${req.task}" (available: ${TASK_NAMES.join(', ')})`);
}
