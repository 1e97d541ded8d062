// The compromise-pos candidate: the POS tag the npm tagger `compromise` gives each word, as a frozen one-hot vector.
import nlp from 'compromise';
import type { Sentence } from '../formats/types.js';
import { hashConfig } from '../util/hash.js';
import type { CandidateSpec, FrozenCandidate } from './candidate.js';

/** The slice of compromise's API used here: its JSON output with term offsets and ranked tags. */
interface CompromiseTerm {
  text: string;
  offset: { start: number; length: number };
  /** The term's tags, most specific first (compromise's own ranking, as its `out('tags')` uses). */
  tagRank?: string[];
}
interface CompromiseView {
  compute(what: string): CompromiseView;
  json(options: object): { terms: CompromiseTerm[] }[];
}
interface Compromise {
  (text: string): CompromiseView;
  version: string;
  world(): { model: { one: { tagSet: Record<string, unknown> } } };
}
const tagger = nlp as unknown as Compromise;

/** compromise's tag names in a stable (sorted) order; one-hot index = position, and one more for "no tag". */
export function compromiseTags(): string[] {
  return Object.keys(tagger.world().model.one.tagSet).sort();
}

/**
 * Each word's main compromise tag (the first of its ranked tags, what compromise's own CLI calls `bestTag`), or null where compromise gives none. The words
 * are joined by single spaces and tagged as one text; every compromise term is mapped back to the words its
 * character span overlaps, and a word takes the tag of the first non-empty term that overlaps it. compromise
 * keeps some punctuation as part of a neighbouring term's whitespace ("lamb ." is one term), so such words get
 * null; a contraction it expands ("can't" → can + not) takes the first part's tag.
 */
export function compromiseWordTags(words: readonly string[]): (string | null)[] {
  const out: (string | null)[] = words.map(() => null);
  if (words.length === 0) return out;
  const starts: number[] = [];
  let at = 0;
  for (const w of words) {
    starts.push(at);
    at += w.length + 1;
  }
  const doc = tagger(words.join(' '));
  doc.compute('tagRank');
  const terms = doc.json({ offset: true, terms: { offset: true, tagRank: true } }).flatMap((s) => s.terms);
  let w = 0;
  for (const term of terms) {
    const tag = term.tagRank?.[0];
    const { start, length } = term.offset;
    if (!tag || length === 0) continue;
    const end = start + length;
    while (w < words.length && starts[w] + words[w].length <= start) w++;
    for (let k = w; k < words.length && starts[k] < end; k++) if (out[k] === null) out[k] = tag;
  }
  return out;
}

/**
 * The candidate: dim = number of compromise tags + 1 (the last dimension marks "no tag"); each word's row is the
 * one-hot vector of its main tag. The task model's input projection turns it into a learned embedding of the tag.
 * Frozen (compromise's rules do not train), so cached like the other frozen candidates.
 */
export function createCompromisePosCandidate(spec: CandidateSpec): FrozenCandidate {
  const tags = compromiseTags();
  const index = new Map(tags.map((t, i) => [t, i]));
  const dim = tags.length + 1;
  return {
    spec,
    dim,
    frozen: true,
    configHash: hashConfig({ kind: 'compromise-pos', version: tagger.version, tags }),
    async embed(sentences: readonly Sentence[]): Promise<Float32Array[]> {
      return sentences.map((s) => {
        const rows = new Float32Array(s.words.length * dim);
        compromiseWordTags(s.words).forEach((tag, i) => (rows[i * dim + (tag === null ? tags.length : index.get(tag) ?? tags.length)] = 1));
        return rows;
      });
    },
  };
}
