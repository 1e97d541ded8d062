// A deterministic English tokenizer that keeps character offsets (ABSA tagging, raw-text prediction).

export interface Token {
  text: string;
  /** Offset of the first UTF-16 code unit in the input. */
  start: number;
  /** Offset just past the last code unit (text === input.slice(start, end)). */
  end: number;
}

const WORD = /[\p{L}\p{N}\p{M}]/u;
/** Joiners kept inside a word when a letter or digit follows: 3.5, N.V, don't, e_mail, AT&T. Hyphens and slashes split (well-built, size/weight). */
const JOINER = /['’._&@]/;
const SPACE = /\s/u;

function isWord(ch: string): boolean {
  return WORD.test(ch);
}

/**
 * Rules, in order: whitespace separates; a word is a run of letters, digits and marks, extended over a joiner
 * only when a letter or digit follows it; every other character is its own token, except that a run of the
 * same punctuation character (`...`, `!!!`, `--`) stays one token. Works on code points, so surrogate pairs
 * (emoji) are never split.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const cps = Array.from(text);
  const offs: number[] = [];
  let o = 0;
  for (const c of cps) {
    offs.push(o);
    o += c.length;
  }
  offs.push(o);
  let i = 0;
  while (i < cps.length) {
    const c = cps[i];
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    if (isWord(c)) {
      while (j < cps.length && (isWord(cps[j]) || (JOINER.test(cps[j]) && j + 1 < cps.length && isWord(cps[j + 1])))) j++;
    } else {
      while (j < cps.length && cps[j] === c) j++;
    }
    out.push({ text: text.slice(offs[i], offs[j]), start: offs[i], end: offs[j] });
    i = j;
  }
  return out;
}

/** Grapheme clusters made only of control and format characters (BEL, zero-width space, bidi overrides, BOM, soft hyphen). */
const CONTROL_ONLY = /^[\p{Cc}\p{Cf}]+$/u;
const WHITESPACE = /\s/u;
const SEPARATING_CONTROL = /[\p{Cc}\u200B]/u;
/** Stretches of a chunk kept whole: e-mail (the word), URLs, e-mail addresses and @handles, #hashtags. */
const PROTECTED = /(?<![\p{L}\p{N}])[eE]-mails?(?![\p{L}\p{N}])|(?:https?|ftp):\/\/[^\s<>"]+|www\.[^\s<>"]+|[\p{L}\p{N}._%+-]*@[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*|#[\p{L}_][\p{L}\p{N}_]*/gu;
/** Closing punctuation after a URL belongs to the sentence. */
const URL_TAIL = /[.,;:!?)\]"'”’]+$/u;
/** Emoticons as web treebanks keep them: :) ;-) :D :( =) <3 ... */
const EMOTICON = /^(?:[:;=8][-o'^]?[()[\]dDpP/\\|*3oO]+|<3+|\^_*\^)$/u;
/** Clitics split off their host, as in the Penn Treebank and UD English: n't first (can't → ca n't), then 's 're 'll 've 'd 'm. */
const NEGATION = /^(\p{L}+)(n['’]t)$/iu;
const CLITIC = /^(.+?)(['’](?:s|re|ll|ve|d|m))$/iu;
/** Fused forms the treebanks split without an apostrophe. */
const FUSED: Readonly<Record<string, readonly [number]>> = { cannot: [3], gonna: [3], gotta: [3], wanna: [3], outta: [3] };
/** Abbreviations that keep their period (the word before it, lowercased); EWT writes "etc ." apart. */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'mr', 'mrs', 'ms', 'dr', 'jr', 'sr', 'st', 'prof', 'capt', 'gen', 'sen', 'rep', 'gov', 'inc', 'ltd', 'co', 'corp', 'bros', 'vs', 'no', 'mt',
  'jan', 'feb', 'mar', 'apr', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'approx', 'dept', 'est', 'ext', 'fig', 'vol', 'ave', 'blvd',
]);
/** Punctuation a run of which stays one token: the same mark repeated (... -- <<), or end marks mixed (?! .?). */
const REPEATABLE = /^[.\-!?*=~_<>$#+]$/u;
const END_MARK = /^[.!?]$/u;
/** Between two pieces with digits, with no space: joins them (713-853-3989, 2-0, 02/13/2001; any two words when hyphenated words are kept); ':' between digits (5:00, 12:42:55). */
const JOINER_BETWEEN = /^[-/]$/u;
const ALNUM = /^[\p{L}\p{N}]+(?:[-/:][\p{L}\p{N}]+)*$/u;
const DIGITS = /^\p{N}+(?::\p{N}+)*$/u;
const HAS_DIGIT = /\p{N}/u;

export interface TextTokenizerOptions {
  /**
   * Words joined by a hyphen or slash: 'split' as UD English EWT writes them (full - time, and / or; e-mail stays
   * whole), 'keep' as the Penn Treebank and CoNLL-2003 do (full-time). Either way digits on both sides join
   * (713-853-3989, 2-0, 02/13/2001).
   */
  hyphenated: 'split' | 'keep';
}

export const TEXT_TOKENIZER_DEFAULTS: Readonly<TextTokenizerOptions> = Object.freeze({ hyphenated: 'split' });

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** [start, end) pieces of one whitespace-free chunk, in chunk offsets. */
function chunkPieces(chunk: string, options: TextTokenizerOptions): [number, number][] {
  if (EMOTICON.test(chunk)) return [[0, chunk.length]];
  const out: [number, number][] = [];
  let at = 0;
  for (const m of chunk.matchAll(PROTECTED)) {
    let s = m.index;
    let e = s + m[0].length;
    if (/^(?:https?|ftp|www)/iu.test(m[0])) e -= URL_TAIL.exec(m[0])?.[0].length ?? 0;
    // An address needs something on both sides of its @; a lone "@" stays punctuation.
    if (m[0].startsWith('@') && e - s < 2) continue;
    if (e <= s) continue;
    out.push(...plainPieces(chunk.slice(at, s), options).map(([a, b]): [number, number] => [a + at, b + at]));
    out.push([s, e]);
    at = e;
    s = e;
  }
  out.push(...plainPieces(chunk.slice(at), options).map(([a, b]): [number, number] => [a + at, b + at]));
  return out;
}

/** Pieces of text with no URL or address: word segments with the treebank rules applied. */
function plainPieces(chunk: string, options: TextTokenizerOptions): [number, number][] {
  const pieces: [number, number][] = [];
  const text = (p: [number, number]): string => chunk.slice(p[0], p[1]);
  const segments = [...wordSegmenter.segment(chunk)];
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k] as Intl.SegmentData;
    const s = seg.index;
    const e = s + seg.segment.length;
    const prev = pieces[pieces.length - 1];
    if (!seg.isWordLike) {
      const before = prev ? text(prev) : '';
      const adjacent = prev !== undefined && prev[1] === s;
      // A run of the same punctuation mark, or of end marks, is one token.
      if (adjacent && REPEATABLE.test(seg.segment) && [...before].every((c) => c === seg.segment || (END_MARK.test(c) && END_MARK.test(seg.segment)))) {
        prev[1] = e;
        continue;
      }
      if (adjacent && END_MARK.test(seg.segment) && /^[.!?]+$/u.test(before)) {
        prev[1] = e;
        continue;
      }
      // A period closes an abbreviation or an initial before it (unless more periods follow).
      if (seg.segment === '.' && adjacent && isAbbreviation(before) && segments[k + 1]?.segment !== '.') {
        prev[1] = e;
        continue;
      }
      pieces.push([s, e]);
      continue;
    }
    const parts = splitClitics(seg.segment).map(([a, b]): [number, number] => [s + a, s + b]);
    // word-word, 713-853, b/c, 5:00: the joiner and this word join the piece before.
    const joiner = pieces[pieces.length - 1];
    const host = pieces[pieces.length - 2];
    const first = parts[0] as [number, number];
    if (joiner && host && host[1] === joiner[0] && joiner[1] === first[0] && ALNUM.test(text(host)) && ALNUM.test(text(first))
      && ((JOINER_BETWEEN.test(text(joiner)) && (options.hyphenated === 'keep' || (HAS_DIGIT.test(text(host)) && HAS_DIGIT.test(text(first)))))
        || (text(joiner) === ':' && DIGITS.test(text(host)) && DIGITS.test(text(first))))) {
      pieces.pop();
      host[1] = first[1];
      pieces.push(...parts.slice(1));
      continue;
    }
    pieces.push(...parts);
  }
  return pieces;
}

function isAbbreviation(word: string): boolean {
  // U.S, e.g, a.m: letters with inner periods; or a listed title or short form.
  return /^\p{L}(?:\.\p{L})+$/u.test(word) || /^\p{Lu}$/u.test(word) || ABBREVIATIONS.has(word.toLowerCase());
}

/** A word split as the treebanks split it: do|n't, John|'s, I|'m, can|not, gon|na. Offsets within the word. */
function splitClitics(word: string): [number, number][] {
  const fused = FUSED[word.toLowerCase()];
  if (fused) return [[0, fused[0]], [fused[0], word.length]];
  const neg = NEGATION.exec(word);
  if (neg && (neg[1] as string).length > 0) {
    const cut = (neg[1] as string).length;
    return [[0, cut], [cut, word.length]];
  }
  const clitic = CLITIC.exec(word);
  if (clitic) {
    const cut = (clitic[1] as string).length;
    return [[0, cut], [cut, word.length]];
  }
  return [[0, word.length]];
}

/**
 * Raw text → tokens as English treebanks (Penn Treebank, UD English EWT) tokenize: grapheme clusters from the
 * platform's Intl.Segmenter (so an emoji ZWJ sequence or a letter with its combining marks is never split), word
 * boundaries from its word segmenter (Unicode UAX #29: 3.5, 1,000 and don't stay whole), then the treebank rules:
 * clitics split off (do n't, John 's, I 'm, can not, gon na), abbreviations keep their period (U.S., Mr., etc.),
 * runs of one punctuation mark stay one token (..., --), URLs, e-mail addresses and emoticons stay whole. Clusters of
 * control or format characters only are dropped (controls such as BEL and the zero-width space then separate
 * words; bidi controls, BOM and soft hyphens vanish); they are kept inside a cluster (the joiners of an emoji sequence). A token's `text` is its characters without dropped ones;
 * start/end are its offsets in the input.
 */
export function tokenizeText(text: string, options: TextTokenizerOptions = TEXT_TOKENIZER_DEFAULTS): Token[] {
  // The kept characters and the input offset of each (UTF-16 units), plus the end.
  let clean = '';
  const origin: number[] = [];
  for (const { segment, index } of graphemeSegmenter.segment(text)) {
    if (CONTROL_ONLY.test(segment)) {
      // Controls (BEL, ESC …) and the zero-width space separate words; other format characters vanish.
      if (SEPARATING_CONTROL.test(segment)) {
        clean += ' ';
        origin.push(index);
      }
      continue;
    }
    clean += segment;
    for (let k = 0; k < segment.length; k++) origin.push(index + k);
  }
  const out: Token[] = [];
  let i = 0;
  while (i < clean.length) {
    if (WHITESPACE.test(clean[i] as string)) {
      i++;
      continue;
    }
    let j = i;
    while (j < clean.length && !WHITESPACE.test(clean[j] as string)) j++;
    for (const [a, b] of chunkPieces(clean.slice(i, j), options)) {
      const start = origin[i + a] as number;
      const end = (origin[i + b - 1] as number) + 1;
      // A surrogate pair's second unit has its own origin entry, so `end` covers it.
      out.push({ text: clean.slice(i + a, i + b), start, end });
    }
    i = j;
  }
  return out;
}
