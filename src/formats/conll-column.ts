// CoNLL column files (CoNLL-2000/2002/2003, token/tag pairs): read, write byte-exactly, convert to TaggedSentence.
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { type Block, type BlockLayout, blocksOfFile, blocksOfText, defaultLayout, layoutOf, renderBlock } from './blocks.js';
import type { TaggedSentence } from './types.js';
import type { TagScheme } from './tag-schemes.js';

/** Which column holds what; the first column is always the word. */
export interface ColumnSpec {
  name: string;
  columns: readonly string[];
  /** Tag scheme of the label columns (informational; converters take it from here). */
  scheme?: TagScheme;
  /** Accept `-DOCSTART-` lines as document boundaries (kept as their own records). */
  docstart: boolean;
}

export const CONLL2003: ColumnSpec = Object.freeze({ name: 'conll2003', columns: Object.freeze(['word', 'pos', 'chunk', 'ner']), scheme: 'IOB1', docstart: true });
export const CONLL2000: ColumnSpec = Object.freeze({ name: 'conll2000', columns: Object.freeze(['word', 'pos', 'chunk']), scheme: 'IOB2', docstart: false });
/** CoNLL-2002 Dutch (word, POS, NER) and Spanish (word, NER); both IOB2 with optional -DOCSTART- lines. */
export const CONLL2002_NED: ColumnSpec = Object.freeze({ name: 'conll2002-ned', columns: Object.freeze(['word', 'pos', 'ner']), scheme: 'IOB2', docstart: true });
export const CONLL2002_ESP: ColumnSpec = Object.freeze({ name: 'conll2002-esp', columns: Object.freeze(['word', 'ner']), scheme: 'IOB2', docstart: true });
/** Two columns, token and tag, separated by a tab or spaces. */
export const TOKEN_TAG: ColumnSpec = Object.freeze({ name: 'token-tag', columns: Object.freeze(['word', 'tag']), docstart: false });

/** Column record: a sentence, or a `-DOCSTART-` line kept as a document boundary. */
export interface ColumnRecord {
  kind: 'sentence' | 'docstart';
  /** 1-based line of the first token (for messages). */
  line: number;
  /** One row of cells per token. */
  cells: string[][];
  /** Separator written between cells ('' never occurs: a single space or tab). */
  sep: string;
  /** Per-line whitespace pieces [leading, sep1.., trailing] when a line differs from the uniform `sep` layout. */
  ws?: (string[] | undefined)[];
  layout: BlockLayout;
}

const DOCSTART = '-DOCSTART-';

function isDocstart(spec: ColumnSpec, text: string): boolean {
  return spec.docstart && text.trimStart().startsWith(DOCSTART) && /^[ \t]*-DOCSTART-([ \t]|$)/.test(text);
}

/** A docstart line always stands alone, so a block boundary is forced before and after it. */
function splitDocstarts(spec: ColumnSpec, block: Block): Block[] {
  if (!spec.docstart || block.lines.length === 1) return [block];
  const out: Block[] = [];
  let start = 0;
  const emit = (end: number, after: Block['after']): void => {
    if (end <= start) return;
    const b: Block = { line: block.line + start, lines: block.lines.slice(start, end), eols: block.eols.slice(start, end), after };
    if (start === 0 && block.before) b.before = block.before;
    if (start === 0 && block.bom) b.bom = true;
    out.push(b);
    start = end;
  };
  for (let i = 0; i < block.lines.length; i++) {
    if (isDocstart(spec, block.lines[i])) {
      emit(i, []);
      emit(i + 1, i + 1 === block.lines.length ? block.after : []);
    }
  }
  emit(block.lines.length, block.after);
  return out;
}

function recordOf(spec: ColumnSpec, block: Block, file: string): ColumnRecord {
  const cells: string[][] = [];
  const first = block.lines[0];
  const sep = /[ \t]/.exec(first.trim())?.[0] ?? ' ';
  let ws: (string[] | undefined)[] | undefined;
  for (let i = 0; i < block.lines.length; i++) {
    const text = block.lines[i];
    // Fast path: cells separated by exactly one `sep` (the published files); anything else keeps its whitespace.
    let row = text.split(sep);
    let odd: string[] | undefined;
    for (const c of row) {
      if (c.length === 0 || c.includes(' ') || c.includes('\t')) {
        row = text.split(/[ \t]+/).filter((x) => x.length > 0);
        odd = text.split(/[^ \t]+/);
        break;
      }
    }
    if (row.length !== spec.columns.length) {
      throw new InputError(file, block.line + i, `expected ${spec.columns.length} columns (${spec.columns.join(' ')}) for ${spec.name}, found ${row.length}`);
    }
    cells.push(row);
    if (odd) {
      ws ??= new Array<string[] | undefined>(block.lines.length).fill(undefined);
      ws[i] = odd;
    }
  }
  const rec: ColumnRecord = { kind: isDocstart(spec, first) ? 'docstart' : 'sentence', line: block.line, cells, sep, layout: layoutOf(block) };
  if (ws) rec.ws = ws;
  return rec;
}

export function parseColumns(text: string, spec: ColumnSpec, file = '<string>'): ColumnRecord[] {
  const out: ColumnRecord[] = [];
  for (const b of blocksOfText(text, file, (t) => isDocstart(spec, t))) for (const s of splitDocstarts(spec, b)) out.push(recordOf(spec, s, file));
  return out;
}

/** Streams a column file record by record. */
export async function* readColumns(file: string, spec: ColumnSpec): AsyncGenerator<ColumnRecord> {
  for await (const b of blocksOfFile(file, (t) => isDocstart(spec, t))) for (const s of splitDocstarts(spec, b)) yield recordOf(spec, s, file);
}

export function serializeColumnRecord(rec: ColumnRecord): string {
  const lines = rec.cells.map((row, i) => {
    const p = rec.ws?.[i];
    if (p && p.length === row.length + 1) {
      let s = p[0];
      for (let j = 0; j < row.length; j++) s += row[j] + p[j + 1];
      return s;
    }
    return row.join(rec.sep);
  });
  return renderBlock(lines, rec.layout);
}

export function serializeColumns(records: Iterable<ColumnRecord>): string {
  let s = '';
  for (const r of records) s += serializeColumnRecord(r);
  return s;
}

export function writeColumns(file: string, records: Iterable<ColumnRecord>): void {
  writeFileAtomic(file, serializeColumns(records));
}

function columnIndex(spec: ColumnSpec, column: string): number {
  const i = spec.columns.indexOf(column);
  if (i < 0) throw new RangeError(`${spec.name} has no column '${column}' (columns: ${spec.columns.join(', ')})`);
  return i;
}

/** Tagging view: `label` column becomes `tags`, every other non-word column a feature. Docstart records have no view. */
export function columnToTagged(rec: ColumnRecord, spec: ColumnSpec, label: string): TaggedSentence {
  const li = columnIndex(spec, label);
  const features: Record<string, string[]> = {};
  for (let c = 1; c < spec.columns.length; c++) if (c !== li) features[spec.columns[c]] = rec.cells.map((r) => r[c]);
  return { words: rec.cells.map((r) => r[0]), tags: rec.cells.map((r) => r[li]), features };
}

/** Puts predicted tags into the `label` column of a copy of the record (layout kept), for a prediction file. */
export function columnWithTags(rec: ColumnRecord, spec: ColumnSpec, label: string, tags: readonly string[]): ColumnRecord {
  const li = columnIndex(spec, label);
  if (tags.length !== rec.cells.length) throw new RangeError(`${tags.length} tags for a sentence of ${rec.cells.length} tokens (line ${rec.line})`);
  return { ...rec, cells: rec.cells.map((r, i) => r.map((c, j) => (j === li ? tags[i] : c))) };
}

/** Builds a record from a TaggedSentence (features by column name), LF line ends and a blank line after. */
export function columnFromTagged(s: TaggedSentence, spec: ColumnSpec, label: string, sep = ' '): ColumnRecord {
  const li = columnIndex(spec, label);
  const cells = s.words.map((w, i) =>
    spec.columns.map((name, c) => {
      if (c === 0) return w;
      if (c === li) return s.tags[i];
      const f = s.features?.[name];
      if (!f) throw new RangeError(`sentence lacks feature '${name}' needed by ${spec.name}`);
      return f[i];
    }),
  );
  return { kind: 'sentence', line: 0, cells, sep, layout: defaultLayout(cells.length) };
}

/** Token count of sentence records (docstart lines excluded, as the CoNLL statistics do). */
export function countColumnTokens(records: Iterable<ColumnRecord>): { sentences: number; tokens: number; documents: number } {
  let sentences = 0;
  let tokens = 0;
  let documents = 0;
  for (const r of records) {
    if (r.kind === 'docstart') documents++;
    else {
      sentences++;
      tokens += r.cells.length;
    }
  }
  return { sentences, tokens, documents };
}
