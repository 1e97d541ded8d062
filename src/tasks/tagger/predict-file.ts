// Tagging a file (CoNLL columns, CoNLL-U, SemEval ABSA XML) or raw text with a loaded tagger: what `ace predict` does with a tagger bundle.
import { type ColumnRecord, columnToTagged, columnWithTags, parseColumns, serializeColumns } from '../../formats/conll-column.js';
import { guessColumnSpec, guessFormat, type TaggingFileFormat } from '../../formats/guess.js';
import { conlluToTagged, conlluWithTags, parseConllu, serializeConllu } from '../../formats/conllu.js';
import { absaWithTerms, parseAbsa, serializeAbsa, termsFromTags } from '../../formats/absa-xml.js';
import { convert } from '../../formats/tag-schemes.js';
import { tokenize, tokenizeText } from '../../formats/tokenize.js';
import type { Sentence } from '../../formats/types.js';
import { writeFileAtomic } from '../../util/atomic-fs.js';
import { UsageError } from '../../util/errors.js';
import { refuseOverwritingInput } from '../../util/same-file.js';
import { readUserText } from '../../util/user-file.js';
import { predictSentences, type LoadedTagger } from './load.js';

export const PREDICT_FORMATS = ['conll', 'conllu', 'absa'] as const satisfies readonly TaggingFileFormat[];
export type PredictFormat = TaggingFileFormat;

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
