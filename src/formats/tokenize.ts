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
