// Splits a line-based file (string or stream) into blank-line-separated blocks that remember every byte of layout.
import { createReadStream } from 'node:fs';
import { InputError } from '../util/errors.js';

/** One physical line; `eol` is '\n', '\r\n' or '' (a last line without newline). */
export interface RawLine {
  text: string;
  eol: string;
}

/**
 * A maximal run of non-blank lines plus the layout around it. `after` holds the blank lines that follow it
 * (so the file's trailing blank lines stay with the last block); `before` and `bom` only appear on the first block.
 */
export interface Block {
  /** 1-based line number of the block's first line. */
  line: number;
  lines: string[];
  eols: string[];
  after: RawLine[];
  before?: RawLine[];
  bom?: boolean;
}

/** Layout of a block minus its content lines, kept by every record so writers can reproduce the file. */
export interface BlockLayout {
  eols: string[];
  after: RawLine[];
  before?: RawLine[];
  bom?: boolean;
}

export function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/** Splits text into physical lines keeping line ends; the first line of a non-empty file always exists. */
export function splitRawLines(text: string): RawLine[] {
  const out: RawLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      out.push({ text: text.slice(start), eol: '' });
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    out.push({ text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return out;
}

/** Streams a UTF-8 file as raw lines; the BOM, when present, is reported via `onBom` and removed. */
export async function* readRawLines(file: string, onBom?: () => void): AsyncGenerator<RawLine> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let rest = '';
  let first = true;
  for await (const chunk of stream as AsyncIterable<string>) {
    let text = rest + chunk;
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        onBom?.();
      }
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const cr = nl > start && text.charCodeAt(nl - 1) === 13;
      yield { text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' };
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) yield { text: rest, eol: '' };
}

/** Feeds raw lines in, gets finished blocks out; shared by the string and the streaming readers. */
export class BlockBuilder {
  private lineNo = 0;
  private current: Block | undefined;
  private pendingBefore: RawLine[] = [];
  private emitted = 0;
  private bom = false;

  constructor(readonly file: string) {}

  markBom(): void {
    this.bom = true;
  }

  /**
   * Adds one line; returns the previous block when this line starts a new one. `startsBlock(text)` lets a format
   * force a block boundary without a blank line (CoNLL `-DOCSTART-` lines).
   */
  push(raw: RawLine, startsBlock?: (text: string) => boolean): Block | undefined {
    this.lineNo++;
    if (isBlank(raw.text)) {
      if (this.current) this.current.after.push(raw);
      else this.pendingBefore.push(raw);
      return undefined;
    }
    const cur = this.current;
    if (cur && cur.after.length === 0 && !(startsBlock?.(raw.text) ?? false)) {
      cur.lines.push(raw.text);
      cur.eols.push(raw.eol);
      return undefined;
    }
    const next: Block = { line: this.lineNo, lines: [raw.text], eols: [raw.eol], after: [] };
    if (!cur) {
      if (this.pendingBefore.length > 0) next.before = this.pendingBefore;
      if (this.bom) next.bom = true;
      this.pendingBefore = [];
    }
    this.current = next;
    if (cur) this.emitted++;
    return cur;
  }

  /** Ends the input; returns the last block. An input without any non-blank line is an error naming the file. */
  finish(): Block | undefined {
    const cur = this.current;
    this.current = undefined;
    if (!cur && this.emitted === 0) throw new InputError(this.file, this.lineNo === 0 ? undefined : this.lineNo, this.lineNo === 0 ? 'empty file' : 'file has no content (only blank lines)');
    return cur;
  }
}

export function blocksOfText(text: string, file: string, startsBlock?: (t: string) => boolean): Block[] {
  const b = new BlockBuilder(file);
  if (text.charCodeAt(0) === 0xfeff) {
    b.markBom();
    text = text.slice(1);
  }
  const out: Block[] = [];
  for (const raw of splitRawLines(text)) {
    const done = b.push(raw, startsBlock);
    if (done) out.push(done);
  }
  const last = b.finish();
  if (last) out.push(last);
  return out;
}

export async function* blocksOfFile(file: string, startsBlock?: (t: string) => boolean): AsyncGenerator<Block> {
  const b = new BlockBuilder(file);
  for await (const raw of readRawLines(file, () => b.markBom())) {
    const done = b.push(raw, startsBlock);
    if (done) yield done;
  }
  const last = b.finish();
  if (last) yield last;
}

export function layoutOf(block: Block): BlockLayout {
  const l: BlockLayout = { eols: block.eols, after: block.after };
  if (block.before) l.before = block.before;
  if (block.bom) l.bom = true;
  return l;
}

/** A fresh layout for a record built by the program: LF line ends, one blank line after. */
export function defaultLayout(lineCount: number): BlockLayout {
  return { eols: new Array<string>(lineCount).fill('\n'), after: [{ text: '', eol: '\n' }] };
}

/** Writes content lines with the layout; when the line count changed, the first line end is reused. */
export function renderBlock(lines: readonly string[], layout: BlockLayout): string {
  let s = layout.bom ? '\uFEFF' : '';
  for (const r of layout.before ?? []) s += r.text + r.eol;
  const fallback = layout.eols.length > 0 ? layout.eols[0] || '\n' : '\n';
  for (let i = 0; i < lines.length; i++) {
    const eol = lines.length === layout.eols.length ? layout.eols[i] : i === lines.length - 1 && layout.eols[layout.eols.length - 1] === '' ? '' : fallback;
    s += lines[i] + eol;
  }
  for (const r of layout.after) s += r.text + r.eol;
  return s;
}
