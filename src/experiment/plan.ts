// Experiment plans: a YAML/JSON file of data sets × candidate pools × strategies × seeds, checked and expanded into jobs.
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { z } from 'zod';
import { DATASETS } from '../datasets/registry.js';
import { DEFAULT_SEARCH_OPTIONS } from '../search/options.js';
import { SEARCH_STRATEGIES, type SearchStrategy } from '../search/strategy.js';
import { TASK_NAMES } from '../tasks/registry.js';
import { InputError } from '../util/errors.js';
import { hashConfig, sha256 } from '../util/hash.js';

const SLUG = /^[a-z0-9][a-z0-9._-]*$/;
const slugField = z.string().regex(SLUG, 'use lower-case letters, digits, ".", "_" and "-"');
const positiveInt = z.number().int().positive();

/** The options every job of a data set shares: the names are `ace search`'s flags. */
const SearchOptionsSchema = z.strictObject({
  episodes: positiveInt.optional(),
  'epochs-per-episode': positiveInt.optional(),
  limit: positiveInt.optional(),
  hidden: positiveInt.optional(),
  /** `ace search --parallel K`: K episodes per controller step, as branch processes of the job. */
  parallel: positiveInt.optional(),
  config: z.string().min(1).optional(),
  threads: positiveInt.optional(),
  reward: z.enum(['hamming', 'vanilla']).optional(),
  'reward-shaping': z.enum(['none', 'sqrt', 'log']).optional(),
  discount: z.number().gt(0).lte(1).optional(),
  'reward-scale': z.number().positive().optional(),
  retrain: z.boolean().optional(),
  'retrain-epochs': positiveInt.optional(),
  test: z.boolean().optional(),
});
export type PlanSearchOptions = z.infer<typeof SearchOptionsSchema>;

const DatasetSchema = z.strictObject({
  id: slugField.optional(),
  task: z.string().refine((t) => TASK_NAMES.includes(t), { message: `unknown task (one of ${TASK_NAMES.join(', ')})` }),
  data: z.string().min(1),
  dev: z.string().min(1).optional(),
  'test-file': z.string().min(1).optional(),
  /** Which of the plan's pools this data set runs (default: all). */
  pools: z.array(slugField).min(1).optional(),
  search: SearchOptionsSchema.optional(),
});

export const REGIMES = ['budget', 'official', 'fixed'] as const;

const PlanSchema = z.strictObject({
  name: z.string().min(1).optional(),
  datasets: z.array(DatasetSchema).min(1),
  pools: z.record(slugField, z.array(z.string().min(1)).min(1)).refine((p) => Object.keys(p).length > 0, { message: 'name at least one pool' }),
  strategies: z.array(z.enum(SEARCH_STRATEGIES as unknown as [SearchStrategy, ...SearchStrategy[]])).min(1).optional(),
  seeds: z.array(z.number().int()).min(1).optional(),
  /** Seeds of particular strategies, over `seeds` (e.g. one seed for the cheap or derived baselines). */
  'strategy-seeds': z.partialRecord(z.enum(SEARCH_STRATEGIES as unknown as [SearchStrategy, ...SearchStrategy[]]), z.array(z.number().int()).min(1)).optional(),
  regime: z.enum(REGIMES).optional(),
  /** Tries per job (a failed or killed try is resumed by the next). */
  attempts: positiveInt.optional(),
  search: SearchOptionsSchema.optional(),
});
export type PlanFile = z.infer<typeof PlanSchema>;

/** One `ace search` run of the plan. */
export interface JobSpec {
  /** Readable and stable: `<data set>[-<pool>]-<strategy>-s<seed>`; the folder is `<experiment>/jobs/<id>`. */
  id: string;
  family: string;
  pool: string;
  strategy: SearchStrategy;
  seed: number;
  task: string;
  data: string;
  candidates: string[];
  episodes: number;
  /** `ace search` arguments, without --out, --threads and --progress. */
  args: string[];
  /** BLAS threads of the job process (speed only: not in the settings hash). */
  threads?: number;
  /** Hash of everything that decides the job's result (its arguments and the config file's text). */
  settingsHash: string;
}

export interface Plan {
  /** Absolute path of the plan file. */
  path: string;
  name: string;
  attempts: number;
  jobs: JobSpec[];
}

/** The 1-based line of the node at `path` in the YAML document (of `key` in the map there, when given). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  let node: unknown = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    node = pair?.key;
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Read and check a plan file; every problem is an InputError naming the file, the line and the key. */
export function readPlanFile(path: string): PlanFile {
  if (!existsSync(path)) throw new InputError(path, undefined, 'plan file not found');
  const text = readFileSync(path, 'utf8');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new InputError(path, e.linePos?.[0]?.line, `not valid YAML or JSON: ${e.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(path, undefined, 'a plan is a mapping (datasets, pools, strategies, seeds, search…)');
  const parsed = PlanSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const where = issue.path.length ? ` in ${describePath(issue.path)}` : '';
    throw new InputError(path, lineOf(doc, counter, issue.path, key), `unknown key '${key}'${where}`);
  }
  const at = describePath(issue.path) || 'plan';
  throw new InputError(path, lineOf(doc, counter, issue.path), `${at}: ${issue.message}`);
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');

/** `ace search` flags of one job, in a fixed order (so equal settings give equal hashes). */
function searchArgs(o: PlanSearchOptions, configPath: string | undefined, regime: string | undefined): string[] {
  const a: string[] = [];
  const flag = (name: string, v: number | string | undefined): void => {
    if (v !== undefined) a.push(`--${name}`, String(v));
  };
  flag('episodes', o.episodes);
  flag('epochs-per-episode', o['epochs-per-episode']);
  flag('limit', o.limit);
  flag('hidden', o.hidden);
  if (o.parallel !== undefined && o.parallel > 1) flag('parallel', o.parallel);
  flag('config', configPath);
  flag('reward', o.reward);
  flag('reward-shaping', o['reward-shaping']);
  flag('discount', o.discount);
  flag('reward-scale', o['reward-scale']);
  if (o.retrain) a.push('--retrain');
  flag('retrain-epochs', o['retrain-epochs']);
  if (o.test === false) a.push('--no-test');
  flag('regime', regime);
  return a;
}

/** A data file named relative to the plan, unless it is a data set of the data home. */
function dataPath(planDir: string, ref: string): string {
  return Object.hasOwn(DATASETS, ref) || isAbsolute(ref) ? ref : resolve(planDir, ref);
}

/** Expand a checked plan into its jobs: data sets × pools × strategies × seeds (the strategy's own, if named), in that order. */
export function expandPlan(file: PlanFile, planPath: string): Plan {
  const path = resolve(planPath);
  const planDir = dirname(path);
  const poolNames = Object.keys(file.pools);
  const strategies = file.strategies ?? ['ace'];
  const seeds = file.seeds ?? [1];
  const jobs: JobSpec[] = [];
  const families = new Map<string, number>();
  file.datasets.forEach((d, i) => {
    const family = d.id ?? slug(`${basename(d.data).replace(/\.[a-z]+$/i, '')}-${d.task}`);
    if (families.has(family)) {
      throw new InputError(path, undefined, `datasets[${i}] and datasets[${families.get(family)}] are both '${family}'; give one an id`);
    }
    families.set(family, i);
    for (const p of d.pools ?? []) {
      if (!poolNames.includes(p)) throw new InputError(path, undefined, `datasets[${i}].pools names '${p}', which is not in pools (${poolNames.join(', ')})`);
    }
    const options: PlanSearchOptions = { ...file.search, ...d.search };
    const configPath = options.config !== undefined ? resolve(planDir, options.config) : undefined;
    if (configPath !== undefined && !existsSync(configPath)) throw new InputError(path, undefined, `datasets[${i}]: config file ${configPath} not found`);
    const configText = configPath !== undefined ? readFileSync(configPath, 'utf8') : null;
    const shared = searchArgs(options, configPath, file.regime);
    const data = dataPath(planDir, d.data);
    const dataArgs = ['--task', d.task, '--data', data];
    if (d.dev !== undefined) dataArgs.push('--dev', dataPath(planDir, d.dev));
    if (d['test-file'] !== undefined) dataArgs.push('--test-file', dataPath(planDir, d['test-file']));
    for (const pool of d.pools ?? poolNames) {
      const candidates = file.pools[pool];
      for (const strategy of strategies) {
        for (const seed of file['strategy-seeds']?.[strategy] ?? seeds) {
          const args = [...dataArgs, '--candidates', candidates.join(','), ...(strategy === 'ace' ? [] : ['--baseline', strategy]), '--seed', String(seed), ...shared];
          const id = [family, ...(poolNames.length > 1 ? [pool] : []), strategy, `s${seed}`].join('-');
          jobs.push({
            id, family, pool, strategy, seed, task: d.task, data, candidates: [...candidates],
            episodes: options.episodes ?? DEFAULT_SEARCH_OPTIONS.episodes,
            args,
            ...(options.threads !== undefined ? { threads: options.threads } : {}),
            settingsHash: hashConfig({ args, config: configText === null ? null : sha256(configText) }).slice(0, 12),
          });
        }
      }
    }
  });
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.id)) throw new InputError(path, undefined, `two jobs would share the id '${j.id}' (a seed or strategy listed twice?)`);
    seen.add(j.id);
  }
  return { path, name: file.name ?? basename(path).replace(/\.(ya?ml|json)$/i, ''), attempts: file.attempts ?? 3, jobs };
}

export function loadPlan(path: string): Plan {
  return expandPlan(readPlanFile(path), path);
}
