// SemEval-2014 ABSA XML: read (streaming), write byte-exactly, BIO tagging view over our tokenizer, predicted terms back.
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { readRawLines } from './blocks.js';
import { convert, spansOf, tagsOf, type TagScheme } from './tag-schemes.js';
import { tokenize } from './tokenize.js';
import type { TaggedSentence } from './types.js';
import { type XmlElement, type XmlNode, XmlIncomplete, XmlReader, attr, serializeNode } from './xml-lite.js';

/** Span type written into BIO tags for aspect terms. */
export const ASPECT_TYPE = 'ASP';

export interface AbsaTerm {
  term: string;
  /** Gold polarity; predicted terms have none, and the writer then omits the attribute. */
  polarity?: string;
  from: number;
  to: number;
}

export interface AbsaCategory {
  category: string;
  polarity?: string;
}

export interface AbsaSentence {
  id: string;
  /** Line of the `<sentence>` start tag. */
  line: number;
  text: string;
  /** Undefined when the sentence has no `<aspectTerms>` element. */
  terms?: AbsaTerm[];
  categories?: AbsaCategory[];
  /** Raw text before the element (the XML declaration and `<sentences>` for the first sentence). */
  before: string;
  /** Raw text after the last sentence's element (`</sentences>` and the final newline). */
  after?: string;
  /** The parsed element, layout included, from which the writer reproduces the bytes. */
  element: XmlElement;
}

function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === 'element' && c.name === name);
}

function intAttr(el: XmlElement, name: string, file: string, where: string): number {
  const v = attr(el, name);
  if (v === undefined || !/^-?[0-9]+$/.test(v)) throw new InputError(file, el.line, `${where}: attribute ${name} must be an integer, found ${v === undefined ? 'nothing' : `'${v}'`}`);
  return Number(v);
}

function sentenceOf(el: XmlElement, file: string, before: string): AbsaSentence {
  if (el.name !== 'sentence') throw new InputError(file, el.line, `expected <sentence>, found <${el.name}>`);
  const id = attr(el, 'id');
  if (id === undefined) throw new InputError(file, el.line, '<sentence> without an id attribute');
  const texts = children(el, 'text');
  if (texts.length !== 1) throw new InputError(file, el.line, `sentence ${id}: expected one <text>, found ${texts.length}`);
  const textEl = texts[0];
  if (textEl.children.some((c) => c.type === 'element')) throw new InputError(file, textEl.line, `sentence ${id}: markup inside <text>`);
  const text = textEl.children.map((c) => (c.type === 'text' ? c.value : '')).join('');
  const s: AbsaSentence = { id, line: el.line, text, before, element: el };
  const termsEls = children(el, 'aspectTerms');
  if (termsEls.length > 1) throw new InputError(file, termsEls[1].line, `sentence ${id}: more than one <aspectTerms>`);
  if (termsEls.length === 1) {
    s.terms = children(termsEls[0], 'aspectTerm').map((t) => {
      const where = `sentence ${id}`;
      const term = attr(t, 'term');
      if (term === undefined) throw new InputError(file, t.line, `${where}: <aspectTerm> without a term attribute`);
      const from = intAttr(t, 'from', file, where);
      const to = intAttr(t, 'to', file, where);
      if (from < 0 || to < from || to > text.length) throw new InputError(file, t.line, `${where}: offsets ${from}-${to} of '${term}' lie outside the text (length ${text.length})`);
      if (text.slice(from, to) !== term) throw new InputError(file, t.line, `${where}: term '${term}' does not match the text at ${from}-${to} ('${text.slice(from, to)}')`);
      const out: AbsaTerm = { term, from, to };
      const pol = attr(t, 'polarity');
      if (pol !== undefined) out.polarity = pol;
      return out;
    });
  }
  const catEls = children(el, 'aspectCategories');
  if (catEls.length === 1) {
    s.categories = children(catEls[0], 'aspectCategory').map((c) => {
      const category = attr(c, 'category');
      if (category === undefined) throw new InputError(file, c.line, `sentence ${id}: <aspectCategory> without a category attribute`);
      const out: AbsaCategory = { category };
      const pol = attr(c, 'polarity');
      if (pol !== undefined) out.polarity = pol;
      return out;
    });
  }
  return s;
}

/** Incremental parser: feed text, get finished sentences. The last sentence is held back until the end is known. */
class AbsaParser {
  private buf = '';
  private line = 1;
  private state: 'head' | 'body' | 'done' = 'head';
  private before = '';
  private held: AbsaSentence | undefined;
  private count = 0;

  constructor(private readonly file: string) {}

  feed(chunk: string, final: boolean): AbsaSentence[] {
    this.buf += chunk;
    const out: AbsaSentence[] = [];
    const r = new XmlReader(this.buf, this.file, final, this.line);
    let done = 0;
    const commit = (): void => {
      done = r.pos;
    };
    try {
      if (this.state === 'head') {
        for (;;) {
          if (r.atEnd()) throw final ? new InputError(this.file, r.lineAt(r.pos), 'unterminated XML: no <sentences> root element') : new XmlIncomplete();
          if (this.buf[r.pos] === '<' && /[A-Za-z_]/.test(this.buf[r.pos + 1] ?? '')) break;
          if (this.buf[r.pos] === '<' && r.pos + 1 >= this.buf.length && !final) throw new XmlIncomplete();
          const n = r.readNode();
          if (n.type === 'text' && n.value.replace(/^\uFEFF/, '').trim() !== '') throw new InputError(this.file, r.lineAt(r.pos), 'text before the root element');
        }
        const root = r.readOpenTag();
        if (root.name !== 'sentences' || root.selfClosing) throw new InputError(this.file, root.line, `expected the root element <sentences>, found <${root.name}${root.selfClosing ? '/' : ''}>`);
        this.before = this.buf.slice(0, r.pos);
        this.state = 'body';
        commit();
      }
      if (this.state === 'body') {
        for (;;) {
          if (r.atEnd()) {
            if (final) throw new InputError(this.file, r.lineAt(r.pos), 'unterminated XML: input ends before </sentences>');
            break;
          }
          if (r.atEndTag()) {
            const root: XmlElement = { type: 'element', name: 'sentences', attrs: [], openEnd: '', selfClosing: false, children: [], closeRaw: '', line: 0 };
            const at = r.pos;
            r.readCloseTag(root);
            this.before += this.buf.slice(at, r.pos);
            this.state = 'done';
            commit();
            break;
          }
          const start = r.pos;
          const n: XmlNode = r.readNode();
          if (n.type === 'element') {
            if (this.held) out.push(this.held);
            this.held = sentenceOf(n, this.file, this.before);
            this.count++;
            this.before = '';
          } else {
            if (n.type === 'text' && n.value.trim() !== '') throw new InputError(this.file, r.lineAt(start), `text '${n.value.trim().slice(0, 20)}' between sentences`);
            this.before += this.buf.slice(start, r.pos);
          }
          commit();
        }
      }
      if (this.state === 'done') {
        while (!r.atEnd()) {
          const start = r.pos;
          const n = r.readNode();
          if (n.type === 'element' || (n.type === 'text' && n.value.trim() !== '')) throw new InputError(this.file, r.lineAt(start), 'content after the root element');
          this.before += this.buf.slice(start, r.pos);
          commit();
        }
      }
    } catch (e) {
      if (!(e instanceof XmlIncomplete)) throw e;
    }
    for (let i = 0; i < done; i++) if (this.buf.charCodeAt(i) === 10) this.line++;
    this.buf = this.buf.slice(done);
    if (final) {
      if (!this.held) throw new InputError(this.file, undefined, 'no <sentence> elements');
      if (this.before !== '') this.held.after = this.before;
      out.push(this.held);
      this.held = undefined;
    }
    return out;
  }
}

function checkNotEmpty(text: string, file: string): string {
  if (text.length === 0) throw new InputError(file, undefined, 'empty file');
  return text;
}

export function parseAbsa(text: string, file = '<string>'): AbsaSentence[] {
  checkNotEmpty(text, file);
  return new AbsaParser(file).feed(text, true);
}

/** Streams sentences, reading the file line by line. */
export async function* readAbsa(file: string): AsyncGenerator<AbsaSentence> {
  const p = new AbsaParser(file);
  let any = false;
  for await (const raw of readRawLines(file, () => p.feed('\uFEFF', false))) {
    any = true;
    yield* p.feed(raw.text + raw.eol, false);
  }
  if (!any) throw new InputError(file, undefined, 'empty file');
  yield* p.feed('', true);
}

export function serializeAbsaSentence(s: AbsaSentence): string {
  return s.before + serializeNode(s.element) + (s.after ?? '');
}

export function serializeAbsa(sentences: Iterable<AbsaSentence>): string {
  let out = '';
  for (const s of sentences) out += serializeAbsaSentence(s);
  return out;
}

export function writeAbsa(file: string, sentences: Iterable<AbsaSentence>): void {
  writeFileAtomic(file, serializeAbsa(sentences));
}

/** Tokens of the text plus BIO (IOB2) tags: a token is inside a term when their character ranges overlap. */
export function absaToTagged(s: AbsaSentence): TaggedSentence & { offsets: [number, number][]; termRanges: [number, number][] } {
  const toks = tokenize(s.text);
  const spans = (s.terms ?? []).map((t) => {
    let start = -1;
    let end = -1;
    toks.forEach((k, i) => {
      if (k.start < t.to && k.end > t.from) {
        if (start < 0) start = i;
        end = i + 1;
      }
    });
    if (start < 0) throw new RangeError(`sentence ${s.id}: term '${t.term}' covers no token`);
    return { start, end, type: ASPECT_TYPE };
  });
  // Duplicate listings of one term (same tokens) are one span; other overlaps cannot be tagged and are errors.
  const uniq = [...new Map(spans.map((p) => [`${p.start}:${p.end}`, p])).values()].sort((a, b) => a.start - b.start);
  for (let i = 1; i < uniq.length; i++) if (uniq[i].start < uniq[i - 1].end) throw new RangeError(`sentence ${s.id}: aspect terms overlap on token ${uniq[i].start}`);
  return { id: s.id, words: toks.map((t) => t.text), tags: tagsOf(uniq, toks.length, 'IOB2'), offsets: toks.map((t) => [t.start, t.end]), termRanges: (s.terms ?? []).map((t) => [t.from, t.to]) };
}

/** Character ranges [from, to) of the terms that IOB2 `tags` mark over words at `words` ranges. */
export function termRangesFromTags(words: readonly (readonly [number, number])[], tags: readonly string[]): [number, number][] {
  if (tags.length !== words.length) throw new RangeError(`${tags.length} tags for ${words.length} tokens`);
  return spansOf(tags, 'IOB2').map((p) => [words[p.start]![0], words[p.end - 1]![1]]);
}

/** Terms from predicted IOB2 tags over `tokenize(s.text)`; offsets are character offsets into the text. */
export function termsFromTags(s: AbsaSentence, tags: readonly string[]): AbsaTerm[] {
  const toks = tokenize(s.text);
  if (tags.length !== toks.length) throw new RangeError(`sentence ${s.id}: ${tags.length} tags for ${toks.length} tokens`);
  return termRangesFromTags(toks.map((t) => [t.start, t.end]), tags).map(([from, to]) => ({ term: s.text.slice(from, to), from, to }));
}

export interface TermScore {
  gold: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * SemEval-2014 aspect term extraction as its official evaluation scores it: per sentence, a predicted term is correct
 * when a gold term has the same character offsets (terms listed twice count once). `ace eval --format absa` and the
 * aspect tagger's dev and test scores both go through here.
 */
export function scoreTermRanges(sentences: Iterable<{ gold: readonly (readonly [number, number])[]; pred: readonly (readonly [number, number])[] }>): TermScore {
  let gold = 0;
  let predicted = 0;
  let correct = 0;
  for (const s of sentences) {
    const g = new Set(s.gold.map(([a, b]) => `${a}:${b}`));
    const p = new Set(s.pred.map(([a, b]) => `${a}:${b}`));
    gold += g.size;
    predicted += p.size;
    for (const k of p) if (g.has(k)) correct++;
  }
  const precision = predicted ? correct / predicted : 0;
  const recall = gold ? correct / gold : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { gold, predicted, correct, precision, recall, f1 };
}

/**
 * The offset-level score of predicted tags (in `scheme`) on sentences that carry their character offsets (read from
 * ABSA XML); null when some sentence has none (aspect data from another format), where span F1 is all there is.
 */
export function scoreAspectTags(sentences: readonly TaggedSentence[], pred: readonly (readonly string[])[], scheme: TagScheme): TermScore | null {
  if (!sentences.every((s) => s.charOffsets !== undefined)) return null;
  return scoreTermRanges(sentences.map((s, i) => {
    const tags = pred[i] as readonly string[];
    return { gold: s.charOffsets!.terms, pred: termRangesFromTags(s.charOffsets!.words, scheme === 'IOB2' ? tags : convert(tags, scheme, 'IOB2')) };
  }));
}

function wsText(raw: string): XmlNode {
  return { type: 'text', raw, value: raw };
}

/**
 * Copy whose `<aspectTerms>` holds `terms` (removed when empty), laid out like the file: the indentation of
 * `<text>` for `<aspectTerms>`, one more step for each `<aspectTerm>`, attributes term, polarity, from, to, spaced
 * like the sentence's first existing `<aspectTerm>` (single spaces when it has none).
 */
export function absaWithTerms(s: AbsaSentence, terms: readonly AbsaTerm[]): AbsaSentence {
  const el = s.element;
  const kids = [...el.children];
  const textAt = kids.findIndex((c) => c.type === 'element' && c.name === 'text');
  const childIndent = textAt > 0 && kids[textAt - 1].type === 'text' ? (kids[textAt - 1] as { raw: string }).raw : '\n        ';
  const last = kids[kids.length - 1];
  const closeIndent = last && last.type === 'text' ? last.raw : '\n    ';
  const step = childIndent.startsWith(closeIndent) ? childIndent.slice(closeIndent.length) : '    ';
  let at = kids.findIndex((c) => c.type === 'element' && c.name === 'aspectTerms');
  // Attribute spacing follows an existing <aspectTerm> of the sentence (the test gold file has two spaces before from).
  const template = at >= 0 ? children(kids[at] as XmlElement, 'aspectTerm')[0] : undefined;
  const preOf = (name: string): string => template?.attrs.find((a) => a.name === name)?.pre ?? ' ';
  if (at >= 0) {
    // Drop the old element and the whitespace before it.
    const from = at > 0 && kids[at - 1].type === 'text' ? at - 1 : at;
    kids.splice(from, at - from + 1);
    at = from;
  } else at = textAt + 1;
  if (terms.length > 0) {
    const inner: XmlNode[] = [];
    for (const t of terms) {
      const attrs = [
        { name: 'term', value: t.term },
        ...(t.polarity !== undefined ? [{ name: 'polarity', value: t.polarity }] : []),
        { name: 'from', value: String(t.from) },
        { name: 'to', value: String(t.to) },
              // raw '\u0000' never decodes to the value, so the writer escapes the value afresh.
      ].map((a) => ({ ...a, raw: '\u0000', pre: preOf(a.name), eq: '=', quote: '"' as const }));
      inner.push(wsText(childIndent + step), { type: 'element', name: 'aspectTerm', attrs, openEnd: '', selfClosing: true, children: [], closeRaw: '', line: 0 });
    }
    inner.push(wsText(childIndent));
    const termsEl: XmlElement = { type: 'element', name: 'aspectTerms', attrs: [], openEnd: '', selfClosing: false, children: inner, closeRaw: '</aspectTerms>', line: 0 };
    kids.splice(at, 0, wsText(childIndent), termsEl);
  }
  const out: AbsaSentence = { ...s, element: { ...el, children: kids } };
  if (terms.length > 0) out.terms = terms.map((t) => ({ ...t }));
  else delete out.terms;
  return out;
}

export function countAbsa(sentences: Iterable<AbsaSentence>): { sentences: number; terms: number } {
  let n = 0;
  let terms = 0;
  for (const s of sentences) {
    n++;
    terms += s.terms?.length ?? 0;
  }
  return { sentences: n, terms };
}
