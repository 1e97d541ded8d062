// SDP 2015 semantic dependency files (.sdp): read, write byte-exactly, convert to GraphSentence and back.
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { type Block, type BlockLayout, blocksOfFile, blocksOfText, layoutOf, renderBlock } from './blocks.js';
import type { GraphArc, GraphSentence } from './types.js';

/**
 * Label of the virtual top arcs: a word with TOP `+` becomes an arc from head 0 labelled 'root' (the label UD uses
 * for its root arcs, so one graph decoder serves both). The SDP scorer reports F1 with and without these arcs.
 */
export const SDP_TOP_LABEL = 'root';

export interface SdpSentence {
  /** Text after '#' on the id line (e.g. '20001001'). */
  id: string;
  line: number;
  /** The '#SDP 2015' header line, when this is the file's first sentence. */
  header?: string;
  /** Rows of cells: ID FORM LEMMA POS TOP PRED FRAME ARG1..ARGn. */
  rows: string[][];
  layout: BlockLayout;
}

function sentenceOf(block: Block, file: string, first: boolean): SdpSentence {
  let k = 0;
  let header: string | undefined;
  if (first) {
    if (!/^#SDP 201[45]$/.test(block.lines[0])) throw new InputError(file, block.line, `expected the '#SDP 2015' header line, found '${block.lines[0].slice(0, 40)}'`);
    header = block.lines[0];
    k = 1;
  }
  const idLine = block.lines[k];
  if (idLine === undefined || !idLine.startsWith('#')) throw new InputError(file, block.line + k, 'expected a #<sentence id> line');
  const id = idLine.slice(1);
  const rows: string[][] = [];
  for (let i = k + 1; i < block.lines.length; i++) {
    const ln = block.line + i;
    const cells = block.lines[i].split('\t');
    if (cells.length < 7) throw new InputError(file, ln, `expected at least 7 tab-separated columns (ID FORM LEMMA POS TOP PRED FRAME), found ${cells.length}`);
    if (cells[0] !== String(rows.length + 1)) throw new InputError(file, ln, `token id '${cells[0]}' out of sequence (expected ${rows.length + 1})`);
    if (!/^[+-]$/.test(cells[4]) || !/^[+-]$/.test(cells[5])) throw new InputError(file, ln, `TOP and PRED must be '+' or '-', found '${cells[4]}' '${cells[5]}'`);
    rows.push(cells);
  }
  if (rows.length === 0) throw new InputError(file, block.line, `sentence #${id} has no tokens`);
  const preds = rows.filter((r) => r[5] === '+').length;
  rows.forEach((r, i) => {
    if (r.length !== 7 + preds) throw new InputError(file, block.line + k + 1 + i, `sentence #${id} has ${preds} predicates, so ${7 + preds} columns are expected; found ${r.length}`);
  });
  const s: SdpSentence = { id, line: block.line, rows, layout: layoutOf(block) };
  if (header !== undefined) s.header = header;
  return s;
}

export function parseSdp(text: string, file = '<string>'): SdpSentence[] {
  return blocksOfText(text, file).map((b, i) => sentenceOf(b, file, i === 0));
}

export async function* readSdp(file: string): AsyncGenerator<SdpSentence> {
  let first = true;
  for await (const b of blocksOfFile(file)) {
    yield sentenceOf(b, file, first);
    first = false;
  }
}

export function serializeSdpSentence(s: SdpSentence): string {
  const lines = [...(s.header !== undefined ? [s.header] : []), `#${s.id}`, ...s.rows.map((r) => r.join('\t'))];
  return renderBlock(lines, s.layout);
}

export function serializeSdp(sentences: Iterable<SdpSentence>): string {
  let out = '';
  for (const s of sentences) out += serializeSdpSentence(s);
  return out;
}

export function writeSdp(file: string, sentences: Iterable<SdpSentence>): void {
  writeFileAtomic(file, serializeSdp(sentences));
}

/** Graph view: arc head = predicate word, dep = argument word; TOP words get a head-0 arc labelled SDP_TOP_LABEL. */
export function sdpToGraph(s: SdpSentence): GraphSentence {
  const preds = s.rows.flatMap((r, i) => (r[5] === '+' ? [i + 1] : []));
  const arcs: GraphArc[] = [];
  s.rows.forEach((r, i) => {
    if (r[4] === '+') arcs.push({ dep: i + 1, head: 0, label: SDP_TOP_LABEL });
  });
  s.rows.forEach((r, i) => {
    for (let k = 0; k < preds.length; k++) if (r[7 + k] !== '_') arcs.push({ dep: i + 1, head: preds[k], label: r[7 + k] });
  });
  return {
    id: s.id,
    words: s.rows.map((r) => r[1]),
    features: { lemma: s.rows.map((r) => r[2]), pos: s.rows.map((r) => r[3]) },
    arcs,
  };
}

/**
 * Copy with predicted arcs: TOP from head-0 arcs, PRED `+` for every word heading an arc, one argument column per
 * predicate. A gold predicate without arguments therefore becomes `-` (the graph cannot tell it apart); FRAME is kept.
 */
export function sdpWithGraph(s: SdpSentence, arcs: readonly GraphArc[]): SdpSentence {
  const n = s.rows.length;
  const isPred = new Array<boolean>(n + 1).fill(false);
  const top = new Array<boolean>(n + 1).fill(false);
  for (const a of arcs) {
    if (a.dep < 1 || a.dep > n || a.head < 0 || a.head > n) throw new RangeError(`arc ${a.head}→${a.dep} outside sentence #${s.id} of ${n} words`);
    if (a.head === 0) top[a.dep] = true;
    else isPred[a.head] = true;
  }
  const preds = isPred.flatMap((p, i) => (p ? [i] : []));
  const col = new Map(preds.map((p, k) => [p, k]));
  const rows = s.rows.map((r, i) => {
    const row = [r[0], r[1], r[2], r[3], top[i + 1] ? '+' : '-', isPred[i + 1] ? '+' : '-', r[6]];
    for (let k = 0; k < preds.length; k++) row.push('_');
    return row;
  });
  for (const a of arcs) {
    if (a.head === 0) continue;
    const cell = 7 + col.get(a.head)!;
    if (rows[a.dep - 1][cell] !== '_') throw new RangeError(`two arcs ${a.head}→${a.dep} in sentence #${s.id}`);
    rows[a.dep - 1][cell] = a.label;
  }
  return { ...s, rows };
}

export function countSdp(sentences: Iterable<SdpSentence>): { sentences: number; tokens: number; arcs: number; tops: number } {
  let n = 0;
  let tokens = 0;
  let arcs = 0;
  let tops = 0;
  for (const s of sentences) {
    n++;
    tokens += s.rows.length;
    for (const r of s.rows) {
      if (r[4] === '+') tops++;
      for (let k = 7; k < r.length; k++) if (r[k] !== '_') arcs++;
    }
  }
  return { sentences: n, tokens, arcs, tops };
}
