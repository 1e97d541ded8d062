// `ace eval`: scores a prediction file against a gold file, or a tagger or parser bundle on a dataset split, as the official scorers report.
import { oneOf, readUserText } from './user-input.js';
import { isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { InputError, UsageError } from '../util/errors.js';
import { defaultCacheDir, defaultDataHome } from '../util/paths.js';
import { getBackend } from '../engine/backend/select.js';
import { fileDataset, normalizeDataRef } from '../datasets/registry.js';
import type { Split } from '../tasks/task.js';
import { familyOfBundle } from '../tasks/registry.js';
import { backendChoiceFromEnv } from './info.js';
import { type ColumnRecord, type ColumnSpec, parseColumns } from '../formats/conll-column.js';
import { type ConlluSentence, conlluToGraph, conlluToTree, parseConllu } from '../formats/conllu.js';
import { type SdpSentence, parseSdp, sdpToGraph } from '../formats/sdp.js';
import { type AbsaSentence, parseAbsa, scoreTermRanges } from '../formats/absa-xml.js';
import { conllevalScore, formatConllevalReport, formatTermReport, splitTag } from '../metrics/spans.js';
import { attachmentScores, excludeGoldPunct } from '../metrics/attachment.js';
import { enhancedScores, formatEnhancedRows, formatSdpBlock, sdpScores } from '../metrics/graph.js';
import { conll18Scores, formatConll18Table } from '../metrics/conll18.js';
import { arcLabelClassTable, formatPerClassTable, relationClassTable } from '../metrics/per-class.js';
import { formatFixedC } from '../metrics/fixed-format.js';

export const EVAL_FORMATS = ['conll', 'conllu', 'sdp', 'absa'] as const;
export type EvalFormat = (typeof EVAL_FORMATS)[number];
export const EVAL_SCHEMES = ['iob1', 'iob2', 'bioes'] as const;
export type EvalScheme = (typeof EVAL_SCHEMES)[number];

export interface EvalOptions {
  format: EvalFormat;
  gold: string;
  pred: string;
  /** conll only: the tag prefixes to accept (iob1/iob2: B- I-; bioes: also E- S-). Default: any of B I E S. */
  scheme?: EvalScheme;
}


/** The column count of a column file, from its first token line (the readers need it up front). */
function columnSpecOf(text: string, file: string): ColumnSpec {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() !== '' && !/^[ \t]*-DOCSTART-([ \t]|$)/.test(l));
  if (at < 0) throw new InputError(file, undefined, 'no token lines');
  const n = (lines[at] as string).trim().split(/[ \t]+/).length;
  if (n < 2) throw new InputError(file, at + 1, 'a token line needs at least a word and a tag column');
  return { name: 'column file', columns: ['word', ...Array.from({ length: n - 1 }, (_, i) => `c${i + 1}`)], docstart: true };
}

function allowedPrefixes(scheme: EvalScheme | undefined): string {
  return scheme === 'iob1' || scheme === 'iob2' ? 'BI' : 'BIES';
}

/** Tags of one record's last column, each checked to be O or PREFIX-TYPE with an allowed prefix. */
function tagsOf(rec: ColumnRecord, file: string, scheme: EvalScheme | undefined): string[] {
  const allowed = allowedPrefixes(scheme);
  return rec.cells.map((row, i) => {
    const tag = row[row.length - 1] as string;
    if (tag === 'O') return tag;
    const { prefix, type } = splitTag(tag);
    if (prefix.length !== 1 || !allowed.includes(prefix) || type === '') {
      const expected = `O or ${[...allowed].map((p) => `${p}-TYPE`).join(', ')}`;
      throw new InputError(file, rec.line + i, `tag '${tag}' is not a${scheme ? `n ${scheme.toUpperCase()}` : ''} tag (expected ${expected})`);
    }
    return tag;
  });
}

function evalConll(opts: EvalOptions): string {
  const goldText = readUserText(opts.gold);
  const predText = readUserText(opts.pred);
  // -DOCSTART- lines are document markers, not tokens, as in the published CoNLL statistics.
  const gold = parseColumns(goldText, columnSpecOf(goldText, opts.gold), opts.gold).filter((r) => r.kind === 'sentence');
  const pred = parseColumns(predText, columnSpecOf(predText, opts.pred), opts.pred).filter((r) => r.kind === 'sentence');
  if (gold.length !== pred.length) {
    throw new InputError(opts.pred, undefined, `${pred.length} sentences, but the gold file ${opts.gold} has ${gold.length}`);
  }
  const goldTags: string[][] = [];
  const predTags: string[][] = [];
  gold.forEach((g, s) => {
    const p = pred[s] as ColumnRecord;
    if (p.cells.length !== g.cells.length) {
      throw new InputError(opts.pred, p.line, `sentence ${s + 1} has ${p.cells.length} tokens, the gold sentence at ${opts.gold}:${g.line} has ${g.cells.length}`);
    }
    g.cells.forEach((row, i) => {
      if ((p.cells[i] as string[])[0] !== row[0]) {
        throw new InputError(opts.pred, p.line + i, `word '${(p.cells[i] as string[])[0]}' differs from the gold word '${row[0]}' at ${opts.gold}:${g.line + i}`);
      }
    });
    goldTags.push(tagsOf(g, opts.gold, opts.scheme));
    predTags.push(tagsOf(p, opts.pred, opts.scheme));
  });
  return formatConllevalReport(conllevalScore(goldTags, predTags));
}

/** Gold and predicted sentences must hold the same words; the message names the predicted sentence. */
function checkAligned(goldWords: readonly string[], predWords: readonly string[], predFile: string, where: string | number, goldWhere: string): void {
  if (goldWords.length !== predWords.length) {
    throw new InputError(predFile, where, `${predWords.length} words, the gold sentence ${goldWhere} has ${goldWords.length}`);
  }
  const i = goldWords.findIndex((w, k) => w !== predWords[k]);
  if (i >= 0) throw new InputError(predFile, where, `word ${i + 1} '${predWords[i]}' differs from the gold word '${goldWords[i]}'`);
}

/**
 * CoNLL-U as conll18_ud_eval.py -v scores it, on the system's own tokenization and sentence split (words aligned by
 * characters). With the gold words, also the PUNCT-free UAS/LAS and, where gold has DEPS, the enhanced scores.
 */
function evalConllu(opts: EvalOptions): string {
  // DEPS is read only where present; Tweebank writes other things there, so it is not validated.
  const gold = parseConllu(readUserText(opts.gold), opts.gold, { validateDeps: false });
  const pred = parseConllu(readUserText(opts.pred), opts.pred, { validateDeps: false });
  let out = formatConll18Table(conll18Scores(gold, pred, { gold: opts.gold, system: opts.pred }));
  const where = (s: ConlluSentence): string | number => s.id ?? s.line;
  const goldTrees = gold.map((s) => conlluToTree(s, opts.gold));
  const predTrees = pred.map((s) => conlluToTree(s, opts.pred));
  const sameWords = gold.length === pred.length && goldTrees.every((g, s) => sameStrings(g.words, (predTrees[s] as typeof g).words));
  if (!sameWords) {
    return `${out}\nThe words differ from gold: they are aligned by characters as conll18_ud_eval.py aligns them; the PUNCT-free and enhanced scores need the gold words.\n`;
  }
  const official = attachmentScores(goldTrees, predTrees);
  const noPunct = attachmentScores(goldTrees, predTrees, excludeGoldPunct(goldTrees.map((t) => t.features?.upos ?? [])));
  const pct = (x: number): string => formatFixedC(100 * x, 2);
  out += `\nExcluding words with gold UPOS PUNCT (${noPunct.words} of ${official.words} words): UAS ${pct(noPunct.uas)}  LAS ${pct(noPunct.las)}\n`;
  out += `\nPer gold relation:\n${formatPerClassTable(relationClassTable(goldTrees, predTrees))}`;
  const hasDeps = gold.some((s) => s.tokens.some((t) => t.kind === 'word' && t.cells[8] !== '_'));
  if (hasDeps) {
    const graphOf = (s: ConlluSentence, file: string): ReturnType<typeof conlluToGraph> => {
      try {
        return conlluToGraph(s);
      } catch (err) {
        throw new InputError(file, where(s), (err as Error).message);
      }
    };
    out += `\n${formatEnhancedRows(enhancedScores(gold.map((s) => graphOf(s, opts.gold)), pred.map((s) => graphOf(s, opts.pred))))}`;
  }
  return out;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function evalSdp(opts: EvalOptions): string {
  const gold = parseSdp(readUserText(opts.gold), opts.gold);
  const pred = parseSdp(readUserText(opts.pred), opts.pred);
  if (gold.length !== pred.length) throw new InputError(opts.pred, undefined, `${pred.length} sentences, but the gold file ${opts.gold} has ${gold.length}`);
  const goldGraphs = gold.map(sdpToGraph);
  const predGraphs = pred.map(sdpToGraph);
  goldGraphs.forEach((g, s) => {
    const p = pred[s] as SdpSentence;
    if (p.id !== (gold[s] as SdpSentence).id) throw new InputError(opts.pred, p.line, `sentence #${p.id} where the gold file has #${(gold[s] as SdpSentence).id}`);
    checkAligned(g.words, (predGraphs[s] as typeof g).words, opts.pred, `#${p.id}`, `#${(gold[s] as SdpSentence).id}`);
  });
  const blocks = [true, false].map((includeTop) => formatSdpBlock(sdpScores(goldGraphs, predGraphs, { includeTop }), includeTop, gold.length)).join('\n');
  return `${blocks}\nPer arc label:\n${formatPerClassTable(arcLabelClassTable(goldGraphs, predGraphs))}`;
}

/**
 * SemEval-2014 aspect term extraction, scored as its official evaluation does: a predicted term is correct when a
 * gold term of the same sentence has the same character offsets.
 */
function evalAbsa(opts: EvalOptions): string {
  const gold = parseAbsa(readUserText(opts.gold), opts.gold);
  const pred = parseAbsa(readUserText(opts.pred), opts.pred);
  const predById = new Map(pred.map((s) => [s.id, s]));
  const ranges = (s: AbsaSentence): [number, number][] => (s.terms ?? []).map((t) => [t.from, t.to]);
  const pairs = gold.map((g) => {
    const p = predById.get(g.id);
    if (!p) throw new InputError(opts.pred, undefined, `sentence id ${g.id} of the gold file is missing`);
    if (p.text !== g.text) throw new InputError(opts.pred, p.line, `sentence ${g.id}: the text differs from the gold file's`);
    return { gold: ranges(g), pred: ranges(p) };
  });
  if (pred.length !== gold.length) throw new InputError(opts.pred, undefined, `${pred.length} sentences, but the gold file ${opts.gold} has ${gold.length}`);
  return formatTermReport(scoreTermRanges(pairs));
}

/** Scores `opts.pred` against `opts.gold` and returns the report text. */
export function runEval(opts: EvalOptions): string {
  if (opts.scheme !== undefined && opts.format !== 'conll') throw new UsageError('--scheme applies to --format conll only');
  switch (opts.format) {
    case 'conll':
      return evalConll(opts);
    case 'conllu':
      return evalConllu(opts);
    case 'sdp':
      return evalSdp(opts);
    case 'absa':
      return evalAbsa(opts);
  }
}

export const EVAL_SPLITS: readonly Split[] = ['train', 'dev', 'test'];


interface EvalFlags {
  format?: EvalFormat;
  gold?: string;
  pred?: string;
  scheme?: EvalScheme;
  model?: string;
  data?: string;
  split: Split;
  home?: string;
  cacheDir?: string;
  backend?: string;
}

async function evalModelAction(opts: EvalFlags & { model: string }): Promise<string> {
  const files = (['format', 'gold', 'pred', 'scheme'] as const).filter((k) => opts[k] !== undefined);
  if (files.length > 0) throw new UsageError(`--model scores a dataset split; it does not take ${files.map((k) => `--${k}`).join(', ')}`);
  if (opts.data === undefined) throw new UsageError('--model needs --data NAME (a dataset from `ace data list`) or --data FILE');
  const backend = getBackend(backendChoiceFromEnv(opts.backend, process.env));
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dataHome = opts.home ?? defaultDataHome();
  // A gold file of your own is every split of a one-file dataset, so --split does not matter for it.
  const ref = normalizeDataRef({ data: opts.data });
  const data = isAbsolute(ref.data) ? fileDataset({ train: ref.data, dev: ref.data, test: ref.data }).name : ref.data;
  const bundle = await familyOfBundle(opts.model).load(opts.model, { cacheDir, backend });
  try {
    return await bundle.evaluate({ data, split: opts.split, dataHome });
  } finally {
    await bundle.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('score predictions against gold data as the official scorers do (conlleval, CoNLL 2018 UD, SDP toolkit), or a model on a dataset split')
    .option('--format <format>', EVAL_FORMATS.join(' | '), oneOf('--format', EVAL_FORMATS))
    .option('--gold <file>', 'gold file')
    .option('--pred <file>', 'prediction file (conll: the gold layout with the predicted tag in the last column)')
    .option('--scheme <scheme>', `conll tag scheme to accept: ${EVAL_SCHEMES.join(' | ')}`, oneOf('--scheme', EVAL_SCHEMES))
    .option('--model <dir>', 'instead of files: a bundle to run on --data (taggers: the conlleval report, or accuracy for POS; parsers: UAS/LAS, SDP LF or ELAS)')
    .option('--data <name|file>', 'with --model: dataset name (see `ace data list`) or a gold file of your own (its format guessed)')
    .option('--split <split>', 'with --model: train | dev | test', oneOf('--split', EVAL_SPLITS), 'test')
    .option('--home <dir>', 'with --model: data home (default: ACE_DATA_HOME or ~/.local/share/ace-ts/data)')
    .option('--cache-dir <dir>', 'with --model: where frozen candidates find their weights (default: ACE_CACHE_DIR or ~/.cache/ace-ts)')
    .option('--backend <choice>', 'with --model: auto | native | js (default: ACE_BACKEND or auto)')
    .action(async (opts: EvalFlags, cmd: Command) => {
      if (opts.model !== undefined) {
        process.stdout.write(await evalModelAction({ ...opts, model: opts.model }));
        return;
      }
      const modelOnly = (['data', 'home', 'cacheDir', 'backend'] as const).filter((k) => opts[k] !== undefined).map((k) => (k === 'cacheDir' ? '--cache-dir' : `--${k}`));
      if (cmd.getOptionValueSource('split') === 'cli') modelOnly.push('--split');
      if (modelOnly.length > 0) throw new UsageError(`${modelOnly.join(', ')} apply to --model only`);
      if (opts.format === undefined || opts.gold === undefined || opts.pred === undefined) {
        throw new UsageError('give --format, --gold and --pred (score a prediction file), or --model and --data (score a model)');
      }
      const o: EvalOptions = { format: opts.format, gold: opts.gold, pred: opts.pred };
      if (opts.scheme !== undefined) o.scheme = opts.scheme;
      process.stdout.write(runEval(o));
    });
}
