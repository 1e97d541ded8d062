// `ace predict`: tags a file (CoNLL columns, CoNLL-U, SemEval ABSA XML) or raw text with a trained tagger bundle.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { getBackend } from '../engine/backend/select.js';
import { CONLL2000, CONLL2003, TOKEN_TAG, type ColumnRecord, type ColumnSpec, columnToTagged, columnWithTags, parseColumns, serializeColumns } from '../formats/conll-column.js';
import { conlluToTagged, conlluWithTags, parseConllu, serializeConllu } from '../formats/conllu.js';
import { absaWithTerms, parseAbsa, serializeAbsa, termsFromTags } from '../formats/absa-xml.js';
import { convert } from '../formats/tag-schemes.js';
import { tokenize } from '../formats/tokenize.js';
import type { Sentence } from '../formats/types.js';
import { loadTagger, predictSentences, type LoadedTagger } from '../tasks/tagger/load.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { InputError, UsageError } from '../util/errors.js';
import { defaultCacheDir } from '../util/paths.js';
import { backendChoiceFromEnv } from './info.js';

export const PREDICT_FORMATS = ['conll', 'conllu', 'absa'] as const;
export type PredictFormat = (typeof PREDICT_FORMATS)[number];

/** The CoNLL-U column predictions go into (the column the registry's CoNLL-U datasets tag). */
const CONLLU_LABEL = 'upos';

export interface PredictFileOptions {
  /** Input file; its layout is kept and only the label column (or the ABSA aspect terms) is replaced. */
  input: string;
  output: string;
  /** Guessed from the extension and content when absent (see guessFormat). */
  format?: PredictFormat;
}

export interface PredictFileResult {
  format: PredictFormat;
  sentences: number;
  tokens: number;
  /** conll only: the column layout the input was read with. */
  columns?: string;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(file, undefined, `cannot read: ${(err as Error).message}`);
  }
}

/** The first line that is neither blank nor a `-DOCSTART-` marker, with its 1-based number. */
function firstTokenLine(text: string): { line: string; at: number } | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() !== '' && !/^[ \t]*-DOCSTART-([ \t]|$)/.test(l));
  return at < 0 ? undefined : { line: lines[at], at: at + 1 };
}

/** .conllu → conllu, .xml → absa; otherwise an XML start → absa, a comment or a 10-column numbered line → conllu, else conll. */
export function guessFormat(file: string, text: string): PredictFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.conllu') return 'conllu';
  if (ext === '.xml') return 'absa';
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'absa';
  const first = firstTokenLine(text);
  if (first && (first.line.startsWith('#') || /^[0-9]+(-[0-9]+|\.[0-9]+)?$/.test(first.line.split('\t')[0]) && first.line.split('\t').length === 10)) return 'conllu';
  return 'conll';
}

/** Column layout from the column count of the first token line: 4 CoNLL-2003, 3 CoNLL-2000, 2 token/tag. The last column is the label. */
export function guessColumnSpec(text: string, file: string): ColumnSpec {
  const first = firstTokenLine(text);
  if (!first) throw new InputError(file, undefined, 'no token lines');
  const n = first.line.trim().split(/[ \t]+/).length;
  const base = n === 4 ? CONLL2003 : n === 3 ? CONLL2000 : n === 2 ? TOKEN_TAG : undefined;
  if (!base) throw new InputError(file, first.at, `${n} columns; expected 4 (word pos chunk ner), 3 (word pos chunk) or 2 (word tag), the label last`);
  // -DOCSTART- lines are document markers in any layout (CoNLL-2002 has them with 3 columns).
  return { ...base, docstart: true };
}

async function predictConll(tagger: LoadedTagger, text: string, file: string): Promise<{ out: string; result: PredictFileResult }> {
  const spec = guessColumnSpec(text, file);
  const label = spec.columns[spec.columns.length - 1];
  const records = parseColumns(text, spec, file);
  const sentences = records.filter((r) => r.kind === 'sentence');
  const tags = await predictSentences(tagger, sentences.map((r) => columnToTagged(r, spec, label)));
  const byRecord = new Map<ColumnRecord, string[]>(sentences.map((r, i) => [r, tags[i]]));
  const out = serializeColumns(records.map((r) => (r.kind === 'sentence' ? columnWithTags(r, spec, label, byRecord.get(r)!) : r)));
  const tokens = sentences.reduce((a, r) => a + r.cells.length, 0);
  return { out, result: { format: 'conll', sentences: sentences.length, tokens, columns: spec.columns.join(' ') } };
}

async function predictConllu(tagger: LoadedTagger, text: string, file: string): Promise<{ out: string; result: PredictFileResult }> {
  // Heads and DEPS may be placeholders in a file to tag, so neither is validated.
  const sentences = parseConllu(text, file, { validateTree: false, validateDeps: false });
  const tags = await predictSentences(tagger, sentences.map((s) => conlluToTagged(s, CONLLU_LABEL)));
  const out = serializeConllu(sentences.map((s, i) => conlluWithTags(s, tags[i], CONLLU_LABEL)));
  return { out, result: { format: 'conllu', sentences: sentences.length, tokens: tags.reduce((a, t) => a + t.length, 0) } };
}

/** Predicted tags as IOB2, the scheme ABSA terms are read from; a token-tag (POS) model has no spans to give. */
function asIob2(tagger: LoadedTagger, tags: readonly string[]): string[] {
  const scheme = tagger.description.scheme;
  if (scheme === 'none') throw new UsageError(`model ${tagger.dir} is a ${tagger.description.task} tagger; ABSA aspect terms need a span model (task ae)`);
  return scheme === 'IOB2' ? [...tags] : convert(tags, scheme, 'IOB2');
}

async function predictAbsa(tagger: LoadedTagger, text: string, file: string): Promise<{ out: string; result: PredictFileResult }> {
  const sentences = parseAbsa(text, file);
  // The same tokenizer the ABSA tagging view uses, so term offsets map back onto the text.
  const views: Sentence[] = sentences.map((s) => ({ id: s.id, words: tokenize(s.text).map((t) => t.text) }));
  const tags = await predictSentences(tagger, views);
  const out = serializeAbsa(sentences.map((s, i) => absaWithTerms(s, termsFromTags(s, asIob2(tagger, tags[i])))));
  return { out, result: { format: 'absa', sentences: sentences.length, tokens: tags.reduce((a, t) => a + t.length, 0) } };
}

/** Tags `opts.input` and writes the same format to `opts.output` (atomically), ready for the official scorer. */
export async function runPredictFile(tagger: LoadedTagger, opts: PredictFileOptions): Promise<PredictFileResult> {
  const text = readText(opts.input);
  const format = opts.format ?? guessFormat(opts.input, text);
  const predicted =
    format === 'conll' ? await predictConll(tagger, text, opts.input) : format === 'conllu' ? await predictConllu(tagger, text, opts.input) : await predictAbsa(tagger, text, opts.input);
  writeFileAtomic(opts.output, predicted.out);
  return predicted.result;
}

/** Tags raw text, one sentence per line: each line becomes `word/TAG` tokens; blank lines stay blank. */
export async function runPredictText(tagger: LoadedTagger, text: string): Promise<string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const words = lines.map((l) => tokenize(l).map((t) => t.text));
  const nonEmpty = words.map((w, i) => (w.length > 0 ? i : -1)).filter((i) => i >= 0);
  const tags = await predictSentences(tagger, nonEmpty.map((i) => ({ words: words[i] })));
  const byLine = new Map(nonEmpty.map((i, k) => [i, tags[k]]));
  return words.map((w, i) => w.map((word, j) => `${word}/${byLine.get(i)![j]}`).join(' ') + '\n').join('');
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text;
}

function oneOf<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new UsageError(`${name} must be one of ${values.join(', ')}, got '${v}'`);
    return v as T;
  };
}

interface PredictFlags {
  model: string;
  input?: string;
  output?: string;
  format?: PredictFormat;
  text?: string;
  cacheDir?: string;
  backend?: string;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('tag a file (written back in its own format, ready for the official scorer) or raw text with a trained model')
    .requiredOption('--model <dir>', 'model bundle directory (model.json + params.bin, e.g. a search\'s best checkpoint)')
    .option('--input <file>', 'file to tag: CoNLL columns (label last), CoNLL-U or SemEval ABSA XML')
    .option('--output <file>', 'where to write the tagged file (required with --input)')
    .addOption(new Option('--format <format>', `${PREDICT_FORMATS.join(' | ')} (default: from the extension and content)`).argParser(oneOf('--format', PREDICT_FORMATS)))
    .option('--text <text>', 'raw text to tag, one sentence per line (default without --input: standard input)')
    .option('--cache-dir <dir>', 'where frozen candidates find their weights (default: ACE_CACHE_DIR or ~/.cache/ace-ts)')
    .option('--backend <choice>', 'auto | native | js (default: ACE_BACKEND or auto)')
    .action(async (o: PredictFlags) => {
      if (o.input !== undefined && o.text !== undefined) throw new UsageError('give either --input or --text, not both');
      if (o.input !== undefined && o.output === undefined) throw new UsageError('--input needs --output');
      if (o.input === undefined && (o.output !== undefined || o.format !== undefined)) throw new UsageError('--output and --format apply to --input only');
      const backend = getBackend(backendChoiceFromEnv(o.backend, process.env));
      const tagger = await loadTagger(o.model, { cacheDir: o.cacheDir ?? defaultCacheDir(), backend });
      try {
        if (o.input !== undefined) {
          const opts: PredictFileOptions = { input: o.input, output: o.output! };
          if (o.format !== undefined) opts.format = o.format;
          const r = await runPredictFile(tagger, opts);
          process.stderr.write(`tagged ${r.sentences} sentences, ${r.tokens} tokens (${r.format}${r.columns ? `: ${r.columns}` : ''}) → ${o.output}\n`);
        } else {
          process.stdout.write(await runPredictText(tagger, o.text ?? (await readStdin())));
        }
      } finally {
        await tagger.dispose();
      }
    });
}
