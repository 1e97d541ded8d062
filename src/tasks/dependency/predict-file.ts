// Parsing a file (CoNLL-U, SDP 2015) or raw text with a loaded parser: what `ace predict` does with a parser bundle.
import { guessParseFormat, type ParseFileFormat } from '../../formats/guess.js';
import { conlluToTree, conlluWithGraph, conlluWithTree, parseConllu, serializeConllu } from '../../formats/conllu.js';
import { parseSdp, sdpToGraph, sdpWithGraph, serializeSdp } from '../../formats/sdp.js';
import { tokenizeText } from '../../formats/tokenize.js';
import type { Sentence } from '../../formats/types.js';
import { writeFileAtomic } from '../../util/atomic-fs.js';
import { UsageError } from '../../util/errors.js';
import { refuseOverwritingInput } from '../../util/same-file.js';
import { readUserText } from '../../util/user-file.js';
import { predictParses, type LoadedParser, type Parses } from './load.js';

/** The files a parser bundle reads and writes back: CoNLL-U (HEAD/DEPREL for trees, DEPS for graphs) or SDP 2015 (graphs). */
export const PARSE_FORMATS = ['conllu', 'sdp'] as const satisfies readonly ParseFileFormat[];
export type ParseFormat = ParseFileFormat;

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
