// CoNLL-U: read (validated), write byte-exactly, and convert to tagging, tree and enhanced-graph views and back.
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { type Block, type BlockLayout, blocksOfFile, blocksOfText, layoutOf, renderBlock } from './blocks.js';
import type { GraphArc, GraphSentence, TaggedSentence, TreeSentence } from './types.js';

export const CONLLU_COLUMNS = ['id', 'form', 'lemma', 'upos', 'xpos', 'feats', 'head', 'deprel', 'deps', 'misc'] as const;
export type ConlluColumn = (typeof CONLLU_COLUMNS)[number];

/** One token line; `kind` from the id shape: `7` word, `3-4` multiword range, `8.1` empty node. */
export interface ConlluToken {
  kind: 'word' | 'range' | 'empty';
  /** The ten cells as written. */
  cells: string[];
}

export interface ConlluSentence {
  /** `# sent_id` value, when present. */
  id?: string;
  line: number;
  /** Comment lines, verbatim (with the leading '#'). */
  comments: string[];
  tokens: ConlluToken[];
  layout: BlockLayout;
}

export interface ConlluOptions {
  /** Require a basic tree: exactly one root and no cycle (true; UD validation level 2). */
  validateTree: boolean;
  /** Check DEPS entries (head:label with existing heads). Tweebank v2 writes normalisation features into column 9. */
  validateDeps: boolean;
}

export const DEFAULT_CONLLU_OPTIONS: Readonly<ConlluOptions> = Object.freeze({ validateTree: true, validateDeps: true });

const WORD_ID = /^[1-9][0-9]*$/;
const RANGE_ID = /^([1-9][0-9]*)-([1-9][0-9]*)$/;
const EMPTY_ID = /^([0-9]+)\.([1-9][0-9]*)$/;
const DEPS_HEAD = /^(0|[1-9][0-9]*)(\.[1-9][0-9]*)?$/;

function sentenceOf(block: Block, file: string, opts: ConlluOptions): ConlluSentence {
  const comments: string[] = [];
  const tokens: ConlluToken[] = [];
  let id: string | undefined;
  const lineOf: number[] = [];
  for (let i = 0; i < block.lines.length; i++) {
    const text = block.lines[i];
    const ln = block.line + i;
    if (text.startsWith('#')) {
      if (tokens.length > 0) throw new InputError(file, ln, 'comment line after the first token line');
      comments.push(text);
      const m = /^#\s*sent_id\s*=\s*(.*)$/.exec(text);
      if (m) id = m[1].trim();
      continue;
    }
    const cells = text.split('\t');
    if (cells.length !== 10) throw new InputError(file, ln, `expected 10 tab-separated columns, found ${cells.length}`);
    const tid = cells[0];
    const kind = WORD_ID.test(tid) ? 'word' : RANGE_ID.test(tid) ? 'range' : EMPTY_ID.test(tid) ? 'empty' : undefined;
    if (!kind) throw new InputError(file, ln, `bad token id '${tid}' (expected an integer, a range like 3-4, or an empty node like 8.1)`);
    tokens.push({ kind, cells });
    lineOf.push(ln);
  }
  const where = (i: number): number => lineOf[i];
  if (tokens.length === 0) throw new InputError(file, block.line, 'sentence has comments but no token lines');
  // Word ids must run 1..n; ranges must point at the next words; empty nodes sit after their word.
  const n = tokens.filter((t) => t.kind === 'word').length;
  let expect = 1;
  const emptyIds = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'word') {
      if (Number(t.cells[0]) !== expect) throw new InputError(file, where(i), `word id ${t.cells[0]} out of sequence (expected ${expect})`);
      expect++;
    } else if (t.kind === 'range') {
      const m = RANGE_ID.exec(t.cells[0])!;
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (a !== expect || b <= a || b > n) throw new InputError(file, where(i), `multiword range ${t.cells[0]} does not cover the next words (next word is ${expect}, sentence has ${n})`);
    } else {
      const m = EMPTY_ID.exec(t.cells[0])!;
      if (Number(m[1]) !== expect - 1) throw new InputError(file, where(i), `empty node ${t.cells[0]} not placed after word ${m[1]}`);
      emptyIds.add(t.cells[0]);
    }
  }
  const heads: number[] = [];
  let wi = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word') continue;
    const h = t.cells[6];
    if (h !== '_') {
      if (!/^(0|[1-9][0-9]*)$/.test(h)) throw new InputError(file, where(i), `HEAD '${h}' is not an integer`);
      if (Number(h) > n) throw new InputError(file, where(i), `HEAD ${h} out of range (sentence has ${n} words)`);
      if (Number(h) === wi + 1) throw new InputError(file, where(i), `word ${wi + 1} is its own head`);
    }
    heads.push(h === '_' ? -1 : Number(h));
    wi++;
  }
  for (let i = 0; i < tokens.length; i++) {
    const d = tokens[i].cells[8];
    if (!opts.validateDeps || d === '_' || tokens[i].kind === 'range') continue;
    for (const part of d.split('|')) {
      const c = part.indexOf(':');
      const head = c < 0 ? part : part.slice(0, c);
      if (c < 0 || !DEPS_HEAD.test(head)) throw new InputError(file, where(i), `bad DEPS entry '${part}' (expected head:label)`);
      if (head.includes('.') ? !emptyIds.has(head) : Number(head) > n) throw new InputError(file, where(i), `DEPS head ${head} does not exist in the sentence`);
    }
  }
  if (opts.validateTree && heads.length > 0 && heads.every((h) => h >= 0)) {
    const label = id ?? `sentence at line ${block.line}`;
    const roots = heads.flatMap((h, i) => (h === 0 ? [i + 1] : []));
    if (roots.length !== 1) throw new InputError(file, block.line, `${label}: a basic tree needs exactly one root, found ${roots.length}${roots.length ? ` (words ${roots.join(', ')})` : ''}`);
    // Follow heads from each word; a walk longer than n without reaching 0 is a cycle.
    for (let start = 1; start <= n; start++) {
      let v = start;
      for (let steps = 0; v !== 0; steps++) {
        if (steps > n) throw new InputError(file, block.line, `${label}: the basic tree has a cycle through word ${start}`);
        v = heads[v - 1];
      }
    }
  }
  const s: ConlluSentence = { line: block.line, comments, tokens, layout: layoutOf(block) };
  if (id !== undefined) s.id = id;
  return s;
}

export function parseConllu(text: string, file = '<string>', options: Partial<ConlluOptions> = {}): ConlluSentence[] {
  const opts = { ...DEFAULT_CONLLU_OPTIONS, ...options };
  return blocksOfText(text, file).map((b) => sentenceOf(b, file, opts));
}

export async function* readConllu(file: string, options: Partial<ConlluOptions> = {}): AsyncGenerator<ConlluSentence> {
  const opts = { ...DEFAULT_CONLLU_OPTIONS, ...options };
  for await (const b of blocksOfFile(file)) yield sentenceOf(b, file, opts);
}

export function serializeConlluSentence(s: ConlluSentence): string {
  return renderBlock([...s.comments, ...s.tokens.map((t) => t.cells.join('\t'))], s.layout);
}

export function serializeConllu(sentences: Iterable<ConlluSentence>): string {
  let out = '';
  for (const s of sentences) out += serializeConlluSentence(s);
  return out;
}

export function writeConllu(file: string, sentences: Iterable<ConlluSentence>): void {
  writeFileAtomic(file, serializeConllu(sentences));
}

function words(s: ConlluSentence): ConlluToken[] {
  return s.tokens.filter((t) => t.kind === 'word');
}

function col(name: ConlluColumn): number {
  return CONLLU_COLUMNS.indexOf(name);
}

function withId<T extends { id?: string | undefined }>(v: T, s: ConlluSentence): T {
  if (s.id !== undefined) v.id = s.id;
  return v;
}

/** Tagging view over syntactic words: `label` (upos, xpos, ...) becomes tags; lemma/upos/xpos other than it are features. */
export function conlluToTagged(s: ConlluSentence, label: ConlluColumn = 'upos'): TaggedSentence {
  const ws = words(s);
  const features: Record<string, string[]> = {};
  for (const f of ['lemma', 'upos', 'xpos'] as const) if (f !== label) features[f] = ws.map((t) => t.cells[col(f)]);
  return withId<TaggedSentence>({ words: ws.map((t) => t.cells[1]), tags: ws.map((t) => t.cells[col(label)]), features }, s);
}

/** The line of token `i` of a sentence read by parseConllu: its comment lines come first, one line per token after. */
function tokenLine(s: ConlluSentence, i: number): number {
  return s.line + s.comments.length + i;
}

/**
 * Basic-tree view over syntactic words (multiword ranges and empty nodes skipped). A word whose HEAD is `_` is an
 * InputError naming `file` and its line (a tree task cannot learn from it), unless `missingHeads` is 'allow' (a file
 * to parse, whose heads are placeholders): such heads are then -1.
 */
export function conlluToTree(s: ConlluSentence, file = 'CoNLL-U input', options: { missingHeads?: 'error' | 'allow' } = {}): TreeSentence {
  const ws = words(s);
  const heads = ws.map((t) => (t.cells[6] === '_' ? -1 : Number(t.cells[6])));
  const missing = heads.indexOf(-1);
  if (missing >= 0 && options.missingHeads !== 'allow') {
    const at = s.tokens.indexOf(ws[missing] as ConlluToken);
    const count = heads.filter((h) => h < 0).length;
    throw new InputError(file, tokenLine(s, at), `word ${missing + 1} '${ws[missing]?.cells[1]}' has no HEAD ('_'${count > 1 ? `, as ${count - 1} more words of this sentence` : ''}); a dependency task needs a head for every word`);
  }
  return withId<TreeSentence>({ words: ws.map((t) => t.cells[1]), features: { upos: ws.map((t) => t.cells[3]), xpos: ws.map((t) => t.cells[4]) }, heads, rels: ws.map((t) => t.cells[7]) }, s);
}

/**
 * Enhanced-graph view from DEPS over surface words. Empty nodes are collapsed the way the IWPT 2020 scorer's
 * enhanced_collapse_empty_nodes does: a word attached to empty node E with label b, where E hangs from H with
 * label a, becomes an arc H → word labelled `a>b` (chains of empty nodes concatenate further). Head 0 arcs keep
 * their label (normally `root`).
 */
export function conlluToGraph(s: ConlluSentence): GraphSentence {
  const deps = new Map<string, { head: string; label: string }[]>();
  for (const t of s.tokens) {
    if (t.kind === 'range' || t.cells[8] === '_') continue;
    deps.set(
      t.cells[0],
      t.cells[8].split('|').map((p) => {
        const c = p.indexOf(':');
        if (c < 0 || !DEPS_HEAD.test(p.slice(0, c))) throw new RangeError(`${s.id ?? `sentence at line ${s.line}`}: bad DEPS entry '${p}'`);
        return { head: p.slice(0, c), label: p.slice(c + 1) };
      }),
    );
  }
  const arcs: GraphArc[] = [];
  const resolve = (dep: number, head: string, label: string, seen: Set<string>): void => {
    if (!head.includes('.')) {
      arcs.push({ dep, head: Number(head), label });
      return;
    }
    if (seen.has(head)) return; // a cycle among empty nodes cannot reach a surface word
    seen.add(head);
    for (const up of deps.get(head) ?? []) resolve(dep, up.head, `${up.label}>${label}`, seen);
  };
  const ws = words(s);
  ws.forEach((t, i) => {
    for (const d of deps.get(t.cells[0]) ?? []) resolve(i + 1, d.head, d.label, new Set());
  });
  return withId<GraphSentence>({ words: ws.map((t) => t.cells[1]), features: { upos: ws.map((t) => t.cells[3]), xpos: ws.map((t) => t.cells[4]) }, arcs }, s);
}

function mapWords(s: ConlluSentence, f: (cells: string[], i: number) => string[]): ConlluSentence {
  let i = 0;
  return { ...s, tokens: s.tokens.map((t) => (t.kind === 'word' ? { kind: t.kind, cells: f(t.cells, i++) } : t)) };
}

/** Copy with predicted tags written into `label` column of each word. */
export function conlluWithTags(s: ConlluSentence, tags: readonly string[], label: ConlluColumn = 'upos'): ConlluSentence {
  checkLength(s, tags.length);
  return mapWords(s, (c, i) => c.map((v, j) => (j === col(label) ? tags[i] : v)));
}

/** Copy with predicted heads and relations in HEAD/DEPREL. */
export function conlluWithTree(s: ConlluSentence, heads: readonly number[], rels: readonly string[]): ConlluSentence {
  checkLength(s, heads.length);
  checkLength(s, rels.length);
  return mapWords(s, (c, i) => c.map((v, j) => (j === 6 ? String(heads[i]) : j === 7 ? rels[i] : v)));
}

/**
 * Copy with predicted arcs in DEPS (sorted by head, then label, as UD asks). Empty nodes are removed, since the
 * predicted graph is over surface words with collapsed labels; word ids do not change.
 */
export function conlluWithGraph(s: ConlluSentence, arcs: readonly GraphArc[]): ConlluSentence {
  const n = words(s).length;
  const per: GraphArc[][] = Array.from({ length: n }, () => []);
  for (const a of arcs) {
    if (a.dep < 1 || a.dep > n || a.head < 0 || a.head > n) throw new RangeError(`arc ${a.head}→${a.dep} outside a sentence of ${n} words`);
    per[a.dep - 1].push(a);
  }
  const out = mapWords(s, (c, i) => {
    const list = per[i].sort((a, b) => a.head - b.head || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    return c.map((v, j) => (j === 8 ? (list.length ? list.map((a) => `${a.head}:${a.label}`).join('|') : '_') : v));
  });
  out.tokens = out.tokens.filter((t) => t.kind !== 'empty');
  return out;
}

function checkLength(s: ConlluSentence, got: number): void {
  const n = words(s).length;
  if (got !== n) throw new RangeError(`${got} predictions for ${s.id ?? `sentence at line ${s.line}`} with ${n} words`);
}

export function countConllu(sentences: Iterable<ConlluSentence>): { sentences: number; tokens: number; multiword: number; empty: number } {
  let n = 0;
  let tokens = 0;
  let multiword = 0;
  let empty = 0;
  for (const s of sentences) {
    n++;
    for (const t of s.tokens) {
      if (t.kind === 'word') tokens++;
      else if (t.kind === 'range') multiword++;
      else empty++;
    }
  }
  return { sentences: n, tokens, multiword, empty };
}
