// `ace predict`: tags or parses a file (CoNLL columns, CoNLL-U, SDP, SemEval ABSA XML) or raw text with a trained tagger or parser bundle.
import { oneOf, readUserText } from './user-input.js';
import { Command, Option } from 'commander';
import { getBackend } from '../engine/backend/select.js';
import { type ColumnRecord, columnToTagged, columnWithTags, parseColumns, serializeColumns } from '../formats/conll-column.js';
import { guessColumnSpec, guessFormat, guessParseFormat, type ParseFileFormat, type TaggingFileFormat } from '../formats/guess.js';
import { conlluToTagged, conlluToTree, conlluWithGraph, conlluWithTags, conlluWithTree, parseConllu, serializeConllu } from '../formats/conllu.js';
import { parseSdp, sdpToGraph, sdpWithGraph, serializeSdp } from '../formats/sdp.js';
import { absaWithTerms, parseAbsa, serializeAbsa, termsFromTags } from '../formats/absa-xml.js';
import { convert } from '../formats/tag-schemes.js';
import { tokenize, tokenizeText } from '../formats/tokenize.js';
import type { Sentence } from '../formats/types.js';
import { loadTagger, predictSentences, type LoadedTagger } from '../tasks/tagger/load.js';
import { isParserBundle, loadParser, predictParses, type LoadedParser, type Parses } from '../tasks/dependency/load.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';
import { defaultCacheDir } from '../util/paths.js';
import { isSameFile } from '../util/same-file.js';
import { backendChoiceFromEnv } from './info.js';
import { threadsFlag } from './context.js';

export const PREDICT_FORMATS = ['conll', 'conllu', 'absa'] as const satisfies readonly TaggingFileFormat[];
export type PredictFormat = TaggingFileFormat;

/** The files a parser bundle reads and writes back: CoNLL-U (HEAD/DEPREL for trees, DEPS for graphs) or SDP 2015 (graphs). */
export const PARSE_FORMATS = ['conllu', 'sdp'] as const satisfies readonly ParseFileFormat[];
export type ParseFormat = ParseFileFormat;

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

/** Refuses an --output that is the --input file (by path or through a link): the gold file would be overwritten. */
function refuseOverwritingInput(input: string, output: string): void {
  if (isSameFile(input, output)) {
    throw new UsageError(`--output ${output} is the --input file${output === input ? '' : ` ${input} (the same file through another path or a link)`}; the predictions would overwrite it: write them to another file`);
  }
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
  refuseOverwritingInput(opts.input, opts.output);
  const text = readUserText(opts.input);
  const format = opts.format ?? guessFormat(opts.input, text);
  const predicted =
    format === 'conll' ? await predictConll(tagger, text, opts.input) : format === 'conllu' ? await predictConllu(tagger, text, opts.input) : await predictAbsa(tagger, text, opts.input);
  writeFileAtomic(opts.output, predicted.out);
  return predicted.result;
}

/** Tags raw text, one sentence per line: each line becomes `word/TAG` tokens; blank lines stay blank. */
export async function runPredictText(tagger: LoadedTagger, text: string): Promise<string> {
  const columns = tagger.requiredColumns;
  if (columns.length > 0) {
    const names = columns.map((c) => `"${c}"`).join(', ');
    throw new UsageError(
      `model ${tagger.dir} reads the input column${columns.length > 1 ? 's' : ''} ${names} besides the words (its selection has feature candidates), so it cannot tag raw text; ` +
        `tag a file that has ${columns.length > 1 ? 'them' : 'it'} instead: ace predict --model ${tagger.dir} --input FILE --output OUT (CoNLL columns: word, ${columns.join(', ')}, label)`,
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const words = lines.map((l) => tokenizeText(l).map((t) => t.text));
  const nonEmpty = words.map((w, i) => (w.length > 0 ? i : -1)).filter((i) => i >= 0);
  const tags = await predictSentences(tagger, nonEmpty.map((i) => ({ words: words[i] })));
  const byLine = new Map(nonEmpty.map((i, k) => [i, tags[k]]));
  return words.map((w, i) => w.map((word, j) => `${word}/${byLine.get(i)![j]}`).join(' ') + '\n').join('');
}

export interface ParseFileOptions {
  /** Input file; its layout is kept and only the predicted structure (HEAD/DEPREL, DEPS, SDP arcs) is replaced. */
  input: string;
  output: string;
  /** Guessed from the extension and header when absent (see guessParseFormat). */
  format?: ParseFormat;
}

export interface ParseFileResult {
  format: ParseFormat;
  sentences: number;
  tokens: number;
}

/** Words and input features only: the gold structure of a file to parse may be placeholders. */
function inputView(s: Sentence): Sentence {
  const v: Sentence = { words: s.words };
  if (s.id !== undefined) v.id = s.id;
  if (s.features !== undefined) v.features = s.features;
  return v;
}

const countWords = (sentences: readonly Sentence[]): number => sentences.reduce((a, s) => a + s.words.length, 0);

async function parseConlluFile(parser: LoadedParser, text: string, file: string): Promise<{ out: string; result: ParseFileResult }> {
  // Heads and DEPS of a file to parse may be placeholders, so neither is validated.
  const sentences = parseConllu(text, file, { validateTree: false, validateDeps: false });
  const views = sentences.map((s) => inputView(conlluToTree(s, file, { missingHeads: 'allow' })));
  const parses = await predictParses(parser, views);
  const out = serializeConllu(
    parses.kind === 'dependency'
      ? sentences.map((s, i) => conlluWithTree(s, parses.trees[i].heads, parses.trees[i].rels))
      : sentences.map((s, i) => conlluWithGraph(s, parses.graphs[i].arcs)),
  );
  return { out, result: { format: 'conllu', sentences: sentences.length, tokens: countWords(views) } };
}

async function parseSdpFile(parser: LoadedParser, text: string, file: string): Promise<{ out: string; result: ParseFileResult }> {
  if (parser.description.kind !== 'graph') throw new UsageError(`model ${parser.dir} is a dependency parser; SDP files take a graph model (task sdp)`);
  const sentences = parseSdp(text, file);
  const views = sentences.map((s) => inputView(sdpToGraph(s)));
  const parses = (await predictParses(parser, views)) as Extract<Parses, { kind: 'graph' }>;
  const out = serializeSdp(sentences.map((s, i) => sdpWithGraph(s, parses.graphs[i].arcs)));
  return { out, result: { format: 'sdp', sentences: sentences.length, tokens: countWords(views) } };
}

/** Parses `opts.input` and writes the same format to `opts.output` (atomically), ready for `ace eval --format conllu|sdp`. */
export async function runParseFile(parser: LoadedParser, opts: ParseFileOptions): Promise<ParseFileResult> {
  refuseOverwritingInput(opts.input, opts.output);
  const text = readUserText(opts.input);
  const format = opts.format ?? guessParseFormat(opts.input, text);
  const parsed = format === 'sdp' ? await parseSdpFile(parser, text, opts.input) : await parseConlluFile(parser, text, opts.input);
  writeFileAtomic(opts.output, parsed.out);
  return parsed.result;
}

/**
 * Parses raw text with a dependency model, one sentence per line, into CoNLL-U: `# sent_id` and `# text` comments,
 * then ID FORM _ _ _ _ HEAD DEPREL _ _ per word and a blank line. Blank lines of text give no sentence.
 */
export async function runParseText(parser: LoadedParser, text: string): Promise<string> {
  if (parser.description.kind !== 'dependency') throw new UsageError(`model ${parser.dir} is a graph parser; raw text takes a dependency model (task dep) — parse a CoNLL-U or SDP file with --input`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((line) => ({ line: line.trim(), words: tokenizeText(line).map((t) => t.text) }));
  const sentences = lines.filter((l) => l.words.length > 0);
  const parses = await predictParses(parser, sentences.map((l) => ({ words: l.words })));
  if (parses.kind !== 'dependency') throw new Error('a dependency model returned graphs');
  return sentences
    .map(({ line, words }, s) => {
      const tree = parses.trees[s];
      const rows = words.map((form, i) => [String(i + 1), form, '_', '_', '_', '_', String(tree.heads[i]), tree.rels[i], '_', '_'].join('\t'));
      return [`# sent_id = ${s + 1}`, `# text = ${line}`, ...rows, ''].join('\n') + '\n';
    })
    .join('');
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text;
}


interface PredictFlags {
  model: string;
  input?: string;
  output?: string;
  format?: PredictFormat | ParseFormat;
  text?: string;
  cacheDir?: string;
  backend?: string;
  threads?: string;
}

function backendOf(o: PredictFlags) {
  const threads = threadsFlag(o.threads);
  return getBackend(backendChoiceFromEnv(o.backend, process.env), threads !== undefined ? { threads } : {});
}

/** The --format a bundle kind reads, checked once the bundle's kind is known. */
function checkFormat<T extends string>(format: string | undefined, formats: readonly T[]): T | undefined {
  if (format !== undefined && !(formats as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${format}'`);
  return format as T | undefined;
}

async function predictWithTagger(o: PredictFlags): Promise<void> {
  const format = checkFormat(o.format, PREDICT_FORMATS);
  const backend = backendOf(o);
  const tagger = await loadTagger(o.model, { cacheDir: o.cacheDir ?? defaultCacheDir(), backend });
  try {
    if (o.input !== undefined) {
      const opts: PredictFileOptions = { input: o.input, output: o.output! };
      if (format !== undefined) opts.format = format;
      const r = await runPredictFile(tagger, opts);
      process.stderr.write(`tagged ${r.sentences} sentences, ${r.tokens} tokens (${r.format}${r.columns ? `: ${r.columns}` : ''}) → ${o.output}\n`);
    } else {
      process.stdout.write(await runPredictText(tagger, o.text ?? (await readStdin())));
    }
  } finally {
    await tagger.dispose();
  }
}

async function predictWithParser(o: PredictFlags): Promise<void> {
  const format = checkFormat(o.format, PARSE_FORMATS);
  const backend = backendOf(o);
  const parser = await loadParser(o.model, { cacheDir: o.cacheDir ?? defaultCacheDir(), backend });
  try {
    if (o.input !== undefined) {
      const opts: ParseFileOptions = { input: o.input, output: o.output! };
      if (format !== undefined) opts.format = format;
      const r = await runParseFile(parser, opts);
      process.stderr.write(`parsed ${r.sentences} sentences, ${r.tokens} words (${r.format}, ${parser.description.kind}) → ${o.output}\n`);
    } else {
      process.stdout.write(await runParseText(parser, o.text ?? (await readStdin())));
    }
  } finally {
    await parser.dispose();
  }
}

const ALL_FORMATS: readonly (PredictFormat | ParseFormat)[] = [...new Set([...PREDICT_FORMATS, ...PARSE_FORMATS])];

export function register(program: Command): void {
  program
    .command('predict')
    .description('tag or parse a file (written back in its own format, ready for the official scorer) or raw text with a trained model')
    .requiredOption('--model <dir>', 'model bundle directory (model.json + params.bin, e.g. a search\'s best checkpoint): a tagger or a parser')
    .option('--input <file>', 'file to tag: CoNLL columns (label last), CoNLL-U or SemEval ABSA XML; to parse: CoNLL-U or SDP 2015')
    .option('--output <file>', 'where to write the tagged or parsed file (required with --input)')
    .addOption(
      new Option('--format <format>', `taggers: ${PREDICT_FORMATS.join(' | ')}; parsers: ${PARSE_FORMATS.join(' | ')} (default: from the extension and content)`).argParser(
        oneOf('--format', ALL_FORMATS),
      ),
    )
    .option('--text <text>', 'raw text, one sentence per line (default without --input: standard input); a dependency model prints CoNLL-U')
    .option('--cache-dir <dir>', 'where frozen candidates find their weights (default: ACE_CACHE_DIR or ~/.cache/ace-ts)')
    .option('--backend <choice>', 'auto | native | js (default: ACE_BACKEND or auto)')
    .option('--threads <n>', "BLAS threads (default: BLAS's own)")
    .action(async (o: PredictFlags) => {
      if (o.input !== undefined && o.text !== undefined) throw new UsageError('give either --input or --text, not both');
      if (o.input !== undefined && o.output === undefined) throw new UsageError('--input needs --output');
      if (o.input === undefined && (o.output !== undefined || o.format !== undefined)) throw new UsageError('--output and --format apply to --input only');
      // Before the bundle loads, so the refusal is immediate.
      if (o.input !== undefined) refuseOverwritingInput(o.input, o.output!);
      // The bundle's kind (model.json `format`) decides which formats --format may name.
      await (isParserBundle(o.model) ? predictWithParser(o) : predictWithTagger(o));
    });
}
