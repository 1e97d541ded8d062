// Reads an `ace train` folder (command.json, train.log.jsonl, results.json) into what the training report plots.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import type { TrainingEpoch, TrainingRun } from './training-report.js';

/** The files of a training folder; `ace train` writes them, the report reads them. */
export const TRAIN_FILES = Object.freeze({ command: 'command.json', log: 'train.log.jsonl', results: 'results.json' });

interface SavedCommand {
  command?: string;
  flags?: { task?: string; data?: string; embeddings?: string; seed?: string };
  epochs?: string;
}

interface SavedResults {
  task?: string;
  data?: string;
  embeddings?: string[];
  seed?: number;
  test?: number | null;
  metric?: string;
}

/** Logs written before lines carried their metric: the metric each task reports (as the task classes name it). */
const TASK_METRICS: Readonly<Record<string, string>> = { ner: 'F1', chunk: 'F1', ae: 'F1', pos: 'accuracy', dep: 'LAS', sdp: 'LF', eud: 'ELAS' };

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new InputError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
}

export function isTrainingFolder(dir: string): boolean {
  return existsSync(join(dir, TRAIN_FILES.log));
}

/**
 * The epochs of a log, in order. A run killed between its log line and its state commit redoes that epoch when
 * resumed, so a later line for the same epoch replaces the earlier one.
 */
export function readTrainingLog(path: string): { epochs: TrainingEpoch[]; metric: string | undefined } {
  const byEpoch = new Map<number, TrainingEpoch>();
  let metric: string | undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let e: Partial<TrainingEpoch> & { metric?: unknown };
    try {
      e = JSON.parse(line) as Partial<TrainingEpoch> & { metric?: unknown };
    } catch {
      throw new InputError(path, i + 1, 'not a JSON line');
    }
    for (const k of ['epoch', 'trainLoss', 'devScore', 'learningRate', 'tokensPerSecond', 'seconds'] as const) {
      if (typeof e[k] !== 'number') throw new InputError(path, i + 1, `epoch record lacks the number '${k}'`);
    }
    if (typeof e.metric === 'string') metric = e.metric;
    const { epoch, trainLoss, devScore, learningRate, tokensPerSecond, seconds } = e as TrainingEpoch;
    byEpoch.set(epoch, { epoch, trainLoss, devScore, learningRate, tokensPerSecond, seconds });
  });
  return { epochs: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch), metric };
}

/** The run in `dir`, labelled by its folder name; the metric comes from the log, else results.json. */
export function readTrainingRun(dir: string): TrainingRun {
  const root = resolve(dir);
  const logPath = join(root, TRAIN_FILES.log);
  if (!existsSync(logPath)) throw new InputError(root, undefined, `not a training folder (no ${TRAIN_FILES.log})`);
  const command = readJson<SavedCommand>(join(root, TRAIN_FILES.command));
  const results = readJson<SavedResults>(join(root, TRAIN_FILES.results));
  const { epochs, metric } = readTrainingLog(logPath);
  const task = command?.flags?.task ?? results?.task ?? '?';
  const embeddings = command?.flags?.embeddings?.split(',').map((s) => s.trim()).filter(Boolean) ?? results?.embeddings ?? [];
  return {
    label: basename(root),
    task,
    data: command?.flags?.data ?? results?.data ?? '?',
    embeddings,
    metric: metric ?? results?.metric ?? TASK_METRICS[task] ?? 'score',
    maxEpochs: command?.epochs !== undefined ? Number(command.epochs) : null,
    seed: command?.flags?.seed ?? (results?.seed !== undefined ? String(results.seed) : '?'),
    epochs,
    test: results?.test ?? null,
    finished: results !== null,
  };
}
