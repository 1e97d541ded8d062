// `ace search`: parse and check the options, build the task through a factory, run (or resume) the search, write the report.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { SearchableTask } from '../tasks/task.js';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';
import { integer, optional, positiveNumber } from '../util/flag-values.js';
import { SearchEvents } from '../search/events.js';
import { attachJsonlLog } from '../search/listeners.js';
import { resolveSearchOptions, type SearchOptions } from '../search/options.js';
import { REGIME_NAMES, REGIMES, type RegimeName, type RegimeOverrides } from '../search/regime.js';
import { attachSearchProgress } from './search-progress.js';
import { runSearch } from '../search/search-loop.js';
import { createTask, hiddenSettings, type FamilySettings } from '../tasks/registry.js';
import type { CandidateSpec } from '../embeddings/candidate.js';
import { loadCandidateConfig } from '../embeddings/registry.js';
import { DATASETS, datasetNameOf, normalizeDataRef } from '../datasets/registry.js';
import { cacheEventLogger, cliContext } from './context.js';
import { SEARCH_STRATEGIES, STRATEGIES, type SearchStrategy } from '../search/strategy.js';
import type { SearchRecord } from '../search/history.js';
import type { RewardKind, RewardShaping } from '../search/reward.js';
import { writeReport } from '../report/write-report.js';
import { formatPerClassTable } from '../metrics/per-class.js';
import { NewRunFolder, readSavedCommand } from './run-folder.js';
import { sliceNotes, writeSliceNotes } from './slice-note.js';
import { defaultDataHome } from '../util/paths.js';
import { availableParallelism } from 'node:os';
import { branchEpochLine, childProcessRunner, type BranchEntry } from './search-branch.js';
import { runBranch } from '../search/parallel.js';

/** What a task factory needs to build a task model for a search. */
export interface TaskRequest {
  task: string;
  data: string;
  candidates: string[];
  seed: number;
  outDir: string;
  /** 'learned-sigmoid' for the All+Weight baseline: the model must be built with per-block weights. */
  blockWeighting?: 'none' | 'learned-sigmoid';
  /** Candidates declared beyond the defaults (the specs themselves, so a resume needs no config file). */
  candidateConfig?: CandidateSpec[];
  /** First N training sentences only. */
  limit?: number;
  /** BiLSTM units per direction, when not the task's default (kept so a resume rebuilds the same network). */
  hidden?: number | undefined;
  /** With `data` a user's training file: its dev and test files (absolute paths, as `data` then is). */
  dev?: string;
  test?: string;
}

/** Builds the task of a request; `threads` is the --threads flag, for factories that own a backend. */
export type CreateTask = (request: TaskRequest, run?: { threads?: string }) => Promise<SearchableTask>;

/** The command's arguments as saved in `<out>/command.json`, so `--resume DIR` needs nothing else. */
export interface SearchCommand {
  request: TaskRequest;
  strategy: SearchStrategy;
  episodes: number;
  epochsPerEpisode: number;
  /** Absent in commands saved before regimes existed: those ran the fixed regime. */
  regime?: RegimeName;
  /** Overrides of the regime's episode rule (--max-epochs, --lr-fraction, --stall-epochs, --patience). */
  regimeOverrides?: RegimeOverrides;
  reward: RewardKind;
  rewardShaping: RewardShaping;
  discount: number;
  /** Multiplier from task scores (percent) to the reward scale. New commands always save it; absent means the
   * default of the searches saved before percent rewards (0.01). */
  rewardScale?: number;
  evaluateTest: boolean;
  retrain: boolean;
  retrainEpochs: number | undefined;
  /** `--parallel K`: saved only when K > 1 (absent: the sequential search). */
  parallel?: number;
}

export const COMMAND_FILE = 'command.json';

interface RawFlags {
  task?: string;
  data?: string;
  dev?: string;
  /** `--test-file`: `--test` is taken by `--no-test`. */
  testFile?: string;
  candidates?: string;
  /** The old name of --candidates in `ace train`, accepted here too. */
  embeddings?: string;
  out?: string;
  episodes?: string;
  epochsPerEpisode?: string;
  regime?: string;
  maxEpochs?: string;
  lrFraction?: string;
  stallEpochs?: string;
  patience?: string;
  baseline?: string;
  seed?: string;
  resume?: string;
  retrain?: boolean;
  retrainEpochs?: string;
  reward: string;
  rewardShaping: string;
  discount?: string;
  rewardScale?: string;
  test: boolean;
  progress: boolean;
  config?: string;
  limit?: string;
  hidden?: string;
  threads?: string;
  parallel?: string;
}

const int = optional(integer);

/** Check the flags of a new search (`--resume` reads the saved command instead). */
export function parseSearchFlags(given: RawFlags): SearchCommand {
  if (given.candidates !== undefined && given.embeddings !== undefined) throw new UsageError('--candidates and --embeddings are one option (--embeddings is its old name): give it once');
  const flags: RawFlags = { ...given, ...(given.embeddings !== undefined ? { candidates: given.embeddings } : {}) };
  for (const name of ['task', 'data', 'candidates', 'out'] as const) {
    if (!flags[name]) throw new UsageError(`--${name} is required (or use --resume DIR)`);
  }
  const candidates = flags.candidates!.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (candidates.length === 0) throw new UsageError('--candidates needs at least one name');
  if (new Set(candidates).size !== candidates.length) throw new UsageError('--candidates lists a name twice');
  const strategy = (flags.baseline ?? 'ace') as SearchStrategy;
  if (!SEARCH_STRATEGIES.includes(strategy)) throw new UsageError(`--baseline must be one of ${SEARCH_STRATEGIES.filter((s) => s !== 'ace').join(', ')}`);
  const discount = flags.discount === undefined ? undefined : Number(flags.discount);
  if (discount !== undefined && !Number.isFinite(discount)) throw new UsageError(`--discount needs a number, got '${flags.discount}'`);
  const limit = int('limit', flags.limit);
  if (limit !== undefined && limit < 1) throw new UsageError(`--limit needs a positive integer, got '${flags.limit}'`);
  const parallel = int('parallel', flags.parallel);
  if (parallel !== undefined && parallel < 1) throw new UsageError(`--parallel needs a positive integer, got '${flags.parallel}'`);
  const hidden = int('hidden', flags.hidden);
  if (hidden !== undefined && hidden < 1) throw new UsageError(`--hidden needs a positive integer, got '${flags.hidden}'`);
  // A name goes to the task factory as it is; a file (or --dev/--test-file) is the user's own data.
  const named = Object.hasOwn(DATASETS, flags.data!);
  const ownFiles = flags.dev !== undefined || flags.testFile !== undefined || (!named && existsSync(flags.data!));
  const dataRef = ownFiles
    ? normalizeDataRef({ data: flags.data!, ...(flags.dev !== undefined ? { dev: flags.dev } : {}), ...(flags.testFile !== undefined ? { test: flags.testFile } : {}) })
    : { data: flags.data! };
  // A data set without a test split (sdp-sample, your files without --test-file) has nothing to score there.
  const hasTest = named ? DATASETS[flags.data!].files.test !== undefined : ownFiles ? dataRef.test !== undefined : true;
  // --epochs-per-episode N is the fixed regime; otherwise episodes train until they stop improving.
  if (flags.regime !== undefined && !(REGIME_NAMES as readonly string[]).includes(flags.regime)) throw new UsageError(`--regime must be one of ${REGIME_NAMES.join(', ')}, got '${flags.regime}'`);
  const regime = (flags.regime ?? (flags.epochsPerEpisode !== undefined ? 'fixed' : 'budget')) as RegimeName;
  if (regime !== 'fixed' && flags.epochsPerEpisode !== undefined) throw new UsageError(`--epochs-per-episode is the fixed regime's budget; with --regime ${regime} use --max-epochs`);
  const regimeOverrides: RegimeOverrides = {
    ...(flags.maxEpochs !== undefined ? { maxEpochs: int('max-epochs', flags.maxEpochs)! } : {}),
    ...(flags.lrFraction !== undefined ? { lrFraction: positiveNumber('lr-fraction', flags.lrFraction) } : {}),
    ...(flags.stallEpochs !== undefined ? { stallEpochs: int('stall-epochs', flags.stallEpochs)! } : {}),
    ...(flags.patience !== undefined ? { patience: int('patience', flags.patience)! } : {}),
  };
  if (regime === 'fixed' && Object.keys(regimeOverrides).length > 0) throw new UsageError('--max-epochs, --lr-fraction, --stall-epochs and --patience shape converged episodes; the fixed regime (--epochs-per-episode) takes none of them');
  const command: SearchCommand = {
    request: {
      task: flags.task!, ...dataRef, candidates, seed: int('seed', flags.seed) ?? 1, outDir: resolve(flags.out!),
      ...(flags.config ? { candidateConfig: loadCandidateConfig(flags.config) } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(hidden !== undefined ? { hidden } : {}),
    },
    strategy,
    episodes: int('episodes', flags.episodes) ?? 30,
    epochsPerEpisode: int('epochs-per-episode', flags.epochsPerEpisode) ?? 1,
    regime,
    ...(Object.keys(regimeOverrides).length > 0 ? { regimeOverrides } : {}),
    reward: flags.reward as RewardKind,
    rewardShaping: flags.rewardShaping as RewardShaping,
    discount: discount ?? 0.5,
    rewardScale: flags.rewardScale === undefined ? 1 : positiveNumber('reward-scale', flags.rewardScale),
    evaluateTest: flags.test && hasTest,
    retrain: flags.retrain ?? false,
    retrainEpochs: int('retrain-epochs', flags.retrainEpochs),
    ...(parallel !== undefined && parallel > 1 ? { parallel } : {}),
  };
  searchOptionsOf(command); // validates ranges with the search's own rules
  return command;
}

export function searchOptionsOf(c: SearchCommand): SearchOptions {
  return resolveSearchOptions({
    outDir: c.request.outDir,
    strategy: c.strategy,
    episodes: c.episodes,
    epochsPerEpisode: c.epochsPerEpisode,
    regime: { name: c.regime ?? 'fixed', overrides: c.regimeOverrides ?? {} },
    seed: c.request.seed,
    reward: { kind: c.reward, shaping: c.rewardShaping, discount: c.discount, scale: c.rewardScale ?? 0.01 },
    evaluateTest: c.evaluateTest,
    retrain: c.retrain,
    retrainEpochs: c.retrainEpochs,
    parallel: c.parallel,
  });
}

export interface SearchIo {
  progress: boolean;
  stderr: NodeJS.WritableStream;
  /** BLAS threads (the --threads flag); speed only, so not part of the saved command. */
  threads?: string;
  /** The data home, so the end line can say when dev and test scores come from a slice (--limit). */
  dataHome?: string;
  /** `--parallel K`: how branches run (default: one `ace search-branch` child process each). */
  branches?: BranchExecution;
}

/**
 * Where the branches of a `--parallel K` step run: child processes of `entry` (default: this build's `ace`; tests
 * give a script with their own task factory), or one after another in this process.
 */
export type BranchExecution = { kind: 'processes'; entry?: BranchEntry } | { kind: 'in-process' };

/** Threads per branch: the --threads budget (default: the machine's cores) split over the K branches. */
export function branchThreads(threads: string | undefined, parallel: number): number {
  const total = threads !== undefined ? Number(threads) : availableParallelism();
  return Math.max(1, Math.floor(total / parallel));
}

/** Run a new search or resume the one in `resumeDir`; writes search.json, report.html and a JSONL log. */
export async function executeSearch(
  command: SearchCommand | { resumeDir: string },
  createTask: CreateTask,
  io: SearchIo = { progress: true, stderr: process.stderr },
): Promise<SearchRecord> {
  if ('resumeDir' in command) {
    const saved = readSavedCommand(command.resumeDir, 'search') as SearchCommand;
    return searchInFolder({ ...saved, request: { ...saved.request, outDir: resolve(command.resumeDir) } }, true, createTask, io);
  }
  const out = command.request.outDir;
  if (existsSync(join(out, COMMAND_FILE))) throw new UsageError(`${out} already holds a search; use --resume ${out} or another --out`);
  searchOptionsOf(command); // every check that needs no task, before the folder is made
  // A new search's folder is made (or refused) before anything slow, and removed again if no epoch gets committed.
  const folder = NewRunFolder.claim(out);
  try {
    return await searchInFolder(command, false, createTask, io);
  } catch (err) {
    if (folder.discardIfUnused()) io.stderr.write(`removed ${out}: the search failed before its first epoch was saved\n`);
    throw err;
  }
}

async function searchInFolder(c: SearchCommand, resume: boolean, createTask: CreateTask, io: SearchIo): Promise<SearchRecord> {
  const options = searchOptionsOf(c);
  const request: TaskRequest = { ...c.request, blockWeighting: STRATEGIES[c.strategy].blockWeighting };
  const run = io.threads !== undefined ? { threads: io.threads } : {};
  const task = await createTask(request, run);
  const names = task.candidateNames.join(',');
  if (names !== c.request.candidates.join(',')) throw new UsageError(`the task's candidates (${names}) differ from --candidates`);
  // Written once the task exists, so a command the task refuses (a misspelt candidate) leaves no command behind.
  if (!resume) writeJsonAtomic(join(c.request.outDir, COMMAND_FILE), c);
  const slice = io.dataHome !== undefined ? await sliceNotes(io.dataHome, taskSettings(c.request).data, c.request.limit) : null;
  if (slice !== null) writeSliceNotes(c.request.outDir, slice);
  const events = new SearchEvents();
  const detach = [attachJsonlLog(events, join(c.request.outDir, 'search.log.jsonl'))];
  // On a terminal --no-progress silences the bar; elsewhere the per-epoch lines are the log and always print.
  const tty = Boolean((io.stderr as NodeJS.WriteStream).isTTY);
  if (io.progress || !tty) detach.push(attachSearchProgress(events, { stream: io.stderr, tty: tty && io.progress }));
  try {
    const parallel = options.parallel ?? 1;
    const branches = io.branches ?? { kind: 'processes' };
    const branchRunner = parallel > 1 && branches.kind === 'processes'
      ? childProcessRunner({ threads: branchThreads(io.threads, parallel), ...(branches.entry ? { entry: branches.entry } : {}) })
      : undefined;
    const record = await runSearch(task, options, events, { resume, createFreshTask: () => createTask(request, run), ...(branchRunner ? { branchRunner } : {}) });
    const report = writeReport([c.request.outDir], new Date().toISOString());
    // The task holds the best checkpoint again: its per-class scores on test (dev without one).
    const split = options.evaluateTest ? 'test' : 'dev';
    const perClass = (await task.evaluate(split)).perClass;
    if (perClass) io.stderr.write(`ace: best checkpoint per class on ${split}:\n${formatPerClassTable(perClass)}`);
    const testScore = record.final?.testScore ?? null;
    io.stderr.write(`ace: best dev ${record.metricName} ${record.final?.bestDevScore.toFixed(2)}${slice?.dev ?? ''}${testScore !== null ? ` · test ${record.metricName} ${testScore.toFixed(2)}${slice?.test ?? ''}` : ''} · report ${report}\n`);
    return record;
  } finally {
    for (const d of detach) d();
  }
}

/**
 * Register `ace search` with the task factory that turns a task name into a SearchableTask, and the hidden
 * `ace search-branch <dir>` that trains one branch of a `--parallel K` step (`branches`: how a search runs them).
 */
export function registerSearch(program: Command, createTask: CreateTask, branches?: BranchExecution): void {
  registerSearchBranch(program, createTask);
  program
    .command('search')
    .description('search which embedding candidates to concatenate (ACE, Wang et al. 2021) or run a baseline on the same budget')
    .option('--task <name>', 'task name: ner, chunk, pos, ae, dep, sdp, eud')
    .option('--data <name|file>', 'data set name, or your own training file (CoNLL columns with the label last, CoNLL-U, ABSA XML, SDP)')
    .option('--dev <file>', 'with --data FILE: the dev file the rewards come from (default: every 10th training sentence)')
    .option('--test-file <file>', 'with --data FILE: a test file for the final model')
    .option('--candidates <list>', 'comma-separated embedding candidates (glove, use-l0, use-l1, char, casing, or names from --config)')
    .addOption(new Option('--embeddings <list>').hideHelp())
    .option('--out <dir>', 'output folder')
    .option('--episodes <n>', 'episodes (default 30)')
    .option('--epochs-per-episode <n>', 'a fixed budget of training epochs per episode (implies --regime fixed)')
    .addOption(new Option('--regime <name>', `how long episodes train: ${REGIME_NAMES.map((n) => `${n}: ${REGIMES[n].summary}`).join('; ')} (default budget)`).choices([...REGIME_NAMES]))
    .option('--max-epochs <n>', 'converged regimes: most epochs per episode')
    .option('--lr-fraction <x>', 'converged regimes: end an episode when its learning rate falls to x times its start')
    .option('--stall-epochs <n>', 'converged regimes: end an episode after n epochs in a row without a dev gain')
    .option('--patience <n>', 'converged regimes: epochs without a gain before the episode\'s rate halves (taggers)')
    .addOption(new Option('--baseline <kind>', `run a baseline instead of ACE: ${SEARCH_STRATEGIES.filter((s) => s !== 'ace').map((s) => `${s}: ${STRATEGIES[s].summary}`).join('; ')}`).choices(SEARCH_STRATEGIES.filter((s) => s !== 'ace')))
    .option('--config <file>', 'YAML/JSON file declaring more candidates (kept in command.json for --resume)')
    .option('--limit <n>', 'use only the first N training sentences and the first max(50, N/4) dev and test sentences')
    .option('--hidden <n>', 'BiLSTM size per direction (default: tagger 256, dep 400, sdp/eud 600)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--threads <n>', 'BLAS threads (default: BLAS\'s own; with --parallel K each branch gets max(1, ⌊n/K⌋), n defaulting to the cores)')
    .option('--parallel <k>', 'train K episodes at once per controller step, each in its own process (default 1: the paper\'s sequential search)')
    .option('--resume <dir>', 'continue the search saved in <dir>')
    .option('--retrain', 'train a fresh model on the final selection')
    .option('--retrain-epochs <n>', 'epochs for --retrain (default episodes × epochs per episode)')
    .addOption(new Option('--reward <kind>', 'controller reward').choices(['hamming', 'vanilla']).default('hamming'))
    .addOption(new Option('--reward-shaping <kind>', 'shape score differences: sign·√|d| or sign·ln(|d|+1)').choices(['none', 'sqrt', 'log']).default('none'))
    .option('--discount <gamma>', 'Hamming decay γ (default 0.5)')
    .option('--reward-scale <k>', 'multiply scores (percent) by k before rewards (default 1: percent, as the official ACE)')
    .option('--no-test', 'do not score the test split')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: RawFlags) => {
      const command = flags.resume ? { resumeDir: flags.resume } : parseSearchFlags(flags);
      await executeSearch(command, createTask, {
        progress: flags.progress, stderr: process.stderr, dataHome: defaultDataHome(), ...(flags.threads ? { threads: flags.threads } : {}), ...(branches ? { branches } : {}),
      });
    });
}

/** `ace search-branch <dir>` (hidden): train the branch in `<out>/state/step-NNNN/branch-K` of the search in `<out>`. */
function registerSearchBranch(program: Command, createTask: CreateTask): void {
  program
    .command('search-branch <dir>', { hidden: true })
    .description('train one branch of an `ace search --parallel K` step (started by the search itself)')
    .option('--threads <n>', 'BLAS threads')
    .action(async (dir: string, flags: { threads?: string }) => {
      const branchDir = resolve(dir);
      const outDir = resolve(branchDir, '..', '..', '..');
      // The task is rebuilt from the search's saved command, as --resume does.
      const saved = readSavedCommand(outDir, 'search') as SearchCommand;
      const request: TaskRequest = { ...saved.request, outDir, blockWeighting: STRATEGIES[saved.strategy].blockWeighting };
      const task = await createTask(request, flags.threads !== undefined ? { threads: flags.threads } : {});
      await runBranch(task, branchDir, { onEpoch: (e) => process.stdout.write(branchEpochLine(e)) });
    });
}

/** A saved request as the registry takes it: `hidden` goes where the task's family keeps its network sizes. */
export function taskSettings(request: TaskRequest): Omit<TaskRequest, 'hidden' | 'dev' | 'test'> & FamilySettings {
  const { hidden, dev, test, ...named } = request;
  // A user's files become a dataset name the registry knows.
  const rest = { ...named, data: datasetNameOf({ data: request.data, ...(dev !== undefined ? { dev } : {}), ...(test !== undefined ? { test } : {}) }) };
  if (hidden === undefined) return rest;
  return { ...rest, ...hiddenSettings(request.task, hidden) };
}

/** The task registry's models, with the data home, cache and backend from the environment. */
export const registryTaskFactory: CreateTask = async (request, run) => {
  const ctx = cliContext(run?.threads !== undefined ? { threads: run.threads } : {});
  return createTask({ ...taskSettings(request), dataHome: ctx.dataHome, cacheDir: ctx.cacheDir, backend: ctx.backend, events: cacheEventLogger() });
};

/** `ace search` over the task registry. */
export function register(program: Command): void {
  registerSearch(program, registryTaskFactory);
}
