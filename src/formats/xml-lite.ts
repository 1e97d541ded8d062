// A small XML reader/writer that keeps every byte of layout (for faithful ABSA round trips); no DTDs, no namespaces.
import { InputError } from '../util/errors.js';

export interface XmlAttr {
  name: string;
  /** Decoded value. */
  value: string;
  /** Value as written between the quotes; reused when `value` is unchanged. */
  raw: string;
  /** Whitespace before the attribute name. */
  pre: string;
  /** The `=` with any surrounding whitespace. */
  eq: string;
  quote: '"' | "'";
}

export interface XmlElement {
  type: 'element';
  name: string;
  attrs: XmlAttr[];
  /** Whitespace between the last attribute and `>` or `/>`. */
  openEnd: string;
  selfClosing: boolean;
  children: XmlNode[];
  /** The end tag as written (`</name>`, possibly with inner whitespace); '' when self-closing. */
  closeRaw: string;
  /** 1-based line of the start tag. */
  line: number;
}

export interface XmlText {
  type: 'text';
  value: string;
  raw: string;
}

/** Declarations, comments, processing instructions, CDATA: kept verbatim. */
export interface XmlOther {
  type: 'other';
  raw: string;
}

export type XmlNode = XmlElement | XmlText | XmlOther;

/** Thrown (internally) when the input ends inside a construct and more may come (streaming). */
export class XmlIncomplete extends Error {}

const NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

export function decodeEntities(raw: string, file: string, line: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new InputError(file, line, `bare '&' (unterminated entity '${m.slice(0, 12)}')`);
    if (body in NAMED) return NAMED[body];
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(body);
    if (num) return String.fromCodePoint(num[1][0] === 'x' ? parseInt(num[1].slice(1), 16) : parseInt(num[1], 10));
    throw new InputError(file, line, `unknown entity '&${body};'`);
  });
}

export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Pull reader over a string; `final` false makes running out of input throw XmlIncomplete instead of an error. */
export class XmlReader {
  pos = 0;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly final: boolean,
    /** Line number of text[0]. */
    readonly firstLine = 1,
  ) {}

  private newlines: number[] | undefined;

  /** Line of an offset, by binary search over newline positions (computed once). */
  lineAt(pos: number): number {
    if (!this.newlines) {
      this.newlines = [];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) this.newlines.push(i);
    }
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return this.firstLine + lo;
  }

  private eof(what: string, at: number): never {
    if (!this.final) throw new XmlIncomplete();
    throw new InputError(this.file, this.lineAt(at), `unterminated XML: input ends inside ${what}`);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** True when the next thing is an end tag. */
  atEndTag(): boolean {
    return this.text.startsWith('</', this.pos);
  }

  /** Reads a text, comment/PI/declaration, or a whole element. */
  readNode(): XmlNode {
    const t = this.text;
    const start = this.pos;
    if (t[start] !== '<') {
      const lt = t.indexOf('<', start);
      const end = lt < 0 ? t.length : lt;
      if (lt < 0 && !this.final) throw new XmlIncomplete();
      this.pos = end;
      const raw = t.slice(start, end);
      return { type: 'text', raw, value: decodeEntities(raw, this.file, this.lineAt(start)) };
    }
    for (const [open, close] of [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>'], ['<!', '>']] as const) {
      if (t.startsWith(open, start)) {
        const e = t.indexOf(close, start + open.length);
        if (e < 0) this.eof(`'${open}'`, start);
        this.pos = e + close.length;
        return { type: 'other', raw: t.slice(start, this.pos) };
      }
    }
    if (t.startsWith('</', start)) throw new InputError(this.file, this.lineAt(start), `unexpected end tag '${t.slice(start, t.indexOf('>', start) + 1 || start + 20)}'`);
    const el = this.readOpenTag();
    if (el.selfClosing) return el;
    while (!this.atEndTag()) {
      if (this.atEnd()) this.eof(`element <${el.name}> opened at line ${el.line}`, start);
      el.children.push(this.readNode());
    }
    this.readCloseTag(el);
    return el;
  }

  /** Reads `<name attrs...>` or `<name .../>` (children not read). */
  readOpenTag(): XmlElement {
    const t = this.text;
    const start = this.pos;
    const line = this.lineAt(start);
    const m = /^<([A-Za-z_][\w.:-]*)/.exec(t.slice(start, start + 200));
    if (!m) {
      if (start + 1 >= t.length) this.eof('a start tag', start);
      throw new InputError(this.file, line, `expected a start tag, found '${t.slice(start, start + 20)}'`);
    }
    let p = start + m[0].length;
    const attrs: XmlAttr[] = [];
    for (;;) {
      const ws = /^\s*/.exec(t.slice(p, p + 1000))![0];
      const q = p + ws.length;
      if (q >= t.length) this.eof(`start tag <${m[1]}>`, start);
      if (t[q] === '>' || t.startsWith('/>', q)) {
        const selfClosing = t[q] === '/';
        if (selfClosing && q + 1 >= t.length) this.eof(`start tag <${m[1]}>`, start);
        this.pos = q + (selfClosing ? 2 : 1);
        return { type: 'element', name: m[1], attrs, openEnd: ws, selfClosing, children: [], closeRaw: '', line };
      }
      const a = /^([A-Za-z_][\w.:-]*)(\s*=\s*)(["'])/.exec(t.slice(q, q + 1000));
      if (!a || ws.length === 0) {
        if (!a && q + 1000 > t.length && !this.final && !/[>]/.test(t.slice(q))) throw new XmlIncomplete();
        throw new InputError(this.file, this.lineAt(q), `malformed attribute in <${m[1]}> near '${t.slice(q, q + 20)}'`);
      }
      const quote = a[3] as '"' | "'";
      const vs = q + a[0].length;
      const ve = t.indexOf(quote, vs);
      if (ve < 0) this.eof(`attribute ${a[1]} of <${m[1]}>`, start);
      const raw = t.slice(vs, ve);
      if (raw.includes('<')) throw new InputError(this.file, this.lineAt(vs), `'<' inside attribute ${a[1]} of <${m[1]}>`);
      attrs.push({ name: a[1], value: decodeEntities(raw, this.file, this.lineAt(vs)), raw, pre: ws, eq: a[2], quote });
      p = ve + 1;
    }
  }

  readCloseTag(el: XmlElement): void {
    const t = this.text;
    const e = t.indexOf('>', this.pos);
    if (e < 0) this.eof(`end tag of <${el.name}>`, this.pos);
    const raw = t.slice(this.pos, e + 1);
    if (!new RegExp(`^</${el.name.replace(/[.]/g, '\\.')}\\s*>$`).test(raw)) {
      throw new InputError(this.file, this.lineAt(this.pos), `end tag '${raw}' does not match <${el.name}> opened at line ${el.line}`);
    }
    el.closeRaw = raw;
    this.pos = e + 1;
  }
}

export function attr(el: XmlElement, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

export function serializeNode(n: XmlNode): string {
  if (n.type === 'other') return n.raw;
  if (n.type === 'text') return decodeSafe(n.raw) === n.value ? n.raw : escapeText(n.value);
  let s = `<${n.name}`;
  for (const a of n.attrs) {
    const raw = decodeSafe(a.raw) === a.value ? a.raw : escapeAttr(a.value);
    s += `${a.pre}${a.name}${a.eq}${a.quote}${a.quote === "'" ? raw.replace(/'/g, '&apos;') : raw}${a.quote}`;
  }
  if (n.selfClosing) return `${s}${n.openEnd}/>`;
  s += `${n.openEnd}>`;
  for (const c of n.children) s += serializeNode(c);
  return s + (n.closeRaw || `</${n.name}>`);
}

function decodeSafe(raw: string): string | undefined {
  try {
    return decodeEntities(raw, '', 0);
  } catch {
    return undefined;
  }
}
