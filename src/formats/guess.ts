// Which format and column layout a user's file is in, from its extension and first lines (predict and train share it).
import { extname } from 'node:path';
import { InputError } from '../util/errors.js';
import { CONLL2000, CONLL2003, TOKEN_TAG, type ColumnSpec } from './conll-column.js';

/** Files a tagger reads: CoNLL columns (label last), CoNLL-U, SemEval ABSA XML. */
export type TaggingFileFormat = 'conll' | 'conllu' | 'absa';
/** Files a parser reads: CoNLL-U, SDP 2015. */
export type ParseFileFormat = 'conllu' | 'sdp';

/** The first line that is neither blank nor a `-DOCSTART-` marker, with its 1-based number. */
export function firstTokenLine(text: string): { line: string; at: number } | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() !== '' && !/^[ \t]*-DOCSTART-([ \t]|$)/.test(l));
  return at < 0 ? undefined : { line: lines[at], at: at + 1 };
}

/** .conllu → conllu, .xml → absa; otherwise an XML start → absa, a comment or a 10-column numbered line → conllu, else conll. */
export function guessFormat(file: string, text: string): TaggingFileFormat {
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

/** .sdp, or a file opening with the '#SDP 2015' header → sdp; anything else → conllu. */
export function guessParseFormat(file: string, text: string): ParseFileFormat {
  if (extname(file).toLowerCase() === '.sdp') return 'sdp';
  return /^#SDP 201[45]\s*$/.test(text.replace(/^\uFEFF/, '').split('\n', 1)[0]) ? 'sdp' : 'conllu';
}
