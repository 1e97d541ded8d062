// Tokenization agreement: precision, recall and F1 over token spans of the text's non-space characters (as the CoNLL 2018 Tokens metric counts them).

export interface TokenAgreement {
  gold: number;
  system: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
  /** Sentences whose tokens spell other characters than the gold ones (scored as all wrong). */
  mismatched: number;
}

const SPACES = /\s/gu;

/** [start, end) of each token in the concatenation of the tokens with whitespace removed. */
function spansOf(tokens: readonly string[]): { text: string; spans: Set<string> } {
  let offset = 0;
  let text = '';
  const spans = new Set<string>();
  for (const t of tokens) {
    const form = t.replace(SPACES, '');
    if (form === '') continue;
    spans.add(`${offset}:${offset + form.length}`);
    offset += form.length;
    text += form;
  }
  return { text, spans };
}

/**
 * Gold and system tokens per sentence → how many tokens cover the same characters. A sentence whose two
 * tokenizations spell different characters counts its tokens, none correct, and is reported in `mismatched`.
 */
export function tokenAgreement(pairs: Iterable<{ gold: readonly string[]; system: readonly string[] }>): TokenAgreement {
  let gold = 0;
  let system = 0;
  let correct = 0;
  let mismatched = 0;
  for (const p of pairs) {
    const g = spansOf(p.gold);
    const s = spansOf(p.system);
    gold += g.spans.size;
    system += s.spans.size;
    if (g.text !== s.text) {
      mismatched++;
      continue;
    }
    for (const k of s.spans) if (g.spans.has(k)) correct++;
  }
  return {
    gold, system, correct, mismatched,
    precision: system > 0 ? correct / system : 0,
    recall: gold > 0 ? correct / gold : 0,
    f1: gold + system > 0 ? (2 * correct) / (gold + system) : 0,
  };
}

/** What a CoNLL-U sentence says of its own tokenization: its raw text and its tokens and words. */
export interface ConlluTokenization {
  /** The `# text` comment (undefined when absent). */
  text: string | undefined;
  /** Surface tokens: multiword tokens whole, other words as they are. */
  tokens: string[];
  /**
   * Syntactic words, as a parser sees them; a multiword token whose words do not spell it (UD's "vámonos" → vamos
   * nos) stays one unit, so that both sides cover the same characters.
   */
  words: string[];
}

export function conlluTokenization(s: { comments: readonly string[]; tokens: readonly { kind: string; cells: readonly string[] }[] }): ConlluTokenization {
  const text = s.comments.map((c) => /^#\s*text\s*=\s?(.*)$/.exec(c)).find((m) => m !== null)?.[1];
  const tokens: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < s.tokens.length; i++) {
    const t = s.tokens[i] as { kind: string; cells: readonly string[] };
    if (t.kind === 'empty') continue;
    const form = t.cells[1] as string;
    tokens.push(form);
    if (t.kind === 'word') {
      words.push(form);
      continue;
    }
    const [a, b] = (t.cells[0] as string).split('-').map(Number) as [number, number];
    const parts = s.tokens.slice(i + 1, i + 1 + (b - a + 1)).map((w) => w.cells[1] as string);
    words.push(...(parts.join('') === form ? parts : [form]));
    i += b - a + 1;
  }
  return { text, tokens, words };
}
