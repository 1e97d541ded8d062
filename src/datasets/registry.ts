// The named datasets, resolved under a data home passed in: files per split, format, label column, task kinds, loaders.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { Split } from './split.js';
import type { GraphSentence, TaggedSentence, TreeSentence } from '../formats/types.js';
import { CONLL2000, CONLL2003, type ColumnSpec, columnToTagged, readColumns } from '../formats/conll-column.js';
import { type ConlluColumn, type ConlluOptions, conlluToGraph, conlluToTagged, conlluToTree, readConllu } from '../formats/conllu.js';
import { readSdp, sdpToGraph } from '../formats/sdp.js';
import { absaToTagged, readAbsa } from '../formats/absa-xml.js';
import { guessColumnSpec, guessFormat, guessParseFormat } from '../formats/guess.js';
import { sha256 } from '../util/hash.js';

export type DatasetFormat = 'conll-column' | 'conllu' | 'sdp' | 'absa-xml';
export type TaskKind = 'tagging' | 'tree' | 'graph';

export interface DatasetSpec {
  name: string;
  /** Folder under the data home. */
  folder: string;
  format: DatasetFormat;
  /** File per split, relative to the folder. A split marked 'held-out' is taken from train (see HELD_OUT_EVERY). */
  files: Readonly<Partial<Record<Split, string | 'held-out'>>>;
  tasks: readonly TaskKind[];
  /** Tagging label: a column name (conll-column, conllu) or 'aspect' for ABSA BIO tags. */
  label?: string;
  columnSpec?: ColumnSpec;
  conllu?: Partial<ConlluOptions>;
  /** Public raw-file URLs per split, for `ace data get`. */
  download?: Readonly<Partial<Record<Split, string>>>;
}

/**
 * Held-out dev rule: sentence i (0-based, in file order, documents' -DOCSTART- records not counted) goes to dev
 * when i % 10 === 9, i.e. every 10th sentence; train keeps the rest. Deterministic and independent of any seed.
 */
export const HELD_OUT_EVERY = 10;

const EWT_RAW = 'https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/master';
const TWEEBANK_RAW = 'https://raw.githubusercontent.com/Oneplus/Tweebank/master/converted';

export const DATASETS: Readonly<Record<string, DatasetSpec>> = Object.freeze({
  'conll03-en': { name: 'conll03-en', folder: 'conll2003-en', format: 'conll-column', files: { train: 'eng.train', dev: 'eng.testa', test: 'eng.testb' }, tasks: ['tagging'], label: 'ner', columnSpec: CONLL2003 },
  conll2000: { name: 'conll2000', folder: 'conll2000', format: 'conll-column', files: { train: 'train.txt', dev: 'held-out', test: 'test.txt' }, tasks: ['tagging'], label: 'chunk', columnSpec: CONLL2000 },
  'ud-ewt': {
    name: 'ud-ewt', folder: 'ud-english-ewt', format: 'conllu', files: { train: 'en_ewt-ud-train.conllu', dev: 'en_ewt-ud-dev.conllu', test: 'en_ewt-ud-test.conllu' },
    tasks: ['tagging', 'tree', 'graph'], label: 'upos',
    download: { train: `${EWT_RAW}/en_ewt-ud-train.conllu`, dev: `${EWT_RAW}/en_ewt-ud-dev.conllu`, test: `${EWT_RAW}/en_ewt-ud-test.conllu` },
  },
  tweebank2: {
    name: 'tweebank2', folder: 'tweebank-v2', format: 'conllu', files: { train: 'en-ud-tweet-train.fixed.conllu', dev: 'en-ud-tweet-dev.fixed.conllu', test: 'en-ud-tweet-test.fixed.conllu' },
    tasks: ['tagging'], label: 'upos',
    // Column 9 carries normalisation features (NormType=...), not enhanced dependencies.
    conllu: { validateDeps: false },
    download: { train: `${TWEEBANK_RAW}/en-ud-tweet-train.fixed.conllu`, dev: `${TWEEBANK_RAW}/en-ud-tweet-dev.fixed.conllu`, test: `${TWEEBANK_RAW}/en-ud-tweet-test.fixed.conllu` },
  },
  'semeval14-laptop': { name: 'semeval14-laptop', folder: 'semeval2014-laptop', format: 'absa-xml', files: { train: 'Laptop_Train_v2.xml', dev: 'held-out', test: 'Laptops_Test_Gold.xml' }, tasks: ['tagging'], label: 'aspect' },
  /** DM is the default SDP framework; a 89-sentence format sample, split by the held-out rule, no test split. */
  'sdp-sample': { name: 'sdp-sample', folder: 'sdp-sample', format: 'sdp', files: { train: 'dm/wsj.sdp', dev: 'held-out' }, tasks: ['graph'] },
  'sdp-sample-psd': { name: 'sdp-sample-psd', folder: 'sdp-sample', format: 'sdp', files: { train: 'psd/wsj.sdp', dev: 'held-out' }, tasks: ['graph'] },
} satisfies Record<string, DatasetSpec>);

/** Datasets described from a user's own files in this process (see fileDataset), by name. */
const FILE_DATASETS = new Map<string, DatasetSpec>();

export function datasetSpec(name: string): DatasetSpec {
  const spec = DATASETS[name] ?? FILE_DATASETS.get(name);
  if (!spec) throw new UsageError(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')}; or give a file path)`);
  return spec;
}

export interface DatasetFiles {
  train: string;
  /** Without one, every 10th training sentence is held out (HELD_OUT_EVERY). */
  dev?: string;
  test?: string;
}

/** The first 64 KiB of a file: enough to guess its format without reading a large corpus twice. */
function readHead(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    // A multi-byte character cut at the end decodes to U+FFFD, which no guess looks at.
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `--data NAME|FILE` with `--dev`/`--test` as given on a command line, or as saved (files absolute). */
export interface DataRef {
  data: string;
  dev?: string;
  test?: string;
}

/**
 * Checks a command line's data flags: a dataset name (no --dev/--test), or the user's files, made absolute so a
 * saved command still finds them from another folder.
 */
export function normalizeDataRef(ref: DataRef): DataRef {
  const named = Object.hasOwn(DATASETS, ref.data);
  if (named && (ref.dev !== undefined || ref.test !== undefined)) throw new UsageError(`a dev or test file goes with --data FILE; dataset '${ref.data}' has its own splits`);
  if (named) return { data: ref.data };
  if (!existsSync(ref.data)) throw new UsageError(`--data '${ref.data}' is neither a dataset (${Object.keys(DATASETS).join(', ')}) nor a file`);
  return { data: resolve(ref.data), ...(ref.dev !== undefined ? { dev: resolve(ref.dev) } : {}), ...(ref.test !== undefined ? { test: resolve(ref.test) } : {}) };
}

/**
 * The registry name of a data reference: a name stays as it is (unknown ones fail where they are looked up), and a
 * user's files (absolute paths, see normalizeDataRef) are described as a dataset (fileDataset).
 */
export function datasetNameOf(ref: DataRef): string {
  if (!isAbsolute(ref.data)) return ref.data;
  return fileDataset({ train: ref.data, ...(ref.dev !== undefined ? { dev: ref.dev } : {}), ...(ref.test !== undefined ? { test: ref.test } : {}) }).name;
}

/**
 * A dataset from a user's files, registered under a name made from the train file (so tasks, caches and eval take
 * it like a named one). The format comes from the train file's extension and first lines: SDP 2015, CoNLL-U
 * (tagging column UPOS), SemEval ABSA XML (aspect terms), or CoNLL columns (word first, label last: 4 columns read
 * as CoNLL-2003, 3 as CoNLL-2000, 2 as word/tag). Dev and test files must be in the same format.
 */
export function fileDataset(files: DatasetFiles): DatasetSpec {
  const paths = { train: resolve(files.train), dev: files.dev && resolve(files.dev), test: files.test && resolve(files.test) };
  const name = `file:${basename(paths.train)}-${sha256(JSON.stringify(paths)).slice(0, 8)}`;
  // ace train looks the files up twice and a search once per task it builds: read and guess once per process.
  const known = FILE_DATASETS.get(name);
  if (known) return known;
  const head = readHead(paths.train);
  const kind = guessParseFormat(paths.train, head) === 'sdp' ? 'sdp' : guessFormat(paths.train, head);
  for (const split of ['dev', 'test'] as const) {
    const p = paths[split];
    if (p === undefined) continue;
    const other = readHead(p);
    const otherKind = guessParseFormat(p, other) === 'sdp' ? 'sdp' : guessFormat(p, other);
    if (otherKind !== kind) throw new UsageError(`${split} file ${p} reads as ${otherKind}, the train file ${paths.train} as ${kind}`);
    if (kind === 'conll' && guessColumnSpec(other, p).columns.length !== guessColumnSpec(head, paths.train).columns.length) {
      throw new UsageError(`${split} file ${p} has another column count than the train file ${paths.train}`);
    }
  }
  const fileSplits = { train: paths.train, dev: paths.dev ?? 'held-out', ...(paths.test ? { test: paths.test } : {}) };
  const base = { name, folder: '', files: fileSplits };
  let spec: DatasetSpec;
  if (kind === 'sdp') spec = { ...base, format: 'sdp', tasks: ['graph'] };
  else if (kind === 'conllu') spec = { ...base, format: 'conllu', tasks: ['tagging', 'tree', 'graph'], label: 'upos' };
  else if (kind === 'absa') spec = { ...base, format: 'absa-xml', tasks: ['tagging'], label: 'aspect' };
  else {
    const columnSpec = guessColumnSpec(head, paths.train);
    spec = { ...base, format: 'conll-column', tasks: ['tagging'], label: columnSpec.columns[columnSpec.columns.length - 1], columnSpec };
  }
  FILE_DATASETS.set(name, spec);
  return spec;
}

/** The file read for a split (the train file for a held-out dev) and whether the split is a held-out selection. */
export function splitFile(home: string, spec: DatasetSpec, split: Split): { path: string; heldOut: 'dev' | 'train' | 'none' } {
  const f = spec.files[split];
  if (f === undefined) throw new UsageError(`dataset '${spec.name}' has no ${split} split`);
  const trainHasHeldOut = spec.files.dev === 'held-out';
  // A user's files (fileDataset) are absolute; the named datasets' are under the data home.
  const at = (file: string): string => (isAbsolute(file) ? file : join(home, spec.folder, file));
  if (f === 'held-out') return { path: at(spec.files.train as string), heldOut: 'dev' };
  return { path: at(f), heldOut: split === 'train' && trainHasHeldOut ? 'train' : 'none' };
}

function keep(heldOut: 'dev' | 'train' | 'none', i: number): boolean {
  if (heldOut === 'none') return true;
  const isDev = i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1;
  return heldOut === 'dev' ? isDev : !isDev;
}

type View = 'tagging' | 'tree' | 'graph';

async function load(home: string, name: string, split: Split, view: View): Promise<(TaggedSentence | TreeSentence | GraphSentence)[]> {
  const spec = datasetSpec(name);
  if (!spec.tasks.includes(view)) throw new UsageError(`dataset '${name}' does not serve ${view} tasks (it serves: ${spec.tasks.join(', ')})`);
  const { path, heldOut } = splitFile(home, spec, split);
  if (!existsSync(path)) throw new UsageError(`dataset '${name}' ${split} file ${path} not found (see 'ace data list' / 'ace data get ${name}')`);
  const out: (TaggedSentence | TreeSentence | GraphSentence)[] = [];
  let i = 0;
  const add = (s: TaggedSentence | TreeSentence | GraphSentence): void => {
    if (keep(heldOut, i++)) out.push(s);
  };
  if (spec.format === 'conll-column') {
    for await (const r of readColumns(path, spec.columnSpec!)) if (r.kind === 'sentence') add(columnToTagged(r, spec.columnSpec!, spec.label!));
  } else if (spec.format === 'conllu') {
    for await (const s of readConllu(path, spec.conllu)) add(view === 'tagging' ? conlluToTagged(s, spec.label as ConlluColumn) : view === 'tree' ? conlluToTree(s, path) : conlluToGraph(s));
  } else if (spec.format === 'sdp') {
    for await (const s of readSdp(path)) add(sdpToGraph(s));
  } else {
    for await (const s of readAbsa(path)) {
      const t = absaToTagged(s);
      // The offsets let the aspect tagger score terms by character offsets, as the official scorer does.
      add({ id: t.id, words: t.words, tags: t.tags, charOffsets: { words: t.offsets, terms: t.termRanges } });
    }
  }
  return out;
}

export async function loadTagging(home: string, name: string, split: Split): Promise<TaggedSentence[]> {
  return (await load(home, name, split, 'tagging')) as TaggedSentence[];
}

export async function loadTrees(home: string, name: string, split: Split): Promise<TreeSentence[]> {
  return (await load(home, name, split, 'tree')) as TreeSentence[];
}

export async function loadGraphs(home: string, name: string, split: Split): Promise<GraphSentence[]> {
  return (await load(home, name, split, 'graph')) as GraphSentence[];
}

export interface SplitStatus {
  split: Split;
  path: string;
  present: boolean;
  heldOut: boolean;
  sentences?: number;
  tokens?: number;
}

export interface DatasetStatus {
  name: string;
  format: DatasetFormat;
  tasks: readonly TaskKind[];
  folder: string;
  present: boolean;
  splits: SplitStatus[];
}

/** Presence and sentence/token counts of every split of every dataset (tokens = words of the task view). */
export async function datasetStatus(home: string): Promise<DatasetStatus[]> {
  const out: DatasetStatus[] = [];
  for (const spec of Object.values(DATASETS)) {
    const splits: SplitStatus[] = [];
    for (const split of ['train', 'dev', 'test'] as const) {
      if (spec.files[split] === undefined) continue;
      const { path, heldOut } = splitFile(home, spec, split);
      const st: SplitStatus = { split, path, present: existsSync(path), heldOut: heldOut !== 'none' };
      if (st.present) {
        const sents = await load(home, spec.name, split, spec.tasks[0]);
        st.sentences = sents.length;
        st.tokens = sents.reduce((n, s) => n + s.words.length, 0);
      }
      splits.push(st);
    }
    out.push({ name: spec.name, format: spec.format, tasks: spec.tasks, folder: join(home, spec.folder), present: splits.every((s) => s.present), splits });
  }
  return out;
}
