// `ace train`: trains one task model (tagger or parser) on a dataset with the given embeddings, keeping the best-dev bundle.
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createTask, defaultTaskFor, TASK_NAMES, trainSettings } from '../tasks/registry.js';
import { TREE_DECODERS } from '../tasks/dependency/tree-objective.js';
import { datasetNameOf, datasetSpec, normalizeDataRef } from '../datasets/registry.js';
import { loadCandidateConfig } from '../embeddings/registry.js';
import type { CandidateSpec } from '../embeddings/candidate.js';
import { StateStore } from '../util/state-store.js';
import { epochStep } from '../training/epoch-step.js';
import { episodeDone, type StopRule } from '../training/stop-rule.js';
import type { BatchInfo, EpochResult } from '../tasks/task.js';
import { TRAIN_FILES } from '../report/training-run.js';
import { writeReport } from '../report/write-report.js';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';
import { optional, positiveInteger, positiveNumber } from '../util/flag-values.js';
import { checkFields } from '../util/json-file.js';
import { NewRunFolder, readSavedCommand } from './run-folder.js';
import { sliceNotes, writeSliceNotes } from './slice-note.js';
import { cacheEventLogger, cliContext } from './context.js';
import { formatPerClassTable } from '../metrics/per-class.js';

export interface TrainFlags {
  task?: string;
  data?: string;
  /** The candidates to concatenate; `candidates` is the option's name shared with search and embed, `embeddings` its old one. */
  embeddings?: string;
  candidates?: string;
  config?: string;
  epochs?: string;
  out?: string;
  /** A run folder whose saved command and last epoch's state training continues from. */
  resume?: string;
  /** With --resume: train the saved command again from its first epoch, replacing model/, the log and the state. */
  restart?: boolean;
  /** With --data FILE: the dev file (else every 10th training sentence) and an optional test file. */
  dev?: string;
  /** The test file: `testFile` is the name shared with search, `test` the old one. */
  test?: string;
  testFile?: string;
  limit?: string;
  hidden?: string;
  /** Parsers only: stacked BiLSTM layers. */
  layers?: string | undefined;
  /** Parsers only: widths of the arc and label MLPs. */
  arcMlp?: string;
  relMlp?: string;
  /** Parser task dep only: mst | eisner. */
  decoder?: string;
  optimizer?: string;
  lr?: string;
  /** Taggers: sentences per batch. */
  batchSize?: string;
  /** Taggers: epochs without a dev gain before the learning rate halves. */
  patience?: string;
  /** Parsers: tokens per batch. */
  batchTokens?: string;
  /** A bundle whose weights start the model where names and shapes agree. */
  initFrom?: string;
  seed?: string;
  home?: string;
  cacheDir?: string;
  backend?: string;
  threads?: string;
  progress: boolean;
}

const DEFAULT_EMBEDDINGS = 'glove,char,casing';
const DEFAULT_EPOCHS = '30';

const positive = optional(positiveNumber);
const wholePositive = positiveInteger;

export interface TrainSummary {
  bestEpoch: number;
  bestDev: number;
  test: number | null;
  metric: string;
  seconds: number;
  tokensPerSecond: number;
}

/** The flags that define a training run; `<out>/command.json` keeps them so `--resume` rebuilds the same model. */
const MODEL_FLAGS = [
  'task', 'data', 'dev', 'test', 'embeddings', 'config', 'limit', 'hidden', 'layers', 'decoder', 'optimizer', 'lr', 'batchSize',
  'patience', 'batchTokens', 'arcMlp', 'relMlp', 'initFrom', 'seed',
] as const;
type ModelFlag = (typeof MODEL_FLAGS)[number];

interface TrainCommand {
  command: 'train';
  flags: Partial<Record<ModelFlag, string>> & { task: string; data: string; embeddings: string; seed: string };
  epochs: string;
  /** The --config file's candidates themselves, so a resume needs no config file. */
  candidateConfig: CandidateSpec[];
}

/** What is committed with each epoch's state (under `<out>/state/gen-N/`). */
interface TrainProgress {
  epochsDone: number;
  best: { epoch: number; dev: number };
  /** Wall time of the earlier sessions of this run. */
  seconds: number;
  tokensPerSecond: number;
  /** Dev score of every epoch so far (absent in runs saved before it was kept). */
  devScores: number[];
}

interface TrainEpochEvent {
  epoch: number;
  result: EpochResult;
  newBest: boolean;
}

const COMMAND_FILE = TRAIN_FILES.command;

const flagName = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** One name per option across commands; the old spellings still work, but not both spellings at once. */
function withAliases(flags: TrainFlags): TrainFlags {
  const pairs = [['candidates', 'embeddings'], ['testFile', 'test']] as const;
  for (const [name, old] of pairs) {
    if (flags[name] !== undefined && flags[old] !== undefined) throw new UsageError(`${flagName(name)} and ${flagName(old)} are one option (${flagName(old)} is its old name): give it once`);
  }
  const out: TrainFlags = { ...flags };
  if (flags.candidates !== undefined) out.embeddings = flags.candidates;
  if (flags.testFile !== undefined) out.test = flags.testFile;
  delete out.candidates;
  delete out.testFile;
  return out;
}

/** The run's command: a new one from the flags (checked, saved later), or the saved one of `--resume DIR`. */
function trainCommand(given: TrainFlags): { command: TrainCommand; out: string; resume: boolean } {
  const flags = withAliases(given);
  if (flags.resume !== undefined) {
    const out = resolve(flags.resume);
    if (flags.out !== undefined && resolve(flags.out) !== out) throw new UsageError('--resume DIR trains in DIR; leave out --out');
    const given = MODEL_FLAGS.filter((k) => flags[k] !== undefined);
    if (given.length > 0) {
      throw new UsageError(`--resume continues the saved command; ${given.map(flagName).join(', ')} cannot change (only --epochs, --threads and the paths)`);
    }
    const saved = readSavedCommand(out, 'train') as TrainCommand;
    return { command: { ...saved, epochs: flags.epochs ?? saved.epochs }, out, resume: true };
  }
  if (flags.restart) throw new UsageError('--restart goes with --resume DIR (it trains the saved command of DIR again)');
  if (flags.data === undefined) throw new UsageError('--data is required (or use --resume DIR)');
  if (flags.out === undefined) throw new UsageError('--out is required (or use --resume DIR)');
  const out = resolve(flags.out);
  if (existsSync(join(out, COMMAND_FILE))) throw new UsageError(`${flags.out} already holds a training run; use --resume ${flags.out} or another --out`);
  const dataRef = normalizeDataRef({ data: flags.data, ...(flags.dev !== undefined ? { dev: flags.dev } : {}), ...(flags.test !== undefined ? { test: flags.test } : {}) });
  const kept: TrainCommand['flags'] = { ...dataRef, task: flags.task ?? defaultTaskFor(datasetNameOf(dataRef)), embeddings: flags.embeddings ?? DEFAULT_EMBEDDINGS, seed: flags.seed ?? '1' };
  for (const k of MODEL_FLAGS) {
    if (k !== 'config' && flags[k] !== undefined && kept[k] === undefined) kept[k] = flags[k];
  }
  if (flags.initFrom !== undefined) kept.initFrom = resolve(flags.initFrom);
  const candidateConfig = flags.config ? loadCandidateConfig(flags.config) : [];
  return { command: { command: 'train', flags: kept, epochs: flags.epochs ?? DEFAULT_EPOCHS, candidateConfig }, out, resume: false };
}

/**
 * Trains (or resumes) one model. Each epoch commits the model, optimizer, schedule and RNG state, so a killed run
 * continues with `--resume DIR` from its last finished epoch, with the same batches and dropout masks it would have had.
 */
export async function runTrain(flags: TrainFlags, stderr: NodeJS.WritableStream = process.stderr): Promise<TrainSummary> {
  const run = trainCommand(flags);
  // A new run's folder is made (or refused) before anything slow, and removed again if no epoch gets committed.
  const folder = run.resume ? null : NewRunFolder.claim(run.out);
  try {
    return await trainInFolder(run, flags, stderr);
  } catch (err) {
    if (folder?.discardIfUnused()) stderr.write(`removed ${run.out}: the run failed before its first epoch was saved\n`);
    throw err;
  }
}

/** What a training generation's search-state.json must hold (checked when read, so damage names file and field). */
function parseProgress(value: unknown, file: string): TrainProgress {
  checkFields(value, { epochsDone: 'number', best: 'object', 'best.epoch': 'number', 'best.dev': 'number', seconds: 'number', tokensPerSecond: 'number' }, file);
  return value as TrainProgress;
}

/** Files of a run folder that show epochs were trained there. */
const TRAINED_TRACES = ['model', TRAIN_FILES.log, TRAIN_FILES.results] as const;

async function trainInFolder({ command, out, resume }: ReturnType<typeof trainCommand>, flags: TrainFlags, stderr: NodeJS.WritableStream): Promise<TrainSummary> {
  const saved = command.flags;
  const data = datasetNameOf(saved);
  const taskName = saved.task;
  const settings = trainSettings(taskName, saved);
  const epochs = wholePositive('epochs', command.epochs);
  const seed = Number(saved.seed);
  const ctx = cliContext(flags);
  const store = new StateStore<TrainProgress>(out, { parse: parseProgress, warn: (m) => stderr.write(`warning: ${m}\n`) });
  if (flags.restart) {
    for (const f of [...TRAINED_TRACES, 'state', 'report.html']) rmSync(join(out, f), { recursive: true, force: true });
    stderr.write(`--restart: training ${out} again from its first epoch\n`);
  }
  // A run killed before its first epoch committed starts over from its saved command; one whose state is gone while
  // its model and log remain is refused, since starting over would silently replace them.
  const latest = resume ? store.latest() : null;
  if (resume && latest === null) {
    const traces = TRAINED_TRACES.filter((f) => existsSync(join(out, f)));
    if (traces.length > 0) {
      throw new UsageError(`${out} has trained epochs (${traces.join(', ')}) but no saved state (${join(out, 'state')} is missing or empty), so it cannot continue; \`ace train --resume ${out} --restart\` trains it again from scratch, replacing them`);
    }
  }
  const bar = flags.progress && (stderr as NodeJS.WriteStream).isTTY ? new cliProgress.SingleBar({ format: 'epoch {epoch} |{bar}| {value}/{total} batches · loss {loss} · {tps} tok/s · ETA {eta_formatted}', stream: stderr as NodeJS.WriteStream }, cliProgress.Presets.shades_classic) : null;
  let lastLine = 0;
  const onBatch = (b: BatchInfo) => {
    const payload = { epoch: b.epoch, loss: b.loss.toFixed(3), tps: Math.round(b.tokensPerSecond) };
    if (bar) {
      if (b.batch === 1) bar.start(b.batches, 0, payload);
      bar.update(b.batch, payload);
      if (b.batch === b.batches) bar.stop();
    } else if (Date.now() - lastLine > 10000 || b.batch === b.batches) {
      lastLine = Date.now();
      stderr.write(`epoch ${b.epoch}: batch ${b.batch}/${b.batches} · loss ${payload.loss} · ${payload.tps} tok/s\n`);
    }
  };
  const started = performance.now();
  const task = await createTask({
    task: taskName,
    data,
    candidates: saved.embeddings.split(',').map((s) => s.trim()).filter(Boolean),
    candidateConfig: command.candidateConfig,
    seed,
    dataHome: ctx.dataHome,
    cacheDir: ctx.cacheDir,
    backend: ctx.backend,
    limit: positive('limit', saved.limit),
    ...settings,
    events: { ...cacheEventLogger(stderr), batch: onBatch },
  });
  stderr.write(`training ${taskName} on ${saved.data} with ${task.candidateNames.join(', ')} (backend ${ctx.backend.info.name}, ${ctx.backend.info.blas})\n`);
  // The learning rate before any epoch: what the stopping rule's fraction is taken of.
  const startLr = task.learningRate;
  let progress: TrainProgress = { epochsDone: 0, best: { epoch: 0, dev: -Infinity }, seconds: 0, tokensPerSecond: 0, devScores: [] };
  if (latest !== null) {
    await task.loadState(latest.taskDir);
    progress = { ...latest.state, devScores: latest.state.devScores ?? [] };
    stderr.write(`resuming after epoch ${progress.epochsDone} (best dev ${progress.best.dev.toFixed(2)} at epoch ${progress.best.epoch})\n`);
  } else {
    if (resume) stderr.write('no finished epoch to resume from: starting over with the saved command\n');
    if (saved.initFrom !== undefined) {
      if (!task.warmStart) throw new UsageError(`task ${taskName} cannot start from a bundle`);
      const r = task.warmStart(resolve(saved.initFrom));
      stderr.write(`warm start from ${saved.initFrom}: ${r.copied.length} tensors copied${r.kept.length ? `; fresh: ${r.kept.join(', ')}` : ''}\n`);
    }
    task.beginEpisode({ selection: task.candidateNames.map(() => true), blockWeighting: 'none' });
  }
  // Written once the task is built (so a refused command leaves no folder behind); a resume's raised --epochs is
  // kept, so a later plain --resume continues to it.
  writeJsonAtomic(join(out, COMMAND_FILE), command);
  const slice = await sliceNotes(ctx.dataHome, data, positive('limit', saved.limit));
  writeSliceNotes(out, slice);
  stderr.write(`every epoch updates ${join(out, 'report.html')}; \`ace train --resume ${out}\` continues after a kill\n`);
  const log = join(out, TRAIN_FILES.log);
  // The same epoch step and stopping rule as a search episode: a plateau schedule (the taggers) stops once it has
  // cut the rate to 1/1000 of its start (flair's rule); a per-step decay (the parsers) runs --epochs.
  const rule: StopRule = { maxEpochs: epochs, lrFraction: task.lrSchedule === 'plateau' ? 0.001 : null, stallEpochs: null, patience: null };
  const devScores = [...progress.devScores];
  const stop = (): boolean => progress.epochsDone >= epochs || (progress.epochsDone > 0 && episodeDone(rule, devScores, startLr, task.learningRate));
  const listeners = [
    (e: TrainEpochEvent) => appendFileSync(log, JSON.stringify({ ...e.result, metric: task.metricName, time: new Date().toISOString() }) + '\n'),
    (e: TrainEpochEvent) =>
      stderr.write(`epoch ${e.epoch}: loss ${e.result.trainLoss.toFixed(3)} · dev ${task.metricName} ${e.result.devScore.toFixed(2)}${e.newBest ? ' (best, saved)' : ''} · lr ${e.result.learningRate.toPrecision(3)} · ${Math.round(e.result.tokensPerSecond)} tok/s · ${e.result.seconds.toFixed(1)} s\n`),
    () => writeReport([out], new Date().toISOString()),
  ];
  let stopped = stop();
  while (!stopped) {
    const e = progress.epochsDone + 1;
    const step = await epochStep<TrainProgress>({
      task,
      store,
      generation: e,
      bestScore: progress.best.epoch === 0 ? null : progress.best.dev,
      tieIsBest: false,
      // The best bundle is written before the state commits: a kill in between redoes this epoch on resume.
      checkpoint: { kind: 'path', path: join(out, 'model') },
      keep: () => null,
      nextState: (r, saved) => ({
        epochsDone: e,
        best: saved ? { epoch: e, dev: r.devScore } : progress.best,
        seconds: progress.seconds + (performance.now() - started) / 1000,
        tokensPerSecond: r.tokensPerSecond,
        devScores: [...devScores, r.devScore],
      }),
    });
    // Wall time of the earlier sessions only: this session's is added at the end.
    progress = { ...step.state, seconds: progress.seconds };
    devScores.push(step.result.devScore);
    for (const listener of listeners) listener({ epoch: e, result: step.result, newBest: step.newBest });
    stopped = stop();
    if (stopped && progress.epochsDone < epochs) stderr.write('learning rate fell below 1/1000 of its start: stopping\n');
  }
  const best = progress.best;
  if (best.epoch === 0) throw new UsageError(`${out}: no epoch was trained (--epochs ${epochs} and ${progress.epochsDone} done)`);
  await task.loadCheckpoint(join(out, 'model'));
  // A dataset without a test split (sdp-sample) reports none, rather than a score over no sentences.
  const hasTest = datasetSpec(data).files.test !== undefined;
  const testEval = hasTest ? await task.evaluate('test') : null;
  const test = testEval ? testEval.score : null;
  const seconds = progress.seconds + (performance.now() - started) / 1000;
  const summary: TrainSummary = { bestEpoch: best.epoch, bestDev: best.dev, test, metric: task.metricName, seconds, tokensPerSecond: progress.tokensPerSecond };
  writeJsonAtomic(join(out, TRAIN_FILES.results), {
    task: taskName, data: saved.data, embeddings: task.candidateNames, seed, epochsDone: progress.epochsDone,
    ...(saved.initFrom !== undefined ? { initFrom: resolve(saved.initFrom) } : {}), ...summary,
  });
  const report = writeReport([out], new Date().toISOString());
  const perClass = testEval ? testEval.perClass : (await task.evaluate('dev')).perClass;
  if (perClass) stderr.write(`per class on ${testEval ? 'test' : 'dev'}:\n${formatPerClassTable(perClass)}`);
  stderr.write(`best dev ${task.metricName} ${best.dev.toFixed(2)}${slice.dev} (epoch ${best.epoch})${test !== null ? ` · test ${test.toFixed(2)}${slice.test}` : ''} · model in ${join(out, 'model')} · report ${report}\n`);
  if ((task.metricName === 'ELAS' || task.metricName === 'LF') && data === saved.data) {
    stderr.write(`the arc threshold is σ > 0.5; \`ace calibrate --model ${join(out, 'model')} --data ${saved.data}\` tunes it on dev\n`);
  }
  return summary;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a task model (BiLSTM-CRF tagger, biaffine dependency or semantic-graph parser) on a dataset with the given embeddings')
    .option('--task <name>', `task: ${TASK_NAMES.join('|')} (default: from the dataset)`)
    .option('--data <name|file>', 'dataset name (see `ace data list`) or your own training file (CoNLL columns with the label last, CoNLL-U, ABSA XML, SDP); required unless --resume')
    .option('--dev <file>', 'with --data FILE: the dev file (default: every 10th training sentence is held out)')
    .option('--test-file <file>', 'with --data FILE: a test file, scored once with the best model')
    .addOption(new Option('--test <file>').hideHelp())
    .option('--candidates <list>', `comma-separated embedding candidates (glove, use-l0, use-l1, char, casing, or names from --config) (default: "${DEFAULT_EMBEDDINGS}")`)
    .addOption(new Option('--embeddings <list>').hideHelp())
    .option('--config <file>', 'YAML/JSON file declaring more candidates (kept in command.json for --resume)')
    .option('--epochs <n>', `maximum epochs (default: "${DEFAULT_EPOCHS}"; with --resume, the new total)`)
    .option('--out <dir>', 'output folder (model bundle, log, results, per-epoch state); required unless --resume')
    .option('--resume <dir>', 'continue the run in <dir> after its last finished epoch (same command; --epochs may raise the total)')
    .option('--restart', 'with --resume: train the saved command again from its first epoch, replacing the model, log and state')
    .option('--limit <n>', 'use only the first N training sentences and the first max(50, N/4) dev and test sentences')
    .option('--hidden <n>', 'BiLSTM size per direction (default: tagger 256, dep 400, sdp/eud 600)')
    .option('--layers <n>', 'parsers: stacked BiLSTM layers (default 3)')
    .option('--decoder <name>', `task dep: ${TREE_DECODERS.join(' | ')} (default mst, non-projective; eisner is projective)`)
    .option('--optimizer <name>', 'taggers: sgd (default, lr 0.1) or adam (lr 1e-3); parsers always use Adam')
    .option('--lr <x>', 'initial learning rate (parsers: dep 2e-3, sdp/eud 1e-3)')
    .option('--batch-size <n>', 'taggers: sentences per batch (default 32)')
    .option('--patience <n>', 'taggers: epochs without a better dev score before the learning rate halves (default 5)')
    .option('--batch-tokens <n>', 'parsers: tokens per batch (default 5000)')
    .option('--arc-mlp <n>', 'parsers: arc MLP width (default dep 500, sdp/eud 600)')
    .option('--rel-mlp <n>', 'parsers: label MLP width (default dep and eud 100, sdp 600; the label biaffine has (n+1)²·labels weights)')
    .option('--init-from <dir>', 'start from a bundle\'s weights where names and shapes agree (same candidates and training data; e.g. a dep model for eud)')
    .option('--seed <n>', 'random seed (default: "1")')
    .option('--home <dir>', 'data home (default $ACE_DATA_HOME)')
    .option('--cache-dir <dir>', 'embedding cache (default $ACE_CACHE_DIR)')
    .option('--backend <name>', 'auto|native|js (default $ACE_BACKEND or auto)')
    .option('--threads <n>', 'BLAS threads')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: TrainFlags) => {
      await runTrain(flags);
    });
}
