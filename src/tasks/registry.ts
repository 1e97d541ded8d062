// The task registry: the frozen table of task families, and the lookups the CLI makes through it (by task name,
// by dataset, by saved bundle). A family is one folder of src/tasks plus one entry of FAMILIES.
import type { Backend } from '../engine/backend/backend.js';
import type { CandidateSpec } from '../embeddings/candidate.js';
import { datasetSpec, loadGraphs, type TaskKind } from '../datasets/registry.js';
import { UsageError } from '../util/errors.js';
import { optional, positiveInteger, positiveNumber } from '../util/flag-values.js';
import type { SearchableTask, Split, TaskEvents } from './task.js';
import { bundleFormatOf } from './shared/bundle.js';
import type { EvalModelOptions } from './shared/loaded-bundle.js';
import type { FrozenSourceEvents } from './shared/frozen-sources.js';
import { createTaggerTask, defaultTaggingTask } from './tagger/create.js';
import { TAGGER_BUNDLE_FORMAT, TAGGING_TASKS, type TaggerArchitecture } from './tagger/tagger.js';
import type { TrainingOptions } from './tagger/tagger-task.js';
import { loadTagger } from './tagger/load.js';
import { PREDICT_FORMATS, runPredictFile, runPredictText } from './tagger/predict-file.js';
import { evalTagger } from './tagger/evaluate.js';
import { PARSER_TASKS, createParserTask, defaultParserTask } from './dependency/create.js';
import type { ParserArchitecture, ParserTrainingOptions } from './dependency/parser-options.js';
import { TREE_DECODERS, type TreeDecoder } from './dependency/tree-objective.js';
import { PARSER_BUNDLE_FORMAT, loadParser } from './dependency/load.js';
import { PARSE_FORMATS, runParseFile, runParseText } from './dependency/predict-file.js';
import { evalParser } from './dependency/evaluate.js';
import { storeThreshold, sweepThresholds, type Calibration } from './graph/calibrate.js';

/** Settings of the parser tasks (dep, sdp, eud), over their defaults in parser-options.ts. */
export interface ParserOverrides {
  architecture?: Partial<ParserArchitecture>;
  /** `seed` is the request's seed; any given here is overridden. */
  training?: Partial<ParserTrainingOptions>;
  /** Tree decoder of task dep (default mst). */
  decoder?: TreeDecoder;
}

/**
 * What every family's settings slot holds: `architecture` and `training` are the tagger family's, `parser` the parser
 * family's (each family refuses the others'). The fields keep the names of the requests saved before the table.
 */
export interface FamilySettings {
  /** Tagging tasks only. */
  architecture?: Partial<TaggerArchitecture>;
  /** Tagging tasks only. */
  training?: Partial<TrainingOptions>;
  /** Parser tasks only. */
  parser?: ParserOverrides;
}

export interface TaskFactoryRequest extends FamilySettings {
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
  events?: TaskEvents & FrozenSourceEvents & { log?: (line: string) => void };
}

/** The `ace train` flags that set a model's settings; each family reads some of them (`trainFlags`). */
export const MODEL_SETTING_FLAGS = Object.freeze(['hidden', 'layers', 'decoder', 'optimizer', 'lr', 'batchSize', 'patience', 'batchTokens', 'arcMlp', 'relMlp'] as const);
export type ModelSettingFlag = (typeof MODEL_SETTING_FLAGS)[number];
export type ModelSettingFlags = Partial<Record<ModelSettingFlag, string>>;

export interface LoadBundleOptions {
  /** Where frozen candidates find their downloaded weights (the same directory training used). */
  cacheDir: string;
  backend: Backend;
}

export interface PredictFileRequest {
  input: string;
  output: string;
  /** One of the family's `predictFormats` (checked before the bundle loads); guessed from the file when absent. */
  format?: string;
}

/** A bundle read by its family, with what `ace predict` and `ace eval --model` do with it. */
export interface OpenBundle {
  /** Predicts `input` into `output` in the input's own format; returns the line the CLI prints. */
  predictFile(request: PredictFileRequest): Promise<string>;
  /** Predicts raw text, one sentence per line; returns what the CLI prints. */
  predictText(text: string): Promise<string>;
  /** Scores the bundle on a dataset split; returns the report. */
  evaluate(options: EvalModelOptions): Promise<string>;
  /** Releases frozen candidates' resources (ONNX sessions). */
  dispose(): Promise<void>;
}

export interface CalibrateRequest extends LoadBundleOptions {
  /** The bundle as the user named it (for messages). */
  model: string;
  data: string;
  split: Split;
  dataHome: string;
  thresholds: readonly number[];
}

/** `ace calibrate`, for the families whose bundles have a decision threshold to tune. */
export interface CalibrateHooks {
  /** Scores the bundle at each threshold; `before` is the threshold it holds now. */
  sweep(dir: string, request: CalibrateRequest): Promise<{ calibration: Calibration; before: number }>;
  /** Stores a chosen threshold in the bundle's model.json. */
  store(dir: string, threshold: number): void;
}

export interface TaskFamily {
  readonly name: string;
  readonly tasks: readonly string[];
  /** The dataset views it reads (datasets/registry.ts `TaskKind`). */
  readonly dataKinds: readonly TaskKind[];
  /** The task it trains on a dataset when none is named. */
  defaultTask(data: string): string;
  /** Builds a task model; the request's settings are this family's. */
  create(request: TaskFactoryRequest): Promise<SearchableTask>;
  /** Where `--hidden` (BiLSTM units per direction) goes in this family's settings. */
  hidden(units: number): FamilySettings;
  /** The `ace train` model flags it reads. */
  readonly trainFlags: readonly ModelSettingFlag[];
  /** What it says of a flag it does not read, where that is more than "applies to X tasks only" (what to set instead). */
  readonly refusals?: Partial<Record<ModelSettingFlag, string>>;
  /** Its settings from `ace train`'s model flags (flags of other families are refused before this is called). */
  trainSettings(task: string, flags: ModelSettingFlags): FamilySettings;
  /** The `format` field of the model.json its bundles carry. */
  readonly bundleFormat: string;
  /** The file formats `ace predict --format` may name for its bundles. */
  readonly predictFormats: readonly string[];
  load(dir: string, options: LoadBundleOptions): Promise<OpenBundle>;
  readonly calibrate?: CalibrateHooks;
}

const positive = optional(positiveNumber);
const wholePositive = positiveInteger;

/** The value of `value` in `values`, typed as the list's members; undefined when it is not there (or absent). */
function member<T extends string>(values: readonly T[], value: string | undefined): T | undefined {
  return values.find((v) => v === value);
}

/** Refuses a `--format` outside `formats` (before a bundle loads, so the refusal is immediate). */
function checkFormat<T extends string>(formats: readonly T[], format: string | undefined): T | undefined {
  if (format === undefined) return undefined;
  const f = member(formats, format);
  if (f === undefined) throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${format}'`);
  return f;
}

const blockWeighting = (req: TaskFactoryRequest): { blockWeighting?: 'none' | 'learned-sigmoid' } => (req.blockWeighting ? { blockWeighting: req.blockWeighting } : {});

const TAGGER_FAMILY: TaskFamily = {
  name: 'tagger',
  tasks: TAGGING_TASKS,
  dataKinds: ['tagging'],
  defaultTask: defaultTaggingTask,
  async create(req) {
    const task = member(TAGGING_TASKS, req.task);
    if (task === undefined) throw new UsageError(`unknown tagging task "${req.task}" (one of ${TAGGING_TASKS.join(', ')})`);
    if (req.parser !== undefined) throw new UsageError(`parser settings do not apply to the tagging task ${req.task}`);
    return createTaggerTask({
      ...req,
      task,
      architecture: { ...(req.architecture ?? {}), ...blockWeighting(req) },
      training: { ...(req.training ?? {}), seed: req.seed },
    });
  },
  hidden: (hidden) => ({ architecture: { hidden } }),
  trainFlags: ['hidden', 'optimizer', 'lr', 'batchSize', 'patience'],
  trainSettings: (_task, flags) => ({
    architecture: flags.hidden ? { hidden: positive('hidden', flags.hidden)! } : {},
    training: {
      ...(flags.optimizer ? { optimizer: flags.optimizer as 'sgd' | 'adam' } : {}),
      ...(flags.lr ? { lr: positive('lr', flags.lr)! } : flags.optimizer === 'adam' ? { lr: 1e-3 } : {}),
      ...(flags.batchSize ? { batchSize: wholePositive('batch-size', flags.batchSize) } : {}),
      ...(flags.patience ? { patience: wholePositive('patience', flags.patience) } : {}),
    },
  }),
  bundleFormat: TAGGER_BUNDLE_FORMAT,
  predictFormats: PREDICT_FORMATS,
  async load(dir, options) {
    const tagger = await loadTagger(dir, options);
    return {
      async predictFile(request) {
        const format = checkFormat(PREDICT_FORMATS, request.format);
        const r = await runPredictFile(tagger, { input: request.input, output: request.output, ...(format !== undefined ? { format } : {}) });
        return `tagged ${r.sentences} sentences, ${r.tokens} tokens (${r.format}${r.columns ? `: ${r.columns}` : ''}) → ${request.output}\n`;
      },
      predictText: (text) => runPredictText(tagger, text),
      evaluate: (o) => evalTagger(tagger, o),
      dispose: () => tagger.dispose(),
    };
  },
};

const PARSER_FAMILY: TaskFamily = {
  name: 'parser',
  tasks: PARSER_TASKS,
  dataKinds: ['tree', 'graph'],
  defaultTask: defaultParserTask,
  async create(req) {
    const task = member(PARSER_TASKS, req.task);
    if (task === undefined) throw new UsageError(`unknown parser task "${req.task}" (one of ${PARSER_TASKS.join(', ')})`);
    if (req.architecture !== undefined || req.training !== undefined) throw new UsageError(`task ${req.task} is a parser: give its settings as \`parser\` overrides`);
    const p = req.parser ?? {};
    return createParserTask({
      task,
      data: req.data,
      candidates: req.candidates,
      ...(req.candidateConfig ? { candidateConfig: req.candidateConfig } : {}),
      dataHome: req.dataHome,
      cacheDir: req.cacheDir,
      backend: req.backend,
      ...(req.limit !== undefined ? { limit: req.limit } : {}),
      architecture: { ...(p.architecture ?? {}), ...blockWeighting(req) },
      training: { ...(p.training ?? {}), seed: req.seed },
      ...(p.decoder !== undefined ? { decoder: p.decoder } : {}),
      ...(req.events ? { events: req.events } : {}),
    });
  },
  hidden: (hidden) => ({ parser: { architecture: { hidden } } }),
  trainFlags: ['hidden', 'layers', 'decoder', 'lr', 'batchTokens', 'arcMlp', 'relMlp'],
  refusals: {
    optimizer: '--optimizer applies to taggers; parsers train with Adam (set --lr)',
    batchSize: '--batch-size applies to taggers; parsers batch by tokens (set --batch-tokens)',
    patience: '--patience applies to taggers; parsers decay their learning rate every step',
  },
  trainSettings(task, flags) {
    const decoder = member(TREE_DECODERS, flags.decoder);
    if (flags.decoder !== undefined && decoder === undefined) throw new UsageError(`--decoder must be one of ${TREE_DECODERS.join(', ')}, got '${flags.decoder}'`);
    if (flags.decoder !== undefined && task !== 'dep') throw new UsageError(`--decoder applies to task dep only (task ${task} predicts graphs)`);
    if (flags.layers !== undefined && !Number.isInteger(Number(flags.layers))) throw new UsageError(`--layers needs a positive integer, got '${flags.layers}'`);
    const parser: ParserOverrides = {
      architecture: {
        ...(flags.hidden ? { hidden: positive('hidden', flags.hidden)! } : {}),
        ...(flags.layers ? { lstmLayers: positive('layers', flags.layers)! } : {}),
        ...(flags.arcMlp ? { arcMlp: wholePositive('arc-mlp', flags.arcMlp) } : {}),
        ...(flags.relMlp ? { relMlp: wholePositive('rel-mlp', flags.relMlp) } : {}),
      },
      training: {
        ...(flags.lr ? { lr: positive('lr', flags.lr)! } : {}),
        ...(flags.batchTokens ? { tokenBudget: wholePositive('batch-tokens', flags.batchTokens) } : {}),
      },
    };
    if (decoder !== undefined) parser.decoder = decoder;
    return { parser };
  },
  bundleFormat: PARSER_BUNDLE_FORMAT,
  predictFormats: PARSE_FORMATS,
  async load(dir, options) {
    const parser = await loadParser(dir, options);
    return {
      async predictFile(request) {
        const format = checkFormat(PARSE_FORMATS, request.format);
        const r = await runParseFile(parser, { input: request.input, output: request.output, ...(format !== undefined ? { format } : {}) });
        return `parsed ${r.sentences} sentences, ${r.tokens} words (${r.format}, ${parser.description.kind}) → ${request.output}\n`;
      },
      predictText: (text) => runParseText(parser, text),
      evaluate: (o) => evalParser(parser, o),
      dispose: () => parser.dispose(),
    };
  },
  calibrate: {
    async sweep(dir, request) {
      const parser = await loadParser(dir, { cacheDir: request.cacheDir, backend: request.backend });
      try {
        if (parser.description.kind !== 'graph') throw new UsageError(`${request.model} parses trees; only graph parsers (sdp, eud) have an arc threshold`);
        const gold = await loadGraphs(request.dataHome, request.data, request.split);
        const before = parser.objective.kind === 'graph' ? parser.objective.options.threshold : 0;
        return { calibration: await sweepThresholds(parser, gold, request.thresholds), before };
      } finally {
        await parser.dispose();
      }
    },
    store: storeThreshold,
  },
};

/** The task families, in the order the lookups try them (a dataset with tagging data defaults to the tagger). */
export const FAMILIES: readonly TaskFamily[] = Object.freeze([TAGGER_FAMILY, PARSER_FAMILY]);

export const TASK_NAMES: readonly string[] = Object.freeze(FAMILIES.flatMap((f) => f.tasks));

/** The family of a task name, or a usage error listing the tasks there are. */
export function familyOfTask(task: string): TaskFamily {
  const family = FAMILIES.find((f) => f.tasks.includes(task));
  if (family === undefined) throw new UsageError(`unknown task "${task}" (available: ${TASK_NAMES.join(', ')})`);
  return family;
}

/**
 * Where `--hidden` goes for a task. A task outside the table (a factory of one's own, e.g. a test's synthetic task)
 * gets the tagger family's `architecture`, as before the table.
 */
export function hiddenSettings(task: string, hidden: number): FamilySettings {
  return (FAMILIES.find((f) => f.tasks.includes(task)) ?? TAGGER_FAMILY).hidden(hidden);
}

/**
 * The family whose bundle format `dir/model.json` names. A folder no family recognises (no model.json, another
 * format, damaged JSON) goes to the tagger family, whose loader says what is wrong with it (as before the table).
 */
export function familyOfBundle(dir: string): TaskFamily {
  const format = bundleFormatOf(dir);
  return FAMILIES.find((f) => f.bundleFormat === format) ?? TAGGER_FAMILY;
}

/** The task a dataset serves when none is named: the first family reading one of its views picks. */
export function defaultTaskFor(data: string): string {
  const kinds = datasetSpec(data).tasks;
  const family = FAMILIES.find((f) => f.dataKinds.some((k) => kinds.includes(k)));
  if (family === undefined) throw new UsageError(`dataset '${data}' serves no task family (its views: ${kinds.join(', ')})`);
  return family.defaultTask(data);
}

const flagName = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A task's settings from `ace train`'s model flags, refusing the flags its family does not read. */
export function trainSettings(task: string, flags: ModelSettingFlags): FamilySettings {
  const family = familyOfTask(task);
  const given = MODEL_SETTING_FLAGS.filter((k) => flags[k] !== undefined && !family.trainFlags.includes(k));
  for (const k of given) {
    const refusal = family.refusals?.[k];
    if (refusal !== undefined) throw new UsageError(refusal);
  }
  if (given.length > 0) {
    const owners = FAMILIES.filter((f) => f !== family && given.some((k) => f.trainFlags.includes(k))).map((f) => f.name);
    throw new UsageError(`${given.map(flagName).join(', ')} apply to ${owners.join(' or ')} tasks only`);
  }
  return family.trainSettings(task, flags);
}

export async function createTask(req: TaskFactoryRequest): Promise<SearchableTask> {
  return familyOfTask(req.task).create(req);
}
